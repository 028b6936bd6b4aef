"""NMR's approve rule, planned: the exact calls that move an allowance to what is needed.

Numeraire's `approve` only changes an allowance from zero to a value or from a value to zero;
anything else reverts. A non-zero allowance is changed either with
`changeApproval(spender, old, new)` (one transaction that also checks the allowance is still
`old`, so a spend landing first cannot be followed by a fresh full allowance) or by
`approve(spender, 0)` then `approve(spender, new)` (two transactions). Pure planning and
encoding: no network here; amounts are integer wei.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from numerbay_desktop.chain.contracts import ERC20_ABI, ContractAbi
from numerbay_desktop.chain.networks import checksum_address
from numerbay_desktop.core.errors import InvalidInput

MAX_UINT256 = 2**256 - 1
_TOKEN = ContractAbi.from_abi("ERC-20", ERC20_ABI)


class ChangeStrategy(enum.Enum):
    """How to move a non-zero allowance to another non-zero value."""

    CHANGE_APPROVAL = "changeApproval"  # one call, checks the old value (NMR's own way)
    RESET_THEN_APPROVE = "reset"  # approve(0) then approve(new): for tokens without it


@dataclass(frozen=True, slots=True)
class ApprovalCall:
    """One transaction of the plan: `data` sent to the token at `token`."""

    token: str
    function: str
    args: tuple[str | int, ...]
    data: bytes
    summary: str  # a line for the review dialog, amounts in wei


def _call(token: str, function: str, summary: str, *args: str | int) -> ApprovalCall:
    data = _TOKEN.function(function).encode(*args)
    return ApprovalCall(token, function, tuple(args), data, summary)


def plan_approval(
    token: str,
    spender: str,
    current_allowance: int,
    needed: int,
    *,
    strategy: ChangeStrategy = ChangeStrategy.CHANGE_APPROVAL,
    exact: bool = False,
) -> list[ApprovalCall]:
    """The calls that leave `spender` allowed at least `needed` (exactly `needed` when
    `exact`, or when anything must change at all). Empty when nothing needs to be sent."""
    token = checksum_address(token, "token address")
    spender = checksum_address(spender, "spender address")
    for value, what in ((current_allowance, "current allowance"), (needed, "amount")):
        if not 0 <= value <= MAX_UINT256:
            raise InvalidInput(f"The {what} must be between 0 and 2^256-1 wei.")
    if current_allowance == needed or (current_allowance > needed and not exact):
        return []
    if current_allowance == 0:
        return [_call(token, "approve", f"allow {spender} to spend {needed}", spender, needed)]
    if needed == 0:
        return [_call(token, "approve", f"revoke the allowance of {spender}", spender, 0)]
    if strategy is ChangeStrategy.CHANGE_APPROVAL:
        return [
            _call(
                token,
                "changeApproval",
                f"change the allowance of {spender} from {current_allowance} to {needed}",
                spender,
                current_allowance,
                needed,
            )
        ]
    return [
        _call(token, "approve", f"reset the allowance of {spender} to 0", spender, 0),
        _call(token, "approve", f"allow {spender} to spend {needed}", spender, needed),
    ]


def plan_revoke(token: str, spender: str, current_allowance: int) -> list[ApprovalCall]:
    """The call that sets the allowance back to zero (none if it is zero already)."""
    return plan_approval(token, spender, current_allowance, 0, exact=True)
