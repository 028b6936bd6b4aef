"""Risk rules for the transaction review."""

from __future__ import annotations

from numerbay_desktop.core.risk import (
    SELECTOR_APPROVE,
    SELECTOR_CHANGE_APPROVAL,
    Severity,
    approval_amount,
    is_lookalike,
    lookalike_findings,
    review_transaction,
    unknown_selector_findings,
    wrong_chain_findings,
)

KNOWN = "0x1234aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcd"
POISON = "0x1234bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbabcd"
OTHER = "0x9999bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0000"
TRANSFER = bytes.fromhex("a9059cbb")


def _approve(spender: str, amount: int) -> bytes:
    return SELECTOR_APPROVE + bytes(12) + bytes.fromhex(spender[2:]) + amount.to_bytes(32, "big")


def test_lookalike_same_ends_different_middle() -> None:
    assert is_lookalike(POISON, KNOWN)
    assert is_lookalike(POISON.upper().replace("0X", "0x"), KNOWN)
    assert not is_lookalike(KNOWN, KNOWN)
    assert not is_lookalike(OTHER, KNOWN)
    # Only the last 4 match: not the poisoning shape.
    assert not is_lookalike("0x5678aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcd", KNOWN)
    findings = lookalike_findings(POISON, [KNOWN, OTHER])
    assert [f.code for f in findings] == ["lookalike_address"]
    assert findings[0].severity is Severity.DANGER
    assert "0x1234…abcd" in findings[0].message


def test_first_time_and_trusted_recipients() -> None:
    codes = [
        f.code
        for f in review_transaction(
            to=OTHER, data=b"", chain_id=1, expected_chain_id=1,
            known_addresses=[KNOWN], known_selectors=set(),
        )
    ]
    assert codes == ["first_time_recipient"]
    assert review_transaction(
        to=OTHER, data=b"", chain_id=1, expected_chain_id=1,
        known_addresses=[], known_selectors=set(), trusted_contracts=[OTHER],
    ) == []


def test_unlimited_approval_and_exact_approval() -> None:
    assert approval_amount(_approve(KNOWN, 5)) == (KNOWN, 5)
    for amount in (2**256 - 1, 2**255, 10**40):
        findings = review_transaction(
            to=OTHER, data=_approve(KNOWN, amount), chain_id=1, expected_chain_id=1,
            known_addresses=[KNOWN], known_selectors={SELECTOR_APPROVE}, trusted_contracts=[OTHER],
        )
        assert [f.code for f in findings] == ["unlimited_approval"]
    assert review_transaction(
        to=OTHER, data=_approve(KNOWN, 10**18), chain_id=1, expected_chain_id=1,
        known_addresses=[KNOWN], known_selectors={SELECTOR_APPROVE}, trusted_contracts=[OTHER],
    ) == []
    change = (
        SELECTOR_CHANGE_APPROVAL + bytes(12) + bytes.fromhex(KNOWN[2:])
        + (0).to_bytes(32, "big") + (2**256 - 1).to_bytes(32, "big")
    )
    assert approval_amount(change) == (KNOWN, 2**256 - 1)


def test_approval_to_lookalike_spender_is_danger() -> None:
    findings = review_transaction(
        to=OTHER, data=_approve(POISON, 1), chain_id=1, expected_chain_id=1,
        known_addresses=[KNOWN], known_selectors={SELECTOR_APPROVE}, trusted_contracts=[OTHER],
    )
    assert [f.code for f in findings] == ["lookalike_address"]


def test_unknown_selector_and_wrong_chain_sorted_by_severity() -> None:
    assert unknown_selector_findings(TRANSFER, {TRANSFER}) == []
    assert unknown_selector_findings(b"\x01\x02", set())[0].code == "malformed_calldata"
    assert wrong_chain_findings(1, 1) == []
    findings = review_transaction(
        to=KNOWN, data=b"\xde\xad\xbe\xef", chain_id=11155111, expected_chain_id=1,
        known_addresses=[KNOWN], known_selectors={TRANSFER},
    )
    assert [f.code for f in findings] == ["wrong_chain", "unknown_selector"]
    assert "11155111" in findings[0].message
    assert findings[0].severity > findings[1].severity


def test_token_transfer_recipient_is_checked() -> None:
    data = TRANSFER + bytes(12) + bytes.fromhex(POISON[2:]) + (5).to_bytes(32, "big")
    findings = review_transaction(
        to=OTHER, data=data, chain_id=1, expected_chain_id=1,
        known_addresses=[KNOWN], known_selectors={TRANSFER}, trusted_contracts=[OTHER],
    )
    assert [f.code for f in findings] == ["lookalike_address", "first_time_recipient"]
