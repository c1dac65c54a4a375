"""Costs of stored spans: each model call's, and their sums per agent call,
trace, conversation and for all the spans given.

An agent call's cost is that of the model calls under it, at any depth: those
of the agents it called included, each call once. A conversation's is that of
the model calls carrying its ``gen_ai.conversation.id`` (or, for a call that
carries none, the nearest ancestor's). A sum with a call of unknown cost says
so (``Cost.unpriced``); it is never taken as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from otelscope.core import conventions as gen_ai
from otelscope.cost.money import Cost
from otelscope.cost.pricing import CallCost, is_model_call, price_call
from otelscope.cost.table import PriceTable

if TYPE_CHECKING:
    from otelscope.store.records import SpanRecord

# A span, by its trace id and span id.
SpanKey = tuple[str, str]


@dataclass
class Costs:
    # Every model call (chat, embeddings, ...), by span.
    calls: dict[SpanKey, CallCost] = field(default_factory=dict)
    # Every agent call (invoke_agent), by span; Cost() when it made no model call.
    agent_calls: dict[SpanKey, Cost] = field(default_factory=dict)
    # Every trace with spans, by trace id.
    traces: dict[str, Cost] = field(default_factory=dict)
    # Every conversation a model call belongs to, by gen_ai.conversation.id.
    conversations: dict[str, Cost] = field(default_factory=dict)
    total: Cost = field(default_factory=Cost)

    def of_span(self, span: SpanRecord) -> Cost | None:
        """A model call's or an agent call's cost; ``None`` for any other span."""
        key = (span.trace_id, span.span_id)
        call = self.calls.get(key)
        return call.cost if call is not None else self.agent_calls.get(key)


def costs_of(spans: Iterable[SpanRecord], table: PriceTable) -> Costs:
    """The costs of ``spans`` (whole traces, for the agent calls' sums)."""
    records = list(spans)
    by_key = {(span.trace_id, span.span_id): span for span in records}
    costs = Costs()
    for span in records:
        costs.traces.setdefault(span.trace_id, Cost())
        if span.attributes.get(gen_ai.OPERATION_NAME) == gen_ai.OP_INVOKE_AGENT:
            costs.agent_calls.setdefault((span.trace_id, span.span_id), Cost())
    for span in records:
        if not is_model_call(span.attributes):
            continue
        call = price_call(span.attributes, table)
        cost = call.cost
        costs.calls[(span.trace_id, span.span_id)] = call
        costs.traces[span.trace_id] += cost
        costs.total += cost
        conversation = _conversation(span)
        for ancestor in ancestors(span, by_key):
            key = (ancestor.trace_id, ancestor.span_id)
            if key in costs.agent_calls:
                costs.agent_calls[key] += cost
            conversation = conversation or _conversation(ancestor)
        if conversation:
            costs.conversations[conversation] = costs.conversations.get(conversation, Cost()) + cost
    return costs


def ancestors(span: SpanRecord, by_key: dict[SpanKey, SpanRecord]) -> Iterable[SpanRecord]:
    """The span's parent, its parent's parent, ...: each once, even should a
    producer's ids loop."""
    seen = {(span.trace_id, span.span_id)}
    parent_id = span.parent_span_id
    while parent_id is not None:
        key = (span.trace_id, parent_id)
        parent = by_key.get(key)
        if parent is None or key in seen:
            return
        seen.add(key)
        yield parent
        parent_id = parent.parent_span_id


def _conversation(span: SpanRecord) -> str:
    value = span.attributes.get(gen_ai.CONVERSATION_ID)
    return value if isinstance(value, str) else ""
