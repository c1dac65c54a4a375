"""The command line's own behaviour: version, help, usage errors, bad settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from otelscope.cli.service_name import default_service_name
from otelscope.version import __version__
from tests.cli.launches import clean_environment, otelscope, otelscope_command
from tests.cli.stores import WEATHER_TRACE, write_store


def test_version_and_help(tmp_path: Path) -> None:
    version = otelscope("--version", cwd=tmp_path)
    assert (version.returncode, version.stdout) == (0, f"otelscope {__version__}\n")
    helped = otelscope("--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: otelscope [-h] [--version] COMMAND ...\n")
    for command in ("run", "demo", "show"):
        assert f"\n    {command} " in helped.stdout


def test_usage_errors_exit_with_2_and_say_why(tmp_path: Path) -> None:
    unknown = otelscope("play", cwd=tmp_path)
    no_program = otelscope("run", "--", cwd=tmp_path)
    bad_limit = otelscope("show", "--limit", "0", cwd=tmp_path)
    not_a_number = otelscope("show", "--limit", "abc", cwd=tmp_path)
    results = (unknown, no_program, bad_limit, not_a_number)
    assert [r.returncode for r in results] == [2, 2, 2, 2]
    assert "invalid choice: 'play'" in unknown.stderr
    assert no_program.stderr == (
        "usage: otelscope run [-h] [--store DIR] [--local-store] ...\n"
        "otelscope run: error: no program given (example: otelscope run python app.py)\n"
    )
    assert bad_limit.stderr.endswith("argument --limit: must be at least 1\n")
    assert not_a_number.stderr.endswith("argument --limit: expected a whole number, not 'abc'\n")


def test_no_command_prints_the_whole_help_as_a_usage_error(tmp_path: Path) -> None:
    nothing = otelscope(cwd=tmp_path)
    helped = otelscope("--help", cwd=tmp_path)
    # The help, on stderr with status 2: the command was not used as meant.
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (2, "", helped.stdout)


def test_show_accepts_the_0x_form_the_console_exporter_prints(tmp_path: Path) -> None:
    write_store(tmp_path / ".otelscope")
    plain = otelscope("show", WEATHER_TRACE, cwd=tmp_path)
    prefixed = otelscope("show", f"0x{WEATHER_TRACE}", cwd=tmp_path)
    short = otelscope("show", f"0x{WEATHER_TRACE[:8]}", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith(f"trace {WEATHER_TRACE} ")
    assert (prefixed.returncode, prefixed.stdout) == (0, plain.stdout)
    assert (short.returncode, short.stdout) == (0, plain.stdout)


def test_a_reader_that_goes_away_ends_show_quietly(tmp_path: Path) -> None:
    """`otelscope show | head -1`: the pipe closes before show writes."""
    write_store(tmp_path / ".otelscope")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            otelscope_command("show"),
            cwd=tmp_path,
            env=clean_environment(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    # 141: the status of a process that SIGPIPE ended, as `yes | head -1` leaves.
    assert (done.returncode, done.stderr) == (141, "")


def test_a_program_that_cannot_start_exits_with_127(tmp_path: Path) -> None:
    result = otelscope("run", "no-such-program-here", "--flag", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (127, "")
    assert result.stderr == "otelscope: no-such-program-here: command not found\n"
    assert not (tmp_path / ".otelscope").exists()


def test_a_python_script_given_as_the_program_gets_a_hint(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    (tmp_path / "tool").write_text("print('hello')\n")  # neither is executable
    by_name = otelscope("run", "app.py", "--city", "Paris", cwd=tmp_path)
    by_path = otelscope("run", "./app.py", cwd=tmp_path)
    not_executable = otelscope("run", "./tool", cwd=tmp_path)
    assert (by_name.returncode, by_name.stdout) == (127, "")
    assert by_name.stderr == (
        "otelscope: app.py: command not found\n"
        "otelscope: did you mean: otelscope run python app.py --city Paris\n"
    )
    assert (by_path.returncode, by_path.stderr) == (
        126,
        "otelscope: ./app.py: permission denied\n"
        "otelscope: did you mean: otelscope run python ./app.py\n",
    )
    assert (not_executable.returncode, not_executable.stderr) == (
        126,
        "otelscope: ./tool: permission denied\n"
        "otelscope: did you mean: otelscope run python ./tool\n",
    )


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
