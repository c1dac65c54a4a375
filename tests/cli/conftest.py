"""The slow commands of the command-line suite, started together once.

Each test names the launch it reads (``launched.result("ok")``); all of them
run in parallel from the first test that asks, so the suite waits for the
AgentScope import a few times at most, not once per test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.launches import (
    LATE_IMPORT_APP,
    MCP_AGENT_APP,
    PARENT_APP,
    Launches,
    clean_environment,
    otelscope_command,
    run_weather_app_command,
)
from tests.cli.receivers import GrpcReceiver, HttpReceiver


@dataclass
class Launched:
    launches: Launches
    directories: dict[str, Path]
    http: HttpReceiver
    grpc: GrpcReceiver

    def result(self, name: str):
        return self.launches.result(name)


@pytest.fixture(scope="session")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    names = (
        "fail",
        "twins",
        "http",
        "grpc",
        "demo",
        "demo-otlp",
        "chain",
        "processes",
        "processes-console",
        "mcp-agent",
        "late-import",
    )
    directories = {name: tmp_path_factory.mktemp(name) for name in names}
    http, grpc = HttpReceiver(), GrpcReceiver()
    launches = Launches()
    state = Launched(launches, directories, http, grpc)
    try:
        _start_all(launches, directories, http, grpc)
        yield state
    finally:
        launches.stop_all()
        http.close()
        grpc.close()


def _start_all(
    launches: Launches, directories: dict[str, Path], http: HttpReceiver, grpc: GrpcReceiver
) -> None:
    env = clean_environment()
    launches.start(
        "fail",
        run_weather_app_command("--fail", options=("--store", "custom-store")),
        directories["fail"],
        env,
    )
    # Two runs at once on one store: the default ./.otelscope of the first is
    # the OTELSCOPE_STORE_DIR of the second.
    twins = directories["twins"]
    launches.start("twin-1", run_weather_app_command("--exit-code", "3"), twins, env)
    shared = clean_environment(OTELSCOPE_STORE_DIR=str(twins / ".otelscope"))
    launches.start("twin-2", run_weather_app_command(), twins, shared)
    launches.start(
        "http",
        run_weather_app_command(),
        directories["http"],
        clean_environment(OTEL_EXPORTER_OTLP_ENDPOINT=http.endpoint, OTEL_SERVICE_NAME="shop"),
    )
    launches.start(
        "grpc",
        run_weather_app_command(options=("--local-store",)),
        directories["grpc"],
        clean_environment(
            OTEL_EXPORTER_OTLP_ENDPOINT=grpc.endpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
            OTEL_METRICS_EXPORTER="none",
        ),
    )
    launches.start("demo", otelscope_command("demo"), directories["demo"], env)
    for name, processes_env in (
        ("processes", env),
        ("processes-console", clean_environment(OTEL_TRACES_EXPORTER="console")),
    ):
        launches.start(
            name,
            otelscope_command("run", "--", sys.executable, PARENT_APP),
            directories[name],
            processes_env,
        )
    _start_chain(launches, directories["chain"])
    launches.start(
        "mcp-agent",
        otelscope_command("run", "--", sys.executable, MCP_AGENT_APP),
        directories["mcp-agent"],
        env,
    )
    launches.start(
        "late-import",
        otelscope_command("run", "--", sys.executable, LATE_IMPORT_APP),
        directories["late-import"],
        env,
    )
    launches.start(
        "demo-otlp",
        otelscope_command("demo"),
        directories["demo-otlp"],
        clean_environment(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{http.endpoint}/v1/traces"),
    )


def _start_chain(launches: Launches, directory: Path) -> None:
    """A program whose PYTHONPATH already holds a sitecustomize, exporting nothing."""
    hidden = directory / "hidden"
    hidden.mkdir()
    # It runs in otelscope's own process too (PYTHONPATH is the caller's), and
    # says whether otelscope started before it.
    (hidden / "sitecustomize.py").write_text(
        "import sys\n"
        "print('hidden sitecustomize, after otelscope:', 'otelscope.cli.child' in sys.modules)\n"
    )
    env = clean_environment(PYTHONPATH=str(hidden), OTEL_TRACES_EXPORTER="none")
    command = otelscope_command("run", sys.executable, "-c", "print('program ran')")
    launches.start("chain", command, directory, env)
