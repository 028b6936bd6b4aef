"""Amounts (core/units.py): what parses means exactly what was typed, and nothing else escapes.

Properties: any text either parses to wei or is refused with `InvalidInput` (no other
exception); accepted text equals, digit for digit, the `Decimal` of the text without its
thousands separators; formatting wei and parsing the text again gives the same wei (with
and without separators, NMR and gwei precision); `to_wei(from_wei(w)) == w`.
"""

from __future__ import annotations

import random
import string
from decimal import Decimal, localcontext

from hypothesis import strategies as st

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import (
    MAX_WHOLE_UNITS,
    format_amount,
    from_wei,
    parse_amount,
    parse_gwei,
    to_wei,
)
from tests.fuzz.fuzz_campaign import hypothesis_pair, random_pair

NMR_LIMIT = MAX_WHOLE_UNITS * 10**18
GWEI_LIMIT = 10**7 * 10**9
# Characters a user could type or paste into an amount field, hostile ones included.
TYPED = "0123456789" * 4 + ".,," + " +-−eE_" + "٣١" + "\u00a0\t\n" + "naifNAIF" + "'\"x"


def _meaning(text: str) -> Decimal:
    """The number a person reads in accepted text: the digits with commas removed."""
    with localcontext() as context:
        context.prec = 200
        return Decimal(text.strip().replace(",", ""))


def _check_text(text: str, decimals: int = 18) -> None:
    parse = parse_amount if decimals == 18 else parse_gwei
    try:
        wei = parse(text)
    except InvalidInput as error:
        assert str(error)  # a sentence the field can show
        return
    limit = NMR_LIMIT if decimals == 18 else GWEI_LIMIT
    assert isinstance(wei, int) and 0 <= wei <= limit
    with localcontext() as context:
        context.prec = 200
        assert Decimal(wei).scaleb(-decimals) == _meaning(text), text
    assert text.strip().isascii()  # no Unicode digit or space sneaks through as a number
    # Re-serialised, the amount parses back to the same wei.
    assert parse(format_amount(wei, decimals, thousands=True)) == wei
    assert parse(format_amount(wei, decimals, thousands=False)) == wei


def typed_text_property(text: str) -> None:
    """Arbitrary text in an amount field: wei equal to its meaning, or InvalidInput."""
    _check_text(text)
    _check_text(text, decimals=9)


def number_like_property(whole: str, frac: str, grouped: bool, pad: str) -> None:
    """Texts shaped like numbers (the region where a wrong acceptance would hide)."""
    digits = whole
    if grouped and whole:
        head, rest = len(whole) % 3 or 3, whole
        digits = ",".join([rest[:head]] + [rest[i : i + 3] for i in range(head, len(rest), 3)])
    text = f"{pad}{digits}{'.' + frac if frac is not None else ''}{pad}"
    _check_text(text)
    _check_text(text, decimals=9)


test_typed_text_quick, test_fuzz_typed_text = hypothesis_pair(
    "amounts", 300, 15_000,
    {"text": st.one_of(st.text(alphabet=TYPED, max_size=40), st.text(max_size=70))},
    typed_text_property,
)

test_number_like_quick, test_fuzz_number_like = hypothesis_pair(
    "amounts", 300, 15_000,
    {
        "whole": st.text(alphabet=string.digits, max_size=22),
        "frac": st.one_of(st.none(), st.text(alphabet=string.digits, max_size=22)),
        "grouped": st.booleans(),
        "pad": st.sampled_from(["", " ", "\t", "  "]),
    },
    number_like_property,
)


def wei_round_trip_case(rng: random.Random) -> None:
    """Any wei below the limits survives format -> parse, every places and separator choice."""
    limit = rng.choice((NMR_LIMIT, 10**18, 10**6, 100))
    wei = rng.randrange(0, limit)
    assert parse_amount(format_amount(wei)) == wei
    assert parse_amount(format_amount(wei, thousands=False)) == wei
    assert to_wei(from_wei(wei)) == wei
    places = rng.randrange(0, 19)
    shown = parse_amount(format_amount(wei, places=places))
    # Rounded display never overstates a balance, and is off by less than one displayed unit.
    assert 0 <= wei - shown < 10 ** (18 - places)
    gwei = rng.randrange(0, GWEI_LIMIT)
    assert parse_gwei(format_amount(gwei, 9)) == gwei
    # Mutating one character of a valid text either is refused or means what it now says.
    text = format_amount(wei)
    position = rng.randrange(0, len(text) + 1)
    mutated = text[:position] + rng.choice(TYPED) + text[position + rng.randrange(0, 2):]
    _check_text(mutated)


test_wei_round_trip_quick, test_fuzz_wei_round_trip = random_pair(
    "amounts", 1_500, 30_000, wei_round_trip_case
)
