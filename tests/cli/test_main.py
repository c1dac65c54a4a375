"""The command line's own behaviour: version, help, usage errors, bad settings."""

from __future__ import annotations

from pathlib import Path

from otelscope.cli.service_name import default_service_name
from otelscope.version import __version__
from tests.cli.launches import clean_environment, otelscope


def test_version_and_help(tmp_path: Path) -> None:
    version = otelscope("--version", cwd=tmp_path)
    assert (version.returncode, version.stdout) == (0, f"otelscope {__version__}\n")
    helped = otelscope("--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: otelscope [-h] [--version] COMMAND ...\n")
    for command in ("run", "demo", "show"):
        assert f"\n    {command} " in helped.stdout


def test_usage_errors_exit_with_2_and_say_why(tmp_path: Path) -> None:
    nothing = otelscope(cwd=tmp_path)
    unknown = otelscope("play", cwd=tmp_path)
    no_program = otelscope("run", "--", cwd=tmp_path)
    bad_limit = otelscope("show", "--limit", "0", cwd=tmp_path)
    assert [r.returncode for r in (nothing, unknown, no_program, bad_limit)] == [2, 2, 2, 2]
    assert nothing.stderr.endswith("error: the following arguments are required: COMMAND\n")
    assert "invalid choice: 'play'" in unknown.stderr
    assert no_program.stderr == (
        "usage: otelscope run [-h] [--store DIR] [--local-store] ...\n"
        "otelscope run: error: no program given (example: otelscope run python app.py)\n"
    )
    assert bad_limit.stderr.endswith("argument --limit: must be at least 1\n")


def test_a_program_that_cannot_start_exits_with_127(tmp_path: Path) -> None:
    result = otelscope("run", "no-such-program-here", "--flag", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (127, "")
    assert result.stderr == "otelscope: no-such-program-here: command not found\n"
    assert not (tmp_path / ".otelscope").exists()


def test_a_setting_otelscope_cannot_honour_stops_before_the_program(tmp_path: Path) -> None:
    env = clean_environment(OTEL_TRACES_EXPORTER="zipkin")
    result = otelscope("run", "no-such-program-here", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "otelscope: error: OTEL_TRACES_EXPORTER=zipkin: "
        "otelscope can export to otlp, console or none\n"
    )


def test_the_default_service_name_is_the_script_or_module() -> None:
    assert default_service_name(["python", "app.py", "x.py"]) == "app"
    assert default_service_name(["/usr/bin/python3.11", "-X", "dev", "-u", "dir/bot.py"]) == "bot"
    assert default_service_name(["python3", "-m", "shop.server", "--port", "1"]) == "shop.server"
    assert default_service_name(["python", "-c", "print(1)"]) == "python"
    assert default_service_name(["./serve.sh", "app.py"]) == "serve"
