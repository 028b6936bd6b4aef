"""The active account: the status bar's picker and the Accounts page's "Use for staking" move
`ctx.active_account`; on the devnet with no account yet, one click imports the public demo
accounts, unlocked, with the staker active, and the staker can transact at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent
from tests.gui.context_fixtures import LIGHT_SCRYPT

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def until(condition: Any, timeout_s: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_the_status_bar_picker_and_use_for_staking_move_the_active_account(
    devnet_ctx: Any, main_window: Any
) -> None:
    ctx = devnet_ctx
    picker = main_window.status.account_picker
    page = main_window.page("accounts")
    main_window.show_page("accounts")
    assert picker.isVisible() and picker.current_name() == "Staker"
    names = [picker.combo.itemData(i) for i in range(picker.combo.count())]
    assert sorted(names) == ["Owner", "Staker", "Staker-2", "Watcher"]
    assert "watch-only" in picker.combo.itemText(names.index("Watcher"))
    # The page marks the active account and offers the others.
    assert "Staker" not in page.use_buttons and "Owner" in page.use_buttons

    changes: list[str] = []
    ctx.active_account_changed.connect(changes.append)
    picker.combo.setCurrentIndex(names.index("Owner"))
    picker.combo.activated.emit(names.index("Owner"))  # what a user's pick emits
    assert ctx.active_account.name == "Owner" and changes == ["Owner"]
    assert "Owner" not in page.use_buttons and "Staker" in page.use_buttons

    page.use_buttons["Staker-2"].click()
    assert ctx.active_account.name == "Staker-2"
    assert picker.current_name() == "Staker-2"
    assert changes == ["Owner", "Staker-2"]


@pytest_asyncio.fixture(loop_scope="session")
async def empty_devnet_ctx(devnet: Any, main_window: Any, tmp_path: Path) -> AsyncIterator[Any]:
    """The app's context on the devnet with no account at all (a new user of `make demo`)."""
    from PySide6.QtCore import QCoreApplication

    from numerbay_desktop.chain.networks import devnet_from_world
    from numerbay_desktop.ui.context_wiring import connect_network, make_context
    from numerbay_desktop.wallet.accounts import AccountRegistry

    info = devnet.describe()
    registry = AccountRegistry(tmp_path, scrypt=LIGHT_SCRYPT)
    ctx = make_context(main_window, tmp_path, registry=registry)
    QCoreApplication.instance().aboutToQuit.disconnect(ctx.session.lock_all)
    await connect_network(main_window, ctx, devnet_from_world(info),
                          numerai_url=info["numerai_url"], devnet_info=info,
                          with_marketplace=False)
    ctx.pipeline.poll_interval_s = 0.05
    try:
        yield ctx
    finally:
        await ctx.close()
        ctx.shutdown()


async def test_a_new_devnet_user_imports_the_demo_accounts_and_stakes_at_once(
    empty_devnet_ctx: Any, main_window: Any
) -> None:
    from numerbay_desktop.devnet.scenario import address_of
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = empty_devnet_ctx
    page = main_window.page("accounts")
    main_window.show_page("accounts")
    picker = main_window.status.account_picker
    assert picker.add_button.isVisible() and not picker.combo.isVisible()
    offer = page.demo_offer
    assert offer is not None and page.empty_state is None
    assert "public recovery phrase" in offer.warning.text()

    offer.import_button.click()
    await until(lambda: len(ctx.registry.accounts()) == 5)
    await until(lambda: page.demo_offer is None and "Staker" in page.cards)
    mnemonic = ctx.devnet_info["mnemonic"]
    staker = ctx.require_account()
    assert staker.name == "Staker" and staker.address == address_of(mnemonic, 2)
    assert ctx.registry.get("Owner").address == address_of(mnemonic, 0)
    assert ctx.session.is_unlocked("Staker")
    assert picker.current_name() == "Staker"

    # A working staker: a reviewed approval is signed (no password asked) and mined.
    nmr = ctx.network.nmr
    intent = TxIntent(nmr, ContractAbi.load("MockNMR").at(nmr).calldata(
        "approve", ctx.network.factory, 5 * 10**18), label="Approve NMR")
    asked: list[Any] = []
    outcome = await run_transactions(None, ctx, [intent], what="Approve",
                                     on_review=lambda d: d.confirm_button.click(),
                                     on_unlock=asked.append)
    assert outcome is not None and outcome.receipts and outcome.receipts[0].succeeded
    assert asked == []


async def test_the_demo_offer_is_only_on_the_devnet(main_window: Any, tmp_path: Path) -> None:
    from numerbay_desktop.ui.app_context import AppContext

    page = main_window.page("accounts")
    ctx = AppContext(tmp_path)  # not connected: no devnet, so no public phrase offered
    page.set_context(ctx)
    page.reload()
    assert page.demo_offer is None and page.empty_state is not None


async def test_a_network_without_a_vault_factory_gets_a_plain_sentence(tmp_path: Path) -> None:
    from numerbay_desktop.chain.networks import MAINNET
    from numerbay_desktop.ui.app_context import AppContext

    ctx = AppContext(tmp_path)
    assert ctx.vaults_unavailable() is None  # not connected: pages say that instead
    ctx.network = MAINNET
    sentence = ctx.vaults_unavailable()
    assert sentence is not None and "not yet published the vault factory" in sentence
    assert "Ethereum mainnet" in sentence


async def test_the_vault_pages_say_why_they_are_empty_on_mainnet(
    main_window: Any, tmp_path: Path
) -> None:
    from numerbay_desktop.chain.networks import MAINNET
    from numerbay_desktop.ui.context_wiring import connect_network, make_context

    ctx = make_context(main_window, tmp_path)
    try:  # nothing listens on port 9: connecting builds the services, it sends nothing yet
        await connect_network(main_window, ctx, MAINNET.with_rpc_urls("http://127.0.0.1:9"))
        for key in ("marketplace", "portfolio", "my_vaults"):
            text = main_window.page(key).empty_state.text()
            assert "not yet published the vault factory on Ethereum mainnet" in text, key
        main_window.set_network("mainnet", 1)  # the status poller's chain id comes later
        text = main_window.page("marketplace").empty_state.text()
        assert "not yet published the vault factory on Ethereum mainnet" in text
    finally:
        await ctx.close()
        ctx.shutdown()


async def test_new_accounts_become_known_to_the_review(devnet_ctx: Any) -> None:
    ctx = devnet_ctx
    newcomer = "0x1234567890AbcdEF1234567890aBcdef12345678"
    assert newcomer not in ctx.pipeline.known_addresses
    ctx.registry.add_contact("Friend", newcomer)
    ctx.accounts_changed.emit()
    assert newcomer in ctx.pipeline.known_addresses
