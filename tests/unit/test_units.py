"""Amount parsing and formatting: exact, float-free, with clear refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import (
    format_amount,
    format_gwei,
    from_wei,
    gwei_to_wei,
    parse_amount,
    parse_gwei,
    to_wei,
    wei_to_gwei,
)


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("1.5", 1_500_000_000_000_000_000),
        ("1,000.25", 1_000_250_000_000_000_000_000),
        ("0.000000000000000001", 1),
        (" 42 ", 42 * 10**18),
        (".5", 5 * 10**17),
        ("0", 0),
        ("1,234,567", 1_234_567 * 10**18),
        ("000.100", 10**17),
    ],
)
def test_parse_accepts_plain_amounts(text: str, wei: int) -> None:
    assert parse_amount(text) == wei


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        ("-1", "negative"),
        ("+1", "without a sign"),
        ("1e18", "exponent"),
        ("1E-3", "exponent"),
        ("NaN", "number of tokens"),
        ("inf", "number of tokens"),
        ("Infinity", "number of tokens"),
        ("0.0000000000000000001", "19 decimal places"),
        ("1,00", "groups of three"),
        ("1,0000.5", "groups of three"),
        ("1.2.3", "digits and one dot"),
        ("abc", "digits and one dot"),
        ("1.", "digits and one dot"),
        ("0x10", "digits and one dot"),
        ("١٢", "digits and one dot"),
        ("1_000", "underscore"),
        ("9" * 70, "too long"),
        ("1000000000000001", "unrealistically large"),
        ("1000000000000000.1", "unrealistically large"),
    ],
)
def test_parse_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_amount(text)


def test_parse_upper_bound_is_inclusive() -> None:
    assert parse_amount("1000000000000000") == 10**15 * 10**18


def test_format_trims_and_groups() -> None:
    assert format_amount(1_234_567_891_234_567_891_234) == "1,234.567891234567891234"
    assert format_amount(10**21, places=2) == "1,000.00"
    assert format_amount(10**21, places=2, thousands=False) == "1000.00"
    assert format_amount(10**21) == "1,000"
    assert format_amount(0) == "0"
    assert format_amount(-5 * 10**17, symbol="NMR") == "-0.5 NMR"
    # Rounds toward zero so a balance is never shown larger than it is.
    assert format_amount(1_999_999_999_999_999_999, places=2) == "1.99"
    assert format_amount(-1, places=4) == "0.0000"


def test_gwei_helpers() -> None:
    assert parse_gwei("1.5") == 1_500_000_000
    assert gwei_to_wei(Decimal("30")) == 30 * 10**9
    assert wei_to_gwei(1_500_000_000) == Decimal("1.5")
    assert format_gwei(1_234_567_891) == "1.23 gwei"
    with pytest.raises(InvalidInput):
        parse_gwei("0.0000000001")


def test_no_float_anywhere() -> None:
    with pytest.raises(InvalidInput, match="never float"):
        to_wei(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        format_amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="decimal places"):
        to_wei(Decimal("1e-19"))
    with pytest.raises(InvalidInput, match="finite"):
        to_wei(Decimal("NaN"))


@given(st.integers(min_value=0, max_value=10**15 * 10**18))
def test_format_parse_round_trip(wei: int) -> None:
    assert parse_amount(format_amount(wei)) == wei
    assert parse_amount(format_amount(wei, thousands=False)) == wei
    assert to_wei(from_wei(wei)) == wei


@given(st.decimals(min_value=0, max_value=10**15, places=18, allow_nan=False))
def test_decimal_round_trip(amount: Decimal) -> None:
    assert from_wei(to_wei(amount)) == amount
    assert parse_amount(format(amount, "f")) == to_wei(amount)


@given(st.text(max_size=80))
def test_parse_never_crashes_on_garbage(text: str) -> None:
    try:
        wei = parse_amount(text)
    except InvalidInput:
        return
    assert 0 <= wei <= 10**15 * 10**18
