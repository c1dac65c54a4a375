"""Costs summed per agent call, trace, conversation and store, over the spans
as the store reads them back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from otelscope.cost import Cost, costs_of, load_prices
from otelscope.store import SpanRecord, read_store
from tests.cost.stores import TRACE_A, TRACE_B, TRACE_C, write_store

TABLE = load_prices(environ={})


def stored(tmp_path: Path) -> list[SpanRecord]:
    write_store(tmp_path / "store")
    return read_store(tmp_path / "store").spans


def named(spans: list[SpanRecord], name: str, trace_id: str) -> SpanRecord:
    (span,) = [s for s in spans if s.name == name and s.trace_id == trace_id]
    return span


def test_each_model_call_and_agent_call_has_its_cost(tmp_path: Path) -> None:
    spans = stored(tmp_path)
    costs = costs_of(spans, TABLE)
    planner = named(spans, "invoke_agent Planner", TRACE_A)
    searcher = named(spans, "invoke_agent Searcher", TRACE_A)
    # The nested agent's calls count in the agent that called it, once each.
    assert costs.of_span(planner) == Cost(Decimal("0.009475"), priced=2, unpriced=1)
    assert costs.of_span(searcher) == Cost(Decimal("0.005475"), priced=1, unpriced=1)
    assert costs.of_span(named(spans, "chat gpt-4o", TRACE_A)) == Cost(Decimal("0.004"), 1)
    assert costs.of_span(named(spans, "chat scripted-model", TRACE_A)) == Cost(unpriced=1)
    # Neither a model call nor an agent call.
    assert costs.of_span(named(spans, "execute_tool ask", TRACE_A)) is None
    assert costs.of_span(planner).text() == "$0.009475 + unknown"


def test_traces_conversations_and_the_store_add_up(tmp_path: Path) -> None:
    costs = costs_of(stored(tmp_path), TABLE)
    assert costs.traces == {
        TRACE_A: Cost(Decimal("0.009475"), priced=2, unpriced=1),
        TRACE_B: Cost(unpriced=1),
        TRACE_C: Cost(Decimal("0.001204"), priced=1),
    }
    assert costs.conversations == {
        "conv-1": Cost(Decimal("0.009475"), priced=2, unpriced=2),
        "conv-2": Cost(Decimal("0.001204"), priced=1),
    }
    assert costs.total == Cost(Decimal("0.010679"), priced=3, unpriced=2)
    assert costs.total.text() == "$0.01068 + unknown"
    assert costs.traces[TRACE_B].text() == "unknown"


def span(span_id: str, parent: str | None, **attributes: object) -> SpanRecord:
    return SpanRecord("t", span_id, parent, span_id, "INTERNAL", 0, 1, attributes=dict(attributes))


def test_an_agent_without_model_calls_costs_nothing_and_a_call_inherits_a_conversation() -> None:
    spans = [
        span("1", None, **{"gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": "c"}),
        span("2", "1", **{"gen_ai.operation.name": "invoke_agent"}),
        span(
            "3",
            "1",
            **{
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 24,
                "gen_ai.usage.output_tokens": 8,
            },
        ),
    ]
    costs = costs_of(spans, TABLE)
    assert costs.agent_calls[("t", "2")] == Cost()
    assert costs.agent_calls[("t", "1")] == Cost(Decimal("0.00014"), priced=1)
    assert costs.conversations == {"c": Cost(Decimal("0.00014"), priced=1)}


def test_parent_ids_that_loop_end_the_walk() -> None:
    spans = [
        span("1", "2", **{"gen_ai.operation.name": "invoke_agent"}),
        span("2", "1", **{"gen_ai.operation.name": "chat", "gen_ai.request.model": "x"}),
    ]
    costs = costs_of(spans, TABLE)
    assert costs.agent_calls[("t", "1")] == Cost(unpriced=1)
    assert costs.total == Cost(unpriced=1)
