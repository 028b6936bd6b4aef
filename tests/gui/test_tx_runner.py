"""The one transaction path every page uses: review → unlock → sign → send → mined; and a
watch-only account's batch going to the offline signing page instead."""

from __future__ import annotations

from typing import Any

import pytest

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent

pytestmark = pytest.mark.asyncio(loop_scope="session")
NMR_ABI = ContractAbi.load("MockNMR")


def _approve(ctx: Any, spender: str, amount: int) -> TxIntent:
    nmr = ctx.network.nmr
    return TxIntent(nmr, NMR_ABI.at(nmr).calldata("approve", spender, amount),
                    label="Approve NMR")


async def _allowance(ctx: Any, owner: str, spender: str) -> int:
    return int(await ctx.client.read(NMR_ABI.at(ctx.network.nmr).read("allowance", owner,
                                                                          spender)))


async def test_a_reviewed_batch_is_signed_sent_and_mined(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    spender = ctx.network.factory
    staker = ctx.require_account()
    seen: list[Any] = []

    def confirm(dialog: Any) -> None:
        seen.append(dialog.review)
        dialog.confirm_button.click()

    outcome = await run_transactions(None, ctx, [_approve(ctx, spender, 7 * 10**18)],
                                     what="Approve", on_review=confirm)
    assert outcome is not None and outcome.exported is None
    assert len(outcome.receipts) == 1 and outcome.receipts[0].succeeded
    assert await _allowance(ctx, staker.address, spender) == 7 * 10**18
    assert seen and "Numeraire" in str(seen[0])


async def test_cancelled_review_sends_nothing(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    staker = ctx.require_account()
    before = await ctx.client.get_transaction_count(staker.address, "pending")
    outcome = await run_transactions(None, ctx, [_approve(ctx, ctx.network.factory, 1)],
                                     what="Approve", on_review=lambda d: d.reject())
    assert outcome is None
    assert await ctx.client.get_transaction_count(staker.address, "pending") == before


async def test_watch_only_batch_goes_to_the_offline_page(devnet_ctx: Any,
                                                         main_window: Any) -> None:
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    watcher = ctx.registry.get("Watcher")
    outcome = await run_transactions(None, ctx, [_approve(ctx, ctx.network.factory, 5)],
                                     what="Approve", account=watcher,
                                     on_review=lambda d: d.confirm_button.click())
    assert outcome is not None and outcome.exported is not None
    assert main_window.current_page_key() == "offline_signing"
    page = main_window.page("offline_signing")
    assert page.request is outcome.exported
    assert outcome.exported.items[0].fields.to.lower() == ctx.network.nmr.lower()
    assert outcome.exported.account.lower() == watcher.address.lower()


async def test_a_vault_is_named_and_trusted_in_the_review(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    vault = ctx.devnet_info["vaults"][0]
    seen: list[Any] = []

    def look(dialog: Any) -> None:
        seen.append(dialog.review)
        dialog.reject()

    # approving the vault as spender is enough to name it: the call goes to NMR, the vault is
    # an argument; a call *to* the vault (fulfil) names it as the contract
    intent = TxIntent(vault, bytes.fromhex("c9c4bfca"), label="probe")  # no such function
    await run_transactions(None, ctx, [intent], what="Probe", on_review=look)
    name = ctx.vault_names[vault]
    assert name.startswith("Vault of ") and len(name) > len("Vault of ")
    assert vault in ctx.pipeline.trusted_contracts
