"""Tour stops of the model page (issue 8): a demo vault with a long history, light and dark,
scrolled to the owner-quiet actions and to the verification panel; and the marketplace at
the window's 1180 px scrolled to its right-hand columns."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop

RICH_VAULT_INDEX = 0  # amber_signal: the longest history of the demo world


async def _model_page(tour: Any, theme: str = "light", scroll_to: str | None = None) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    ctx = await devnet_context(tour)
    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page: Any = tour.window.page("model")
    vault = ctx.devnet_info["vaults"][RICH_VAULT_INDEX]
    if page.data is None or page.data.detail.vault.lower() != vault.lower():
        ctx.vault_opened.emit(vault)
        for _ in range(1200):
            if page.data is not None:
                break
            await asyncio.sleep(0.05)
        if page.quiet_panel.checking is not None:
            await page.quiet_panel.checking
    tour.window.show_page("model")
    await asyncio.sleep(0.2)
    bar = page.scroller.verticalScrollBar()
    if scroll_to is None:
        bar.setValue(0)
    else:
        target = getattr(page, scroll_to)
        bar.setValue(min(bar.maximum(), target.y() - 8))


async def _marketplace_right(tour: Any) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    await devnet_context(tour)
    apply_theme(tour.app, "light")
    tour.window.refresh_theme()
    page: Any = tour.window.page("marketplace")
    tour.window.show_page("marketplace")
    if not page.applied:
        page.refresh()  # the shell refreshes on new blocks; the photo should not wait for one
    started = asyncio.get_running_loop().time()
    for _ in range(4800):
        if page.applied:
            break
        await asyncio.sleep(0.05)
    print(f"marketplace rows after {asyncio.get_running_loop().time() - started:.1f} s: "
          f"{page.applied} snapshots, error {page.error_label.text()!r}")
    await asyncio.sleep(0.3)
    page.candidates_toggle.setChecked(True)
    await asyncio.sleep(0.2)
    page.table.selectRow(0)
    bar = page.table.horizontalScrollBar()
    bar.setValue(bar.maximum())


def _light(tour: Any) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    apply_theme(tour.app, "light")
    tour.window.refresh_theme()


STOPS = [
    tour_stop("model_rich_history", _model_page),
    tour_stop("model_rich_history_dark", lambda tour: _model_page(tour, "dark"), after=_light),
    tour_stop("model_fees_exit_queue", lambda tour: _model_page(tour, scroll_to="fees_card")),
    tour_stop("model_owner_quiet", lambda tour: _model_page(tour, scroll_to="quiet_panel")),
    tour_stop("model_verification",
              lambda tour: _model_page(tour, scroll_to="verification")),
    tour_stop("model_verification_dark",
              lambda tour: _model_page(tour, "dark", scroll_to="verification"), after=_light),
    tour_stop("marketplace_scrolled_right_1180", _marketplace_right),
]
