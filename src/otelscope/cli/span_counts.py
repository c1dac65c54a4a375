"""Counting what a process of a run recorded, as its spans end.

The counts go to the parent in the process's ``exit`` line (``run_report``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from decimal import Decimal

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from otelscope.cli.run_report import SpanCounts
from otelscope.core import conventions as gen_ai

# The operations of a call to a model (as the store and the viewer count them).
MODEL_OPERATIONS = frozenset(
    {gen_ai.OP_CHAT, "text_completion", "generate_content", gen_ai.OP_EMBEDDINGS}
)


class CountingSpanProcessor(SpanProcessor):
    """Counts finished spans; reads attributes only, never keeps a span."""

    def __init__(self) -> None:
        self._counts = SpanCounts()
        self._trace_ids: set[int] = set()
        self._lock = threading.Lock()
        # Prices a model call, made at the first one (None: no table can be read).
        self._pricer: Callable[[Mapping[str, object]], Decimal | None] | None = None
        self._prices_read = False
        self._dollars = Decimal(0)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        operation = attributes.get(gen_ai.OPERATION_NAME)
        failed = span.status.status_code == StatusCode.ERROR
        with self._lock:
            counts = self._counts
            counts.spans += 1
            if span.context is not None:
                self._trace_ids.add(span.context.trace_id)
            if operation == gen_ai.OP_INVOKE_AGENT:
                counts.agent_calls += 1
                counts.errors += failed
            elif operation in MODEL_OPERATIONS:
                counts.model_calls += 1
                counts.failed_model_calls += failed
                counts.input_tokens += _int(attributes.get(gen_ai.USAGE_INPUT_TOKENS))
                counts.output_tokens += _int(attributes.get(gen_ai.USAGE_OUTPUT_TOKENS))
                self._price(attributes)
            elif operation == gen_ai.OP_EXECUTE_TOOL:
                counts.failed_tool_calls += failed

    def _price(self, attributes: Mapping[str, object]) -> None:
        """Adds a model call's cost, when its price is known (the lock is held)."""
        if not self._prices_read:
            self._prices_read = True
            self._pricer = _pricer()
        if self._pricer is not None:
            dollars = self._pricer(attributes)
            if dollars is not None:
                self._counts.priced_model_calls += 1
                self._dollars += dollars

    def snapshot(self) -> SpanCounts:
        with self._lock:
            trace_ids = {f"{trace_id:032x}" for trace_id in self._trace_ids}
            cost = float(self._dollars)
            return SpanCounts(**{**asdict(self._counts), "trace_ids": trace_ids, "cost_usd": cost})


def _pricer() -> Callable[[Mapping[str, object]], Decimal | None] | None:
    """A model call's cost from its attributes, by the price table (loaded
    here, by a process that calls a model); None if the table cannot be read."""
    from otelscope.cost import PricesError, load_prices, price_call

    try:
        table = load_prices()
    except PricesError:
        return None  # the run's summary says why (summary.py)
    return lambda attributes: price_call(attributes, table).dollars


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
