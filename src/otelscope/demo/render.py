"""Printing finished spans as trees, one per trace, for a terminal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

# Attributes worth a glance in a tree; the rest stays in the exported data.
_SHOWN = (
    ("gen_ai.react.round", "round"),
    ("gen_ai.react.finish_reason", "finish"),
    ("gen_ai.tool.call.id", "call"),
    ("gen_ai.usage.input_tokens", "in"),
    ("gen_ai.usage.output_tokens", "out"),
    ("error.type", "error"),
)


def render_traces(spans: Sequence[ReadableSpan]) -> str:
    """Every trace in ``spans`` as an indented tree, oldest trace first."""
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    known = {span.context.span_id for span in spans}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None else None
        children[parent if parent in known else None].append(span)
    lines: list[str] = []
    for root in _by_start(children[None]):
        lines.append(f"trace {root.context.trace_id:032x}")
        lines.extend(_lines(root, children, "  "))
    return "\n".join(lines)


def _lines(
    span: ReadableSpan, children: dict[int | None, list[ReadableSpan]], indent: str
) -> Iterable[str]:
    yield f"{indent}{span.name}  {_duration_ms(span):.1f} ms{_details(span)}"
    for child in _by_start(children.get(span.context.span_id, [])):
        yield from _lines(child, children, indent + "  ")


def _details(span: ReadableSpan) -> str:
    attributes = span.attributes or {}
    shown = [f"{label}={attributes[key]!s}" for key, label in _SHOWN if key in attributes]
    if span.status.status_code == StatusCode.ERROR:
        shown.append("ERROR")
    return f"  [{', '.join(shown)}]" if shown else ""


def _duration_ms(span: ReadableSpan) -> float:
    if span.start_time is None or span.end_time is None:
        return 0.0
    return (span.end_time - span.start_time) / 1e6


def _by_start(spans: Iterable[ReadableSpan]) -> list[ReadableSpan]:
    return sorted(spans, key=lambda span: span.start_time or 0)
