"""The cost of one model call, from the attributes of its span.

Usage is read as the GenAI conventions record it, and as otelscope records it
for every provider: ``gen_ai.usage.input_tokens`` counts all input tokens,
those read from a prompt cache (``gen_ai.usage.cache_read.input_tokens``) and
those written to one (``gen_ai.usage.cache_creation.input_tokens``) included
(otelscope adds Anthropic's cached tokens to its input count to make it so). So
a call costs::

    (input - cache_read - cache_creation) x input price
    + cache_read x cache-read price + cache_creation x cache-creation price
    + output x output price

per million tokens, at the rates of the call's tier. The cost is unknown, never
0, when the span names no model, no price matches its response model
(``gen_ai.response.model``) or its request model (``gen_ai.request.model``),
it records no token usage, or it has cached tokens and the price has no cache
price for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from otelscope.core import conventions as gen_ai
from otelscope.cost.money import Cost
from otelscope.cost.table import PER_TOKENS, ModelPrice, PriceTable, Rates

# Operations that call a model, as the store and the viewer count them.
MODEL_OPERATIONS = frozenset(
    {gen_ai.OP_CHAT, "text_completion", "generate_content", gen_ai.OP_EMBEDDINGS}
)


@dataclass(frozen=True)
class Usage:
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_creation: int = 0

    @property
    def uncached_input(self) -> int:
        """Input neither read from nor written to a cache (0 at least, should a
        producer report cached tokens apart from its input count)."""
        return max(0, self.input - self.cache_read - self.cache_creation)


@dataclass(frozen=True)
class CallCost:
    """A model call's cost, or why it is unknown (``problem``)."""

    # The model the price was looked up for ("" if the span names none).
    model: str
    provider: str
    usage: Usage | None
    price: ModelPrice | None = None
    # The rates applied (the price's tier for this call's input).
    rates: Rates | None = None
    dollars: Decimal | None = None
    problem: str = ""

    @property
    def cost(self) -> Cost:
        if self.dollars is None:
            return Cost(unpriced=1)
        return Cost(self.dollars, priced=1)


def is_model_call(attributes: Mapping[str, object]) -> bool:
    return attributes.get(gen_ai.OPERATION_NAME) in MODEL_OPERATIONS


def model_of(attributes: Mapping[str, object]) -> str:
    """The model that answered, else the model asked for, else ``""``."""
    for key in (gen_ai.RESPONSE_MODEL, gen_ai.REQUEST_MODEL):
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def provider_of(attributes: Mapping[str, object]) -> str:
    value = attributes.get(gen_ai.PROVIDER_NAME)
    return value.strip() if isinstance(value, str) else ""


def usage_of(attributes: Mapping[str, object]) -> Usage | None:
    """The call's token counts; ``None`` if it records neither input nor output."""
    counts = {
        name: attributes.get(key)
        for name, key in (
            ("input", gen_ai.USAGE_INPUT_TOKENS),
            ("output", gen_ai.USAGE_OUTPUT_TOKENS),
            ("cache_read", gen_ai.USAGE_CACHE_READ_INPUT_TOKENS),
            ("cache_creation", gen_ai.USAGE_CACHE_CREATION_INPUT_TOKENS),
        )
    }
    if counts["input"] is None and counts["output"] is None:
        return None
    return Usage(**{name: _count(value) for name, value in counts.items()})


def price_call(attributes: Mapping[str, object], table: PriceTable) -> CallCost:
    """The cost of the model call whose span has these attributes."""
    provider = provider_of(attributes)
    usage = usage_of(attributes)
    model, price = _priced_model(attributes, provider, table)
    if not model:
        return CallCost("", provider, usage, problem="the span names no model")
    if price is None:
        return CallCost(model, provider, usage, problem=f"no price for {model}")
    if usage is None:
        return CallCost(model, provider, usage, price, problem="no token usage recorded")
    rates = price.rates_for(usage.input)
    dollars = usage.uncached_input * rates.input + usage.output * rates.output
    for tokens, rate, kind in (
        (usage.cache_read, rates.cache_read, "cache-read"),
        (usage.cache_creation, rates.cache_creation, "cache-creation"),
    ):
        if tokens and rate is None:
            problem = f"no {kind} price for {model}"
            return CallCost(model, provider, usage, price, rates, problem=problem)
        if tokens and rate is not None:
            dollars += tokens * rate
    return CallCost(model, provider, usage, price, rates, dollars / PER_TOKENS)


def _priced_model(
    attributes: Mapping[str, object], provider: str, table: PriceTable
) -> tuple[str, ModelPrice | None]:
    """The response model and its price, else the request model and its price;
    the first model named when neither has one."""
    named: list[str] = []
    for key in (gen_ai.RESPONSE_MODEL, gen_ai.REQUEST_MODEL):
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            model = value.strip()
            named.append(model)
            price = table.lookup(model, provider)
            if price is not None:
                return model, price
    return (named[0] if named else ""), None


def _count(value: object) -> int:
    """A token count: a whole number, 0 or more (anything else counts 0)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0
