"""``otelscope demo``: trees of the traces it made, and their waterfall page."""

from __future__ import annotations

from pathlib import Path

from otelscope.store import read_store, summarize_traces
from tests.cli.launches import clean_environment, otelscope
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


INSTALL = 'pip install "otelscope[agentscope1]" (AgentScope 1.x) or "otelscope[agentscope2]" (2.x)'


def demo_with_agentscope_stub(directory: Path, stub_source: str):
    """``otelscope demo`` where ``import agentscope`` runs ``stub_source`` instead."""
    stub = directory / "stub"
    stub.mkdir()
    (stub / "agentscope.py").write_text(stub_source)
    return otelscope("demo", cwd=directory, env=clean_environment(PYTHONPATH=str(stub)))


def test_demo_without_agentscope_names_the_extras_to_install(tmp_path: Path) -> None:
    # What Python raises when no AgentScope is installed.
    missing = "raise ModuleNotFoundError(\"No module named 'agentscope'\", name='agentscope')\n"
    result = demo_with_agentscope_stub(tmp_path, missing)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"otelscope: error: the demo needs AgentScope, which is not installed: {INSTALL}\n"
    )
    assert not (tmp_path / ".otelscope").exists()


def test_demo_with_an_agentscope_that_fails_to_import_says_why(tmp_path: Path) -> None:
    # AgentScope 1.x beside mcp 2.x fails so.
    broken = "raise ImportError(\"cannot import name 'Tool' from 'mcp'\")\n"
    result = demo_with_agentscope_stub(tmp_path, broken)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "otelscope: error: AgentScope is installed but cannot be imported "
        f"(cannot import name 'Tool' from 'mcp'): {INSTALL}\n"
    )
