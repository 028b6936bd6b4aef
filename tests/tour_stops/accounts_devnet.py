"""Tour stops of the Accounts page on the devnet: the one-click demo accounts offer a new
user sees (no account yet), and the accounts once imported, with the active one marked and
the status bar's "Acting as" picker."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, shell_context, tour_stop


async def demo_offer(tour: Any) -> None:
    """What `make demo` shows a new user on Accounts: an empty registry on the devnet."""
    from numerbay_desktop.ui.theme import apply_theme
    from numerbay_desktop.wallet.accounts import AccountRegistry

    ctx = await shell_context(tour)
    apply_theme(tour.app, "light")
    tour.window.refresh_theme()
    page: Any = tour.window.page("accounts")
    if ctx.registry.accounts():  # later stops imported them: photograph a new user's folder
        empty = Path(tempfile.mkdtemp(prefix="numerbay-tour-empty-"))
        page._registry = AccountRegistry(empty)
        tour.state["restore_registry"] = ctx.registry
    page.reload()
    tour.window.status.account_picker.refresh()
    tour.window.show_page("accounts")


def _restore(tour: Any) -> None:
    registry = tour.state.pop("restore_registry", None)
    if registry is not None:
        page: Any = tour.window.page("accounts")
        page._registry = registry
        page.reload()


async def active_account(tour: Any) -> None:
    ctx = await devnet_context(tour)
    ctx.set_active_account("Staker")
    ctx.accounts_changed.emit()
    tour.window.show_page("accounts")


STOPS = [
    tour_stop("accounts_devnet_demo_offer", demo_offer, after=_restore),
    tour_stop("accounts_devnet_active", active_account),
]
