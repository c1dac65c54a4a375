"""The SDK pipeline: what each destination took or refused, heard as it happens."""

from __future__ import annotations

import socket
from pathlib import Path

from otelscope.cli.export_plan import ExportPlan, OtlpTarget
from otelscope.cli.pipeline import build_pipeline
from otelscope.cli.run_report import OTLP, STORE, Delivery, SpanCounts
from otelscope.cli.span_counts import CountingSpanProcessor


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refusing_endpoint_is_one_sentence_and_spans_are_still_counted(monkeypatch) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)
    # The exporter retries until its timeout: one second keeps the test short.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1")
    plan = ExportPlan(None, OtlpTarget("http/protobuf", endpoint), False, None, False)
    counter = CountingSpanProcessor()
    heard: list[Delivery] = []
    pipeline = build_pipeline(plan, "refused", [counter], listener=heard.append)
    tracer = pipeline.tracer_provider.get_tracer("tests")
    with (
        tracer.start_as_current_span(
            "invoke_agent A", attributes={"gen_ai.operation.name": "invoke_agent"}
        ) as agent,
        tracer.start_as_current_span(
            "chat m",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.usage.input_tokens": 7,
                "gen_ai.usage.output_tokens": 3,
            },
        ),
    ):
        pass
    assert pipeline.shutdown() == [f"could not export 2 spans to {endpoint} (OTLP http/protobuf)"]
    trace_id = f"{agent.get_span_context().trace_id:032x}"
    assert heard == [Delivery(OTLP, f"{endpoint} (OTLP http/protobuf)", failed=2)]
    assert counter.snapshot() == SpanCounts(
        trace_ids={trace_id},
        spans=2,
        agent_calls=1,
        model_calls=1,
        input_tokens=7,
        output_tokens=3,
    )


def test_the_local_store_and_the_service_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
    from otelscope.store import read_store

    plan = ExportPlan(tmp_path, None, False, None, False)
    heard: list[Delivery] = []
    pipeline = build_pipeline(plan, "fallback-name", listener=heard.append)
    tracer = pipeline.tracer_provider.get_tracer("tests")
    with tracer.start_as_current_span("work") as work:
        tracer.start_span("part").end()
        pipeline.tracer_provider.force_flush()
    # Each export is heard as it happens; a trace is named in its first only.
    assert pipeline.shutdown() == []
    trace_id = f"{work.get_span_context().trace_id:032x}"
    assert heard == [
        Delivery(STORE, str(tmp_path), exported=1, trace_ids={trace_id}),
        Delivery(STORE, str(tmp_path), exported=1),
    ]
    [span] = [span for span in read_store(tmp_path).spans if span.name == "work"]
    assert (span.name, span.resource["service.name"]) == ("work", "fallback-name")
    assert span.resource["deployment.environment"] == "test"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "chosen")
    named = build_pipeline(plan, "fallback-name")
    assert named.tracer_provider.resource.attributes["service.name"] == "chosen"
    named.shutdown()
