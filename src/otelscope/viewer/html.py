"""The HTML waterfall: one self-contained page that draws traces as timelines.

The page is a single file that opens from `file://` in any browser, offline:
its CSS and JS (`waterfall.css`, `waterfall.js`, next to this module) are
inlined, and a Content-Security-Policy allows nothing but those two blocks
(by hash), so the page can load nothing and no injected handler can run.

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
from otelscope.store.records import SpanRecord
from otelscope.viewer.tree import service_name, services_of

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


def render_waterfall_html(spans: Sequence[SpanRecord], *, title: str) -> str:
    """One HTML page with a waterfall per trace in `spans`, newest trace first."""
    payload = {"title": title, "traces": [_trace_view(group) for group in _traces(spans)]}
    return _page(title, _json_for_script(payload))


def _traces(spans: Sequence[SpanRecord]) -> list[list[SpanRecord]]:
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    groups = list(by_trace.values())
    groups.sort(key=lambda group: (_trace_start(group), group[0].trace_id), reverse=True)
    return groups


def _trace_start(spans: Sequence[SpanRecord]) -> int:
    return min(span.start_unix_nano for span in spans)


def _trace_view(spans: Sequence[SpanRecord]) -> dict[str, Any]:
    start = _trace_start(spans)
    # A trace of zero-duration spans still needs an axis to draw on.
    duration = max(1, max(span.end_unix_nano for span in spans) - start)
    rows = list(_tree_order(spans))
    services = services_of(spans)
    return {
        "traceId": spans[0].trace_id,
        "name": rows[0][0].name,
        # Earliest first; with more than one, every row shows its own.
        "services": services,
        "service": ", ".join(services),
        "startText": format_timestamp(start),
        "durationNano": duration,
        "durationText": format_duration(duration),
        "spanCount": len(spans),
        "errorCount": sum(span.is_error for span in spans),
        "ticks": time_ticks(duration),
        "rows": [_row_view(span, depth, start) for span, depth in rows],
    }


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


def _row_view(span: SpanRecord, depth: int, trace_start: int) -> dict[str, Any]:
    category = _category(span)
    return {
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
        "eventOffsetTexts": [
            "+" + format_duration(max(0, event.time_unix_nano - span.start_unix_nano))
            for event in span.events
        ],
        # The record itself, field for field (see `_plain`).
        "span": span,
    }


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


def _page(title: str, data_json: str) -> str:
    style, script = _asset("waterfall.css"), _asset("waterfall.js")
    policy = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    title_text = html.escape(title).encode("ascii", "xmlcharrefreplace").decode("ascii")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_text}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        '<header class="page-header"><h1 id="page-title"></h1>'
        '<div id="page-summary" class="page-summary"></div><div id="legend" class="legend"></div>'
        "</header>\n"
        '<main id="traces"></main>\n'
        "<noscript><p>This page draws its waterfall with JavaScript.</p></noscript>\n"
        '<aside id="details" class="details" hidden aria-live="polite"></aside>\n'
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{data_json}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )
