"""The counts each process of a run reports, added up by the parent."""

from __future__ import annotations

from pathlib import Path

from otelscope.cli.span_counts import SpanCounts, append_counts, read_counts
from otelscope.cli.summary import counts_line

SHARED = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_ONLY = "0af7651916cd43dd8448eb211c80319c"


def test_a_trace_two_processes_took_part_in_counts_once(tmp_path: Path) -> None:
    counts_file = tmp_path / "counts.jsonl"
    client = SpanCounts(
        trace_ids={SHARED, CLIENT_ONLY},
        spans=5,
        agent_calls=1,
        model_calls=2,
        input_tokens=30,
        output_tokens=6,
        export_problems=["could not export 1 span to the local store /s"],
    )
    server = SpanCounts(trace_ids={SHARED}, spans=2, errors=1)
    append_counts(counts_file, client)
    append_counts(counts_file, server)
    with counts_file.open("a") as file:
        file.write('{"spans": 3, "trace_ids": "not a list"}\n{"spans": 4, "trac')
    total = read_counts(counts_file)
    assert total == SpanCounts(
        trace_ids={SHARED, CLIENT_ONLY},
        spans=7,
        agent_calls=1,
        model_calls=2,
        input_tokens=30,
        output_tokens=6,
        errors=1,
        export_problems=["could not export 1 span to the local store /s"],
    )
    assert counts_line(total) == (
        "2 traces, 1 agent call, 2 model calls, 30 tokens in / 6 out, 1 error"
    )


def test_no_line_means_no_report(tmp_path: Path) -> None:
    assert read_counts(tmp_path / "missing.jsonl") is None
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert read_counts(empty) is None
