"""Every command the README shows is run by a test, and the README's walk-through runs.

``COVERED`` names, for each command of the README's ``sh`` blocks, the test that runs it
or its exact equivalent. A command added to the README without a test, or a test name
that no longer exists, fails here, so the README and the suite stay in step.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from otelscope.store import read_store
from tests.cli import readme
from tests.cli.launches import TIMEOUT_SECONDS, WEATHER_APP
from tests.cli.tree_shapes import WEATHER_TREE, shapes

_PIP = "tests/cli/test_extras.py::test_every_pip_install_in_the_readme_is_how_a_test_venv_is_built"
_WALK = "tests/cli/test_readme_commands.py::test_trace_your_own_program_as_the_readme_shows_it"
_MAKE = (
    "tests/cli/test_readme_commands.py::test_the_make_commands_are_targets_and_ci_runs_make_test"
)
_ROUTE = "tests/cli/test_instrument_route.py"

# The README's commands (as `Command.text` spells them: no quotes, no comments) and the
# test that runs each one, or its exact equivalent.
COVERED = {
    # `make demo` is `.venv/as1/bin/otelscope demo` (checked by _MAKE).
    "make demo": "tests/cli/test_demo.py::"
    "test_demo_prints_the_trees_of_its_stored_traces_and_ends_with_the_page",
    # Installing needs the network: the test venvs are built by the same command.
    "pip install .[cli,agentscope1]": _PIP,
    "pip install .[cli,agentscope2]": _PIP,
    "pip install .[agentscope1] opentelemetry-distro opentelemetry-exporter-otlp": _PIP,
    "otelscope run python app.py": _WALK,
    "otelscope show": _WALK,
    "otelscope show 9fbe": _WALK,
    "otelscope show --content 9fbe": _WALK,
    "otelscope show --html trace.html 9fbe": _WALK,
    "OTEL_SERVICE_NAME=my-agent OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "
    "OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 opentelemetry-instrument python app.py": (
        f"{_ROUTE}::test_otlp_over_http_receives_the_agents_trace"
    ),
    "OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none "
    "opentelemetry-instrument python app.py": (
        f"{_ROUTE}::test_the_console_exporter_prints_the_agents_trace"
    ),
    # What CI runs (.ci/run), and a subset of it.
    "make test": _MAKE,
    "make test-fast": _MAKE,
    # Benchmarks run by hand (each builds a large store): only their targets are checked.
    "make bench-store": _MAKE,
    "make bench-view": _MAKE,
    "otelscope show --prices my-prices.toml 9fbe": (
        "tests/cli/test_cost.py::test_show_takes_the_users_prices"
    ),
    "otelscope stats": "tests/cli/test_stats.py::test_stats_of_the_whole_store",
    "otelscope stats --last 1h --json": "tests/cli/test_stats.py::test_the_last_hour",
    "otelscope view": "tests/viewer/test_view_command.py::test_the_readme_commands",
    "otelscope view --all -o traces.html": (
        "tests/viewer/test_view_command.py::test_the_readme_commands"
    ),
}

# Words that start a command: a block that is not `sh` must not begin a line with one.
_COMMAND_WORDS = {
    "make",
    "pip",
    "pip3",
    "python",
    "python3",
    "otelscope",
    "opentelemetry-instrument",
    "opentelemetry-bootstrap",
    "uvicorn",
    "export",
    "cd",
    "git",
    "curl",
    "docker",
    "$",
}


def test_every_readme_command_is_covered_by_a_test() -> None:
    shown = {command.text: command for command in readme.shell_commands()}
    uncovered = [f"README.md:{c.line}: {text}" for text, c in shown.items() if text not in COVERED]
    stale = sorted(set(COVERED) - set(shown))
    assert uncovered == [], (
        "README commands that no test runs: add a test that runs each, and name it in "
        "COVERED (tests/cli/test_readme_commands.py)"
    )
    assert stale == [], "COVERED names commands the README no longer shows: remove them"


@pytest.mark.parametrize("node", sorted(set(COVERED.values())))
def test_every_covering_test_exists(node: str) -> None:
    path, _, name = node.partition("::")
    source = (readme.ROOT / path).read_text(encoding="utf-8")
    functions = {
        definition.name
        for definition in ast.walk(ast.parse(source))
        if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    assert name in functions, f"{node} does not exist"


def test_commands_are_only_in_sh_blocks() -> None:
    untagged = [
        f"README.md:{block.line + offset}: {line}"
        for block in readme.blocks()
        if block.language not in (readme.SHELL, "python")
        for offset, line in enumerate(block.lines, start=1)
        if line.split(" ", 1)[0] in _COMMAND_WORDS or re.match(r"^[A-Z_]+=\S", line)
    ]
    assert untagged == [], "commands in a block not tagged `sh` (the coverage test skips them)"


def test_the_parser_joins_continuations_and_drops_comments() -> None:
    text = (
        "## Here\n\n```sh\nA=1 B='two words' \\\n    run x   # a comment\n\nrun y\n```\n\n"
        "```\nrun z\n```\n"
    )
    first, second = readme.shell_commands(text)
    assert (first.text, first.section, first.line) == ("A=1 B=two words run x", "Here", 4)
    assert (first.assignments, first.argv) == ({"A": "1", "B": "two words"}, ("run", "x"))
    assert (second.text, second.line) == ("run y", 7)


def _make_targets() -> dict[str, list[str]]:
    """Each target of the Makefile with its recipe lines."""
    targets: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (readme.ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line.strip())
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+):(?!=)", line)
        current = targets.setdefault(match.group(1), []) if match else None
    return targets


def test_the_make_commands_are_targets_and_ci_runs_make_test() -> None:
    targets = _make_targets()
    for command in readme.shell_commands():
        if command.argv[0] == "make":
            assert command.argv[1] in targets, command.text
    # `make demo` runs the command tests/cli/test_demo.py runs, on AgentScope 1.x.
    assert targets["demo"] == ["$(AS1)/bin/otelscope demo"]
    assert "make test " in (readme.ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _run(command: readme.Command, cwd: Path, replacements: dict[str, str]):
    argv, env = readme.prepare(command, replacements)
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def test_trace_your_own_program_as_the_readme_shows_it(tmp_path: Path) -> None:
    """The section's commands, word for word, on an AgentScope program named app.py."""
    shutil.copy(WEATHER_APP, tmp_path / "app.py")
    steps = readme.section_commands("Trace your own program")
    assert [command.text for command in steps] == [
        "pip install .[cli,agentscope1]",  # how the test venvs are built (test_extras.py)
        "otelscope run python app.py",
        "otelscope show",
        "otelscope show 9fbe",
        "otelscope show --content 9fbe",
        "otelscope show --html trace.html 9fbe",
    ]
    ran = _run(steps[1], tmp_path, {})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "answer: It is sunny in Paris.\n"
    spans = read_store(tmp_path / ".otelscope").spans
    assert shapes(spans) == [WEATHER_TREE]
    trace_id = spans[0].trace_id

    listed = _run(steps[2], tmp_path, {})
    assert (listed.returncode, listed.stderr) == (0, "")
    # A header, then the one trace, by its id or the start of it.
    _header, row = listed.stdout.splitlines()
    assert trace_id.startswith(row.split()[0]), row

    # The tree, then the same with what content was captured (none, by default).
    for step in steps[3:5]:
        shown = _run(step, tmp_path, {"9fbe": trace_id[:4]})
        assert (shown.returncode, shown.stderr) == (0, ""), step.text
        assert shown.stdout.startswith(f"trace {trace_id}  "), step.text
        assert "\ninvoke_agent Forecaster  " in shown.stdout, step.text

    page = _run(steps[5], tmp_path, {"9fbe": trace_id[:4]})
    assert (page.returncode, page.stderr) == (0, "")
    html = (tmp_path / "trace.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert trace_id in html
