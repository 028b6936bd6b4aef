"""Transaction risk rules: pure functions the review dialog and the offline signer both run.

Each rule returns zero or more `Finding`s: a stable `code` (for tests and icons), a
`severity` (info, warning, danger) and a plain-English `message` a non-technical user can
act on. No rule touches the network or the disk: callers pass what they know (the known
addresses, the expected chain id, the selectors their ABIs cover).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

# Selectors (first 4 bytes of keccak of the signature) of the approval functions we inspect.
SELECTOR_APPROVE = bytes.fromhex("095ea7b3")  # approve(address,uint256)
SELECTOR_INCREASE_ALLOWANCE = bytes.fromhex("39509351")  # increaseAllowance(address,uint256)
SELECTOR_CHANGE_APPROVAL = bytes.fromhex("9281cd65")  # NMR changeApproval(address,uint256,uint256)
SELECTOR_TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
SELECTOR_TRANSFER_FROM = bytes.fromhex("23b872dd")  # transferFrom(address,address,uint256)

# 2**255 and above is what wallets and dapps send as "infinite".
UNLIMITED_ALLOWANCE = 2**255
# Far more than NMR's or any sane token supply at 18 decimals (a billion tokens).
HUGE_ALLOWANCE = 10**9 * 10**18

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class Severity(enum.IntEnum):
    """Ordered so `max(findings, key=severity)` gives the most serious one."""

    INFO = 1
    WARNING = 2
    DANGER = 3


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str


def normalize_address(address: str) -> str:
    """Lowercase 0x-hex form for comparisons; raises ValueError for anything else."""
    if not isinstance(address, str) or not _HEX_ADDRESS.fullmatch(address.strip()):
        raise ValueError("not a 20-byte hex address")
    return address.strip().lower()


def short_address(address: str) -> str:
    """`0x1234…abcd`: the part people actually compare by eye."""
    plain = address.strip()
    return f"{plain[:6]}…{plain[-4:]}"


def is_lookalike(address: str, other: str) -> bool:
    """Same first 4 and last 4 hex characters, different middle: the shape of address poisoning."""
    a, b = normalize_address(address)[2:], normalize_address(other)[2:]
    return a != b and a[:4] == b[:4] and a[-4:] == b[-4:]


def lookalike_findings(recipient: str, known_addresses: Iterable[str]) -> list[Finding]:
    """A danger finding for every known address the recipient imitates."""
    findings = []
    for known in sorted({normalize_address(a) for a in known_addresses}):
        if is_lookalike(recipient, known):
            findings.append(
                Finding(
                    "lookalike_address",
                    Severity.DANGER,
                    f"The recipient {short_address(recipient)} looks like {short_address(known)}, "
                    "an address you know, but it is a different address. Scammers plant such "
                    "addresses in your history; compare every character before signing.",
                )
            )
    return findings


def first_time_recipient_findings(recipient: str, known_addresses: Iterable[str]) -> list[Finding]:
    known = {normalize_address(a) for a in known_addresses}
    if normalize_address(recipient) in known:
        return []
    return [
        Finding(
            "first_time_recipient",
            Severity.WARNING,
            f"You have never sent to {short_address(recipient)} before. Check that it is the "
            "address you meant.",
        )
    ]


def approval_amount(data: bytes) -> tuple[str, int] | None:
    """(spender, amount) if `data` is an ERC-20 approve / increaseAllowance / changeApproval."""
    selector = data[:4]
    words = data[4:]
    if selector in (SELECTOR_APPROVE, SELECTOR_INCREASE_ALLOWANCE) and len(words) >= 64:
        return _word_address(words[0:32]), int.from_bytes(words[32:64], "big")
    if selector == SELECTOR_CHANGE_APPROVAL and len(words) >= 96:
        return _word_address(words[0:32]), int.from_bytes(words[64:96], "big")
    return None


def token_recipient(data: bytes) -> str | None:
    """The address tokens go to, if `data` is an ERC-20 transfer or transferFrom."""
    if data[:4] == SELECTOR_TRANSFER and len(data) >= 68:
        return _word_address(data[4:36])
    if data[:4] == SELECTOR_TRANSFER_FROM and len(data) >= 100:
        return _word_address(data[36:68])
    return None


def unlimited_approval_findings(data: bytes, *, huge_bound: int = HUGE_ALLOWANCE) -> list[Finding]:
    decoded = approval_amount(data)
    if decoded is None:
        return []
    spender, amount = decoded
    if amount >= UNLIMITED_ALLOWANCE or amount >= huge_bound:
        return [
            Finding(
                "unlimited_approval",
                Severity.DANGER,
                f"This gives {short_address(spender)} permission to spend an unlimited amount "
                "of your tokens. Approve only the amount this action needs.",
            )
        ]
    return []


def unknown_selector_findings(data: bytes, known_selectors: Collection[bytes]) -> list[Finding]:
    if not data:
        return []
    if len(data) < 4:
        return [
            Finding(
                "malformed_calldata",
                Severity.DANGER,
                "The transaction data is too short to be a contract call. Do not sign it "
                "unless you know exactly why it is there.",
            )
        ]
    if bytes(data[:4]) in known_selectors:
        return []
    return [
        Finding(
            "unknown_selector",
            Severity.WARNING,
            f"This calls a function (0x{bytes(data[:4]).hex()}) the app cannot decode, so it "
            "cannot show you what it does.",
        )
    ]


def wrong_chain_findings(chain_id: int, expected_chain_id: int) -> list[Finding]:
    if chain_id == expected_chain_id:
        return []
    return [
        Finding(
            "wrong_chain",
            Severity.DANGER,
            f"This transaction is for chain {chain_id}, but you are connected to chain "
            f"{expected_chain_id}. Signing it could move real money on another network.",
        )
    ]


def review_transaction(
    *,
    to: str | None,
    data: bytes,
    chain_id: int,
    expected_chain_id: int,
    known_addresses: Iterable[str],
    known_selectors: Collection[bytes],
    trusted_contracts: Iterable[str] = (),
) -> list[Finding]:
    """Every rule at once, most serious first.

    `known_addresses` are the user's accounts, address book and past recipients;
    `trusted_contracts` (NMR, the factory, vaults) are never "first-time" recipients.
    """
    known = {normalize_address(a) for a in known_addresses}
    trusted = {normalize_address(a) for a in trusted_contracts}
    findings = wrong_chain_findings(chain_id, expected_chain_id)
    if to is None:
        findings.append(
            Finding(
                "contract_creation",
                Severity.WARNING,
                "This transaction deploys a new contract instead of sending to an address.",
            )
        )
    else:
        findings += lookalike_findings(to, known | trusted)
        if normalize_address(to) not in trusted:
            findings += first_time_recipient_findings(to, known)
        approval = approval_amount(data)
        if approval is not None:
            spender = approval[0]
            findings += [
                f
                for f in lookalike_findings(spender, known | trusted)
                if f not in findings
            ]
        recipient = token_recipient(data)
        if recipient is not None and normalize_address(recipient) not in trusted:
            findings += [f for f in lookalike_findings(recipient, known) if f not in findings]
            findings += first_time_recipient_findings(recipient, known)
    findings += unlimited_approval_findings(data)
    findings += unknown_selector_findings(data, known_selectors)
    return sorted(findings, key=lambda f: -f.severity)


def _word_address(word: bytes) -> str:
    return "0x" + word[12:32].hex()
