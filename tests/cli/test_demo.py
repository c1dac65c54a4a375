"""``otelscope demo``: trees of the traces it made, and their waterfall page."""

from __future__ import annotations

from otelscope.store import read_store, summarize_traces
from tests.cli.receivers import spans_of


def test_demo_prints_the_trees_of_its_stored_traces_and_ends_with_the_page(launched) -> None:
    result = launched.result("demo")
    store = launched.directories["demo"] / ".otelscope"
    page = store / "demo.html"
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("AgentScope ")
    # The first of the demo's overlapping weather questions.
    assert lines[1] == "  answer: It is sunny in Paris and Rome."
    assert lines[-1] == f"waterfall page: {page.resolve()}"
    contents = read_store(store)
    assert contents.problems == []
    stored = summarize_traces(contents.spans)
    headers = [line.split()[1] for line in lines if line.startswith("trace ")]
    # Every trace the demo made, oldest first, each with its root span under it.
    assert headers == [summary.trace_id for summary in reversed(stored)]
    for summary in stored:
        header = next(
            i for i, line in enumerate(lines) if line.startswith(f"trace {summary.trace_id}")
        )
        assert lines[header + 1].startswith(f"{summary.root_name}  ")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert all(summary.trace_id in html for summary in stored)


def test_demo_with_otlp_only_draws_from_its_own_copy_and_exports_everything(launched) -> None:
    result = launched.result("demo-otlp")
    directory = launched.directories["demo-otlp"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        f"exported to {launched.http.endpoint}/v1/traces (OTLP http/protobuf)",
        "waterfall page: otelscope-demo.html",
    ]
    assert sorted(path.name for path in directory.iterdir()) == ["otelscope-demo.html"]
    received = [
        span
        for span, resource in spans_of(launched.http.requests)
        if resource["service.name"] == "otelscope-demo"
    ]
    headers = {line.split()[1] for line in lines if line.startswith("trace ")}
    assert {span.trace_id.hex() for span in received} == headers
    html = (directory / "otelscope-demo.html").read_text(encoding="utf-8")
    assert all(trace_id in html for trace_id in headers)
