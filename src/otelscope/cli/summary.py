"""The few lines ``otelscope run`` prints to stderr when the program ends."""

from __future__ import annotations

import shlex
from pathlib import Path

from otelscope.cli.export_plan import ExportPlan
from otelscope.cli.span_counts import SpanCounts

PREFIX = "otelscope: "


def summary_lines(counts: SpanCounts | None, plan: ExportPlan, show_args: str) -> list[str]:
    """What the run produced and where to look at it.

    ``show_args`` is what ``otelscope show`` needs to find the store again
    (``--store DIR`` when it is not the default one, else empty).
    """
    if counts is None:
        return [
            PREFIX + "the program reported no telemetry: it did not start otelscope "
            "(is it a Python program run by an interpreter with otelscope installed?)"
        ]
    lines = [PREFIX + counts_line(counts)]
    lines.extend(PREFIX + line for line in _destinations(plan, show_args))
    lines.extend(f"{PREFIX}warning: {problem}" for problem in counts.export_problems)
    return lines


def counts_line(counts: SpanCounts) -> str:
    return ", ".join(
        (
            plural(counts.traces, "trace"),
            plural(counts.agent_calls, "agent call"),
            plural(counts.model_calls, "model call"),
            f"{counts.input_tokens} tokens in / {counts.output_tokens} out",
            plural(counts.errors, "error"),
        )
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def show_arguments(store_dir: Path, default_dir: Path) -> str:
    if store_dir.resolve() == default_dir.resolve():
        return ""
    return f" --store {shlex.quote(str(store_dir))}"


def _destinations(plan: ExportPlan, show_args: str) -> list[str]:
    lines: list[str] = []
    if plan.store_dir is not None:
        lines.append(
            f"traces saved in {plan.store_dir}; view them with `otelscope show{show_args}`"
            f" or `otelscope show{show_args} --html trace.html`"
        )
    if plan.otlp is not None:
        lines.append(f"traces exported to {plan.otlp.endpoint} (OTLP {plan.otlp.protocol})")
    if plan.console:
        lines.append("traces printed to stdout (OTEL_TRACES_EXPORTER=console)")
    if not plan.exports_traces:
        lines.append("traces were not exported (OTEL_TRACES_EXPORTER=none)")
    return lines
