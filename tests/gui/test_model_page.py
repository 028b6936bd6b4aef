"""The model page on the devnet world: it opens for a demo vault from `ctx.vault_opened`, its
charts hold one point per RoundSettled event, a proposed schedule change shows as a banner
with its ETA, and an "owner went quiet" action (write_off, once the settle delay passed)
goes through review and is mined."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent

pytestmark = pytest.mark.asyncio(loop_scope="session")
LENS_ABI = ContractAbi.load("VaultLens")
ADMIN_ABI = ContractAbi.load("VaultAdmin")
DAY = 86_400


async def _info(ctx: Any, vault: str) -> dict[str, Any]:
    read = LENS_ABI.at(ctx.devnet_info["contracts"]["lens"]).read("vault_info", vault)
    value = await ctx.client.read(read)
    return dict(zip(read.function.output_fields, value, strict=True))


async def _open(ctx: Any, vault: str) -> Any:
    window = ctx.parent()
    page = window.page("model")
    ctx.vault_opened.emit(vault)
    assert window.current_page_key() == "model"
    await _settle(page)
    return page


async def _settle(page: Any) -> None:
    for _ in range(600):
        if page.loading is not None and page.loading.done() and page.data is not None:
            break
        await asyncio.sleep(0.05)
    await page.loading
    assert page.data is not None, page.status_label.text()
    for _ in range(600):  # the owner-quiet checks start once the page has its data
        if page.quiet_panel.checking is not None:
            break
        await asyncio.sleep(0.05)
    await page.quiet_panel.checking  # nothing left running when the test's context closes


async def _owned_vault(ctx: Any) -> str:
    owner = next(r for r in ctx.registry.accounts() if r.name == "Owner").address
    for vault in ctx.devnet_info["vaults"]:
        if (await _info(ctx, vault))["owner"].lower() == owner.lower():
            return str(vault)
    raise AssertionError("the Owner account owns no demo vault")


async def test_page_opens_and_charts_have_one_point_per_settled_round(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    vault = ctx.devnet_info["vaults"][0]
    info = await _info(ctx, vault)
    page = await _open(ctx, vault)
    assert page.title_label.text() == info["model_name"]
    assert page.address_label.text().lower() == vault.lower()
    settled = int(info["applied_count"])  # each applied sequence emitted one RoundSettled
    assert settled > 20
    counts = page.chart_point_counts()
    assert counts["index"] == counts["returns"] == counts["at_stake"] == settled
    assert counts["not_staked"] == settled
    assert len(page.data.history.events_named("RoundSettled")) == settled
    assert counts["scores"] == len(page.data.stats.payout_scores) > 0
    block = page.data.detail.block_number
    source = page.verification.source_of("Total assets")
    assert source == f"VaultLens.vault_info(vault).total_assets at block {block}"
    assert page.data.detail.vault in page.verification.legend.text()
    assert f"block {block}" in page.source_label.text()
    assert not page.banner.isVisible()
    # Stake… opens the staking form for this vault.
    assert page.stake_button.isEnabled()
    form = page.open_stake_form()
    assert form is not None and form.isVisible()
    await form.load_task
    form.close()


async def test_pending_schedule_change_shows_a_banner_with_its_eta(devnet_ctx: Any) -> None:
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = devnet_ctx
    vault = await _owned_vault(ctx)
    page = await _open(ctx, vault)
    assert page.banner.isHidden()
    tiers = [(t.min_stake, t.fixed_fee_bps, max(0, t.profit_share_bps - 100))
             for t in page.data.detail.tiers]
    commitments = [(c.duration, c.discount_bps) for c in page.data.detail.commitments]
    propose = TxIntent(vault, ADMIN_ABI.at(vault).calldata("propose_schedule", tiers,
                                                            commitments), label="Propose fees")
    owner = next(r for r in ctx.registry.accounts() if r.name == "Owner")
    outcome = await run_transactions(None, ctx, [propose], what="Propose fees", account=owner,
                                     on_review=lambda d: d.confirm_button.click())
    assert outcome is not None and outcome.receipts[0].succeeded
    page.reload()
    await _settle(page)
    pending = page.data.detail.pending
    assert pending is not None and pending.eta > page.data.chain_time
    assert not page.banner.isHidden()
    text = page.banner.text()
    assert "proposed new fees" in text and "in " in text and "days" in text
    block = page.data.detail.block_number
    assert page.verification.source_of("Pending schedule change") == (
        f"VaultLens.pending_schedule(vault).eta at block {block}")


async def test_write_off_by_anyone_once_the_settle_delay_passed(devnet_ctx: Any,
                                                                devnet: Any) -> None:
    ctx = devnet_ctx
    vault = ctx.devnet_info["vaults"][1]
    page = await _open(ctx, vault)
    panel = page.quiet_panel
    await panel.checking
    assert not panel.buttons["write_off"].isEnabled()
    assert "settle delay" in panel.status["write_off"].text()
    assert not panel.buttons["declare_stalled"].isEnabled()
    before = await _info(ctx, vault)
    assert int(before["stake_count"]) > int(before["applied_count"])
    # Nobody settles for 151 days (the demo vaults' settle delay is 150).
    with devnet.lock:
        devnet.rpc.call("evm_increaseTime", [151 * DAY])
        devnet.rpc.call("evm_mine")
    panel.refresh()
    await panel.checking
    assert panel.buttons["write_off"].isEnabled(), panel.status["write_off"].text()
    assert panel.buttons["declare_stalled"].isEnabled()
    panel.set_review_handler(lambda dialog: dialog.confirm_button.click())
    acted: list[str] = []
    panel.acted.connect(acted.append)
    panel.buttons["write_off"].click()
    await panel.running
    assert acted == ["write_off"], panel.status["write_off"].text()
    after = await _info(ctx, vault)
    assert int(after["applied_count"]) > int(before["applied_count"])
    await _settle(page)  # the page reloads after the action
    # The next rounds waited as long: anyone may now declare the vault stalled.
    assert panel.buttons["declare_stalled"].isEnabled(), panel.status["declare_stalled"].text()
    panel.buttons["declare_stalled"].click()
    await panel.running
    assert acted == ["write_off", "declare_stalled"]
    assert (await _info(ctx, vault))["stalled"] is True
    await _settle(page)
    assert page.state_label.text() == "Stalled"
    assert not page.stake_button.isEnabled()


async def test_marketplace_scrolls_to_its_last_column_and_opens_a_model_page() -> None:
    """At the window's 1,180 px (948 for the page beside the sidebar) every column can be
    scrolled into view, and a row's context menu opens its model page."""
    import time

    from numerbay_desktop.services.models import MarketSnapshot, RefreshResult
    from numerbay_desktop.ui.marketplace_model import COLUMNS, ROW_ROLE
    from numerbay_desktop.ui.pages.marketplace import MarketplacePage
    from tests.bench.bench_ui import _rows

    page = MarketplacePage()
    page.resize(1180 - 232, 700)
    page.show()
    page._show_market()  # fed below as the refresher would
    rows = _rows(3, 20)
    page.show_result(RefreshResult(MarketSnapshot(
        tuple(rows), block_number=1, chain_time=1_760_000_000, fetched_at=time.time(),
        numerai_fetched_at=time.time())))
    await page._painter
    await asyncio.sleep(0.1)
    table = page.table
    bar = table.horizontalScrollBar()
    last = max(i for i in range(len(COLUMNS)) if not table.isColumnHidden(i))
    assert bar.maximum() > 0  # the columns are wider than the page: it scrolls sideways
    bar.setValue(bar.maximum())
    await asyncio.sleep(0.05)
    right_edge = table.columnViewportPosition(last) + table.columnWidth(last)
    assert 0 < right_edge <= table.viewport().width()
    opened: list[str] = []
    page.vault_selected.connect(opened.append)
    index = page.proxy.index(0, 0)
    menu = page.context_menu(index)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    actions["Open model page"].trigger()
    assert opened == [index.data(ROW_ROLE).vault]
    page.close()
    page.deleteLater()


@pytest.mark.slow
async def test_sync_a_round_numerai_paid_out_while_the_owner_was_quiet(devnet_ctx: Any,
                                                                      devnet: Any) -> None:
    """The owner goes quiet for 8 days: the rounds resolving then stay unclaimed, Numerai pays
    them out to the vault after 7 days (finalize), and anyone syncs them from the model page
    (no API key: a staker cannot fetch the owner's claim proofs)."""
    ctx = devnet_ctx
    vault = ctx.devnet_info["vaults"][2]
    current = devnet.current_round()
    for round_id in range(current - 150, current + 20):  # the world's keeper skips them
        devnet.ctx.settled.update({(round_id, vault), (round_id, vault.lower())})
    await asyncio.to_thread(devnet.advance, 9)
    before = await _info(ctx, vault)
    page = await _open(ctx, vault)
    panel = page.quiet_panel
    status = panel.status["settle"].text()
    assert panel.buttons["settle"].isEnabled(), status
    assert "Ready: round" in status
    assert all(i.label.startswith("Sync round") for i in panel.quiet_actions["settle"].intents)
    panel.set_review_handler(lambda dialog: dialog.confirm_button.click())
    acted: list[str] = []
    panel.acted.connect(acted.append)
    panel.buttons["settle"].click()
    await panel.running
    assert acted == ["settle"], panel.status["settle"].text()
    after = await _info(ctx, vault)
    assert int(after["applied_count"]) > int(before["applied_count"])
    await _settle(page)
    assert page.chart_point_counts()["index"] == int(after["applied_count"])


async def test_without_a_network_the_page_says_so() -> None:
    from numerbay_desktop.ui.app_context import NOT_CONNECTED
    from numerbay_desktop.ui.pages.model import ModelPage

    page = ModelPage()
    page.show_vault("0x0000000000000000000000000000000000000001")
    assert page.status_label.text() == NOT_CONNECTED
    assert page.scroller.isHidden() and page.loading is None
    page.deleteLater()
