"""Running the ``otelscope`` command as a subprocess, alone or several at once.

Every program that imports AgentScope spends seconds on the import, so the
slow runs of the suite are started together (``Launches``) and each test
waits only for the ones it reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

APPS = Path(__file__).parent / "apps"
WEATHER_APP = APPS / "weather_app.py"
# Starts APPS / "server_app.py" through mcp's stdio client.
PARENT_APP = APPS / "parent_app.py"
# An agent whose tool is served by APPS / "mcp_weather_app.py", which it starts
# over stdio.
MCP_AGENT_APP = APPS / "mcp_agent_app.py"
# Imports AgentScope inside a function, after other work.
LATE_IMPORT_APP = APPS / "late_import_app.py"
# A traced program takes about 5 s of CPU (importing AgentScope); the bound
# only stops a hung one, so it leaves room for a machine busy with other work
# (the suite starts several of these programs at once).
TIMEOUT_SECONDS = 300

# Variables of the caller's environment that would change where telemetry goes.
_STRIPPED_PREFIXES = ("OTEL_", "OTELSCOPE_")


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED_PREFIXES)}
    env["AGENTSCOPE_DISABLE_CONSOLE_OUTPUT"] = "true"
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def otelscope_command(*arguments: str | Path) -> list[str]:
    return [sys.executable, "-m", "otelscope.cli", *map(str, arguments)]


def run_weather_app_command(*app_arguments: str, options: tuple[str, ...] = ()) -> list[str]:
    return otelscope_command("run", *options, "--", sys.executable, WEATHER_APP, *app_arguments)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def otelscope(*arguments: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Runs ``otelscope`` to the end and returns what it said."""
    done = subprocess.run(
        otelscope_command(*arguments),
        cwd=cwd,
        env=env or clean_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


class Launches:
    """Commands started at once, each awaited when first asked for."""

    def __init__(self) -> None:
        self._running: dict[str, subprocess.Popen[str]] = {}
        self._done: dict[str, Result] = {}

    def start(self, name: str, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self._running[name] = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self, name: str) -> Result:
        if name not in self._done:
            process = self._running[name]
            stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
            self._done[name] = Result(process.returncode, stdout, stderr)
        return self._done[name]

    def stop_all(self) -> None:
        for process in self._running.values():
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=TIMEOUT_SECONDS)
