"""Span records as indented trees for a terminal, one tree per trace.

Each line is a span: its name, its duration, and the few attributes worth a
glance (model, tool, finish reason, tokens, error). A span nests under
its parent whichever process recorded either (a client and the MCP server it
started, say): a trace is one tree across all its services. Spans whose parent
is not among the records (a trace cut short, or continued from a process
that did not record) are drawn as roots, so nothing recorded is ever hidden.

The header names the trace's service. When a trace holds spans of several
services, the header lists them all (the earliest first) and every span says
its own (``service=...``); a single-service trace is not labelled span by
span, since every line would repeat the header.

With a price table, each model call says its cost in US dollars, each agent
call the cost of the model calls under it (nested agents' included), and the
header the trace's: ``cost=$0.0123``, ``cost=$0.0123 + unknown`` when a part
has no known price, ``cost=unknown`` when none has (see ``otelscope.cost``).

A ReAct step is named with its round (``react step #2``). With ``content``,
the captured messages, tool definitions, arguments and results of each span
are printed under its line (see `content_text`), wrapped to the terminal's
width, on a guide that runs down to the span's children.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from otelscope.core import conventions as gen_ai
from otelscope.cost import Costs, PriceTable, costs_of
from otelscope.store.records import AttributeValue, SpanRecord
from otelscope.viewer.content import content_sections
from otelscope.viewer.content_text import content_lines

_RED = "\x1b[31m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"
_SERVICE_NAME = "service.name"
# The width wrapped content assumes when the output is not a terminal (and
# COLUMNS is unset): the classic terminal's.
_FALLBACK_COLUMNS = 80


@dataclass(frozen=True)
class _Palette:
    """ANSI styles, or nothing at all when colour is off."""

    color: bool

    def paint(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(styles) + text + _RESET


def render_tree(
    spans: Sequence[SpanRecord],
    *,
    color: bool = False,
    content: bool = False,
    width: int | None = None,
    prices: PriceTable | None = None,
) -> str:
    """Every trace in ``spans`` as a tree, oldest trace first; with
    ``content``, each span's captured content under it, wrapped to ``width``
    columns (default: the terminal's); with ``prices``, the cost of each model
    call, agent call (the model calls under it) and trace."""
    if width is None:
        width = shutil.get_terminal_size((_FALLBACK_COLUMNS, 24)).columns
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    traces = sorted(by_trace.values(), key=lambda members: min(s.start_unix_nano for s in members))
    layouts = (_Layout(_Palette(color), content, width, members, prices) for members in traces)
    # A blank line between traces keeps one tree from running into the next.
    return "\n\n".join("\n".join(layout.lines()) for layout in layouts)


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


class _Layout:
    """One trace's lines."""

    def __init__(
        self,
        palette: _Palette,
        content: bool,
        width: int,
        members: list[SpanRecord],
        prices: PriceTable | None = None,
    ) -> None:
        self._palette = palette
        self._costs: Costs | None = None if prices is None else costs_of(members, prices)
        self._content = content
        self._width = width
        self._members = members
        known = {span.span_id for span in members}
        self._children: dict[str | None, list[SpanRecord]] = defaultdict(list)
        for span in members:
            parent = span.parent_span_id if span.parent_span_id in known else None
            self._children[parent].append(span)
        # Several services: every span says its own.
        self._services = services_of(members)
        self._labelled = len(self._services) > 1

    def lines(self) -> Iterator[str]:
        yield self._palette.paint(self._header(), _BOLD)
        for root in _by_start(self._children[None]):
            yield from self._span_lines(root, "", "")

    def _header(self) -> str:
        first = min(span.start_unix_nano for span in self._members)
        header = f"trace {self._members[0].trace_id}  {format_start(first)}"
        if len(self._services) == 1:
            header += f"  service={self._services[0]}"
        elif self._services:
            header += f"  services={', '.join(self._services)}"
        cost = self._costs.traces.get(self._members[0].trace_id) if self._costs else None
        if cost is not None and cost.calls:
            header += f"  cost={cost.text()}"
        return header

    def _span_lines(self, span: SpanRecord, connector: str, below: str) -> Iterator[str]:
        """The span's line (``connector`` leads it), its content, then its
        children, whose lines start with ``below``."""
        yield connector + self._span_line(span)
        kids = _by_start(self._children.get(span.span_id, []))
        if self._content:
            # The guide runs on from the span's line down to its first child.
            yield from self._content_lines(span, below + ("│  " if kids else "   "))
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            yield from self._span_lines(
                child, below + ("└── " if last else "├── "), below + ("    " if last else "│   ")
            )

    def _span_line(self, span: SpanRecord) -> str:
        palette = self._palette
        title = display_name(span)
        name = palette.paint(title, _RED, _BOLD) if span.is_error else title
        duration = palette.paint(format_duration(span.duration_nano), _DIM)
        service = service_name(span) if self._labelled else ""
        label = [f"service={service}"] if service else []
        cost = self._costs.of_span(span) if self._costs else None
        cost_text = cost.text() if cost is not None and cost.calls else ""
        details = ", ".join([*label, *_details(span, cost_text)])
        if details:
            shown = f"[{details}]"
            details = "  " + (palette.paint(shown, _RED) if span.is_error else shown)
        return f"{name}  {duration}{details}"

    def _content_lines(self, span: SpanRecord, gutter: str) -> Iterator[str]:
        sections = content_sections(span.attributes)
        if not sections:
            return
        palette = self._palette
        for line in content_lines(
            sections,
            self._width - len(gutter),
            title=lambda text: palette.paint(text, _DIM),
            role=lambda text: palette.paint(text, _BOLD),
        ):
            yield gutter + line


def display_name(span: SpanRecord) -> str:
    """The span's name, with its round for a ReAct step: ``react step #2``."""
    round_number = span.attributes.get(gen_ai.REACT_ROUND)
    return span.name if round_number is None else f"{span.name} #{_text(round_number)}"


def _details(span: SpanRecord, cost: str = "") -> Iterator[str]:
    attributes = span.attributes
    for key, label in ((gen_ai.REQUEST_MODEL, "model"), (gen_ai.TOOL_NAME, "tool")):
        value = attributes.get(key)
        # `chat gpt-4o` already names its model; say it only where the name does not.
        if value is not None and not span.name.endswith(f" {value}"):
            yield f"{label}={_text(value)}"
    # The round is in the name (`display_name`).
    for key, label in (
        (gen_ai.REACT_FINISH_REASON, "finish"),
        (gen_ai.RESPONSE_FINISH_REASONS, "finish"),
    ):
        if key in attributes:
            yield f"{label}={_text(attributes[key])}"
    yield from _tokens(attributes)
    if cost:
        yield f"cost={cost}"
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
