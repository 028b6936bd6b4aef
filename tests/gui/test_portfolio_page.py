"""The portfolio page on the devnet: a deposit shows as a pending lot that may be cancelled;
after its first round settles it may ask to leave (through the page's button), waits for the
round it is still in, is fulfilled and claimed, each step checked on chain (lot state,
claimable and NMR balances). The CSV export writes the account's deposits and values.

The world's clock is moved without its demo stakers and keepers (`quiet_round`,
`settle_after`): they would fulfil and claim the lot before the page's buttons could.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.portfolio import CSV_HEADER, LotState
from numerbay_desktop.devnet import round_work
from numerbay_desktop.ui.tx_runner import run_transactions

pytestmark = pytest.mark.asyncio(loop_scope="session")
WAD = 10**18
LOT_CLOSED = 5


def confirm(dialog: Any) -> None:
    dialog.confirm_button.click()


async def until(condition: Callable[[], bool], limit_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


def quiet_round(world: Any) -> int:
    """Open the next round and let the vaults stake it (no demo stakers, no fulfilment)."""
    number = world.current_round() + 1
    now = round_work.round_time(world.tournament, number)
    world.rpc.set_time(now)
    world.driver.tick(now)
    # Settle what this tick resolved now: the desk finalizes positions left unsettled past
    # the claim window, and the clock jumps next (a finalized round would need a sync).
    round_work._settle(world.ctx)
    round_work._stake(world.ctx, number, now)
    return number


def settle_after(world: Any, number: int) -> None:
    """Move the clock past round `number`'s resolution; resolve and settle what is due."""
    when = world.tournament.calendar.times(number).resolve_time + 3_600
    world.rpc.set_time(when)
    world.driver.tick(when)
    round_work._settle(world.ctx)


def exit_vault(world: Any) -> str:
    """A registered demo vault with a no-commitment option whose model submits next round."""
    upcoming = world.current_round() + 1
    for vault in world.ctx.live():
        terms = vault.role.terms
        if terms.commitments[0][0] == 0 and world.tournament.submitted(vault.model_id, upcoming):
            return str(vault.address)
    raise AssertionError("no demo vault without a commitment submits next round")


async def lot_view(ctx: Any, vault: str, lot_id: int) -> dict[str, Any]:
    lens = ContractAbi.load("VaultLens").at(ctx.devnet_info["contracts"]["lens"])
    read = lens.read("lot", vault, lot_id)
    return dict(zip(read.function.output_fields, await ctx.client.read(read), strict=True))


async def nmr_balance(ctx: Any, account: str) -> int:
    nmr = ContractAbi.load("MockNMR").at(ctx.network.nmr)
    return int(await ctx.client.read(nmr.read("balanceOf", account)))


async def deposit(ctx: Any, vault: str, amount: int) -> int:
    """Approve and deposit with commitment 0 as the active account; returns the new lot id."""
    nmr = ContractAbi.load("MockNMR").at(ctx.network.nmr)
    vault_abi = ContractAbi.load("NumerBayVault").at(vault)
    outcome = await run_transactions(None, ctx, [
        TxIntent(ctx.network.nmr, nmr.calldata("approve", vault, amount), label="Approve NMR"),
        TxIntent(vault, vault_abi.calldata("deposit", amount, 0, 10_000, 10_000),
                 label="Deposit"),
    ], what="Deposit", on_review=confirm)
    assert outcome is not None and len(outcome.receipts) == 2
    words = await ctx.client.read(vault_abi.read("account_lot_words", ctx.active_account.address))
    ids = [(int(w) >> (32 * i)) & 0xFFFFFFFF for w in words for i in range(8)]
    return max(ids)


async def open_page(ctx: Any) -> Any:
    window = ctx.parent()
    window.show_page("portfolio")
    page = window.page("portfolio")
    page.review_hook = confirm
    await page.load_now()
    assert page.view is not None
    return page


async def click(page: Any, button: Any) -> None:
    assert button.isEnabled(), page.view and button.toolTip()
    button.click()
    await until(lambda: page.action_task is not None)
    await page.action_task


@pytest.mark.slow  # two ~33-day jumps: every demo vault's rounds resolve and settle (~50 s)
async def test_deposit_then_exit_request_fulfil_and_claim_through_the_page(
    devnet_ctx: Any, devnet: Any
) -> None:
    ctx, world = devnet_ctx, devnet
    staker = ctx.active_account.address
    vault = exit_vault(world)
    first_lot = await deposit(ctx, vault, 500 * WAD)
    second_lot = await deposit(ctx, vault, 300 * WAD)
    page = await open_page(ctx)
    group = page.groups[vault]
    assert group.step_button(first_lot).text() == "Cancel deposit"
    assert group.step_button(first_lot).isEnabled()

    first = quiet_round(world)  # the vault stakes a round: the lots are in it, no cancel now
    await page.load_now()
    button = page.groups[vault].step_button(first_lot)
    assert not button.isEnabled() and "Too late to cancel" in button.toolTip()

    settle_after(world, first)  # every staked round settled: the lots are active, unlocked
    await page.load_now()
    states = {x.lot_id: x.state for x in page.view.portfolio.lots if x.vault == vault}
    assert states[first_lot] is states[second_lot] is LotState.ACTIVE
    # Nothing at stake: the exit is final at once, and waits for someone to fulfil it.
    await click(page, page.groups[vault].step_button(first_lot))
    assert (await lot_view(ctx, vault, first_lot))["state"] == 4  # final
    step = page.view.steps[(vault, first_lot)]
    assert step.kind == "fulfil" and step.enabled
    final_value = next(x.value for x in page.view.portfolio.lots
                       if (x.vault, x.lot_id) == (vault, first_lot))
    claim_before = page.view.portfolio.claimable.get(vault, 0)
    await click(page, page.groups[vault].step_button(first_lot))  # Fulfil
    assert (await lot_view(ctx, vault, first_lot))["state"] == LOT_CLOSED
    paid = page.view.portfolio.claimable[vault] - claim_before
    assert 0 < paid <= final_value  # the final value less any profit share
    lots = {(x.vault, x.lot_id): x for x in page.view.portfolio.lots}
    assert lots[(vault, first_lot)].state is LotState.CLOSED
    assert lots[(vault, first_lot)].returned == paid

    second = quiet_round(world)  # the other lot is in a new round when it asks to leave
    await page.load_now()
    await click(page, page.groups[vault].step_button(second_lot))
    view = await lot_view(ctx, vault, second_lot)
    assert view["exiting"] and view["state"] == 3  # exiting: waits for `second`
    reason = page.view.steps[(vault, second_lot)].reason
    assert f"round {second}" in reason and "waits for 1 staked round" in reason
    assert not page.groups[vault].step_button(second_lot).isEnabled()
    settle_after(world, second)  # its settlement also pays the final exit into claimable
    await page.load_now()
    assert (await lot_view(ctx, vault, second_lot))["state"] == LOT_CLOSED
    claimable = page.view.portfolio.claimable[vault]
    assert claimable > claim_before + paid

    balance = await nmr_balance(ctx, staker)
    claim_button = page.groups[vault].claim_button
    assert claim_button is not None
    await click(page, claim_button)
    assert await nmr_balance(ctx, staker) == balance + claimable
    assert vault not in page.view.portfolio.claimable
    assert page.groups[vault].claim_button is None


async def test_cancel_deposit_returns_the_principal(devnet_ctx: Any, devnet: Any) -> None:
    ctx = devnet_ctx
    staker = ctx.active_account.address
    vault = exit_vault(devnet)
    before = await nmr_balance(ctx, staker)
    lot_id = await deposit(ctx, vault, 321 * WAD)
    assert await nmr_balance(ctx, staker) == before - 321 * WAD
    page = await open_page(ctx)
    assert "whole deposit back" in page.view.steps[(vault, lot_id)].reason
    await click(page, page.groups[vault].step_button(lot_id))
    assert await nmr_balance(ctx, staker) == before
    assert (await lot_view(ctx, vault, lot_id))["state"] == LOT_CLOSED
    lots = {(x.vault, x.lot_id): x for x in page.view.portfolio.lots}
    assert lots[(vault, lot_id)].state is LotState.CLOSED
    assert lots[(vault, lot_id)].returned == 321 * WAD


async def test_page_lists_lots_alerts_and_opens_a_vault(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    page = await open_page(ctx)
    staker_view = page.view
    assert staker_view.portfolio.lots and page.groups
    total = sum(lot.value for lot in staker_view.portfolio.lots)
    assert staker_view.portfolio.totals.value == total
    assert page.totals.value.value.text().startswith(f"{total // WAD:,}")
    # Locked lots say until when; the chart has the value history.
    locked = [s for s in staker_view.steps.values()
              if s.kind == "request_exit" and not s.enabled]
    assert locked and all("Locked by its commitment until" in s.reason for s in locked)
    assert page.chart.point_count == len(staker_view.history) > 5
    opened: list[str] = []
    ctx.vault_opened.connect(opened.append)
    try:
        vault, group = next(iter(page.groups.items()))
        group.title.click()
        assert opened == [vault]
    finally:
        ctx.vault_opened.disconnect(opened.append)
    # The picker switches account (the watch-only demo staker has exits and alerts).
    index = page.account_picker.findData("Watcher")
    page.account_picker.setCurrentIndex(index)
    assert ctx.active_account.name == "Watcher"
    await until(lambda: page.view is not None and page.view.account != staker_view.account)
    watcher = page.view.portfolio
    assert any(lot.state in (LotState.EXITING, LotState.FINAL) for lot in watcher.lots)
    assert watcher.alerts
    assert sum(len(card.alerts) for card in page.alerts.cards) == len(watcher.alerts)
    assert all(card.text() for card in page.alerts.cards)


async def test_csv_export_writes_deposits_exits_and_values(
    devnet_ctx: Any, tmp_path: Path
) -> None:
    page = await open_page(devnet_ctx)
    view = page.view
    target = tmp_path / "portfolio.csv"
    task = page.export_csv(target)
    assert task is not None
    await task
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_HEADER
    deposits = [r for r in rows if r[1] == "deposit"]
    assert len(deposits) == len(view.portfolio.lots)
    assert sum(Decimal(r[4]) for r in deposits) * WAD == view.portfolio.totals.principal
    values = [r for r in rows if r[1] == "value"]
    assert len(values) == len(view.portfolio.lots)
    assert sum(Decimal(r[4]) for r in values) * WAD == view.portfolio.totals.value
    assert {r[2] for r in values} == {lot.vault for lot in view.portfolio.lots}


async def test_rebalancing_plan_steps_are_reviewed_one_by_one(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    staker = ctx.active_account.address
    page = await open_page(ctx)
    page.rebalance_button.click()
    panel = page.rebalance
    assert not panel.isHidden() and sum(s.value() for s in panel.targets.values()) == 100
    # Everything into one vault: the others' unlocked lots are asked to leave.
    keep = max(panel.targets, key=lambda v: panel.targets[v].value())
    for vault, spin in panel.targets.items():
        spin.setValue(100 if vault == keep else 0)
    panel.cash.setText("0")
    panel.plan_button.click()
    steps = panel.plan.steps
    exits = [s for s in steps if s.kind == "request_exit"]
    assert exits and all(s.vault != keep for s in exits)
    assert panel.plan.plan.drift_after < panel.plan.plan.drift_before
    first = exits[0]
    panel.review_buttons[steps.index(first)].click()
    await until(lambda: page.action_task is not None)
    await page.action_task
    assert (await lot_view(ctx, first.vault, first.lot_id))["exiting"]
    # Today's weights plus NMR from the wallet: deposits where a vault is below target.
    page.rebalance.show_view(page.view)
    panel.cash.setText("250")
    panel.plan_button.click()
    deposits = [s for s in panel.plan.steps if s.kind == "deposit"]
    assert deposits and sum(s.amount for s in deposits) <= 250 * WAD
    step = deposits[0]
    before = await nmr_balance(ctx, staker)
    lots_before = {lot.lot_id for lot in page.view.portfolio.lots if lot.vault == step.vault}
    panel.review_buttons[panel.plan.steps.index(step)].click()
    await until(lambda: page.action_task is not None and not page.action_task.done())
    await page.action_task
    assert await nmr_balance(ctx, staker) == before - step.amount
    new = [lot for lot in page.view.portfolio.lots
           if lot.vault == step.vault and lot.lot_id not in lots_before]
    assert len(new) == 1 and new[0].principal == step.amount
