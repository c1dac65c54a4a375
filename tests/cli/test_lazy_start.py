"""A process of ``otelscope run`` pays at start for the SDK set-up only:
AgentScope is instrumented when the program first imports it, however late,
and only the exporters the environment asks for are loaded. Checked by what
is imported, never by time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from otelscope.store import read_store
from tests.cli.apps.weather_app import ANSWER
from tests.cli.launches import clean_environment, otelscope
from tests.cli.test_pipeline import closed_port
from tests.cli.test_run import WEATHER_TREE, shapes, summary

# What a process must not load before its program asks for it.
HEAVY = {
    "agentscope": "agentscope",
    "mcp": "mcp",
    "the instrumentation": "otelscope.instrumentor",
    "the metrics SDK": "opentelemetry.sdk.metrics",
    "the OTLP/HTTP exporter": "opentelemetry.exporter.otlp.proto.http",
    "the OTLP/gRPC exporter": "opentelemetry.exporter.otlp.proto.grpc",
    "grpc": "grpc",
}
LOADED_AT_START = (
    f"import sys; heavy = {HEAVY!r}\n"
    "print(sorted(what for what, name in heavy.items()"
    " if any(m == name or m.startswith(name + '.') for m in sys.modules)))"
)


def test_a_program_that_never_imports_agentscope_does_not_load_it(tmp_path: Path) -> None:
    program = "import sys; print('agentscope' in sys.modules)"
    result = otelscope("run", sys.executable, "-c", program, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "False\n")


@pytest.mark.parametrize(
    ("settings", "loaded"),
    [
        ({}, []),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{port}"},
            ["the OTLP/HTTP exporter", "the metrics SDK"],
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{port}",
                "OTEL_METRICS_EXPORTER": "none",
            },
            ["the OTLP/HTTP exporter"],
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_METRICS_EXPORTER": "none",
            },
            # The gRPC exporter's package loads the metrics SDK itself.
            ["grpc", "the OTLP/gRPC exporter", "the metrics SDK"],
        ),
    ],
    ids=["store", "otlp-http", "otlp-http-traces-only", "otlp-grpc-traces-only"],
)
def test_only_what_the_plan_names_is_loaded_at_start(
    tmp_path: Path, settings: dict[str, str], loaded: list[str]
) -> None:
    # Nothing is recorded, so nothing is sent: the endpoint needs no receiver.
    port = closed_port()
    env = clean_environment(**{key: value.format(port=port) for key, value in settings.items()})
    result = otelscope("run", sys.executable, "-c", LOADED_AT_START, cwd=tmp_path, env=env)
    assert (result.returncode, result.stdout) == (0, f"{loaded!r}\n"), result.stderr


def test_agentscope_imported_late_is_still_traced(launched) -> None:
    result = launched.result("late-import")
    store = launched.directories["late-import"] / ".otelscope"
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"agentscope imported at start: False\nanswer: {ANSWER} (")
    counts = "1 trace, 1 agent call, 2 model calls, 20 tokens in / 10 out, 0 errors"
    assert result.stderr == summary(counts, store)
    contents = read_store(store)
    assert contents.problems == []
    assert shapes(contents.spans) == [WEATHER_TREE]
