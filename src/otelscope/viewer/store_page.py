"""The store page: the traces of a local store in one self-contained HTML file.

``otelscope view`` writes it. Like the one-trace page (``html.py``), it opens
from ``file://`` offline, loads nothing, and builds its DOM from escaped JSON
with ``textContent`` only, under a policy that allows its own style and script
alone. It holds:

- a list of the traces, newest first: start, service, root span, duration,
  agents, model calls, tokens, cost, errors;
- filters (agent, model, status, conversation id, start time) and a search
  of span names and attributes;
- sessions: the traces grouped by ``gen_ai.conversation.id``, each
  conversation's turns oldest first, with the conversation's cost;
- the waterfall of the selected trace and the details of its spans, drawn by
  the one-trace page's code (``waterfall.js``).

The list and the filters read one small JSON block (``store-data``); each
trace's waterfall is a block of its own (``trace-data-N``), parsed only when
the trace is first shown (or searched), so the page's first render does not
wait for the spans of every trace.

Costs come from ``otelscope.cost``: a model call's from the price table, an
agent call's and a trace's summed from them, a conversation's over the model
calls that carry its id; a sum with a call of unknown cost says ``+ unknown``.
Sums cover the traces on the page, which are the newest ``--limit`` of the
store unless ``--all``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from otelscope.core import conventions as conv
from otelscope.cost import Cost, Costs, PriceTable, costs_of
from otelscope.cost.pricing import is_model_call, model_of
from otelscope.store.records import SpanRecord
from otelscope.store.traces import root_span, summarize_traces
from otelscope.viewer.html import format_duration, page_html, trace_view
from otelscope.viewer.tree import display_name, services_of

STORE_DATA_ID = "store-data"
TRACE_DATA_PREFIX = "trace-data-"

# The page's frame; the script fills it in. Only fixed text here: every value
# from the store is in the JSON blocks.
_STORE_PAGE_BODY = """\
<header class="page-header"><h1 id="page-title"></h1>
<div id="page-summary" class="page-summary"></div><div id="legend" class="legend"></div>
</header>
<form id="filters" class="filters" role="search" autocomplete="off">
<input id="search" type="search" placeholder="Search span names and attributes"
 aria-label="Search span names and attributes" aria-keyshortcuts="/">
<select id="filter-agent" aria-label="Agent"><option value="">any agent</option></select>
<select id="filter-model" aria-label="Model"><option value="">any model</option></select>
<select id="filter-status" aria-label="Status"><option value="">any status</option>
<option value="ok">no errors</option><option value="error">with errors</option></select>
<select id="filter-conversation" aria-label="Conversation id">
<option value="">any conversation</option></select>
<input id="filter-from" class="time" placeholder="from (UTC)" aria-label="Started from (UTC)"
 title="Started at or after: YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS], UTC">
<input id="filter-to" class="time" placeholder="to (UTC)" aria-label="Started before (UTC)"
 title="Started before: YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS], UTC">
<button id="filter-clear" type="button">Clear</button>
<span class="view-switch" role="group" aria-label="View">
<button id="view-traces" type="button" aria-pressed="true">Traces</button>
<button id="view-sessions" type="button" aria-pressed="false">Sessions</button></span>
<span id="match-count" class="match-count" aria-live="polite"></span>
<button id="keys-toggle" type="button" class="keys-toggle" aria-keyshortcuts="?"
 aria-expanded="false">Keys</button>
</form>
<section id="keys" class="keys" hidden aria-label="Keyboard">
<h2>Keyboard</h2>
<dl>
<dt><kbd>j</kbd> <kbd>&#8595;</kbd> / <kbd>k</kbd> <kbd>&#8593;</kbd></dt>
<dd>next / previous trace in the list, shown below it</dd>
<dt><kbd>n</kbd> / <kbd>p</kbd></dt><dd>next / previous span of the waterfall, with its details</dd>
<dt><kbd>Enter</kbd></dt><dd>open the focused trace or span</dd>
<dt><kbd>s</kbd></dt><dd>switch between traces and sessions</dd>
<dt><kbd>/</kbd></dt><dd>search span names and attributes</dd>
<dt><kbd>Esc</kbd></dt><dd>close the details, leave the search box, close this help</dd>
<dt><kbd>?</kbd></dt><dd>show or hide this help</dd>
</dl>
</section>
<div id="list" class="trace-list"></div>
<main id="traces"></main>
<noscript><p>This page draws its traces with JavaScript.</p></noscript>
<aside id="details" class="details" hidden aria-live="polite"></aside>
"""


def render_store_html(
    traces: Iterable[Sequence[SpanRecord]],
    *,
    title: str,
    source: str,
    total: int,
    prices: PriceTable,
) -> str:
    """The store page of `traces` (each one trace's spans, at least one),
    drawn newest first; `total` is how many traces the store holds, `source`
    where it is."""
    groups = sorted(
        (list(group) for group in traces if group),
        key=lambda group: (min(span.start_unix_nano for span in group), group[0].trace_id),
        reverse=True,
    )
    costs = costs_of((span for group in groups for span in group), prices)
    data: dict[str, object] = {
        STORE_DATA_ID: store_payload(groups, costs, title=title, source=source, total=total)
    }
    for position, group in enumerate(groups):
        data[f"{TRACE_DATA_PREFIX}{position}"] = trace_view(group, costs)
    return page_html(
        title,
        body=_STORE_PAGE_BODY,
        styles=("waterfall.css", "store_page.css"),
        scripts=("waterfall.js", "store_page.js"),
        data=data,
    )


def store_payload(
    groups: Sequence[Sequence[SpanRecord]], costs: Costs, *, title: str, source: str, total: int
) -> dict[str, Any]:
    """The list, the filters' choices and the sessions of `groups` (newest
    first); a trace is named by its position, which is its block's number."""
    traces = [_trace_entry(position, group, costs) for position, group in enumerate(groups)]
    return {
        "title": title,
        "source": source,
        "total": total,
        "spanCount": sum(entry["spanCount"] for entry in traces),
        "errorCount": sum(entry["errorCount"] for entry in traces),
        "costText": _cost_text(costs.total),
        "agents": sorted({agent for entry in traces for agent in entry["agents"]}),
        "models": sorted({model for entry in traces for model in entry["models"]}),
        "conversations": sorted({c for entry in traces for c in entry["conversations"]}),
        "traces": traces,
        "sessions": _sessions(traces, costs),
    }


def _trace_entry(position: int, spans: Sequence[SpanRecord], costs: Costs) -> dict[str, Any]:
    (summary,) = summarize_traces(spans)
    ordered = sorted(spans, key=lambda span: (span.start_unix_nano, span.span_id))
    agent_calls = [span for span in ordered if _is_agent_call(span)]
    model_calls = [span for span in ordered if is_model_call(span.attributes)]
    return {
        "position": position,
        "traceId": summary.trace_id,
        # Milliseconds are exact in a JavaScript number; Unix nanoseconds are not.
        "startMs": summary.start_unix_nano // 1_000_000,
        "startText": _start_text(summary.start_unix_nano),
        "service": ", ".join(services_of(spans)),
        "root": display_name(root_span(ordered)),
        "durationNano": summary.duration_nano,
        "durationText": format_duration(summary.duration_nano),
        "agents": _distinct(_text(span.attributes.get(conv.AGENT_NAME)) for span in agent_calls),
        "agentCalls": len(agent_calls),
        "modelCalls": len(model_calls),
        "models": _distinct(model_of(span.attributes) for span in model_calls),
        "inputTokens": summary.input_tokens,
        "outputTokens": summary.output_tokens,
        "costText": _cost_text(costs.traces.get(summary.trace_id, Cost())),
        "errorCount": summary.error_count,
        "spanCount": summary.span_count,
        "conversations": _distinct(
            _text(span.attributes.get(conv.CONVERSATION_ID)) for span in ordered
        ),
    }


def _sessions(traces: Sequence[dict[str, Any]], costs: Costs) -> list[dict[str, Any]]:
    """One session per conversation id, the one with the latest turn first;
    its turns (trace positions) oldest first."""
    turns: dict[str, list[dict[str, Any]]] = {}
    for entry in traces:  # newest first
        for conversation in entry["conversations"]:
            turns.setdefault(conversation, []).append(entry)
    sessions = []
    for conversation, members in turns.items():
        oldest_first = sorted(members, key=lambda entry: (entry["startMs"], entry["position"]))
        sessions.append(
            {
                "id": conversation,
                "turns": [entry["position"] for entry in oldest_first],
                "startText": oldest_first[0]["startText"],
                "lastStartText": oldest_first[-1]["startText"],
                "agents": _distinct(agent for entry in oldest_first for agent in entry["agents"]),
                "modelCalls": sum(entry["modelCalls"] for entry in members),
                "inputTokens": sum(entry["inputTokens"] for entry in members),
                "outputTokens": sum(entry["outputTokens"] for entry in members),
                "errorCount": sum(entry["errorCount"] for entry in members),
                "costText": _cost_text(costs.conversations.get(conversation, Cost())),
            }
        )
    return sessions


def _is_agent_call(span: SpanRecord) -> bool:
    return span.attributes.get(conv.OPERATION_NAME) == conv.OP_INVOKE_AGENT


def _cost_text(cost: Cost) -> str:
    """``$0.0123``, ``$0.0123 + unknown``, ``unknown``; "" for no model call."""
    return cost.text() if cost.calls else ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _distinct(values: Iterable[str]) -> list[str]:
    """The non-empty values, each once, in order."""
    return list(dict.fromkeys(value for value in values if value))


def _start_text(unix_nano: int) -> str:
    seconds, nanos = divmod(unix_nano, 10**9)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{nanos // 10**6:03d}"
