"""The create-vault wizard on the devnet: the Owner's models through its Numerai key, a
3-tier ladder and 2 commitments created by the factory exactly as typed; every refused value
says why, and the local reasons are the factory's own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import DAY, NMR
from tests.gui.owner_fixtures import owner_ctx  # noqa: F401 - used by pytestmark

# owner_ctx: after each test, the pages' background reads end before devnet_ctx closes.
pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("owner_ctx")]


def _dispose(wizard: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    wizard.close()
    wizard.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _set(table: Any, row: int, column: int, text: str) -> None:
    table.table.item(row, column).setText(text)


async def _wizard(ctx: Any) -> Any:
    from numerbay_desktop.ui.vault_wizard import VaultWizard

    ctx.set_active_account("Owner")
    # Parented to the window and deleted by Qt (a chart collected by Python's GC later can crash)
    wizard = VaultWizard(ctx, ctx.parent())
    wizard.show()
    await wizard.fetch_models()
    return wizard


async def test_create_vault_with_three_tiers_and_two_commitments(devnet_ctx: Any) -> None:
    from numerbay_desktop.chain.contracts import ContractAbi

    ctx = devnet_ctx
    ctx.set_active_account("Owner")
    page = ctx.parent().page("my_vaults")
    wizard = page.open_wizard()  # as the page's "Create a vault…" button does
    await wizard.models_task
    models = wizard.model_step.models
    assert models, wizard.model_step.source_label.text()
    with_vault = [m for m in models if m.vault]
    assert with_vault and "has a vault" in wizard.model_step.model_combo.itemText(
        models.index(with_vault[0]) + 1)
    wizard.model_step.pick(with_vault[0].name)
    assert not wizard.model_step.vault_note.isHidden()  # a second vault could not register
    free = [m for m in models if not m.vault]
    models = free + with_vault
    wizard.model_step.pick(models[0].name)
    assert wizard.model_step.vault_note.isHidden() == (models[0].vault is None)
    assert wizard.go_next()
    ladder = wizard.ladder
    ladder.add_button.click()
    assert ladder.table.rowCount() == 3
    _set(ladder, 1, 0, "500")
    _set(ladder, 2, 0, "2,500")
    _set(ladder, 2, 1, "0.75")
    _set(ladder, 2, 2, "12.5")
    fixed, profit = ladder.chart_points()
    assert fixed[0][:2] == [0.0, 500.0] and fixed[1][-1] == 0.75 and profit[1][-1] == 12.5
    assert wizard.go_next()
    _set(wizard.commitments, 1, 0, "60")
    _set(wizard.commitments, 1, 1, "25")
    assert wizard.go_next() and wizard.go_next()
    assert wizard.create_button.isVisible() and wizard.create_button.isEnabled()
    from PySide6.QtWidgets import QLabel

    review_text = " ".join(label.text() for label in wizard.review.findChildren(QLabel))
    assert "candidate" in review_text and "500 NMR" in review_text
    created: list[str] = []
    wizard.created.connect(created.append)
    address = await wizard.create_vault(on_review=lambda d: d.confirm_button.click())
    assert address is not None and created == [address]
    assert wizard.done_step.isVisible()

    lens = await ctx.client.read(ContractAbi.load("VaultFactory").at(ctx.network.factory)
                                 .read("lens"))
    tiers, commitments = await ctx.client.read(
        ContractAbi.load("VaultLens").at(str(lens)).read("schedule", address))
    assert [TierTerms(*map(int, t)) for t in tiers] == [
        TierTerms(0, 200, 2_000), TierTerms(500 * NMR, 150, 1_500),
        TierTerms(2_500 * NMR, 75, 1_250)]
    assert [CommitmentOption(*map(int, c)) for c in commitments] == [
        CommitmentOption(0, 0), CommitmentOption(60 * DAY, 2_500)]
    info = await ctx.client.read(ContractAbi.load("VaultLens").at(str(lens))
                                 .read("vault_info", address))
    assert str(info[2]).lower() == ctx.registry.get("Owner").address.lower()
    assert info[0] == models[0].name and not info[5]  # a candidate: not registered yet

    # "Stake the first round" leads to My vaults' Round work tab on the new vault.
    wizard.done_step.stake_button.click()
    assert page.tabs.currentIndex() == 4 and page.vault == address
    await page.load_task
    panel_task = getattr(page.round_panel, "load_task", None)
    if panel_task is not None:
        await asyncio.gather(panel_task, return_exceptions=True)
    assert any(o.address == address for o in page.owned)
    if page.round_panel:
        assert page.round_panel.vault == address
    _dispose(wizard)


async def test_refused_values_say_why_as_the_factory_would(devnet_ctx: Any) -> None:
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.errors import CallReverted
    from numerbay_desktop.services.vault_admin import schedule_problems

    ctx = devnet_ctx
    wizard = await _wizard(ctx)
    ladder = wizard.ladder
    _set(ladder, 1, 1, "12")  # 12 % a year: above the factory's 10 %
    _set(ladder, 1, 2, "55")
    reasons = [p.reason for p in ladder.problems()]
    assert any("fixed fee" in r and "10 %" in r for r in reasons), reasons
    assert any("profit share" in r and "50 %" in r for r in reasons), reasons
    assert not ladder.problems_label.isHidden()
    assert "fixed fee" in ladder.problems_label.text()
    _set(ladder, 1, 0, "0.5")
    assert any("whole number of NMR" in p.reason for p in ladder.problems())
    _set(ladder, 1, 0, "abc")
    assert any("type an amount" in p.reason for p in ladder.problems())
    assert ladder.tiers() is None and wizard.params() is None

    _set(wizard.commitments, 1, 0, "400")
    assert any("365 days" in p.reason for p in wizard.commitments.problems())
    wizard.limits.edits["min_deposit"].setText("0.5")
    wizard.limits.edits["max_round_bps"].setText("30")
    wizard.limits.changed.emit()
    fields = {p.field: p.reason for p in wizard.problems()}
    assert "at least 1 NMR" in fields["min_deposit"]
    assert "20 %" in fields["max_round_bps"]
    assert wizard.limits.problem_labels["max_round_bps"].text()
    wizard.go_to(3)
    assert not wizard.go_next() and "Fix" in wizard.status.text()

    # The local reasons stand for the factory's: its view refuses the same ladders.
    factory = ContractAbi.load("VaultFactory").at(ctx.network.factory)
    cases = [
        ([TierTerms(0, 1_001, 0)], [CommitmentOption(0, 0)]),
        ([TierTerms(0, 0, 5_001)], [CommitmentOption(0, 0)]),
        ([TierTerms(NMR, 0, 0)], [CommitmentOption(0, 0)]),
        ([TierTerms(0, 0, 0), TierTerms(0, 0, 0)], [CommitmentOption(0, 0)]),
        ([TierTerms(0, 0, 0), TierTerms(NMR // 2, 0, 0)], [CommitmentOption(0, 0)]),
        ([TierTerms(0, 0, 0)], [CommitmentOption(366 * DAY, 0)]),
        ([TierTerms(0, 0, 0)], [CommitmentOption(DAY, 0), CommitmentOption(DAY, 0)]),
    ]
    for tiers, commitments in cases:
        local = schedule_problems(tiers, commitments)
        assert local, (tiers, commitments)
        args = ([(t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in tiers],
                [(c.duration, c.discount_bps) for c in commitments])
        with pytest.raises(CallReverted) as refused:
            await ctx.client.read(factory.read("validate_schedule", *args))
        assert local[0].revert in str(refused.value), (local[0], refused.value)
    # A typed name is looked up in Numerai's public profiles; an unknown one says so.
    name = wizard.model_step.models[0].name
    wizard.model_step.name_edit.setText(name)
    wizard.model_step.id_edit.clear()
    assert await wizard.lookup_model_id(name)
    assert wizard.model_step.id_edit.text() == wizard.model_step.models[0].numerai_id
    assert not await wizard.lookup_model_id("no_such_model_xyz")
    assert "no model named" in wizard.status.text()
    wizard.go_to(0)
    wizard.model_step.id_edit.clear()
    assert not wizard.go_next()  # looks the id up first, then moves on by itself
    for _ in range(200):
        if wizard.step == 1:
            break
        await asyncio.sleep(0.05)
    assert wizard.step == 1 and wizard.model_step.id_edit.text()

    ok = ([(0, 100, 1_000), (NMR, 50, 500)], [(0, 0), (DAY, 100)])
    assert await ctx.client.read(factory.read("validate_schedule", *ok))
    _dispose(wizard)
    await asyncio.sleep(0)
