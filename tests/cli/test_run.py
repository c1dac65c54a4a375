"""``otelscope run`` on a real (offline) AgentScope program."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from otelscope.store import SpanRecord, read_store
from tests.cli.apps.weather_app import ANSWER, MODEL_FAILURE
from tests.cli.receivers import spans_of

# The weather app's one agent call, on either AgentScope line.
WEATHER_TREE = (
    "invoke_agent Forecaster",
    [
        ("react step", [("chat weather-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat weather-model", [])]),
    ],
)
FAILED_TREE = ("invoke_agent Forecaster", [("react step", [("chat weather-model", [])])])


def shapes(spans: list[SpanRecord]) -> list[tuple]:
    """Every trace as (name, [children]) with children in start order."""
    children: dict[str | None, list[SpanRecord]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: s.start_unix_nano):
        children[span.parent_span_id].append(span)

    def shape(span: SpanRecord) -> tuple:
        return (span.name, [shape(child) for child in children[span.span_id]])

    return [shape(root) for root in children[None]]


def summary(counts: str, store: Path, show_args: str = "") -> str:
    return (
        f"otelscope: {counts}\n"
        f"otelscope: traces saved in {store.resolve()}; view them with "
        f"`otelscope show{show_args}` or `otelscope show{show_args} --html trace.html`\n"
    )


def test_two_runs_at_once_share_one_store_and_pass_output_and_exit_code_through(
    launched,
) -> None:
    store = launched.directories["twins"] / ".otelscope"
    counts = "1 trace, 1 agent call, 2 model calls, 20 tokens in / 10 out, 0 errors"
    for twin, exit_code in (("twin-1", 3), ("twin-2", 0)):
        result = launched.result(twin)
        assert result.returncode == exit_code
        assert result.stdout == f"answer: {ANSWER}\n"
        assert result.stderr == summary(counts, store)
    contents = read_store(store)
    assert contents.problems == []
    assert shapes(contents.spans) == [WEATHER_TREE, WEATHER_TREE]
    assert len({span.trace_id for span in contents.spans}) == 2
    assert len({span.span_id for span in contents.spans}) == 12
    assert {span.resource["service.name"] for span in contents.spans} == {"weather_app"}


def test_a_program_that_raises_keeps_its_traceback_status_and_spans(launched) -> None:
    result = launched.result("fail")
    store = launched.directories["fail"] / "custom-store"
    assert result.returncode == 1
    assert result.stdout == ""
    traceback, _, after = result.stderr.partition(f"RuntimeError: {MODEL_FAILURE}\n")
    # AgentScope 2.x logs a warning of its own before the traceback.
    assert "Traceback (most recent call last):\n" in traceback
    assert after == summary(
        "1 trace, 1 agent call, 1 model call, 0 tokens in / 0 out, 1 error (1 failed model call)",
        store,
        " --store custom-store",
    )
    spans = read_store(store).spans
    assert shapes(spans) == [FAILED_TREE]
    assert [(span.name, span.status_code) for span in spans if span.is_error] == [
        ("chat weather-model", "ERROR"),
        ("react step", "ERROR"),
        ("invoke_agent Forecaster", "ERROR"),
    ]


def test_an_otlp_endpoint_receives_the_spans_and_the_store_stays_empty(launched) -> None:
    result = launched.result("http")
    assert (result.returncode, result.stdout) == (0, f"answer: {ANSWER}\n")
    assert result.stderr == (
        "otelscope: 1 trace, 1 agent call, 2 model calls, 20 tokens in / 10 out, 0 errors\n"
        f"otelscope: traces exported to {launched.http.endpoint}/v1/traces (OTLP http/protobuf)\n"
    )
    # The demo's launch exports to the same receiver, under its own service name.
    received = [
        span
        for span, resource in spans_of(launched.http.requests)
        if resource["service.name"] == "shop"
    ]
    assert sorted(span.name for span in received) == [
        "chat weather-model",
        "chat weather-model",
        "execute_tool get_weather",
        "invoke_agent Forecaster",
        "react step",
        "react step",
    ]
    assert len({span.trace_id for span in received}) == 1
    # The GenAI metrics went the same way.
    assert "/v1/metrics" in launched.http.paths
    assert list(launched.directories["http"].iterdir()) == []


def test_grpc_export_with_a_local_copy(launched) -> None:
    result = launched.result("grpc")
    store = launched.directories["grpc"] / ".otelscope"
    assert (result.returncode, result.stdout) == (0, f"answer: {ANSWER}\n")
    assert result.stderr == (
        summary("1 trace, 1 agent call, 2 model calls, 20 tokens in / 10 out, 0 errors", store)
        + f"otelscope: traces exported to {launched.grpc.endpoint} (OTLP grpc)\n"
    )
    received = {span.span_id.hex() for span, _ in spans_of(launched.grpc.requests)}
    stored = read_store(store).spans
    assert shapes(stored) == [WEATHER_TREE]
    assert received == {span.span_id for span in stored}


def test_an_existing_sitecustomize_still_runs_and_none_exports_nothing(launched) -> None:
    result = launched.result("chain")
    assert result.returncode == 0
    assert result.stdout == (
        "hidden sitecustomize, after otelscope: False\n"  # otelscope run itself
        "hidden sitecustomize, after otelscope: True\n"  # the program
        "program ran\n"
    )
    assert result.stderr == (
        "otelscope: 0 traces, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors\n"
        "otelscope: traces were not exported (OTEL_TRACES_EXPORTER=none)\n"
    )
    assert sorted(path.name for path in launched.directories["chain"].iterdir()) == ["hidden"]
