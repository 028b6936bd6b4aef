"""Tour stops of the model page (issue 8): a demo vault with a long history, light and dark,
scrolled to its fees and exit queue, the owner-quiet actions and the verification panel; a
vault with a proposed schedule change (its banner); and the marketplace at the window's
1180 px scrolled to its right-hand columns."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop

RICH_VAULT_INDEX = 0  # amber_signal: the longest history of the demo world


async def _model_page(tour: Any, theme: str = "light", scroll_to: str | None = None,
                      vault: str | None = None, reload: bool = False) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    ctx = await devnet_context(tour)
    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page: Any = tour.window.page("model")
    vault = vault or ctx.devnet_info["vaults"][RICH_VAULT_INDEX]
    if reload or page.data is None or page.data.detail.vault.lower() != vault.lower():
        page.data = None
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


async def _admin_call(tour: Any, vault: str, function: str, *args: Any) -> None:
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.txflow import TxIntent
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = await devnet_context(tour)
    owner = next(r for r in ctx.registry.accounts() if r.name == "Owner")
    intent = TxIntent(vault, ContractAbi.load("VaultAdmin").at(vault).calldata(function, *args),
                      label=function)
    what = {"propose_schedule": "Propose new fees", "cancel_schedule": "Withdraw the proposal"}
    await run_transactions(None, ctx, [intent], what=what[function], account=owner,
                           on_review=lambda dialog: dialog.confirm_button.click())


async def _pending_schedule(tour: Any) -> None:
    """The owner (demo index 0) proposes lower profit shares on one of its vaults."""
    from numerbay_desktop.chain.contracts import ContractAbi

    ctx = await devnet_context(tour)
    owner = next(r for r in ctx.registry.accounts() if r.name == "Owner").address
    lens = ContractAbi.load("VaultLens").at(ctx.devnet_info["contracts"]["lens"])
    for vault in ctx.devnet_info["vaults"]:
        read = lens.read("vault_info", vault)
        info = dict(zip(read.function.output_fields, await ctx.client.read(read), strict=True))
        if str(info["owner"]).lower() == owner.lower():
            break
    tiers, commitments = await ctx.client.read(lens.read("schedule", vault))
    lower = [(a, b, max(0, c - 250)) for a, b, c in tiers]
    await _admin_call(tour, vault, "propose_schedule", lower, list(commitments))
    tour.state["model_pending_vault"] = vault
    await _model_page(tour, vault=vault, reload=True)


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
    for _ in range(600):
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


def _cancel_pending(tour: Any) -> None:
    """After the photo: the owner withdraws the proposal, so later pages see the demo world
    as it was (runs while the next stops are prepared)."""
    from numerbay_desktop.ui.tasks import keep

    vault = tour.state.pop("model_pending_vault", None)
    if vault is not None:
        keep(asyncio.ensure_future(_admin_call(tour, vault, "cancel_schedule")))


def _light(tour: Any) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    apply_theme(tour.app, "light")
    tour.window.refresh_theme()


# The marketplace first: its first refresh starts when the devnet connects.
STOPS = [
    tour_stop("marketplace_scrolled_right_1180", _marketplace_right),
    tour_stop("model_rich_history", _model_page),
    tour_stop("model_rich_history_dark", lambda tour: _model_page(tour, "dark"), after=_light),
    tour_stop("model_fees_exit_queue", lambda tour: _model_page(tour, scroll_to="fees_card")),
    tour_stop("model_owner_quiet", lambda tour: _model_page(tour, scroll_to="quiet_panel")),
    tour_stop("model_verification",
              lambda tour: _model_page(tour, scroll_to="verification")),
    tour_stop("model_verification_dark",
              lambda tour: _model_page(tour, "dark", scroll_to="verification"), after=_light),
    tour_stop("model_pending_schedule", _pending_schedule, after=_cancel_pending),
]
