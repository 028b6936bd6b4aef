"""Tour stops of the staking form (issue 8): a demo vault with a fee ladder, an amount just
below the next tier (the next-tier hint shows), the longer commitment chosen, light and dark;
and the form after a deposit on the devnet (what the deposit joins, when it may leave)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop

WAD = 10**18


async def _tiered_vault(ctx: Any) -> str:
    from numerbay_desktop.services.staking import StakingService

    service = StakingService(ctx.client)
    staker = ctx.require_account().address
    for vault in ctx.devnet_info["vaults"]:
        snap = await service.load(vault, staker)
        if len(snap.schedule.tiers) > 1 and not snap.problems(snap.min_deposit) \
                and snap.room > 2_000 * WAD:
            return str(vault)
    raise RuntimeError("no demo vault with a fee ladder takes deposits")


async def _form(tour: Any, theme: str) -> None:
    from numerbay_desktop.ui.stake_form import open_stake_form
    from numerbay_desktop.ui.theme import apply_theme

    ctx = await devnet_context(tour)
    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    vault = tour.state.get("stake_vault") or await _tiered_vault(ctx)
    tour.state["stake_vault"] = vault
    form = open_stake_form(tour.window, ctx, vault)
    tour.state["stake_form"] = form
    await form.load_task
    if form.snap is None:
        raise RuntimeError(form.source_label.text())
    tiers = form.snap.schedule.tiers
    below_next = tiers[1].min_stake - 150 * WAD - form.snap.existing_basis
    form.commitment_box.setCurrentIndex(form.commitment_box.count() - 1)
    form.amount_edit.setText(f"{max(below_next, 100 * WAD) // WAD:,}")
    for _ in range(400):
        if form.values["Network fee"].text() not in ("…", "—"):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)


async def _after_deposit(tour: Any) -> None:
    await _form(tour, "light")
    form = tour.state["stake_form"]

    def confirm(dialog: Any) -> None:
        dialog.confirm_button.click()

    await form.stake(on_review=confirm)
    await form.load_task
    await asyncio.sleep(0.2)


def _close(tour: Any) -> None:
    tour.state.pop("stake_form").close()


STOPS = [
    tour_stop("stake_form", lambda tour: _form(tour, "light"),
              target=lambda tour: tour.state["stake_form"], after=_close),
    tour_stop("stake_form_dark", lambda tour: _form(tour, "dark"),
              target=lambda tour: tour.state["stake_form"], after=_close),
    tour_stop("stake_form_deposited", _after_deposit,
              target=lambda tour: tour.state["stake_form"], after=_close),
]
