"""Addresses: the three parsers (chain/networks.checksum_address for settings and the CLI,
wallet/signer.checksum for envelopes and accounts, core/risk.normalize_address for the
review rules) refuse with their documented error or return the very address that was typed.

Properties: nothing but InvalidInput (ValueError for the pure risk helper) escapes; an
accepted address has the typed value, byte for byte, in EIP-55 form; a wrong letter case in
a checksummed address is refused by the strict parsers; a changed hex digit is refused or
accepted as the new address (never silently "corrected" back to the old one).
"""

from __future__ import annotations

import random

from eth_utils.address import to_checksum_address
from hypothesis import strategies as st

from numerbay_desktop.chain.networks import checksum_address
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.risk import is_lookalike, normalize_address
from numerbay_desktop.wallet.signer import checksum
from tests.fuzz.fuzz_campaign import hypothesis_pair, random_pair

HEX = "0123456789abcdefABCDEF"


def _value(text: str) -> bytes:
    """The 20 bytes a person means by an address text (with or without 0x)."""
    body = text.strip()
    body = body[2:] if body[:2].lower() == "0x" else body
    return bytes.fromhex(body)


def _is_eip55(text: str) -> bool:
    return text.startswith("0x") and len(text) == 42 and to_checksum_address(text) == text


def _check(text: str) -> dict[str, str | None]:
    """Every parser on `text`; the accepted results, already checked for meaning."""
    results: dict[str, str | None] = {}
    for name, parse in (("networks", checksum_address), ("signer", checksum)):
        try:
            parsed = parse(text)
        except InvalidInput as error:
            assert str(error)
            results[name] = None
            continue
        assert _is_eip55(parsed), parsed
        assert bytes.fromhex(parsed[2:]) == _value(text), (text, parsed)
        results[name] = parsed
    try:
        lowered = normalize_address(text)
    except ValueError:
        results["risk"] = None
    else:
        assert lowered == "0x" + _value(text).hex()
        results["risk"] = lowered
    if results["signer"] is not None:  # the strictest parser never accepts what others refuse
        assert results["networks"] == results["signer"]
    return results


def arbitrary_text_property(text: str) -> None:
    """Any text at all: documented refusals or the exact address."""
    _check(text)


def address_like_property(body: str, prefix: str, pad: str) -> None:
    """Texts shaped like addresses, where wrong acceptance would hide."""
    _check(f"{pad}{prefix}{body}{pad}")


test_arbitrary_text_quick, test_fuzz_arbitrary_text = hypothesis_pair(
    "addresses", 300, 10_000, {"text": st.text(max_size=60)}, arbitrary_text_property
)

test_address_like_quick, test_fuzz_address_like = hypothesis_pair(
    "addresses", 300, 10_000,
    {
        "body": st.text(alphabet=HEX + " g", min_size=38, max_size=42),
        "prefix": st.sampled_from(["0x", "0X", "", "x", "00x"]),
        "pad": st.sampled_from(["", " ", "\n"]),
    },
    address_like_property,
)


def mutation_case(rng: random.Random) -> None:
    """A real checksummed address with one character's case or value changed."""
    raw = rng.randbytes(20)
    good = to_checksum_address(raw)
    assert _check(good) == {"networks": good, "signer": good, "risk": "0x" + raw.hex()}
    assert _check(good.lower())["signer"] == good  # unchecksummed forms are plain hex
    letters = [i for i in range(2, 42) if good[i].isalpha()]
    if letters:
        i = rng.choice(letters)
        flipped = good[:i] + good[i].swapcase() + good[i + 1 :]
        body = flipped[2:]
        if body != body.lower() and body != body.upper():
            # EIP-55 fixes every letter's case: one flip is always a checksum error.
            assert _check(flipped)["signer"] is None, flipped
            assert _check(flipped)["networks"] is None, flipped
    i = rng.randrange(2, 42)
    digit = rng.choice([c for c in "0123456789abcdef" if c != good[i].lower()])
    changed = good[:i] + digit + good[i + 1 :]
    results = _check(changed)  # accepted only as the changed address (checked in _check)
    assert results["signer"] != good
    # The review rules' look-alike test: symmetric, and never true of an address and itself.
    other = to_checksum_address(raw[:2] + rng.randbytes(16) + raw[18:])
    assert is_lookalike(good, other) == is_lookalike(other, good)
    assert not is_lookalike(good, good.lower())


test_mutation_quick, test_fuzz_mutation = random_pair("addresses", 1_000, 20_000, mutation_case)
