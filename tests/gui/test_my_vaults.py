"""My vaults on the devnet: the Owner's three vaults at a glance, a schedule proposal shown
as a diff and activated after its notice, allowlist changes in batches of at most 50
addresses, pausing deposits, and the empty state of an account that owns none (batching
and address checks themselves: tests/unit/test_vault_admin.py)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from PySide6.QtCore import QCoreApplication, QEvent

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import DAY, NMR
from tests.gui.owner_fixtures import owner_ctx  # noqa: F401 - used by pytestmark

# owner_ctx: after each test, the pages' background reads end before devnet_ctx closes.
pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("owner_ctx")]


def _addresses(n: int, seed: int = 1) -> list[str]:
    return [Account.from_key((seed * 10_000 + i + 1).to_bytes(32, "big")).address
            for i in range(n)]


async def _owner_page(ctx: Any) -> Any:
    ctx.set_active_account("Owner")
    window = ctx.parent()
    window.show_page("my_vaults")
    page = window.page("my_vaults")
    page.review_hook = lambda dialog: dialog.confirm_button.click()
    page.reload()  # replaces the load the page started when shown
    await page.load_task
    return page


async def test_the_owners_vaults_at_a_glance(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.pages.my_vaults import VAULTS

    page = await _owner_page(devnet_ctx)
    assert page.stack.currentIndex() == VAULTS and page.picker.count() == 3
    view = page.view
    assert view is not None and view.detail.vault == page.owned[0].address
    total = int(view.info["total_assets"])
    assert total > 0
    assert page.overview.cards["assets"].value.text().replace(",", "").startswith(
        str(total // NMR))
    assert page.overview.cards["stakers"].value.text() == str(view.stakers)
    assert page.schedule.table.rowCount() == len(view.detail.tiers) + len(
        view.detail.commitments)
    page.select_vault(page.owned[1].address)
    await page.load_task
    assert page.view.detail.vault == page.owned[1].address


async def test_an_account_without_vaults_is_offered_the_wizard(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.pages.my_vaults import NO_VAULT

    ctx = devnet_ctx
    ctx.set_active_account("Staker")
    page = ctx.parent().page("my_vaults")
    await page.load_now()
    assert page.stack.currentIndex() == NO_VAULT
    assert "Create a vault" in page.no_vault_state.text()
    page.no_vault_state.action.click()
    assert page.wizard is not None and page.wizard.isVisible()
    await page.wizard.models_task
    assert page.wizard.model_step.source_label.text()  # Staker has no key: it says so
    page.wizard.reject()
    page.wizard.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


async def test_propose_then_activate_a_schedule_after_its_notice(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    page = await _owner_page(ctx)
    view = page.view
    vault = view.detail.vault
    dialog = page.schedule.open_propose_dialog()
    assert dialog is not None
    ladder = dialog.ladder
    ladder.add_button.click()
    last = ladder.table.rowCount() - 1
    ladder.table.item(last, 1).setText("0.5")
    ladder.table.item(last, 2).setText("5")
    dialog.commitments.table.item(0, 1).setText("1")
    assert dialog.ok_button.isEnabled()
    new_tiers = ladder.tiers()
    new_commitments = dialog.commitments.commitments()
    dialog.accept()
    await page.action_task
    pending = page.view.detail.pending
    assert pending is not None
    assert list(pending.tiers) == new_tiers and list(pending.commitments) == new_commitments
    assert not page.schedule.table.isColumnHidden(2)
    changed = [page.schedule.table.item(r, 2).font().bold()
               for r in range(page.schedule.table.rowCount())]
    assert changed[last] and changed[len(new_tiers)]  # the new tier and the first commitment
    assert "Activation possible from" in page.schedule.eta_label.text()
    assert not page.schedule.activate_button.isEnabled()  # the notice has not passed

    await ctx.client.rpc("evm_increaseTime", [page.view.schedule_delay + 60])
    await ctx.client.rpc("evm_mine", [])
    await page._load_vault()
    assert page.schedule.activate_button.isEnabled()
    page.schedule.activate_button.click()
    await page.action_task
    assert page.view.detail.pending is None
    assert list(page.view.detail.tiers) == new_tiers
    assert list(page.view.detail.commitments) == new_commitments
    lens = await page._reader().lens()
    tiers, _ = await ctx.client.read(ContractAbi.load("VaultLens").at(lens).read("schedule",
                                                                                 vault))
    assert [TierTerms(*map(int, t)) for t in tiers] == new_tiers
    assert CommitmentOption(0, 100) == new_commitments[0] and DAY

    # Lots whose lock ended now differ from today's terms: rolling waits for the notice again.
    view = page.view
    assert view.rollable and view.roll_blocked is not None
    assert not page.lots.roll_button.isEnabled() and "notice" in page.lots.note.text()
    await ctx.client.rpc("evm_increaseTime", [view.schedule_delay + 60])
    await ctx.client.rpc("evm_mine", [])
    await page._load_vault()
    rolled = [lot.lot_id for lot in page.view.rollable]
    assert page.lots.roll_button.isEnabled() and rolled
    page.lots.roll_button.click()
    await page.action_task
    assert not page.view.rollable
    by_id = {lot.lot_id: lot for lot in page.view.lots}
    for lot_id in rolled:
        lot = by_id[lot_id]
        assert (lot.fixed_fee_bps, lot.profit_share_bps) == page.view.terms_now(lot)[:2]


async def test_allowlist_paste_sends_batches_and_pause(devnet_ctx: Any) -> None:
    page = await _owner_page(devnet_ctx)
    access = page.access
    wanted = _addresses(62, 7)
    access.paste.setPlainText("\n".join(wanted) + "\n0xnot-an-address")
    assert "1 refused" in access.check_label.text() and "0xnot-an-address" in \
        access.check_label.text()
    assert not access.allow_button.isEnabled()
    access.paste.setPlainText("\n".join(wanted))
    assert access.allow_button.isEnabled()
    access.allow_button.click()
    await page.action_task
    assert set(wanted) <= set(page.view.allowed)
    assert "62 valid (0 new, 62 already allowed)" in access.check_label.text()

    assert not page.view.info["paused"]
    access.pause_button.click()
    await page.action_task
    assert page.view.info["paused"] and "paused" in access.pause_state.text()

    access.capacity_edit.setText("lots")
    access.capacity_button.click()
    assert "Capacity" in access.limits_problem.text()
    access.capacity_edit.setText("123,456")
    access.capacity_button.click()
    await page.action_task
    assert int(page.view.info["capacity"]) == 123_456 * NMR


async def test_claim_fees_pays_the_owner(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    page = await _owner_page(ctx)
    claimable, claimed_before = page.view.claimable_fees, page.view.fees_claimed
    assert claimable > 0 and page.overview.claim_button.isEnabled()
    nmr = ContractAbi.load("MockNMR").at(ctx.network.nmr)
    owner = ctx.registry.get("Owner").address
    before = int(await ctx.client.read(nmr.read("balanceOf", owner)))
    page.overview.claim_button.click()
    await page.action_task
    gained = int(await ctx.client.read(nmr.read("balanceOf", owner))) - before
    assert 0 < gained <= claimable  # the protocol keeps its cut
    assert page.view.claimable_fees < claimable
    assert page.view.fees_claimed == claimed_before + gained
    assert "claimed so far" in page.overview.cards["fees"].detail.text()
