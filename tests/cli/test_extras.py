"""The install extras: what each means, and that the test venvs are built through them.

A venv is ``pip install -e ".[agentscope1,cli,test]" -r requirements/<venv>.txt`` (or
``agentscope2``), where ``requirements/<venv>-agentscope.txt`` pins the line's packages
as constraints only: AgentScope and what it needs come from the extra alone, so a
package the extra forgets is missing from the venv the whole suite runs in.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from otelscope.package import _instruments
from tests.cli import readme

REQUIREMENTS = readme.ROOT / "requirements"
# Each line's venvs, their extra, and the AgentScope release each one runs the suite on.
VENVS = {
    "as1": ("agentscope1", "1.0.21"),
    "as1-oldest": ("agentscope1", "1.0.8"),
    "as2": ("agentscope2", "2.0.11"),
}


def _extras() -> dict[str, list[Requirement]]:
    project = tomllib.loads((readme.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"]["optional-dependencies"]
    return {name: [Requirement(text) for text in texts] for name, texts in optional.items()}


def _extra(name: str) -> dict[str, Requirement]:
    return {requirement.name: requirement for requirement in _extras()[name]}


def _pins(path: str) -> dict[str, str]:
    """``name==version`` lines of a requirements file (not the files it includes)."""
    found = {}
    for line in (REQUIREMENTS / path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_instruments_is_the_supported_range_and_instrumentation_dependencies_say_it() -> None:
    (instruments,) = _extras()["instruments"]
    (declared,) = map(Requirement, _instruments)
    assert (instruments.name, instruments.specifier) == (declared.name, declared.specifier)
    assert instruments.name == "agentscope"
    supported = ["1.0.8", "1.0.21", "1.9.0", "2.0.0", "2.0.11", "2.9.0"]
    unsupported = ["1.0.7", "0.9.0", "3.0.0"]
    assert [instruments.specifier.contains(v) for v in supported] == [True] * 6
    assert [instruments.specifier.contains(v) for v in unsupported] == [False] * 3


def test_each_lines_extra_takes_its_line_only() -> None:
    one, two = _extra("agentscope1"), _extra("agentscope2")
    (instruments,) = _extras()["instruments"]
    for extra, inside, outside in (
        (one, ["1.0.8", "1.0.21"], ["1.0.7", "2.0.0", "2.0.11"]),
        (two, ["2.0.0", "2.0.11"], ["1.0.21", "3.0.0"]),
    ):
        specifier = extra["agentscope"].specifier
        assert [specifier.contains(v) for v in inside] == [True] * len(inside)
        assert [specifier.contains(v) for v in outside] == [False] * len(outside)
        assert all(instruments.specifier.contains(v) for v in inside)
    # 1.x fails to import with mcp 2.x; 2.x needs it.
    assert one["mcp"].specifier.contains("1.30.0") and not one["mcp"].specifier.contains("2.0.0")
    assert two["mcp"].specifier.contains("2.3.0") and not two["mcp"].specifier.contains("1.30.0")
    # What AgentScope 1.x imports without declaring it, and the last openai it streams with.
    assert {"greenlet", "tqdm"} <= set(one)
    assert one["openai"].specifier.contains("3.24.0")
    assert not one["openai"].specifier.contains("3.25.0")


@pytest.mark.parametrize("venv", sorted(VENVS))
def test_each_venv_pins_its_lines_packages_as_constraints_inside_its_extra(venv: str) -> None:
    extra, release = VENVS[venv]
    pins = _pins(f"{venv}-agentscope.txt")
    assert pins["agentscope"] == release
    requirements = _extra(extra)
    # Every package the extra names is pinned, and within the extra's range.
    assert set(pins) == set(requirements)
    for name, version in pins.items():
        assert requirements[name].specifier.contains(version), (name, version)
    listed = (REQUIREMENTS / f"{venv}.txt").read_text(encoding="utf-8").splitlines()
    assert f"-c {venv}-agentscope.txt" in listed
    # The line's packages come from the extra, not from the requirements file.
    assert set(_pins(f"{venv}.txt")).isdisjoint({"agentscope", "mcp", "greenlet", "tqdm"})


def test_the_makefile_builds_each_venv_through_its_extra() -> None:
    makefile = (readme.ROOT / "Makefile").read_text(encoding="utf-8")
    for venv, (extra, _) in VENVS.items():
        assert re.search(rf"^EXTRA_{venv} := {extra}$", makefile, re.MULTILINE), venv
    install = '-m pip install --quiet -e ".[$(EXTRA_$*),cli,test]" -r requirements/$*.txt'
    assert install in makefile


def _this_venvs_extra() -> str:
    return f"agentscope{Version(metadata.version('agentscope')).major}"


def test_this_venv_holds_what_its_extra_asks_for() -> None:
    for name in (_this_venvs_extra(), "cli", "test"):
        for requirement in _extras()[name]:
            installed = metadata.version(requirement.name)
            assert requirement.specifier.contains(installed, prereleases=True), (
                requirement,
                installed,
            )


@pytest.mark.parametrize(
    "command",
    [command for command in readme.shell_commands() if command.argv[:2] == ("pip", "install")],
    ids=lambda command: command.text,
)
def test_every_pip_install_in_the_readme_is_how_a_test_venv_is_built(command) -> None:
    """The README's installs need the network; the test venvs are built the same way.

    ``.[extras]`` is what the Makefile installs into the venvs of that line (checked
    above, and this venv holds what its extra asks for); a package named beside it is
    pinned in requirements/common.txt and installed here.
    """
    extras = _extras()
    common = _pins("common.txt")
    built_with = {"cli", "test", *(extra for extra, _ in VENVS.values())}
    for word in command.argv[2:]:
        if word.startswith(".["):
            named = set(word[2:-1].split(","))
            assert named <= set(extras), word
            assert named <= built_with, word
        else:
            assert word in common, f"{word} is not pinned in requirements/common.txt"
            assert metadata.version(word) == common[word]
