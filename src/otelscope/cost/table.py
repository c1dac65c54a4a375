"""The price table: list prices per million tokens, by provider and model id.

otelscope ships one (``prices.toml`` beside this module); a user file in the
same format (TOML, or JSON when its name ends in ``.json``) overrides it model
by model and adds to it: ``--prices FILE``, else ``$OTELSCOPE_PRICES``.

Matching a model name to a price (``PriceTable.lookup``):

1. the name is lowercased and anything up to its last ``/`` dropped
   (``models/gemini-2.0-flash``, ``openai/gpt-4o``);
2. the name itself is looked up, then the name without one version suffix: a
   date (``-2024-08-06``, ``-20241022``, ``@20241022``), ``-latest``, or a
   three-digit version (``-001``). So ``gpt-4o-2024-08-06`` is ``gpt-4o`` and
   ``claude-3-5-haiku-20241022`` is ``claude-3-5-haiku``, while a listed
   snapshot with a price of its own (``gpt-4o-2024-05-13``) keeps it;
3. among the prices of that id, the one of the span's provider
   (``gen_ai.provider.name``); else the only one, whatever the provider (a
   model reached through an OpenAI-compatible endpoint reports ``openai``);
   several and none of the span's: no price.

A variant that is not a version of a listed model (``gpt-4o-realtime-preview``,
``gemini-2.5-flash-preview-05-20``) is not matched by prefix: it has prices of
its own, so it stays unknown until a table names it.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

PRICES_ENV = "OTELSCOPE_PRICES"
# Prices are per this many tokens.
PER_TOKENS = 1_000_000
SHIPPED = "otelscope"

_VERSION_SUFFIX = re.compile(r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-latest|-\d{3})$")
_RATE_KEYS = ("input", "output", "cache_read", "cache_creation")
_ENTRY_KEYS = frozenset({"provider", "models", "date", "source", "tier", *_RATE_KEYS})
_TIER_KEYS = frozenset({"above_input_tokens", *_RATE_KEYS})


class PricesError(Exception):
    """A price file that cannot be read or does not say prices."""


@dataclass(frozen=True)
class Rates:
    """US dollars per million tokens; ``None``: no published price."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_creation: Decimal | None = None


@dataclass(frozen=True)
class Tier:
    """The rates of a call whose input tokens exceed ``above_input_tokens``."""

    above_input_tokens: int
    rates: Rates


@dataclass(frozen=True)
class ModelPrice:
    provider: str
    models: tuple[str, ...]
    rates: Rates
    tiers: tuple[Tier, ...] = ()
    date: datetime.date | None = None
    source: str = ""
    # Where the price comes from: SHIPPED, or the user file's path.
    origin: str = SHIPPED

    def rates_for(self, input_tokens: int) -> Rates:
        """The rates of a call with this many input tokens (its tier's, if any)."""
        chosen = self.rates
        highest = -1
        for tier in self.tiers:
            if highest < tier.above_input_tokens < input_tokens:
                chosen, highest = tier.rates, tier.above_input_tokens
        return chosen


@dataclass(frozen=True)
class PriceTable:
    prices: tuple[ModelPrice, ...]
    # model id -> provider -> price
    _by_model: dict[str, dict[str, ModelPrice]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, prices: list[ModelPrice]) -> PriceTable:
        """A table of ``prices``; a later price of a (provider, model id) wins."""
        by_model: dict[str, dict[str, ModelPrice]] = {}
        for price in prices:
            for model in price.models:
                by_model.setdefault(model, {})[price.provider] = price
        return cls(tuple(prices), by_model)

    def lookup(self, model: str, provider: str = "") -> ModelPrice | None:
        """The price of ``model`` as served by ``provider`` (see the module's doc)."""
        for key in model_keys(model):
            found = self._by_model.get(key)
            if not found:
                continue
            if provider in found:
                return found[provider]
            return next(iter(found.values())) if len(found) == 1 else None
        return None


def model_keys(model: str) -> Iterator[str]:
    """The ids a model name is looked up as, in order."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    if not name:
        return
    yield name
    unversioned = _VERSION_SUFFIX.sub("", name)
    if unversioned and unversioned != name:
        yield unversioned


def load_prices(path: Path | None = None, environ: Mapping[str, str] | None = None) -> PriceTable:
    """The shipped table with the user's file over it: ``path``, else the file
    ``$OTELSCOPE_PRICES`` names, else none. ``PricesError`` if it cannot be used."""
    if path is None:
        named = (os.environ if environ is None else environ).get(PRICES_ENV, "").strip()
        path = Path(named) if named else None
    prices = shipped_prices()
    if path is not None:
        prices = [*prices, *read_price_file(path)]
    return PriceTable.of(prices)


def shipped_prices() -> list[ModelPrice]:
    text = resources.files("otelscope.cost").joinpath("prices.toml").read_text(encoding="utf-8")
    return parse_prices(tomllib.loads(text, parse_float=Decimal), SHIPPED)


def read_price_file(path: Path) -> list[ModelPrice]:
    """The prices of a user's file; ``PricesError`` says what is wrong with it."""
    where = f"price file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PricesError(f"{where}: no such file") from None
    except UnicodeDecodeError as problem:
        raise PricesError(f"{where}: not UTF-8 text at byte {problem.start + 1}") from None
    except OSError as problem:
        raise PricesError(f"{where}: cannot be read: {problem.strerror or problem}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text, parse_float=Decimal)
        else:
            data = tomllib.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as problem:
        raise PricesError(f"{where}: not valid JSON: {problem}") from None
    except tomllib.TOMLDecodeError as problem:
        raise PricesError(f"{where}: not valid TOML: {problem}") from None
    except RecursionError:
        raise PricesError(f"{where}: nested too deeply") from None
    return parse_prices(data, str(path), where)


def parse_prices(data: object, origin: str, where: str = "price table") -> list[ModelPrice]:
    """``{"price": [entry, ...]}`` as prices; ``PricesError`` on any mistake."""
    if not isinstance(data, dict) or set(data) != {"price"}:
        raise PricesError(f'{where}: expected one list, "price", of prices (see the README)')
    entries = data["price"]
    if not isinstance(entries, list):
        raise PricesError(f'{where}: "price" is not a list')
    return [
        _entry(entry, origin, f"{where}: price {number}")
        for number, entry in enumerate(entries, start=1)
    ]


def _entry(entry: object, origin: str, where: str) -> ModelPrice:
    if not isinstance(entry, dict):
        raise PricesError(f"{where}: not a table of fields")
    provider = entry.get("provider")
    if not isinstance(provider, str) or not provider.strip():
        raise PricesError(f"{where}: needs a provider (its gen_ai.provider.name, e.g. openai)")
    models = entry.get("models")
    if (
        not isinstance(models, list)
        or not models
        or not all(isinstance(model, str) and model.strip() for model in models)
    ):
        raise PricesError(f"{where}: needs models, a list of model ids")
    where = f"{where} ({', '.join(models)})"
    _only(entry, _ENTRY_KEYS, where)
    return ModelPrice(
        provider=provider.strip(),
        models=tuple(model.strip().lower() for model in models),
        rates=_rates(entry, where),
        tiers=tuple(_tier(tier, f"{where}: tier {n}") for n, tier in _tiers(entry, where)),
        date=_date(entry.get("date"), where),
        source=_source(entry.get("source"), where),
        origin=origin,
    )


def _tiers(entry: dict[str, Any], where: str) -> Iterator[tuple[int, object]]:
    tiers = entry.get("tier", [])
    if not isinstance(tiers, list):
        raise PricesError(f"{where}: tier is not a list")
    yield from enumerate(tiers, start=1)


def _tier(tier: object, where: str) -> Tier:
    if not isinstance(tier, dict):
        raise PricesError(f"{where}: not a table of fields")
    _only(tier, _TIER_KEYS, where)
    above = tier.get("above_input_tokens")
    if not isinstance(above, int) or isinstance(above, bool) or above < 0:
        raise PricesError(f"{where}: above_input_tokens must be a whole number of tokens")
    return Tier(above, _rates(tier, where))


def _rates(fields: dict[str, Any], where: str) -> Rates:
    for required in ("input", "output"):
        if required not in fields:
            raise PricesError(f"{where}: needs an {required} price")
    return Rates(
        input=_price(fields["input"], "input", where),
        output=_price(fields["output"], "output", where),
        cache_read=_optional_price(fields, "cache_read", where),
        cache_creation=_optional_price(fields, "cache_creation", where),
    )


def _optional_price(fields: dict[str, Any], key: str, where: str) -> Decimal | None:
    return _price(fields[key], key, where) if key in fields else None


def _price(value: object, key: str, where: str) -> Decimal:
    """A price in dollars per million tokens: a number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PricesError(f"{where}: {key} must be a number of US dollars per million tokens")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise PricesError(f"{where}: {key} must be a finite price, 0 or more")
    return amount


def _date(value: object, where: str) -> datetime.date | None:
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise PricesError(f"{where}: date must be a date (YYYY-MM-DD)")


def _source(value: object, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PricesError(f"{where}: source must be text (the pricing page's address)")
    return value


def _only(fields: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(fields) - known)
    if unknown:
        raise PricesError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
