"""How costs add up and how they are written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from otelscope.cost import Cost, format_usd


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "$0"),
        ("0.00014", "$0.00014"),
        ("0.010679", "$0.01068"),
        ("0.009475", "$0.009475"),
        ("0.5", "$0.50"),
        ("0.1", "$0.10"),
        ("0.123456", "$0.1235"),
        ("0.99996", "$1.00"),
        ("1", "$1.00"),
        ("1.5225", "$1.52"),
        ("1.005", "$1.01"),
        ("12345.678", "$12,345.68"),
        ("0.0000005", "$0.0000005"),
    ],
)
def test_amounts_are_written_to_four_significant_digits_or_cents(amount: str, text: str) -> None:
    assert format_usd(Decimal(amount)) == text


def test_a_sum_says_when_part_of_it_is_unknown() -> None:
    priced = Cost(Decimal("0.0123"), priced=2)
    unknown = Cost(unpriced=1)
    assert priced.text() == "$0.0123"
    assert (priced + unknown).text() == "$0.0123 + unknown"
    assert unknown.text() == "unknown"
    assert (unknown + unknown) == Cost(unpriced=2)
    assert (priced + unknown).calls == 3
    assert not (priced + unknown).complete and priced.complete
    assert (priced + unknown).known_dollars == Decimal("0.0123")
    assert unknown.known_dollars is None
    # No call at all costs nothing.
    assert Cost().text() == "$0" and Cost().known_dollars == 0
