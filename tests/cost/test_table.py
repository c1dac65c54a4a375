"""The price table: what otelscope ships, how a model name finds its price,
and a user's file over it (overrides, additions, and every kind of mistake)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from otelscope.cost import PRICES_ENV, PricesError, load_prices
from otelscope.cost.table import SHIPPED, model_keys, shipped_prices

PROVIDERS = {"openai", "anthropic", "gcp.gemini", "dashscope", "deepseek"}
SOURCES = {
    "openai": "https://platform.openai.com/docs/pricing",
    "anthropic": "https://docs.anthropic.com/en/docs/about-claude/pricing",
    "gcp.gemini": "https://ai.google.dev/gemini-api/docs/pricing",
    "dashscope": "https://www.alibabacloud.com/help/en/model-studio/models",
    "deepseek": "https://api-docs.deepseek.com/quick_start/pricing",
}
NO_FILE: dict[str, str] = {}


def test_every_shipped_price_is_dated_and_names_its_providers_page() -> None:
    prices = shipped_prices()
    assert {price.provider for price in prices} == PROVIDERS
    for price in prices:
        assert price.date == datetime.date(2025, 12, 1), price.models
        assert price.source == SOURCES[price.provider], price.models
        assert price.origin == SHIPPED
        assert price.rates.input >= 0 and price.rates.output >= 0


def test_no_model_id_is_priced_twice_by_one_provider() -> None:
    seen: set[tuple[str, str]] = set()
    for price in shipped_prices():
        for model in price.models:
            assert (price.provider, model) not in seen, model
            seen.add((price.provider, model))


@pytest.mark.parametrize(
    ("model", "provider", "priced_as"),
    [
        ("gpt-4o", "openai", "gpt-4o"),
        # A dated snapshot is its model...
        ("gpt-4o-2024-08-06", "openai", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "openai", "gpt-4o-mini"),
        ("claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku"),
        ("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5"),
        ("claude-3-7-sonnet-latest", "anthropic", "claude-3-7-sonnet"),
        ("gemini-2.0-flash-001", "gcp.gemini", "gemini-2.0-flash"),
        ("qwen-max-2025-01-25", "dashscope", "qwen-max"),
        # ... unless it has a price of its own.
        ("gpt-4o-2024-05-13", "openai", "gpt-4o-2024-05-13"),
        # Case, and a path before the name.
        ("GPT-4o", "openai", "gpt-4o"),
        ("models/gemini-2.5-flash", "gcp.gemini", "gemini-2.5-flash"),
        # Another provider name (an OpenAI-compatible endpoint): the only price of the id.
        ("deepseek-chat", "openai", "deepseek-chat"),
        ("claude-3-haiku-20240307", "", "claude-3-haiku"),
    ],
)
def test_a_model_finds_its_price(model: str, provider: str, priced_as: str) -> None:
    price = load_prices(environ=NO_FILE).lookup(model, provider)
    assert price is not None
    assert priced_as in price.models


@pytest.mark.parametrize(
    "model",
    [
        # Variants with prices of their own are not a prefix's.
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-search-preview",
        "gemini-2.5-flash-preview-05-20",
        "gpt-3.5-turbo-1106",
        "scripted-model",
        "",
        "   ",
    ],
)
def test_a_model_without_a_price_has_none(model: str) -> None:
    assert load_prices(environ=NO_FILE).lookup(model, "openai") is None


def test_the_ids_a_name_is_looked_up_as() -> None:
    assert list(model_keys(" Claude-3-5-Sonnet-20241022 ")) == [
        "claude-3-5-sonnet-20241022",
        "claude-3-5-sonnet",
    ]
    assert list(model_keys("publishers/google/models/gemini-2.0-flash-001")) == [
        "gemini-2.0-flash-001",
        "gemini-2.0-flash",
    ]
    assert list(model_keys("gpt-4o")) == ["gpt-4o"]


USER_TOML = """\
# My contract price for gpt-4o, and a model of my own.
[[price]]
provider = "openai"
models = ["gpt-4o"]
input = 2
cache_read = 1
output = 8
date = 2026-01-15
source = "my contract"

[[price]]
provider = "openai"
models = ["my-llama"]
input = 0.5
output = 0.5
"""


def test_a_user_file_overrides_and_extends_the_table(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(USER_TOML)
    table = load_prices(path, environ=NO_FILE)
    mine = table.lookup("gpt-4o-2024-11-20", "openai")
    assert mine is not None
    assert (mine.rates.input, mine.rates.cache_read, mine.rates.output) == (2, 1, 8)
    assert (mine.date, mine.source, mine.origin) == (
        datetime.date(2026, 1, 15),
        "my contract",
        str(path),
    )
    llama = table.lookup("my-llama", "openai")
    assert llama is not None and llama.rates.input == Decimal("0.5")
    assert llama.date is None and llama.source == ""
    # What the file does not name keeps the shipped price.
    mini = table.lookup("gpt-4o-mini", "openai")
    assert mini is not None and mini.origin == SHIPPED


def test_a_json_file_and_the_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    entry = {"provider": "dashscope", "models": ["qwen-plus"], "input": 0.4, "output": 1.2}
    path.write_text(json.dumps({"price": [{**entry, "date": "2026-02-01"}]}))
    table = load_prices(environ={PRICES_ENV: str(path)})
    price = table.lookup("qwen-plus-latest", "dashscope")
    assert price is not None
    assert (price.rates.input, price.rates.output) == (Decimal("0.4"), Decimal("1.2"))
    assert price.date == datetime.date(2026, 2, 1)


def test_the_option_wins_over_the_environment_variable(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.toml"
    chosen.write_text(USER_TOML)
    table = load_prices(chosen, environ={PRICES_ENV: str(tmp_path / "missing.toml")})
    assert table.lookup("my-llama", "openai") is not None


def test_an_empty_environment_variable_names_no_file() -> None:
    assert load_prices(environ={PRICES_ENV: "  "}).prices == tuple(shipped_prices())


def _entry(**fields: object) -> str:
    base: dict[str, object] = {
        "provider": "openai",
        "models": ["m"],
        "input": 1,
        "output": 2,
    }
    return json.dumps({"price": [{**base, **fields}]})


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("p.toml", "price = [[", "not valid TOML: "),
        ("p.json", "{", "not valid JSON: "),
        ("p.toml", "", 'expected one list, "price", of prices (see the README)'),
        ("p.toml", "price = 3", '"price" is not a list'),
        ("p.json", '{"price": [3]}', "price 1: not a table of fields"),
        ("p.json", '{"price": [], "prices": []}', 'expected one list, "price"'),
        (
            "p.json",
            json.dumps({"price": [{"models": ["m"], "input": 1, "output": 2}]}),
            "price 1: needs a provider (its gen_ai.provider.name, e.g. openai)",
        ),
        ("p.json", _entry(models="m"), "price 1: needs models, a list of model ids"),
        ("p.json", _entry(models=[]), "price 1: needs models, a list of model ids"),
        ("p.json", _entry(input="1.5"), "price 1 (m): input must be a number of US dollars"),
        ("p.json", _entry(output=True), "price 1 (m): output must be a number of US dollars"),
        ("p.json", _entry(input=-1), "price 1 (m): input must be a finite price, 0 or more"),
        (
            "p.json",
            '{"price": [{"provider": "openai", "models": ["m"], "input": NaN, "output": 1}]}',
            "price 1 (m): input must be a finite price, 0 or more",
        ),
        (
            "p.toml",
            'price = [{provider = "openai", models = ["m"], input = inf, output = 1}]',
            "price 1 (m): input must be a finite price, 0 or more",
        ),
        ("p.json", _entry(cache_read=None), "price 1 (m): cache_read must be a number"),
        ("p.json", _entry(inptu=1), "price 1 (m): unknown field 'inptu' (known: "),
        ("p.json", _entry(date="yesterday"), "price 1 (m): date must be a date (YYYY-MM-DD)"),
        ("p.json", _entry(source=3), "price 1 (m): source must be text"),
        ("p.json", _entry(tier={}), "price 1 (m): tier is not a list"),
        (
            "p.json",
            _entry(tier=[{"input": 1, "output": 2}]),
            "price 1 (m): tier 1: above_input_tokens must be a whole number of tokens",
        ),
        (
            "p.json",
            _entry(tier=[{"above_input_tokens": 10, "input": 1}]),
            "price 1 (m): tier 1: needs an output price",
        ),
        (
            "p.json",
            json.dumps({"price": [{"provider": "x", "models": ["m"], "output": 2}]}),
            "price 1 (m): needs an input price",
        ),
    ],
)
def test_a_malformed_file_is_a_clear_error(tmp_path: Path, name: str, text: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PricesError) as raised:
        load_prices(path, environ=NO_FILE)
    message = str(raised.value)
    assert message.startswith(f"price file {path}: "), message
    assert says in message, message


def test_a_file_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"price = []\n\xff")
    cases = {
        tmp_path / "missing.toml": "no such file",
        binary: "not UTF-8 text at byte 12",
        tmp_path: "cannot be read: ",
    }
    for path, says in cases.items():
        with pytest.raises(PricesError) as raised:
            load_prices(path, environ=NO_FILE)
        assert str(raised.value).startswith(f"price file {path}: {says}"), raised.value


def test_a_file_nested_too_deeply_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PricesError, match="nested too deeply"):
        load_prices(path, environ=NO_FILE)
