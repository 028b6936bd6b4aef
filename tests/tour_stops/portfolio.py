"""Tour stops of the portfolio page on the devnet world's demo stakers.

"Watcher" (demo index 4, watch-only) holds lots in every state of the history: pending,
active, exiting (waiting for rounds), closed, NMR ready to claim, and commitment alerts;
"Staker" (index 2) has many lots, some still locked.
"""

from __future__ import annotations

import asyncio
from typing import Any

from numerbay_desktop.ui.theme import apply_theme
from tests.tour_stops.devnet_session import devnet_context, tour_stop


async def _portfolio(tour: Any, account: str, theme: str = "light") -> Any:
    ctx = await devnet_context(tour)
    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page = tour.window.page("portfolio")
    if ctx.active_account is None or ctx.active_account.name != account:
        ctx.set_active_account(account)
    tour.window.show_page("portfolio")
    await page.load_now()
    page.scroll_area.verticalScrollBar().setValue(0)
    return page


async def overview(tour: Any) -> None:
    await _portfolio(tour, "Watcher")


async def overview_dark(tour: Any) -> None:
    await _portfolio(tour, "Watcher", "dark")


async def _scrolled_to_exits(tour: Any, theme: str) -> None:
    """The vault group with a lot that is leaving: what it waits for, and when."""
    page = await _portfolio(tour, "Watcher", theme)
    view = page.view
    leaving = next(e.vault for e in view.portfolio.pending_exits)
    await asyncio.sleep(0.1)  # layouts settle (no nested processEvents under qasync)
    group = page.groups[leaving]
    page.scroll_area.verticalScrollBar().setValue(max(0, group.y() - 8))


async def exits(tour: Any) -> None:
    await _scrolled_to_exits(tour, "light")


async def exits_dark(tour: Any) -> None:
    await _scrolled_to_exits(tour, "dark")


async def staker_lots(tour: Any) -> None:
    page = await _portfolio(tour, "Staker")
    await asyncio.sleep(0.1)  # layouts settle (no nested processEvents under qasync)
    first = next(iter(page.groups.values()))
    page.scroll_area.verticalScrollBar().setValue(max(0, first.y() - 8))


async def rebalance(tour: Any) -> None:
    """The plan toward putting everything in the largest vault: exits listed for review."""
    page = await _portfolio(tour, "Staker")
    if page.rebalance.isHidden():
        page.toggle_rebalance()
    panel = page.rebalance
    keep = max(panel.targets, key=lambda v: panel.targets[v].value())
    for vault, spin in panel.targets.items():
        spin.setValue(70 if vault == keep else 0)
    first_other = next(v for v in panel.targets if v != keep)
    panel.targets[first_other].setValue(30)
    panel.cash.setText("500")
    panel.plan_button.click()
    await asyncio.sleep(0.1)  # layouts settle (no nested processEvents under qasync)
    page.scroll_area.verticalScrollBar().setValue(max(0, panel.message.y() - 260))


def close_rebalance(tour: Any) -> None:
    page = tour.window.page("portfolio")
    if not page.rebalance.isHidden():
        page.toggle_rebalance()
    restore(tour)


def restore(tour: Any) -> None:
    apply_theme(tour.app, "light")
    tour.window.refresh_theme()
    ctx = tour.state.get("devnet_ctx")
    if ctx is not None:
        ctx.set_active_account("Staker")


STOPS = [
    tour_stop("portfolio_overview", overview),
    tour_stop("portfolio_overview_dark", overview_dark, after=restore),
    tour_stop("portfolio_exits", exits),
    tour_stop("portfolio_exits_dark", exits_dark, after=restore),
    tour_stop("portfolio_staker_lots", staker_lots, after=restore),
    tour_stop("portfolio_rebalance", rebalance, after=close_rebalance),
]
