"""What each process of a run reports, added up by the parent."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from otelscope.cli.run_report import (
    STORE,
    Delivery,
    RunReport,
    RunReporter,
    SpanCounts,
    read_report,
)
from otelscope.cli.span_counts import CountingSpanProcessor
from otelscope.cli.summary import counts_line

SHARED = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_ONLY = "0af7651916cd43dd8448eb211c80319c"


def reporter(path: Path, pid: int) -> RunReporter:
    writer = RunReporter(path)
    writer._pid = pid  # two processes, written from one
    return writer


def test_a_trace_two_processes_took_part_in_counts_once(tmp_path: Path) -> None:
    counts_file = tmp_path / "counts.jsonl"
    client, server = reporter(counts_file, 10), reporter(counts_file, 11)
    client.started()
    server.started()
    server.exported(Delivery(STORE, "/s", exported=2, trace_ids={SHARED}))
    client.exported(Delivery(STORE, "/s", exported=4, trace_ids={SHARED, CLIENT_ONLY}))
    client.exported(Delivery(STORE, "/s", failed=1, error="disk full"))
    client.exited(
        SpanCounts(
            trace_ids={SHARED, CLIENT_ONLY},
            spans=5,
            agent_calls=1,
            model_calls=2,
            input_tokens=30,
            output_tokens=6,
        )
    )
    server.exited(SpanCounts(trace_ids={SHARED}, spans=2, errors=1, failed_tool_calls=1))
    with counts_file.open("a") as file:
        file.write('{"event": "exit", "pid": 12, "counts": {"trace_ids": "not a list"}}\n')
        file.write('{"event": "exit", "pid": 13, "coun')
    report = read_report(counts_file)
    assert report == RunReport(
        counts=SpanCounts(
            trace_ids={SHARED, CLIENT_ONLY},
            spans=7,
            agent_calls=1,
            model_calls=2,
            input_tokens=30,
            output_tokens=6,
            errors=1,
            failed_tool_calls=1,
        ),
        deliveries={
            (STORE, "/s"): Delivery(
                STORE,
                "/s",
                exported=6,
                failed=1,
                error="disk full",
                trace_ids={SHARED, CLIENT_ONLY},
            )
        },
        started={10, 11},
        finished={10, 11},
    )
    assert counts_line(report.counts) == (
        "2 traces, 1 agent call, 2 model calls, 30 tokens in / 6 out, 1 error (1 failed tool call)"
    )


def test_a_process_that_never_reached_its_exit_is_known(tmp_path: Path) -> None:
    counts_file = tmp_path / "counts.jsonl"
    killed = reporter(counts_file, 20)
    killed.started()
    killed.exported(Delivery(STORE, "/s", exported=3, trace_ids={SHARED}))
    report = read_report(counts_file)
    assert report is not None
    assert report.unfinished == {20}
    assert report.delivery(STORE, "/s").exported == 3


def test_no_line_means_no_report(tmp_path: Path) -> None:
    assert read_report(tmp_path / "missing.jsonl") is None
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert read_report(empty) is None


def test_a_reporter_whose_parent_is_gone_stays_silent(tmp_path: Path) -> None:
    RunReporter(tmp_path / "gone" / "counts.jsonl").started()


def test_errors_are_failed_agent_calls_and_model_and_tool_failures_are_apart() -> None:
    counter = CountingSpanProcessor()
    provider = TracerProvider()
    provider.add_span_processor(counter)
    tracer = provider.get_tracer("tests")
    failure = Status(StatusCode.ERROR, "boom")
    # One failed call: its agent, round and model spans all fail.
    for name, operation in (
        ("chat m", "chat"),
        ("react step", "react"),
        ("invoke_agent A", "invoke_agent"),
    ):
        span = tracer.start_span(name, attributes={"gen_ai.operation.name": operation})
        span.set_status(failure)
        span.end()
    tool = tracer.start_span("execute_tool t", attributes={"gen_ai.operation.name": "execute_tool"})
    tool.set_status(failure)
    tool.end()
    counts = counter.snapshot()
    assert (counts.errors, counts.failed_model_calls, counts.failed_tool_calls) == (1, 1, 1)
    assert counts_line(counts).endswith(", 1 error (1 failed model call, 1 failed tool call)")
