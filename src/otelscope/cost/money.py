"""A cost in US dollars over model calls, some of which may have no known price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNKNOWN = "unknown"
_CENTS = Decimal("0.01")
# Below a dollar, amounts are shown to this many significant digits.
_SIGNIFICANT = 4


@dataclass(frozen=True)
class Cost:
    """The dollars of the ``priced`` model calls, and how many calls had no
    known cost (``unpriced``): never counted as 0, always said."""

    dollars: Decimal = Decimal(0)
    priced: int = 0
    unpriced: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.dollars + other.dollars, self.priced + other.priced, self.unpriced + other.unpriced
        )

    @property
    def calls(self) -> int:
        return self.priced + self.unpriced

    @property
    def complete(self) -> bool:
        """Every call was priced."""
        return self.unpriced == 0

    @property
    def known_dollars(self) -> Decimal | None:
        """The dollars, or ``None`` when no call could be priced at all."""
        return self.dollars if self.priced or not self.unpriced else None

    def text(self) -> str:
        """``$0.0123``, ``$0.0123 + unknown`` or ``unknown``."""
        if self.priced == 0 and self.unpriced:
            return UNKNOWN
        amount = format_usd(self.dollars)
        return f"{amount} + {UNKNOWN}" if self.unpriced else amount


def format_usd(amount: Decimal) -> str:
    """``$12.35`` from a dollar up; below it, four significant digits and at
    least cents: ``$0.50``, ``$0.01234``, ``$0.00014``; ``$0`` for nothing."""
    if amount == 0:
        return "$0"
    if amount >= 1:
        return f"${amount.quantize(_CENTS, ROUND_HALF_UP):,}"
    quantum = Decimal(1).scaleb(amount.adjusted() - _SIGNIFICANT + 1)
    rounded = amount.quantize(quantum, ROUND_HALF_UP)
    if rounded >= 1:
        return "$1.00"
    text = format(rounded.normalize(), "f")
    decimals = len(text.partition(".")[2])
    return "$" + (text + "0" * (2 - decimals) if decimals < 2 else text)
