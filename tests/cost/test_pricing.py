"""One model call's cost: exact figures from the shipped table, cached tokens,
tiers, which model is priced, and every way a cost stays unknown."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from otelscope.cost import Cost, load_prices, price_call
from otelscope.cost.pricing import Usage
from tests.cost.stores import DEEPSEEK, GPT_4O, SONNET

TABLE = load_prices(environ={})


def chat(provider: str, model: str, **usage: int) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
    }
    for name, count in usage.items():
        key = {
            "input": "gen_ai.usage.input_tokens",
            "output": "gen_ai.usage.output_tokens",
            "cache_read": "gen_ai.usage.cache_read.input_tokens",
            "cache_creation": "gen_ai.usage.cache_creation.input_tokens",
        }[name]
        attributes[key] = count
    return attributes


@pytest.mark.parametrize(
    ("attributes", "dollars"),
    [
        # 24 x $2.50 + 8 x $10 per million.
        (chat("openai", "gpt-4o", input=24, output=8), "0.00014"),
        # 600 uncached x $2.50 + 400 cached x $1.25 + 200 x $10.
        (GPT_4O, "0.004"),
        # Anthropic's input count holds the cached tokens (otelscope adds them, as the
        # conventions ask): 500 uncached x $3 + 2000 read x $0.30 + 500 written x $3.75
        # + 100 x $15.
        (SONNET, "0.005475"),
        # 2000 cache misses x $0.28 + 8000 hits x $0.028 + 1000 x $0.42.
        (DEEPSEEK, "0.001204"),
        (
            chat("gcp.gemini", "gemini-2.5-flash", input=1000, cache_read=1000, output=10),
            "0.000055",
        ),
        (chat("anthropic", "claude-haiku-4-5-20251001", input=1_000_000, output=1_000_000), "6"),
        (chat("dashscope", "qwen-max", input=1000, output=1000), "0.008"),
        (chat("openai", "gpt-5-nano", input=100, cache_read=100), "0.0000005"),
        # Embeddings: input only.
        (
            {
                "gen_ai.operation.name": "embeddings",
                "gen_ai.request.model": "text-embedding-3-small",
                "gen_ai.usage.input_tokens": 5000,
            },
            "0.0001",
        ),
        # Output alone, and no tokens at all.
        (chat("openai", "gpt-4o", output=1), "0.00001"),
        (chat("openai", "gpt-4o", input=0, output=0), "0"),
    ],
)
def test_exact_cost_from_the_shipped_table(attributes: dict[str, Any], dollars: str) -> None:
    call = price_call(attributes, TABLE)
    assert call.problem == ""
    assert call.dollars == Decimal(dollars)
    assert call.cost == Cost(Decimal(dollars), priced=1)


def test_a_long_prompt_is_priced_at_its_tier() -> None:
    # Over 200K input tokens: Sonnet 4.5 at $6 / $22.50, Gemini 2.5 Pro at $2.50 / $15.
    sonnet = price_call(chat("anthropic", "claude-sonnet-4-5", input=250_000, output=1000), TABLE)
    gemini = price_call(
        chat("gcp.gemini", "gemini-2.5-pro", input=300_000, cache_read=100_000, output=1000),
        TABLE,
    )
    at_limit = price_call(chat("gcp.gemini", "gemini-2.5-pro", input=200_000), TABLE)
    assert sonnet.dollars == Decimal("1.5225")
    # 200K x $2.50 + 100K x $0.25 + 1000 x $15.
    assert gemini.dollars == Decimal("0.54")
    assert at_limit.dollars == Decimal("0.25")


def test_the_response_model_is_priced_first_then_the_request_model() -> None:
    answered = {**chat("openai", "gpt-4o", input=1000), "gen_ai.response.model": "gpt-4o-mini"}
    fine_tuned = {**chat("openai", "gpt-4o", input=1000), "gen_ai.response.model": "ft:gpt-4o:x"}
    assert price_call(answered, TABLE).dollars == Decimal("0.00015")
    assert price_call(answered, TABLE).model == "gpt-4o-mini"
    # No price for the model that answered: the one asked for.
    assert price_call(fine_tuned, TABLE).dollars == Decimal("0.0025")
    assert price_call(fine_tuned, TABLE).model == "gpt-4o"


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        (chat("openai", "scripted-model", input=24, output=8), "no price for scripted-model"),
        (
            {**chat("openai", "gpt-4o", input=1), "gen_ai.request.model": None},
            "the span names no model",
        ),
        (chat("openai", "gpt-4o"), "no token usage recorded"),
        # A price without a cache price for cached tokens.
        (
            chat("openai", "gpt-4o-2024-05-13", input=100, cache_read=50),
            "no cache-read price for gpt-4o-2024-05-13",
        ),
        (
            chat("gcp.gemini", "gemini-2.5-flash", input=100, cache_creation=50),
            "no cache-creation price for gemini-2.5-flash",
        ),
    ],
)
def test_an_unknown_cost_is_unknown_never_zero(attributes: dict[str, Any], problem: str) -> None:
    call = price_call(attributes, TABLE)
    assert (call.dollars, call.problem) == (None, problem)
    assert call.cost == Cost(unpriced=1)
    assert call.cost.text() == "unknown"


def test_usage_is_read_as_recorded() -> None:
    call = price_call(SONNET, TABLE)
    assert call.usage == Usage(input=3000, output=100, cache_read=2000, cache_creation=500)
    assert call.usage is not None and call.usage.uncached_input == 500
    # Cached tokens counted apart from the input (another producer): no negative part.
    assert Usage(input=100, cache_read=300).uncached_input == 0
    # Counts that are not whole numbers of tokens count nothing.
    odd = price_call(
        {
            **chat("openai", "gpt-4o"),
            "gen_ai.usage.input_tokens": True,
            "gen_ai.usage.output_tokens": -5,
        },
        TABLE,
    )
    assert odd.dollars == 0


def test_a_user_price_changes_the_figure(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        '[[price]]\nprovider = "openai"\nmodels = ["gpt-4o"]\ninput = 1\noutput = 1\n'
        "cache_read = 0.5\n"
    )
    table = load_prices(path, environ={})
    # 600 x $1 + 400 x $0.50 + 200 x $1.
    assert price_call(GPT_4O, table).dollars == Decimal("0.001")
    assert price_call(SONNET, table).dollars == Decimal("0.005475")
