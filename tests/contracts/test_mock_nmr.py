"""MockNMR: an ERC-20 with mainnet NMR's approve rule, open mint and burn."""

from __future__ import annotations

from typing import Any

import boa
import pytest

WAD = 10**18
ZERO = "0x0000000000000000000000000000000000000000"


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def test_metadata(nmr: Any) -> None:
    assert nmr.name() == "Numeraire"
    assert nmr.symbol() == "NMR"
    assert nmr.decimals() == 18
    assert nmr.totalSupply() == 0


def test_mint_is_open_to_anyone(nmr: Any, alice: str, bob: str) -> None:
    nmr.mint(bob, 5 * WAD, sender=alice)
    (minted,) = _events(nmr, "Minted")
    assert (minted.minter, minted.receiver, minted.amount) == (alice, bob, 5 * WAD)
    (transfer,) = _events(nmr, "Transfer")
    assert (transfer.sender, transfer.receiver, transfer.value) == (ZERO, bob, 5 * WAD)
    assert nmr.balanceOf(bob) == 5 * WAD
    assert nmr.totalSupply() == 5 * WAD


def test_mint_to_zero_address_reverts(nmr: Any) -> None:
    with boa.reverts("erc20: mint to the zero address"):
        nmr.mint(ZERO, 1)


def test_burn_destroys_callers_tokens(nmr: Any, alice: str) -> None:
    nmr.mint(alice, 3 * WAD)
    nmr.burn(WAD, sender=alice)
    (transfer,) = _events(nmr, "Transfer")
    assert (transfer.sender, transfer.receiver, transfer.value) == (alice, ZERO, WAD)
    assert nmr.balanceOf(alice) == 2 * WAD
    assert nmr.totalSupply() == 2 * WAD
    with boa.reverts("erc20: burn amount exceeds balance"):
        nmr.burn(2 * WAD + 1, sender=alice)


def test_transfer(nmr: Any, alice: str, bob: str) -> None:
    nmr.mint(alice, 2 * WAD)
    assert nmr.transfer(bob, WAD, sender=alice)
    assert (nmr.balanceOf(alice), nmr.balanceOf(bob)) == (WAD, WAD)
    with boa.reverts("erc20: transfer amount exceeds balance"):
        nmr.transfer(bob, WAD + 1, sender=alice)


def test_approve_zero_to_nonzero_and_back(nmr: Any, alice: str, bob: str) -> None:
    assert nmr.approve(bob, 7, sender=alice)
    (approval,) = _events(nmr, "Approval")
    assert (approval.owner, approval.spender, approval.value) == (alice, bob, 7)
    assert nmr.allowance(alice, bob) == 7
    nmr.approve(bob, 0, sender=alice)
    assert nmr.allowance(alice, bob) == 0
    nmr.approve(bob, 0, sender=alice)  # zero to zero is allowed, as on mainnet
    assert nmr.allowance(alice, bob) == 0


def test_approve_nonzero_to_nonzero_reverts(nmr: Any, alice: str, bob: str) -> None:
    nmr.approve(bob, 7, sender=alice)
    with boa.reverts("MockNMR: approve from non-zero to non-zero"):
        nmr.approve(bob, 8, sender=alice)
    assert nmr.allowance(alice, bob) == 7


def test_change_approval_checks_old_value(nmr: Any, alice: str, bob: str) -> None:
    nmr.approve(bob, 7, sender=alice)
    with boa.reverts("MockNMR: current allowance differs from old_value"):
        nmr.changeApproval(bob, 6, 9, sender=alice)
    assert nmr.changeApproval(bob, 7, 9, sender=alice)
    (approval,) = _events(nmr, "Approval")
    assert (approval.owner, approval.spender, approval.value) == (alice, bob, 9)
    assert nmr.allowance(alice, bob) == 9
    nmr.changeApproval(bob, 9, 0, sender=alice)
    assert nmr.allowance(alice, bob) == 0


def test_transfer_from_spends_allowance(nmr: Any, alice: str, bob: str) -> None:
    nmr.mint(alice, 10)
    nmr.approve(bob, 6, sender=alice)
    assert nmr.transferFrom(alice, bob, 6, sender=bob)
    assert nmr.allowance(alice, bob) == 0  # an exact approval leaves nothing behind
    assert nmr.balanceOf(bob) == 6
    with boa.reverts("erc20: insufficient allowance"):
        nmr.transferFrom(alice, bob, 1, sender=bob)


@pytest.mark.parametrize("name", ["permit", "set_minter", "burn_from", "transfer_ownership"])
def test_no_extra_surface(nmr: Any, name: str) -> None:
    assert not hasattr(nmr, name)
