"""The staking form on the devnet: deposit and top-up through the form (review dialog, exact
approval, mined), checked on chain; validation messages; cancelling a fresh deposit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from numerbay_desktop.chain.contracts import ContractAbi

pytestmark = pytest.mark.asyncio(loop_scope="session")
LENS = ContractAbi.load("VaultLens")
NMR_ABI = ContractAbi.load("MockNMR")
WAD = 10**18


def confirm(dialog: Any) -> None:
    dialog.confirm_button.click()


async def _read(ctx: Any, contract: ContractAbi, address: str, fn: str, *args: Any) -> Any:
    read = contract.at(address).read(fn, *args)
    value = await ctx.client.read(read)
    fields = read.function.output_fields
    return dict(zip(fields, value, strict=True)) if len(fields) > 1 else value


async def _lot(ctx: Any, vault: str, lot_id: int) -> dict[str, Any]:
    result: dict[str, Any] = await _read(ctx, LENS, ctx.devnet_info["contracts"]["lens"], "lot",
                                         vault, lot_id)
    return result


async def _balance(ctx: Any, who: str) -> int:
    return int(await _read(ctx, NMR_ABI, ctx.network.nmr, "balanceOf", who))


async def _open(ctx: Any, vault: str) -> Any:
    from numerbay_desktop.ui.stake_form import open_stake_form

    form = open_stake_form(ctx.parent(), ctx, vault)
    await form.load_task
    assert form.snap is not None, form.source_label.text()
    return form


async def _tiered_vault(ctx: Any) -> str:
    """A demo vault open to deposits whose schedule has more than one tier, where the
    staker's older lots leave room below the second tier."""
    from numerbay_desktop.services.staking import StakingService

    service = StakingService(ctx.client)
    staker = ctx.require_account().address
    for vault in ctx.devnet_info["vaults"]:
        snap = await service.load(vault, staker)
        if (len(snap.schedule.tiers) > 1 and not snap.problems(snap.min_deposit)
                and snap.room > 2_000 * WAD
                and snap.existing_basis + 100 * WAD < snap.schedule.tiers[1].min_stake):
            return str(vault)
    raise AssertionError("no demo vault with several tiers takes deposits")


async def _wait_gas(form: Any) -> str:
    for _ in range(400):
        text = form.values["Network fee"].text()
        if text not in ("…", "—"):
            return str(text)
        await asyncio.sleep(0.05)
    raise AssertionError("no gas estimate")


async def test_deposit_through_the_form_lands_on_chain(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    staker = ctx.require_account().address
    form = await _open(ctx, vault)
    needed = form.snap.schedule.tiers[1].min_stake - form.snap.existing_basis
    amount = needed // WAD - 10  # just below tier 2: the hint offers the last 10 NMR
    form.amount_edit.setText(str(amount))
    quote = form.quote
    assert quote.tier_id == 0 and quote.next_tier is not None
    assert form.hint_frame.isVisible() and "Add 10.00 NMR to reach tier 2" in \
        form.hint_label.text()
    form.hint_button.click()  # take the hint: now exactly at tier 2
    assert form.quote.tier_id == 1 and form.amount() == needed
    gas = await _wait_gas(form)
    assert "approval + deposit" in gas and "gas simulated" in form.values["Network fee"].toolTip()
    assert form.stake_button.isEnabled() and not form.problems_label.isVisible()
    assert form.scenarios.item(1, 0).text() == "Median"

    before = await _balance(ctx, staker)
    done = await form.stake(on_review=confirm)
    assert done is not None
    lot = await _lot(ctx, vault, done.lot_id)
    assert lot["owner"].lower() == staker.lower() and lot["principal"] == needed
    assert lot["state"] == 0  # pending until the vault stakes its next round
    assert (lot["fixed_fee_bps"], lot["profit_share_bps"]) == (quote.next_tier.fixed_bps,
                                                               quote.next_tier.profit_bps)
    assert await _balance(ctx, staker) == before - needed
    allowance = await _read(ctx, NMR_ABI, ctx.network.nmr, "allowance", staker, vault)
    assert allowance == 0  # approved exactly what the deposit pulled
    assert form.result_frame.isVisible() and f"lot {done.lot_id}" in form.result_label.text()
    assert f"stake #{done.entry_seq + 1}" in form.result_label.text()
    await form.load_task
    form.close()


async def test_top_up_counts_the_older_lot_towards_the_tier(devnet_ctx: Any, devnet: Any) -> None:
    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    form = await _open(ctx, vault)
    tier2 = form.snap.schedule.tiers[1].min_stake
    older = form.snap.existing_basis
    first = (tier2 - older) // 2 // WAD * WAD
    form.amount_edit.setText(str(first // WAD))
    first_done = await form.stake(on_review=confirm)
    assert first_done is not None
    await form.load_task
    form.close()
    # a round staked since: the first lot can no longer be cancelled and counts for the tier
    await asyncio.to_thread(devnet.advance, 1)
    form = await _open(ctx, vault)
    assert form.title.text().startswith("Add to your stake")
    counted = form.snap.existing_basis  # the first lot, older ones, and any the day added
    assert counted >= older + first and form.topup_label.isVisible()
    assert any(lot.lot_id == first_done.lot_id and lot.counts_for_tier(form.snap.stake_count)
               for lot in form.snap.lots)
    rest = max(tier2 - counted, 10 * WAD) // WAD * WAD
    form.amount_edit.setText(str(rest // WAD))
    assert form.quote.tier_id >= 1  # alone it would stay in the first tier
    assert fees_alone(form.snap, rest) == 0
    second = await form.stake(on_review=confirm)
    assert second is not None and second.lot_id != first_done.lot_id
    lot = await _lot(ctx, vault, second.lot_id)
    assert lot["principal"] == rest
    assert lot["tier_basis"] == (counted + rest) // WAD * WAD  # this lot plus the older ones
    await form.load_task
    form.close()


async def test_validation_messages_and_no_stake(devnet_ctx: Any, devnet: Any) -> None:
    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    form = await _open(ctx, vault)
    snap = form.snap
    cases = {
        "abc": "Enter the amount as a number",
        "0.5": "The minimum deposit is",
        str(snap.balance // WAD + 1): "This account holds",
    }
    if snap.room < 10**12 * WAD:
        cases[str(snap.room // WAD + 1)] = "of capacity is left"
    for text, message in cases.items():
        form.amount_edit.setText(text)
        assert message in form.problems_label.text(), (text, form.problems_label.text())
        assert form.problems_label.isVisible() and not form.stake_button.isEnabled()
    form.close()

    # the owner turns the allowlist on: the staker is told, before sending anything
    owner = snap.info["owner"]
    admin = ContractAbi.load("VaultAdmin").at(vault)
    devnet.rpc.send([_tx(owner, vault, admin.calldata("set_allowlist_enabled", True))])
    form = await _open(ctx, vault)
    form.amount_edit.setText("5")
    assert "not on the list" in form.problems_label.text()
    assert not form.stake_button.isEnabled()
    form.close()


def fees_alone(snap: Any, amount: int) -> int:
    from numerbay_desktop.core.fees import preview_fees

    return preview_fees(snap.schedule, amount, 0, now=0, stake_count=0).tier_id


def _tx(sender: str, to: str, data: bytes) -> Any:
    from numerbay_desktop.devnet.node import Tx

    return Tx(sender, to, "0x" + data.hex(), "test call", gas=500_000)


async def test_cancel_deposit_intent_returns_the_principal(devnet_ctx: Any) -> None:
    from numerbay_desktop.services.staking import StakingService, cancel_deposit_intent
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    staker = ctx.require_account().address
    before = await _balance(ctx, staker)
    form = await _open(ctx, vault)
    form.amount_edit.setText("42")
    done = await form.stake(on_review=confirm)
    assert done is not None
    await form.load_task
    form.close()
    snap = await StakingService(ctx.client).load(vault, staker)
    mine = [lot for lot in snap.lots if lot.lot_id == done.lot_id]
    assert [lot.cancellable(snap.stake_count) for lot in mine] == [True]
    await run_transactions(None, ctx, [cancel_deposit_intent(vault, done.lot_id)],
                           what="Cancel", on_review=confirm)
    assert await _balance(ctx, staker) == before
    assert (await _lot(ctx, vault, done.lot_id))["state"] == 5  # closed


async def test_model_page_stake_button_opens_the_form_and_follows_the_account(
    devnet_ctx: Any,
) -> None:
    from numerbay_desktop.ui.stake_form import StakeForm

    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    window = ctx.parent()
    page = window.page("model")
    ctx.vault_opened.emit(vault)
    for _ in range(600):
        if page.loading is not None and page.loading.done() and page.data is not None:
            break
        await asyncio.sleep(0.05)
    assert page.stake_button.isEnabled()
    form = page.open_stake_form()
    assert isinstance(form, StakeForm) and form.isVisible()
    await form.load_task
    assert form.snap is not None and form.snap.vault.lower() == vault.lower()
    ctx.set_active_account("Staker-2")
    await form.load_task
    assert form.snap.account == ctx.require_account().address
    assert "Staker-2 holds" in form.balance_label.text()
    form.close()
    if page.quiet_panel.checking is not None:
        await page.quiet_panel.checking


@pytest.mark.parametrize(("stale", "functions"), [
    (5 * WAD, ["changeApproval", "deposit"]),  # NMR refuses approve(non-zero -> non-zero)
    (1_000 * WAD, ["changeApproval", "deposit"]),  # more than needed: brought down to exact
    (40 * WAD, ["deposit"]),  # exactly the amount: nothing to approve
])
async def test_an_existing_allowance_follows_nmr_rule(
    devnet_ctx: Any, devnet: Any, stale: int, functions: list[str]
) -> None:
    ctx = devnet_ctx
    vault = await _tiered_vault(ctx)
    staker = ctx.require_account().address
    nmr = NMR_ABI.at(ctx.network.nmr)
    devnet.rpc.send([_tx(staker, nmr.address, nmr.calldata("approve", vault, stale))])
    form = await _open(ctx, vault)
    assert form.snap.allowance == stale
    form.amount_edit.setText("40")
    sent: list[str] = []

    def review(dialog: Any) -> None:
        abis = (NMR_ABI, ContractAbi.load("NumerBayVault"))
        for tx in dialog.prepared.transactions:
            sent.append(next(f.name for a in abis if (f := a.by_selector(tx.data[:4]))))
        dialog.confirm_button.click()

    done = await form.stake(on_review=review)
    assert done is not None and sent == functions
    assert (await _lot(ctx, vault, done.lot_id))["principal"] == 40 * WAD
    assert await _read(ctx, NMR_ABI, nmr.address, "allowance", staker, vault) == 0
    await form.load_task
    form.close()


async def test_watch_only_account_exports_approval_and_deposit_together(
    devnet_ctx: Any, main_window: Any
) -> None:
    ctx = devnet_ctx
    ctx.set_active_account("Watcher")
    watcher = ctx.require_account()
    vault = await _tiered_vault(ctx)
    form = await _open(ctx, vault)
    if form.snap.balance < 10 * WAD:
        pytest.skip("the watched demo account holds no NMR in this world")
    form.amount_edit.setText("10")
    done = await form.stake(on_review=confirm)
    assert done is None and "offline signing" in form.status_label.text()
    request = main_window.page("offline_signing").request
    assert request is not None and request.account.lower() == watcher.address.lower()
    targets = [item.fields.to.lower() for item in request.items]
    assert targets == [ctx.network.nmr.lower(), vault.lower()]  # approval, then deposit
    form.close()
