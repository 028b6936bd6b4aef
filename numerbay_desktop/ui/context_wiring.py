"""Joins the app's one AppContext to the window: pages get it, and its signals move the window.

    ctx = make_context(window, data_dir, offline=False)   # before the network connects
    await connect_network(window, ctx, network, numerai_url=..., devnet_info=...)

Pages with `set_context(ctx)` receive it (also pages built later); the offline signing page
gets each connection's pipeline through `configure`. The marketplace gets its services once a
network with a factory is known; without one, the vault pages say why they are empty.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui.app_context import AppContext

if TYPE_CHECKING:
    from numerbay_desktop.chain.networks import Network
    from numerbay_desktop.ui.main_window import MainWindow
    from numerbay_desktop.wallet.accounts import AccountRegistry

log = logging.getLogger(__name__)
NOTICE_MS = 8_000


def make_context(window: MainWindow, data_dir: Path, *, offline: bool = False,
                 registry: AccountRegistry | None = None) -> AppContext:
    ctx = AppContext(data_dir, offline=offline, registry=registry, parent=window)
    window.page("accounts")  # built now: it takes the registry and session in set_context
    window.page("offline_signing").configure(  # type: ignore[attr-defined]
        data_dir=data_dir, session=ctx.session)

    ctx.navigate.connect(window.show_page)
    ctx.vault_opened.connect(lambda address: open_vault(window, address))
    ctx.notice.connect(lambda text: window.status.showMessage(text, NOTICE_MS))
    ctx.offline_request.connect(
        lambda request, prepared, pipeline: _to_offline_page(window, request, prepared, pipeline))
    window.banner.panel_requested.connect(window.settings_page.open_devnet_panel)
    window.attach_context(ctx)
    window.status.bind_accounts(ctx)
    return ctx


VAULT_PAGES = ("marketplace", "portfolio", "my_vaults")


def show_vaults_unavailable(window: MainWindow, ctx: AppContext) -> None:
    """On a network without a vault factory (mainnet until Numerai publishes it), the vault
    pages say so in a plain sentence instead of an empty page. A page may take it itself
    (`show_vaults_unavailable(sentence)`); otherwise its empty state's words change."""
    from PySide6.QtCore import QCoreApplication

    sentence = ctx.vaults_unavailable()
    if sentence is None:
        return
    assert ctx.network is not None
    for key in VAULT_PAGES:
        page: Any = window.page(key)
        custom = getattr(page, "show_vaults_unavailable", None)
        if custom is not None:
            custom(sentence)
            continue
        empty = getattr(page, "empty_state", None)
        if empty is None:
            continue
        empty.headline.setText(QCoreApplication.translate(
            "AppContext", "No vaults on {0} yet").format(ctx.network.name))
        empty.body.setText(sentence)
        empty.first_step.setText(QCoreApplication.translate(
            "AppContext", "To try staking now, choose the devnet sandbox in Settings and "
            "restart the app (or run “make demo”)."))


def open_vault(window: MainWindow, address: str) -> None:
    """The model page of the vault at `address`."""
    page: Any = window.page("model")
    page.show_vault(address)
    window.show_page("model")


def _to_offline_page(window: MainWindow, request: Any, prepared: Any, pipeline: Any) -> None:
    page: Any = window.page("offline_signing")
    page.show_request(request, prepared=prepared, pipeline=pipeline)
    window.show_page("offline_signing")


async def connect_network(window: MainWindow, ctx: AppContext, network: Network, *,
                          numerai_url: str | None = None,
                          devnet_info: dict[str, Any] | None = None,
                          with_marketplace: bool = True) -> None:
    """Connect the context to `network` and give the pages that predate it their services
    (tests that do not look at the marketplace skip its refresh)."""
    await ctx.open_network(network, numerai_url=numerai_url, devnet_info=devnet_info)
    client, pipeline = ctx.require_chain()
    window.page("offline_signing").configure(  # type: ignore[attr-defined]
        network=network, client=client, pipeline=pipeline, names=ctx.vault_names)
    if network.factory is None:
        show_vaults_unavailable(window, ctx)
        return
    if not with_marketplace:
        return
    from numerbay_desktop.services.marketplace import MarketplaceService

    market: Any = window.page("marketplace")
    try:
        market.set_services(MarketplaceService(client, ctx.numerai, ctx.cache))
        market.vault_selected.connect(ctx.vault_opened)
    except NumerbayError as error:
        log.warning("marketplace not started: %s", error)
