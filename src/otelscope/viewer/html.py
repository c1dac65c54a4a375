"""The HTML waterfall: one self-contained page that draws traces as timelines.

The page is a single file that opens from `file://` in any browser, offline:
its CSS and JS (next to this module) are inlined, and a Content-Security-Policy
allows nothing but its one style block and its one script (by hash), so the
page can load nothing and no injected handler can run. The script is
`waterfall.js` (the waterfall and the details panel, which the store page of
`store_page.py` shares) followed by the page's own, `trace_page.js`.

Every span value is untrusted: attribute values hold user prompts. The data is
embedded once, as JSON in a `<script type="application/json">` block with `<`,
`>` and `&` written as `\\u003c`, `\\u003e`, `\\u0026`, so no value can close the
block or open a tag; the script builds the page with `textContent` only. The
whole page is ASCII, so it reads the same whatever encoding it is saved in.

This module does the arithmetic (tree order, offsets on each trace's time axis,
ticks, labels), so the script only draws what it is given. A trace is one
waterfall across all the processes that recorded it: a span nests under its
parent whatever the service of either, and when a trace has more than one
service every row shows its own.

Captured message content (the GenAI conventions' role/parts JSON) is read
here too (`content.content_sections`, structured values pretty-printed), and
the details panel draws it as a block per message and part; the attribute
table then leaves those keys out, and each block keeps the JSON as recorded
behind a toggle. A ReAct step's row is named with its round.

With a price table, each model call and agent call carries its cost (see
``otelscope.cost``) and what it was computed from, and each trace its total.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from otelscope.core import conventions as conv
from otelscope.cost import CallCost, Costs, PriceTable, costs_of, format_usd
from otelscope.store.records import SpanRecord
from otelscope.viewer.content import content_sections
from otelscope.viewer.tree import display_name, service_name, services_of

# The bar colour of each `gen_ai.operation.name`; any other operation is "other".
_CATEGORY_OF_OPERATION = {
    conv.OP_INVOKE_AGENT: "invoke_agent",
    conv.OP_REACT: "react",
    conv.OP_CHAT: "chat",
    # The other inference operations of the conventions are model calls as well.
    "text_completion": "chat",
    "generate_content": "chat",
    conv.OP_EXECUTE_TOOL: "execute_tool",
    conv.OP_EMBEDDINGS: "embeddings",
    conv.OP_INVOKE_WORKFLOW: "invoke_workflow",
}
_MODEL_CATEGORIES = frozenset({"chat", "embeddings"})
# About this many ticks on each time axis.
_TARGET_TICKS = 8
DATA_ELEMENT_ID = "waterfall-data"
# Structured values (tool arguments, JSON results) in the details panel.
_CONTENT_JSON_INDENT = 2


# The bodies of the pages: the scripts fill them in.
_TRACE_PAGE_BODY = (
    '<header class="page-header"><h1 id="page-title"></h1>'
    '<div id="page-summary" class="page-summary"></div><div id="legend" class="legend"></div>'
    "</header>\n"
    '<main id="traces"></main>\n'
    "<noscript><p>This page draws its waterfall with JavaScript.</p></noscript>\n"
    '<aside id="details" class="details" hidden aria-live="polite"></aside>\n'
)


def render_waterfall_html(
    spans: Sequence[SpanRecord], *, title: str, prices: PriceTable | None = None
) -> str:
    """One HTML page with a waterfall per trace in `spans`, newest trace first;
    with `prices`, the cost of each model call, agent call and trace."""
    costs = costs_of(spans, prices) if prices is not None else None
    payload = {
        "title": title,
        "traces": [trace_view(group, costs) for group in group_traces(spans)],
    }
    return page_html(
        title,
        body=_TRACE_PAGE_BODY,
        styles=("waterfall.css",),
        scripts=("waterfall.js", "trace_page.js"),
        data={DATA_ELEMENT_ID: payload},
    )


def group_traces(spans: Sequence[SpanRecord]) -> list[list[SpanRecord]]:
    """The spans of each trace, newest trace first."""
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    groups = list(by_trace.values())
    groups.sort(key=lambda group: (_trace_start(group), group[0].trace_id), reverse=True)
    return groups


def _trace_start(spans: Sequence[SpanRecord]) -> int:
    return min(span.start_unix_nano for span in spans)


def trace_view(spans: Sequence[SpanRecord], costs: Costs | None = None) -> dict[str, Any]:
    """What the script draws of one trace (at least one span): its header,
    time axis and rows in tree order; with `costs`, the costs of its calls."""
    start = _trace_start(spans)
    # A trace of zero-duration spans still needs an axis to draw on.
    duration = max(1, max(span.end_unix_nano for span in spans) - start)
    rows = list(_tree_order(spans))
    services = services_of(spans)
    return {
        "traceId": spans[0].trace_id,
        "name": display_name(rows[0][0]),
        # Earliest first; with more than one, every row shows its own.
        "services": services,
        "service": ", ".join(services),
        "startText": format_timestamp(start),
        "durationNano": duration,
        "durationText": format_duration(duration),
        "spanCount": len(spans),
        "errorCount": sum(span.is_error for span in spans),
        # "" without a price table, or when the trace made no model call.
        "costText": _trace_cost_text(spans[0].trace_id, costs),
        "ticks": time_ticks(duration),
        "rows": [_row_view(span, depth, start, costs) for span, depth in rows],
    }


def _trace_cost_text(trace_id: str, costs: Costs | None) -> str:
    cost = costs.traces.get(trace_id) if costs is not None else None
    return cost.text() if cost is not None and cost.calls else ""


def _tree_order(spans: Sequence[SpanRecord]) -> Iterator[tuple[SpanRecord, int]]:
    """Depth-first, children by start time; a span whose parent is absent is a root.

    Spans are tracked by position, not id, so a record given twice is drawn twice,
    and the walk keeps its own stack, so no nesting depth can exhaust Python's.
    """
    ids = {span.span_id for span in spans}
    order = sorted(range(len(spans)), key=lambda index: _start_order(spans[index]))
    children: dict[str | None, list[int]] = defaultdict(list)
    for index in order:
        parent = spans[index].parent_span_id
        children[parent if parent in ids else None].append(index)
    shown: set[int] = set()

    def walk(root: int) -> Iterator[tuple[SpanRecord, int]]:
        stack = [(root, 0)]
        while stack:
            index, depth = stack.pop()
            if index in shown:
                continue
            shown.add(index)
            yield spans[index], depth
            below = children[spans[index].span_id]
            stack.extend((child, depth + 1) for child in reversed(below))

    for root in children[None]:
        yield from walk(root)
    # Malformed data can link spans in a cycle that no root reaches: show them as roots.
    for index in order:
        if index not in shown:
            yield from walk(index)


def _start_order(span: SpanRecord) -> tuple[int, str]:
    return span.start_unix_nano, span.span_id


def _row_view(
    span: SpanRecord, depth: int, trace_start: int, costs: Costs | None
) -> dict[str, Any]:
    category = _category(span)
    return {
        # The name shown: a ReAct step's carries its round.
        "label": display_name(span),
        "depth": depth,
        # A root that names a parent: the parent is not in the data.
        "parentMissing": depth == 0 and span.parent_span_id is not None,
        "category": category,
        "service": service_name(span),
        "offsetNano": span.start_unix_nano - trace_start,
        "durationNano": span.duration_nano,
        "durationText": format_duration(span.duration_nano),
        "startText": format_timestamp(span.start_unix_nano),
        "tokensText": _tokens_text(span) if category in _MODEL_CATEGORIES else "",
        "errorText": _error_text(span),
        # A model or agent call's cost and the facts it comes from, else None.
        "cost": _cost_view(span, costs) if costs is not None else None,
        "eventOffsetTexts": [
            "+" + format_duration(max(0, event.time_unix_nano - span.start_unix_nano))
            for event in span.events
        ],
        # Content attributes laid out as messages and parts (`content.Section`).
        "content": content_sections(span.attributes, indent=_CONTENT_JSON_INDENT),
        # The record itself, field for field (see `_plain`).
        "span": span,
    }


def _cost_view(span: SpanRecord, costs: Costs) -> dict[str, Any] | None:
    call = costs.calls.get((span.trace_id, span.span_id))
    if call is not None:
        return {"text": call.cost.text(), "facts": [["cost", call.cost.text()], *_call_facts(call)]}
    cost = costs.agent_calls.get((span.trace_id, span.span_id))
    if cost is None or not cost.calls:
        return None
    under = f"{cost.priced} priced"
    if cost.unpriced:
        under += f", {cost.unpriced} of unknown cost"
    return {
        "text": cost.text(),
        "facts": [["cost", cost.text()], ["model calls under it", under]],
    }


def _call_facts(call: CallCost) -> list[list[str]]:
    """What a model call's cost was computed from, or why it is unknown."""
    if call.price is None or call.rates is None or call.usage is None or call.dollars is None:
        return [["unknown because", call.problem]]
    price, rates, usage = call.price, call.rates, call.usage
    priced_as = f"{price.provider} {call.model}"
    if price.date is not None:
        priced_as += f", price of {price.date.isoformat()}"
    terms = [
        (usage.uncached_input, rates.input, "input"),
        (usage.cache_read, rates.cache_read, "cache-read input"),
        (usage.cache_creation, rates.cache_creation, "cache-creation input"),
        (usage.output, rates.output, "output"),
    ]
    basis = " + ".join(
        f"{tokens:,} {kind} \u00d7 {format_usd(rate)}/M"
        for tokens, rate, kind in terms
        if rate is not None and (tokens or kind in ("input", "output"))
    )
    facts = [["priced as", priced_as], ["computed", basis]]
    if price.source:
        facts.append(["price source", price.source])
    return facts


def _category(span: SpanRecord) -> str:
    operation = span.attributes.get(conv.OPERATION_NAME)
    if not isinstance(operation, str):
        return "other"
    return _CATEGORY_OF_OPERATION.get(operation, "other")


def _tokens_text(span: SpanRecord) -> str:
    counts = [
        f"{span.attributes[key]} {direction}"
        for key, direction in ((conv.USAGE_INPUT_TOKENS, "in"), (conv.USAGE_OUTPUT_TOKENS, "out"))
        if key in span.attributes
    ]
    return " / ".join(counts) + " tokens" if counts else ""


def _error_text(span: SpanRecord) -> str:
    if not span.is_error:
        return ""
    error_type = span.attributes.get(conv.ERROR_TYPE)
    return str(error_type) if error_type is not None else span.status_message or "error"


def time_ticks(duration_nano: int) -> list[dict[str, Any]]:
    """Ticks at round steps (1, 2 or 5 times a power of ten) from 0 to `duration_nano`."""
    step = _round_step(duration_nano / _TARGET_TICKS)
    count = duration_nano // step + 1
    return [
        {"offsetNano": index * step, "label": _tick_label(index * step, step)}
        for index in range(count)
    ]


def _round_step(rough_nano: float) -> int:
    if rough_nano <= 1:
        return 1
    power = 10 ** math.floor(math.log10(rough_nano))
    for multiple in (1, 2, 5):
        if multiple * power >= rough_nano:
            return int(multiple * power)
    return int(10 * power)


def _tick_label(offset_nano: int, step_nano: int) -> str:
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("µs", 10**3)):
        # A tenth of the unit reads better than a thousand of the next one down.
        if step_nano * 10 >= scale:
            decimals = max(0, -math.floor(math.log10(step_nano / scale)))
            return f"{offset_nano / scale:.{decimals}f} {unit}"
    return f"{offset_nano} ns"


def format_duration(nano: int) -> str:
    """`46.3 ms`, `1.25 s` as the terminal tree prints them; finer units below 1 ms."""
    if nano >= 10**9:
        return f"{nano / 10**9:.2f} s"
    if nano >= 10**6:
        return f"{nano / 10**6:.1f} ms"
    if nano >= 10**3:
        return f"{nano / 10**3:.1f} µs"
    return f"{nano} ns"


def format_timestamp(unix_nano: int) -> str:
    """UTC to the nanosecond; JavaScript numbers cannot hold Unix nanoseconds exactly."""
    seconds, nanos = divmod(unix_nano, 10**9)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{nanos:09d} UTC"


def _json_for_script(payload: object) -> str:
    """JSON that cannot end its `<script>` element or be read as markup."""
    try:
        text = _json(payload)
    except ValueError:
        # NaN or an infinity somewhere: the rare case pays for a walk over the data.
        text = _json(_finite(payload))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _json(payload: object) -> str:
    return json.dumps(
        payload, default=_plain, allow_nan=False, ensure_ascii=True, separators=(",", ":")
    )


def _plain(value: object) -> object:
    """A record (span, event, link) as its fields; anything else JSON lacks as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    return str(value)


def _finite(value: object) -> object:
    """NaN and infinities as strings: JSON has no such numbers and JSON.parse rejects them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _finite(_plain(value))
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


@cache
def _asset(name: str) -> str:
    return resources.files("otelscope.viewer").joinpath(name).read_text(encoding="ascii")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("ascii")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def page_html(
    title: str,
    *,
    body: str,
    styles: Sequence[str],
    scripts: Sequence[str],
    data: dict[str, object],
) -> str:
    """A self-contained page: `body`, then each of `data` as an escaped JSON
    block (by element id), then the `scripts` (files next to this module) as
    one inline script, under a policy that allows that script and the
    `styles` (one inline style) and nothing else."""
    style = "\n".join(_asset(name) for name in styles)
    script = "\n".join(_asset(name) for name in scripts)
    policy = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    title_text = html.escape(title).encode("ascii", "xmlcharrefreplace").decode("ascii")
    blocks = "".join(
        f'<script type="application/json" id="{element_id}">{_json_for_script(payload)}</script>\n'
        for element_id, payload in data.items()
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_text}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"{body}{blocks}<script>{script}</script>\n</body>\n</html>\n"
    )
