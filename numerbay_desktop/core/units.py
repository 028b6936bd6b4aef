"""NMR and ETH amounts: exact conversions between user text, `Decimal` and integer wei.

Money is `int` wei inside the app; `Decimal` and text exist only at the edges (what a user
types, what a page shows). Nothing here ever touches a float. Both NMR and ETH have 18
decimals; `decimals` is a parameter so a token with fewer decimals works the same way.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext

from numerbay_desktop.core.errors import InvalidInput

DECIMALS = 18
WEI_PER_UNIT = 10**DECIMALS
WEI_PER_GWEI = 10**9

# Longer input than this is never a real amount (and keeps regex and Decimal work bounded).
MAX_INPUT_CHARS = 64
# 10**15 whole tokens: a thousand times the supply of ETH; anything above is a typo.
MAX_WHOLE_UNITS = 10**15
# uint256 bound: the largest amount a contract can hold.
MAX_UINT256 = 2**256 - 1

# Plain digits, optionally grouped by commas in threes, optionally a fraction.
# ASCII digits only: `\d` would accept Arabic-Indic and other Unicode digits.
_AMOUNT = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]+))?")


def parse_amount(text: str, decimals: int = DECIMALS, *, max_units: int = MAX_WHOLE_UNITS) -> int:
    """Parse what a user typed ("1.5", "1,000.25", ".5") into integer base units (wei).

    Refuses, with a sentence saying why: empty text, signs, exponents, NaN/infinity,
    misplaced thousands separators, more fractional digits than `decimals`, and amounts
    above `max_units` whole tokens.
    """
    if not isinstance(text, str):
        raise InvalidInput("Enter the amount as text, for example 1.5.")
    cleaned = text.strip()
    if "_" in cleaned:
        raise InvalidInput("Use a comma or nothing to group digits, not an underscore.")
    if not cleaned:
        raise InvalidInput("Enter an amount, for example 1.5.")
    if len(cleaned) > MAX_INPUT_CHARS:
        raise InvalidInput(f"That amount is too long (more than {MAX_INPUT_CHARS} characters).")
    if cleaned[0] in "+-−":
        if cleaned[0] != "+" and _AMOUNT.fullmatch(cleaned[1:].strip()):
            raise InvalidInput("The amount cannot be negative.")
        raise InvalidInput("Enter the amount without a sign, for example 1.5.")
    lowered = cleaned.lower()
    if any(word in lowered for word in ("nan", "inf")):
        raise InvalidInput("Enter a number of tokens, for example 1.5.")
    if "e" in lowered and re.fullmatch(r"[0-9.,]+e[+-]?[0-9]+", lowered):
        raise InvalidInput("Write the amount out in full digits, without an exponent.")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or (match.group("int") is None and match.group("frac") is None):
        if "," in cleaned and re.fullmatch(r"[0-9,]+(\.[0-9]+)?", cleaned):
            raise InvalidInput(
                "Commas may only separate groups of three digits, as in 1,000.25."
            )
        raise InvalidInput("Enter a number of tokens using digits and one dot, as in 1.5.")
    whole_text = (match.group("int") or "0").replace(",", "")
    fraction_text = match.group("frac") or ""
    if len(fraction_text) > decimals:
        raise InvalidInput(
            f"That amount has {len(fraction_text)} decimal places; at most {decimals} are possible."
        )
    whole = int(whole_text)
    if whole >= max_units and (whole > max_units or fraction_text.strip("0")):
        raise InvalidInput(f"That amount is unrealistically large (above {max_units:,} tokens).")
    return whole * _scale(decimals) + int(fraction_text.ljust(decimals, "0") or "0")


def to_wei(amount: Decimal | int, decimals: int = DECIMALS) -> int:
    """An exact `Decimal` (or whole `int`) amount of tokens in wei; refuses lost precision."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise InvalidInput("Amounts must be Decimal or int, never float.")
    if isinstance(amount, int):
        return amount * _scale(decimals)
    if not amount.is_finite():
        raise InvalidInput("The amount must be a finite number.")
    with localcontext() as context:
        context.prec = 120
        scaled = amount.scaleb(decimals)
        integral = scaled.to_integral_value(rounding=ROUND_DOWN)
        if integral != scaled:
            raise InvalidInput(f"That amount has more than {decimals} decimal places.")
        return int(integral)


def from_wei(wei: int, decimals: int = DECIMALS) -> Decimal:
    """Integer wei as an exact `Decimal` number of tokens (no trailing-zero noise)."""
    _require_int(wei)
    with localcontext() as context:
        context.prec = 120
        value = Decimal(wei).scaleb(-decimals)
        return _strip_zeros(value)


def format_amount(
    wei: int,
    decimals: int = DECIMALS,
    *,
    places: int | None = None,
    thousands: bool = True,
    symbol: str | None = None,
    round_half_even: bool = False,
) -> str:
    """Display text for an amount of wei.

    `places=None` shows the exact value with trailing zeros trimmed; a number shows exactly
    that many decimals, rounding toward zero by default so a balance is never overstated.
    """
    _require_int(wei)
    if places is not None and not 0 <= places <= decimals:
        raise InvalidInput(f"Choose between 0 and {decimals} decimal places.")
    negative = wei < 0
    magnitude = -wei if negative else wei
    with localcontext() as context:
        context.prec = 120
        value = Decimal(magnitude).scaleb(-decimals)
        if places is None:
            value = _strip_zeros(value)
            text = f"{value:{',' if thousands else ''}f}"
        else:
            rounding = ROUND_HALF_EVEN if round_half_even else ROUND_DOWN
            value = value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
            text = f"{value:{',' if thousands else ''}.{places}f}"
    if negative and any(ch not in "0.," for ch in text):
        text = "-" + text
    return f"{text} {symbol}" if symbol else text


def format_nmr(wei: int, places: int | None = 4) -> str:
    return format_amount(wei, places=places, symbol="NMR")


def format_eth(wei: int, places: int | None = 6) -> str:
    return format_amount(wei, places=places, symbol="ETH")


def parse_gwei(text: str) -> int:
    """A fee the user typed in gwei ("1.5", "30") as wei; at most 9 decimals, at most 10**7 gwei."""
    return parse_amount(text, decimals=9, max_units=10**7)


def gwei_to_wei(gwei: Decimal | int) -> int:
    return to_wei(gwei, decimals=9)


def wei_to_gwei(wei: int) -> Decimal:
    return from_wei(wei, decimals=9)


def format_gwei(wei: int, places: int | None = 2) -> str:
    return format_amount(wei, decimals=9, places=places, symbol="gwei", round_half_even=True)


def _scale(decimals: int) -> int:
    return int(10**decimals)


def _require_int(wei: object) -> None:
    if isinstance(wei, bool) or not isinstance(wei, int):
        raise InvalidInput("Amounts in wei must be integers.")


def _strip_zeros(value: Decimal) -> Decimal:
    if value == 0:
        return Decimal(0)
    normalized = value.normalize()
    # normalize() may produce an exponent form like 1E+3; rescale to an integer exponent.
    if normalized.as_tuple().exponent > 0:  # type: ignore[operator]
        return normalized.quantize(Decimal(1))
    return normalized


__all__ = [
    "DECIMALS",
    "MAX_UINT256",
    "WEI_PER_GWEI",
    "WEI_PER_UNIT",
    "format_amount",
    "format_eth",
    "format_gwei",
    "format_nmr",
    "from_wei",
    "gwei_to_wei",
    "parse_amount",
    "parse_gwei",
    "to_wei",
    "wei_to_gwei",
]
