"""``otelscope demo``: the offline demo, exported like ``otelscope run`` would.

The demo runs in this process on whichever AgentScope line is installed. Its
spans go where the environment says (the local store unless OTLP is
configured) and, in any case, to an in-memory copy: the trees and the HTML
page are drawn from that copy, so they work with OTLP-only export too.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otelscope.cli.export_plan import ExportPlan, plan_from_env
from otelscope.cli.pipeline import Pipeline, build_pipeline
from otelscope.cli.run_report import OTLP, STORE
from otelscope.cli.span_counts import CountingSpanProcessor
from otelscope.cli.summary import counts_line, show_command
from otelscope.cli.terminal import EXIT_FAILURE, error, use_color
from otelscope.store import SpanRecord, default_store_dir
from otelscope.store.otlp_json import encode_request
from otelscope.store.otlp_json_decode import decode_request

SERVICE_NAME = "otelscope-demo"
PAGE_NAME_IN_STORE = "demo.html"
# Where the page goes when nothing is written to a local store.
PAGE_WITHOUT_STORE = Path("otelscope-demo.html")


# The extras that install a working AgentScope of each line with otelscope.
INSTALL_HINT = (
    'pip install "otelscope[agentscope1]" (AgentScope 1.x) or "otelscope[agentscope2]" (2.x)'
)


def run_demo(store_dir: Path, html: Path | None, *, local_store: bool) -> int:
    plan = plan_from_env(os.environ, store_dir.resolve(), local_store=local_store)
    if not _agentscope_importable():
        return EXIT_FAILURE
    copy = InMemorySpanExporter()
    counter = CountingSpanProcessor()
    pipeline = build_pipeline(plan, SERVICE_NAME, [SimpleSpanProcessor(copy), counter])
    version, answers = _run_scenario(pipeline)
    if plan.otlp is not None:
        # The exporter retries a silent endpoint for up to its timeout (10 s).
        print(f"otelscope: sending the spans to {plan.otlp.endpoint} ...", file=sys.stderr)
    problems = pipeline.shutdown()
    records = sdk_spans_as_records(copy.get_finished_spans())
    print(f"AgentScope {version}: the offline demo (scripted model, no network)")
    for answer in answers:
        print(f"  answer: {answer}")
    print(render_demo_trees(records))
    page = html or _default_page(plan)
    written = _write_page(records, page)
    print(counts_line(counter.snapshot()))
    _print_destinations(pipeline, store_dir)
    for problem in problems:
        error(problem + _hint(plan))
    if not written:
        return 1
    print(f"waterfall page: {page}")
    return 1 if problems else 0


def _agentscope_importable() -> bool:
    """Imports AgentScope, or says in words why it cannot be and how to fix it."""
    # The demo's agents print nothing of their own; the trees say it all.
    os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")
    try:
        import agentscope  # noqa: F401
    except ImportError as failure:
        if isinstance(failure, ModuleNotFoundError) and failure.name == "agentscope":
            error(f"the demo needs AgentScope, which is not installed: {INSTALL_HINT}")
        else:  # installed, but one of its own imports fails (mcp 2.x under 1.x, ...)
            error(f"AgentScope is installed but cannot be imported ({failure}): {INSTALL_HINT}")
        return False
    return True


def _run_scenario(pipeline: Pipeline) -> tuple[str, list[str]]:
    import agentscope

    from otelscope import AgentScopeInstrumentor
    from otelscope.instrumentor import agentscope_major_version

    instrumentor = AgentScopeInstrumentor()
    instrumentor.instrument(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider
    )
    try:
        if agentscope_major_version() == 1:
            from otelscope.demo import scenario_v1 as scenario
        else:
            from otelscope.demo import scenario_v2 as scenario  # type: ignore[no-redef]
        answers = asyncio.run(scenario.run())
    finally:
        instrumentor.uninstrument()
    return str(agentscope.__version__), [str(answer) for answer in answers]


def sdk_spans_as_records(spans: Sequence[ReadableSpan]) -> list[SpanRecord]:
    """The records the store would read back for these spans."""
    return decode_request(encode_request(spans)) if spans else []


def render_demo_trees(records: Sequence[SpanRecord]) -> str:
    from otelscope.viewer.tree import render_tree

    return render_tree(records, color=use_color(sys.stdout))


def _default_page(plan: ExportPlan) -> Path:
    if plan.store_dir is not None:
        return plan.store_dir / PAGE_NAME_IN_STORE
    return PAGE_WITHOUT_STORE


def _write_page(records: Sequence[SpanRecord], path: Path) -> bool:
    from otelscope.viewer.html import render_waterfall_html

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_waterfall_html(records, title="otelscope demo"), encoding="utf-8")
    except OSError as failure:
        error(f"cannot write {path}: {failure.strerror or failure}")
        return False
    return True


def _print_destinations(pipeline: Pipeline, store_dir: Path) -> None:
    """The destinations that took every span; the others were reported as errors."""
    for exporter in pipeline.exporters:
        delivery = exporter.total
        if delivery.failed or not delivery.exported:
            continue
        if delivery.kind == STORE:
            show = show_command(store_dir, default_store_dir())
            print(f"saved in {delivery.target}; `{show}` lists them")
        elif delivery.kind == OTLP:
            print(f"exported to {delivery.target}")


def _hint(plan: ExportPlan) -> str:
    if plan.otlp is None:
        return ""
    return " - is an OTLP receiver listening there? (OTEL_EXPORTER_OTLP_ENDPOINT)"
