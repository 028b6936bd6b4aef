"""Tour stops of the model owner's pages: My vaults (overview, a schedule proposal as a diff,
deposits and the allowlist, lots, the empty state) and the create-vault wizard (each step
that matters, one in dark), on the shared devnet session as the "Owner" account."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop


def _theme(tour: Any, name: str) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    apply_theme(tour.app, name)
    tour.window.refresh_theme()


async def _owner_page(tour: Any, tab: int = 0, theme: str = "light") -> Any:
    ctx = await devnet_context(tour)
    _theme(tour, theme)
    if ctx.active_account is None or ctx.active_account.name != "Owner":
        ctx.set_active_account("Owner")
    tour.window.show_page("my_vaults")
    page = tour.window.page("my_vaults")
    page.review_hook = lambda dialog: dialog.confirm_button.click()
    await page.load_now()
    # A reload the account switch or showing the page started may be newer than ours (the
    # newest load wins): wait for the page's body rather than assume ours built it.
    for _ in range(600):
        if getattr(page, "tabs", None) is not None and page.view is not None:
            break
        await asyncio.sleep(0.1)
    page.tabs.setCurrentIndex(tab)
    return page


async def overview(tour: Any) -> None:
    await _owner_page(tour)


async def round_work(tour: Any) -> None:
    page = await _owner_page(tour, tab=4)
    panel = page.round_panel
    task = getattr(panel, "load_task", None) if panel else None
    if task is not None:
        await asyncio.wait_for(asyncio.shield(task), 60)


async def overview_dark(tour: Any) -> None:
    await _owner_page(tour, theme="dark")


async def schedule_diff(tour: Any) -> None:
    from numerbay_desktop.services.models import TierTerms

    page = await _owner_page(tour, tab=1)
    if page.view.detail.pending is None:
        tiers = list(page.view.detail.tiers)
        last = tiers[-1]
        tiers[0] = TierTerms(0, max(0, tiers[0].fixed_fee_bps - 50),
                             tiers[0].profit_share_bps)
        tiers.append(TierTerms(last.min_stake * 2 + 10**21, max(0, last.fixed_fee_bps - 50),
                               max(0, last.profit_share_bps - 500)))
        page.schedule.propose(tiers[:8], page.view.detail.commitments)
        await page.action_task


async def access(tour: Any) -> None:
    page = await _owner_page(tour, tab=2)
    from eth_account import Account

    good = [Account.from_key((4242 + i).to_bytes(32, "big")).address for i in range(3)]
    flip = next(i for i, ch in enumerate(good[0]) if ch.isalpha() and i > 1)
    typo = good[0][:flip] + good[0][flip].swapcase() + good[0][flip + 1:]
    page.access.paste.setPlainText("\n".join(good) + f"\n{typo}\n0x12ab\n{good[1]}")


async def lots(tour: Any) -> None:
    await _owner_page(tour, tab=3)


async def empty(tour: Any) -> None:
    ctx = await devnet_context(tour)
    _theme(tour, "light")
    ctx.set_active_account("Staker")
    tour.window.show_page("my_vaults")
    await tour.window.page("my_vaults").load_now()


async def _wizard(tour: Any, theme: str = "light") -> Any:
    ctx = await devnet_context(tour)
    _theme(tour, theme)
    ctx.set_active_account("Owner")
    wizard = tour.state.get("wizard")
    if wizard is None or tour.state.get("wizard_theme") != theme:
        from numerbay_desktop.ui.vault_wizard import VaultWizard

        if wizard is not None:
            wizard.deleteLater()
        wizard = VaultWizard(ctx, tour.window)
        wizard.show()
        await wizard.fetch_models()
        if wizard.model_step.models:
            wizard.model_step.pick(wizard.model_step.models[-1].name)
        tour.state["wizard"], tour.state["wizard_theme"] = wizard, theme
    await asyncio.sleep(0.05)
    return wizard


async def wizard_model(tour: Any) -> None:
    (await _wizard(tour)).go_to(0)


async def wizard_ladder(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(1)
    ladder = wizard.ladder
    if ladder.table.rowCount() < 3:
        ladder.add_button.click()
        ladder.table.item(2, 0).setText("5,000")
        ladder.table.item(2, 1).setText("1")
        ladder.table.item(2, 2).setText("10")


async def wizard_ladder_refused(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(1)
    wizard.ladder.table.item(1, 1).setText("12")
    wizard.ladder.table.item(2, 0).setText("500.5")


def _mend_ladder(tour: Any) -> None:
    wizard = tour.state["wizard"]
    wizard.ladder.table.item(1, 1).setText("1.5")
    wizard.ladder.table.item(2, 0).setText("5,000")


async def wizard_commitments(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(2)


async def wizard_limits(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(3)
    wizard.limits.edits["max_round_bps"].setText("25")
    wizard.limits.changed.emit()


def _mend_limits(tour: Any) -> None:
    wizard = tour.state["wizard"]
    wizard.limits.edits["max_round_bps"].setText("2")
    wizard.limits.changed.emit()


async def wizard_review(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(4)


async def wizard_done(tour: Any) -> None:
    wizard = await _wizard(tour)
    wizard.go_to(4)
    await wizard.create_vault(on_review=lambda dialog: dialog.confirm_button.click())


async def wizard_ladder_dark(tour: Any) -> None:
    wizard = await _wizard(tour, theme="dark")
    wizard.go_to(1)


def _close_wizard(tour: Any) -> None:
    wizard = tour.state.pop("wizard", None)
    tour.state.pop("wizard_theme", None)
    if wizard is not None:
        wizard.close()
        wizard.deleteLater()
    _theme(tour, "light")


def _wizard_target(tour: Any) -> Any:
    return tour.state["wizard"]


STOPS = [
    tour_stop("my_vaults_overview", overview),
    tour_stop("my_vaults_schedule_diff", schedule_diff),
    tour_stop("my_vaults_access", access),
    tour_stop("my_vaults_lots", lots),
    tour_stop("my_vaults_round_work", round_work),
    tour_stop("my_vaults_overview_dark", overview_dark, after=lambda tour: _theme(tour, "light")),
    tour_stop("my_vaults_empty_create", empty),
    tour_stop("vault_wizard_model", wizard_model, target=_wizard_target),
    tour_stop("vault_wizard_ladder", wizard_ladder, target=_wizard_target),
    tour_stop("vault_wizard_ladder_refused", wizard_ladder_refused, target=_wizard_target,
              after=_mend_ladder),
    tour_stop("vault_wizard_commitments", wizard_commitments, target=_wizard_target),
    tour_stop("vault_wizard_limits_refused", wizard_limits, target=_wizard_target,
              after=_mend_limits),
    tour_stop("vault_wizard_review", wizard_review, target=_wizard_target),
    tour_stop("vault_wizard_done", wizard_done, target=_wizard_target, after=_close_wizard),
    tour_stop("vault_wizard_ladder_dark", wizard_ladder_dark, target=_wizard_target,
              after=_close_wizard),
]


async def review_allowlist(tour: Any) -> None:
    """The review of an allowlist change too big for one transaction (62 addresses: 2 txs)."""
    from eth_account import Account

    page = await _owner_page(tour, tab=2)
    opened: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    page.review_hook = opened.set_result
    wanted = [Account.from_key((5151 + i).to_bytes(32, "big")).address for i in range(62)]
    page.access.paste.setPlainText("\n".join(wanted))
    page.access.allow_button.click()
    tour.state["dialog"] = await asyncio.wait_for(opened, 60)


def _close_review(tour: Any) -> None:
    tour.state.pop("dialog").reject()
    tour.window.page("my_vaults").review_hook = None


STOPS.insert(4, tour_stop("my_vaults_review_allowlist_batches", review_allowlist,
                          target=lambda tour: tour.state["dialog"], after=_close_review))
