"""Span records as indented trees for a terminal, one tree per trace.

Each line is a span: its name, its duration, and the few attributes worth a
glance (model, tool, round, tokens, finish reason, error). A span nests under
its parent whichever process recorded either (a client and the MCP server it
started, say): a trace is one tree across all its services. Spans whose parent
is not among the records (a trace cut short, or continued from a process
that did not record) are drawn as roots, so nothing recorded is ever hidden.

The header names the trace's service. When a trace holds spans of several
services, the header lists them all (the earliest first) and every span says
its own (``service=...``); a single-service trace is not labelled span by
span, since every line would repeat the header.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from otelscope.core import conventions as gen_ai
from otelscope.store.records import AttributeValue, SpanRecord

_RED = "\x1b[31m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"
_SERVICE_NAME = "service.name"


@dataclass(frozen=True)
class _Palette:
    """ANSI styles, or nothing at all when colour is off."""

    color: bool

    def paint(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(styles) + text + _RESET


def render_tree(spans: Sequence[SpanRecord], *, color: bool = False) -> str:
    """Every trace in ``spans`` as a tree, oldest trace first."""
    palette = _Palette(color)
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    traces = sorted(by_trace.values(), key=lambda members: min(s.start_unix_nano for s in members))
    # A blank line between traces keeps one tree from running into the next.
    return "\n\n".join("\n".join(_trace_lines(members, palette)) for members in traces)


def format_duration(nanoseconds: int) -> str:
    """``12.3 ms`` below a second, ``1.23 s`` from there on."""
    if nanoseconds < 1_000_000_000:
        return f"{nanoseconds / 1e6:.1f} ms"
    return f"{nanoseconds / 1e9:.2f} s"


def format_start(unix_nano: int) -> str:
    """A span's start as UTC wall-clock time, to the millisecond."""
    moment = datetime.fromtimestamp(unix_nano / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def service_name(span: SpanRecord) -> str:
    """The span's ``service.name`` resource attribute, or ``""``."""
    name = span.resource.get(_SERVICE_NAME)
    return "" if name is None else _text(name)


def services_of(spans: Iterable[SpanRecord]) -> list[str]:
    """The services of ``spans``, each once, by their earliest span's start."""
    first: dict[str, int] = {}
    for span in spans:
        name = service_name(span)
        if name and span.start_unix_nano < first.get(name, span.start_unix_nano + 1):
            first[name] = span.start_unix_nano
    return sorted(first, key=lambda name: (first[name], name))


def _trace_lines(members: list[SpanRecord], palette: _Palette) -> Iterator[str]:
    known = {span.span_id for span in members}
    children: dict[str | None, list[SpanRecord]] = defaultdict(list)
    for span in members:
        parent = span.parent_span_id if span.parent_span_id in known else None
        children[parent].append(span)
    first = min(span.start_unix_nano for span in members)
    header = f"trace {members[0].trace_id}  {format_start(first)}"
    services = services_of(members)
    if len(services) == 1:
        header += f"  service={services[0]}"
    elif services:
        header += f"  services={', '.join(services)}"
    yield palette.paint(header, _BOLD)
    labelled = len(services) > 1
    for root in _by_start(children[None]):
        yield _span_line(root, "", palette, labelled)
        yield from _subtree(root.span_id, children, "", palette, labelled)


def _subtree(
    span_id: str,
    children: dict[str | None, list[SpanRecord]],
    prefix: str,
    palette: _Palette,
    labelled: bool,
) -> Iterator[str]:
    kids = _by_start(children.get(span_id, []))
    for index, child in enumerate(kids):
        last = index == len(kids) - 1
        yield _span_line(child, prefix + ("└── " if last else "├── "), palette, labelled)
        below = prefix + ("    " if last else "│   ")
        yield from _subtree(child.span_id, children, below, palette, labelled)


def _span_line(span: SpanRecord, prefix: str, palette: _Palette, labelled: bool) -> str:
    name = palette.paint(span.name, _RED, _BOLD) if span.is_error else span.name
    duration = palette.paint(format_duration(span.duration_nano), _DIM)
    service = service_name(span) if labelled else ""
    label = [f"service={service}"] if service else []
    details = ", ".join([*label, *_details(span)])
    if details:
        shown = f"[{details}]"
        details = "  " + (palette.paint(shown, _RED) if span.is_error else shown)
    return f"{prefix}{name}  {duration}{details}"


def _details(span: SpanRecord) -> Iterator[str]:
    attributes = span.attributes
    for key, label in ((gen_ai.REQUEST_MODEL, "model"), (gen_ai.TOOL_NAME, "tool")):
        value = attributes.get(key)
        # `chat gpt-4o` already names its model; say it only where the name does not.
        if value is not None and not span.name.endswith(f" {value}"):
            yield f"{label}={_text(value)}"
    for key, label in (
        (gen_ai.REACT_ROUND, "round"),
        (gen_ai.REACT_FINISH_REASON, "finish"),
        (gen_ai.RESPONSE_FINISH_REASONS, "finish"),
    ):
        if key in attributes:
            yield f"{label}={_text(attributes[key])}"
    yield from _tokens(attributes)
    if span.is_error:
        yield from _error(span)


def _tokens(attributes: dict[str, AttributeValue]) -> Iterator[str]:
    # Model calls report their own usage; agent calls and rounds their roll-up.
    for own, rollup, label in (
        (gen_ai.USAGE_INPUT_TOKENS, gen_ai.ROLLUP_INPUT_TOKENS, "in"),
        (gen_ai.USAGE_OUTPUT_TOKENS, gen_ai.ROLLUP_OUTPUT_TOKENS, "out"),
    ):
        value = attributes.get(own, attributes.get(rollup))
        if value is not None:
            yield f"{label}={_text(value)}"


def _error(span: SpanRecord) -> Iterator[str]:
    error_type = span.attributes.get(gen_ai.ERROR_TYPE)
    label = f"error={_text(error_type)}" if error_type is not None else "ERROR"
    if span.status_message and span.status_message != error_type:
        label += f" ({span.status_message})"
    yield label


def _text(value: AttributeValue) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def _by_start(spans: Iterable[SpanRecord]) -> list[SpanRecord]:
    return sorted(spans, key=lambda span: (span.start_unix_nano, span.span_id))
