"""Cost in US dollars of the model calls in stored spans, computed when they are
viewed (the spans themselves stay standard GenAI spans).

- ``table``: the price table shipped with otelscope (``prices.toml``), a user's
  file over it (``--prices FILE`` or ``$OTELSCOPE_PRICES``), and how a model
  name finds its price;
- ``pricing``: one model call's cost from its span's attributes;
- ``rollup``: the sums per agent call, trace, conversation and in all;
- ``money``: ``Cost`` (dollars, and how many calls had no known price) and
  how amounts are written.

It reads ``SpanRecord``s (or a span's attributes) only: no AgentScope, no SDK.
"""

from otelscope.cost.money import UNKNOWN, Cost, format_usd
from otelscope.cost.pricing import CallCost, Usage, price_call, usage_of
from otelscope.cost.rollup import Costs, costs_of
from otelscope.cost.table import (
    PRICES_ENV,
    ModelPrice,
    PricesError,
    PriceTable,
    Rates,
    Tier,
    load_prices,
)

__all__ = [
    "PRICES_ENV",
    "UNKNOWN",
    "CallCost",
    "Cost",
    "Costs",
    "ModelPrice",
    "PriceTable",
    "PricesError",
    "Rates",
    "Tier",
    "Usage",
    "costs_of",
    "format_usd",
    "load_prices",
    "price_call",
    "usage_of",
]
