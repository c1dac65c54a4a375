"""The run's variables in the environment mcp's stdio client gives a server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from mcp.client import stdio

from otelscope.cli import bootstrap
from otelscope.cli.mcp_stdio import (
    _install_safely,
    carry_run_variables,
    run_variables,
)

BOOTSTRAP_DIR = str(Path(bootstrap.__file__).resolve().parent)


def test_the_run_variables_are_the_telemetry_settings_and_the_bootstrap() -> None:
    environ = {
        "HOME": "/home/me",
        "PYTHONPATH": "/my/libs",
        "API_KEY": "not for servers",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        "OTEL_SERVICE_NAME": "shop",
        "OTELSCOPE_STORE_DIR": "/runs/store",
        "OTELSCOPE_RUN_COUNTS_FILE": "/tmp/counts.jsonl",
        "OTELSCOPE_DEFAULT_SERVICE_NAME": "agent",
        "MY_OTEL_SETTING": "no",
    }
    assert run_variables(environ) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        "OTEL_SERVICE_NAME": "shop",
        "OTELSCOPE_STORE_DIR": "/runs/store",
        "OTELSCOPE_RUN_COUNTS_FILE": "/tmp/counts.jsonl",
        "OTELSCOPE_DEFAULT_SERVICE_NAME": "agent",
        # Only the bootstrap: the program's own path is not the server's.
        "PYTHONPATH": BOOTSTRAP_DIR,
        # The server's stdout is the protocol's.
        "OTELSCOPE_CONSOLE_TO_STDERR": "1",
    }


def fake_stdio_module() -> ModuleType:
    module = ModuleType("fake_stdio")
    calls: list[int] = []

    def get_default_environment() -> dict[str, str]:
        calls.append(1)
        return {"PATH": "/bin", "OTELSCOPE_STORE_DIR": "from-mcp"}

    module.get_default_environment = get_default_environment  # type: ignore[attr-defined]
    module.calls = calls  # type: ignore[attr-defined]
    return module


def test_the_default_environment_gains_the_variables_and_keeps_its_own() -> None:
    module = fake_stdio_module()
    carry_run_variables(module, {"PYTHONPATH": "/boot", "OTELSCOPE_STORE_DIR": "run"})
    carry_run_variables(module, {"PYTHONPATH": "/again"})  # already carried: unchanged
    assert module.get_default_environment() == {
        "PYTHONPATH": "/boot",
        "OTELSCOPE_STORE_DIR": "from-mcp",
        "PATH": "/bin",
    }
    assert module.get_default_environment.__name__ == "get_default_environment"
    # mcp's own function still runs on every call, once.
    module.get_default_environment()
    assert module.calls == [1, 1]


def test_a_module_without_the_function_is_left_alone() -> None:
    module = ModuleType("other_stdio")
    carry_run_variables(module, {"PYTHONPATH": "/boot"})
    assert not hasattr(module, "get_default_environment")


class _Frozen(ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{name} is read-only")


def test_a_failure_warns_and_never_fails_the_programs_import(capsys) -> None:
    module = _Frozen("frozen_stdio")
    object.__setattr__(module, "get_default_environment", dict)
    _install_safely(module, variables={"PYTHONPATH": "/boot"})
    assert module.get_default_environment is dict
    assert capsys.readouterr().err == (
        "otelscope: not tracing MCP stdio servers: "
        "AttributeError('get_default_environment is read-only')\n"
    )


async def _start_server(parameters: stdio.StdioServerParameters) -> None:
    async with stdio.stdio_client(parameters) as (read_stream, _):
        async for _message in read_stream:  # until the server exits
            pass


def test_a_server_started_by_the_stdio_client_gets_them_and_the_caller_wins(
    tmp_path: Path, monkeypatch
) -> None:
    # Restored after the test, whatever carry_run_variables put there.
    monkeypatch.setattr(stdio, "get_default_environment", stdio.get_default_environment)
    mcp_default = stdio.get_default_environment()
    empty = tmp_path / "empty"
    empty.mkdir()
    variables = {
        "PYTHONPATH": str(empty),
        "OTELSCOPE_STORE_DIR": "run-store",
        "OTEL_SERVICE_NAME": "from-the-run",
    }
    carry_run_variables(stdio, variables)
    seen = tmp_path / "environment.json"
    dump = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
    caller = {"OTEL_SERVICE_NAME": "chosen-by-caller", "LC_CTYPE": "C.UTF-8"}
    parameters = stdio.StdioServerParameters(
        command=sys.executable, args=["-c", dump, str(seen)], env=caller
    )
    asyncio.run(_start_server(parameters))
    assert json.loads(seen.read_text()) == {**mcp_default, **variables, **caller}


def test_the_hook_wraps_the_function_before_a_program_imports_it_by_name() -> None:
    program = (
        "import json\n"
        "from otelscope.cli.mcp_stdio import carry_into_mcp_servers\n"
        "carry_into_mcp_servers({'OTELSCOPE_STORE_DIR': 'run-store'})\n"
        "from mcp.client.stdio import get_default_environment\n"
        "import mcp.client.stdio as stdio\n"
        "print(json.dumps([get_default_environment()['OTELSCOPE_STORE_DIR'],\n"
        "                  stdio.get_default_environment is get_default_environment]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, '["run-store", true]\n', "")
