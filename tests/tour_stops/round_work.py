"""Tour stops of the owner's round work: the round calendar panel of one of the Owner's vaults
(in a plain window: My vaults embeds the same panel), with the next round opened (the chain
clock moved one day, as if the owner came back the next morning), the review of its stake,
the staked state, a dark variant, and the Numerai API key dialog (saved, and a refused key).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop

KEY_PASSWORD = "tour key password"


def _theme(tour: Any, name: str) -> None:
    from numerbay_desktop.ui.theme import apply_theme

    apply_theme(tour.app, name)
    tour.window.refresh_theme()


async def _open_next_round(ctx: Any) -> None:
    """Move the chain to one hour after the next round opens; the local Numerai opens it
    on its next request (the world's own keepers do not run, so nobody has staked it)."""
    from numerbay_desktop.devnet.local_numerai.calendar import Calendar

    current = await ctx.numerai.current_round()
    open_time = Calendar().open_time(current.number + 1)
    if open_time:
        await ctx.client.rpc("anvil_setTime", [open_time + 3_600])
        await ctx.client.rpc("evm_mine")
        await ctx.numerai.current_round()  # the local Numerai ticks on the new time


async def _panel(tour: Any) -> Any:
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    from numerbay_desktop.ui.round_calendar import RoundCalendarPanel
    from numerbay_desktop.wallet.api_keys import ApiKeyStore, NumeraiApiKey
    from numerbay_desktop.wallet.keystore import ScryptParams

    panel = tour.state.get("round_panel")
    if panel is not None:
        return panel
    ctx = await devnet_context(tour)
    ctx.set_active_account("Owner")
    entry = next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)
    store = ApiKeyStore(ctx.data_dir, prefer_file=True,
                        scrypt=ScryptParams(n=2**4, r=8, p=1, dklen=32))
    store.save("default", NumeraiApiKey.parse(entry["public_id"], entry["secret"]),
               KEY_PASSWORD)
    tour.state["api_key_store"] = store
    await _open_next_round(ctx)

    host = QDialog(tour.window)
    host.setWindowTitle("Round work")
    host.resize(1120, 720)
    layout = QVBoxLayout(host)
    layout.setContentsMargins(20, 18, 20, 18)
    panel = RoundCalendarPanel(host)
    panel.key_store = store
    panel.set_context(ctx)
    layout.addWidget(panel)
    host.show()
    vaults = [a for a in entry["vaults"] if a]
    for vault in vaults:  # the first of the Owner's vaults whose model submitted
        panel.show_vault(vault)
        await asyncio.wait_for(panel.load_task, 90)
        if panel.stake_button.isEnabled():
            break
    tour.state["round_panel"] = panel
    tour.state["round_host"] = host
    return panel


async def calendar_open(tour: Any) -> None:
    _theme(tour, "light")
    await _panel(tour)


async def stake_review(tour: Any) -> None:
    panel = await _panel(tour)
    opened: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    panel.on_review = opened.set_result
    panel.key_password.setText(KEY_PASSWORD)
    panel.stake_button.click()
    tour.state["review"] = await asyncio.wait_for(opened, 90)


def confirm_review(tour: Any) -> None:
    tour.state.pop("review").confirm_button.click()


async def calendar_staked(tour: Any) -> None:
    panel = await _panel(tour)
    if panel.action_task is not None:
        await asyncio.wait_for(panel.action_task, 120)


async def calendar_settled(tour: Any) -> None:
    panel = await _panel(tour)
    panel.on_review = lambda dialog: dialog.confirm_button.click()
    panel.settle_button.click()
    assert panel.action_task is not None
    await asyncio.wait_for(panel.action_task, 120)


async def calendar_dark(tour: Any) -> None:
    panel = await _panel(tour)
    _theme(tour, "dark")
    panel.refresh_theme()
    panel.reload()
    await asyncio.wait_for(panel.load_task, 90)


def _host(tour: Any) -> Any:
    return tour.state["round_host"]


def close_panel(tour: Any) -> None:
    _theme(tour, "light")
    host = tour.state.pop("round_host")
    tour.state.pop("round_panel")
    host.close()
    host.deleteLater()


async def api_key_saved(tour: Any, theme: str = "light") -> None:
    from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog
    from numerbay_desktop.wallet.api_keys import ApiKeyStore
    from numerbay_desktop.wallet.keystore import ScryptParams

    ctx = await devnet_context(tour)
    _theme(tour, theme)
    entry = next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)
    store = ApiKeyStore(ctx.data_dir / "tour-api-key", prefer_file=True,
                        scrypt=ScryptParams(n=2**4, r=8, p=1, dklen=32))
    dialog = ApiKeyDialog(store, ctx.numerai_url, parent=tour.window)
    dialog.show()
    dialog.public_field.setText(entry["public_id"])
    if theme == "dark":
        dialog.secret_field.setText("Z" * 64)  # a wrong secret: refused, nothing saved
    else:
        dialog.secret_field.setText(entry["secret"])
    dialog.password_field.setText(KEY_PASSWORD)
    dialog.confirm_field.setText(KEY_PASSWORD)
    await dialog.check_and_save()
    dialog.adjustSize()
    tour.state["api_dialog"] = dialog


def close_api_dialog(tour: Any) -> None:
    _theme(tour, "light")
    tour.state.pop("api_dialog").done(0)


async def settings_card(tour: Any) -> None:
    """The Settings card of the key the stops above saved (in an encrypted file here)."""
    await devnet_context(tour)
    _theme(tour, "light")
    tour.window.show_page("settings")
    page = tour.window.page("settings")
    page.numerai_key_card.refresh()
    page.scroller.ensureWidgetVisible(page.numerai_key_card)


STOPS = [
    tour_stop("round_calendar_open", calendar_open, target=_host),
    tour_stop("round_calendar_review", stake_review,
              target=lambda tour: tour.state["review"], after=confirm_review),
    tour_stop("round_calendar_staked", calendar_staked, target=_host),
    tour_stop("round_calendar_settled", calendar_settled, target=_host),
    tour_stop("round_calendar_dark", calendar_dark, target=_host, after=close_panel),
    tour_stop("api_key_dialog_saved", api_key_saved,
              target=lambda tour: tour.state["api_dialog"], after=close_api_dialog),
    tour_stop("api_key_dialog_refused_dark", lambda tour: api_key_saved(tour, "dark"),
              target=lambda tour: tour.state["api_dialog"], after=close_api_dialog),
    tour_stop("api_key_settings_card", settings_card),
]
