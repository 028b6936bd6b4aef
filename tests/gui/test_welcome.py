"""First run: the welcome saves the chosen network (and its RPC URL) and opens the account
dialog the user asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from numerbay_desktop.store.settings import load_settings
from numerbay_desktop.ui.account_create import CreateAccountDialog
from numerbay_desktop.ui.accounts_dialogs import WatchDialog
from numerbay_desktop.ui.pages.accounts import AccountsPage
from numerbay_desktop.ui.welcome import WelcomeDialog, run_welcome, show_welcome


def test_mainnet_needs_a_valid_rpc_url_and_is_saved(qapp: QApplication, tmp_path: Path) -> None:
    dialog = WelcomeDialog(tmp_path)
    dialog.show()
    assert dialog.network() == "devnet"
    assert not dialog.url_holders["mainnet"].isVisible()
    dialog.radios["mainnet"].setChecked(True)
    assert dialog.url_holders["mainnet"].isVisible()
    seen: list[tuple[str, str]] = []
    dialog.chosen.connect(lambda network, action: seen.append((network, action)))
    assert not dialog.choose("import")
    assert "RPC URL" in dialog.url_errors["mainnet"].text()
    dialog.url_fields["mainnet"].setText("eth.example.org")
    assert not dialog.choose("import")
    assert "cannot be used" in dialog.url_errors["mainnet"].text()
    assert dialog.url_fields["mainnet"].text() == "eth.example.org"  # nothing lost
    assert not load_settings(tmp_path).first_run_done
    dialog.url_fields["mainnet"].setText("http://127.0.0.1:8545")
    assert dialog.choose("import")
    settings = load_settings(tmp_path)
    assert settings.network == "mainnet" and settings.first_run_done
    assert settings.rpc_urls_for("mainnet") == ["http://127.0.0.1:8545"]
    assert seen == [("mainnet", "import")] and dialog.result() == 1
    dialog.deleteLater()


def test_devnet_choice_opens_the_create_dialog(main_window: Any, tmp_path: Path) -> None:
    page = main_window.page("accounts")
    assert isinstance(page, AccountsPage)
    dialog = show_welcome(main_window, tmp_path)
    assert dialog.isVisible()
    dialog.create_button.click()
    settings = load_settings(tmp_path)
    assert settings.network == "devnet" and settings.first_run_done
    assert main_window.current_page_key() == "accounts"
    assert isinstance(page.dialog, CreateAccountDialog) and page.dialog.isVisible()
    page.dialog.reject()


def test_sepolia_then_watch(main_window: Any, tmp_path: Path) -> None:
    page = main_window.page("accounts")
    dialog = show_welcome(main_window, tmp_path)
    dialog.radios["sepolia"].setChecked(True)
    dialog.url_fields["sepolia"].setText("wss://sepolia.example.org/ws")
    dialog.watch_button.click()
    settings = load_settings(tmp_path)
    assert settings.network == "sepolia"
    assert settings.rpc_urls_for("sepolia") == ["wss://sepolia.example.org/ws"]
    assert isinstance(page.dialog, WatchDialog)
    page.dialog.reject()


def test_skip_still_remembers_the_choice(qapp: QApplication, tmp_path: Path) -> None:
    dialog = WelcomeDialog(tmp_path)
    dialog.show()
    dialog.later_button.click()
    settings = load_settings(tmp_path)
    assert settings.first_run_done and settings.network == "devnet"
    dialog.deleteLater()


@pytest.mark.asyncio(loop_scope="session")
async def test_run_welcome_waits_for_the_choice(main_window: Any, tmp_path: Path) -> None:
    task = asyncio.ensure_future(run_welcome(main_window, tmp_path))
    for _ in range(200):
        dialogs = [d for d in main_window.findChildren(WelcomeDialog) if d.isVisible()]
        if dialogs:
            break
        await asyncio.sleep(0.01)
    assert dialogs and not task.done()
    dialogs[0].radios["sepolia"].setChecked(True)
    dialogs[0].url_fields["sepolia"].setText("http://127.0.0.1:8545")
    dialogs[0].later_button.click()
    assert await asyncio.wait_for(task, 5) == "sepolia"
    assert load_settings(tmp_path).first_run_done


@pytest.mark.asyncio(loop_scope="session")
async def test_run_welcome_closed_remembers_nothing(main_window: Any, tmp_path: Path) -> None:
    task = asyncio.ensure_future(run_welcome(main_window, tmp_path))
    await asyncio.sleep(0.05)
    dialog = next(d for d in main_window.findChildren(WelcomeDialog) if d.isVisible())
    dialog.reject()
    assert await asyncio.wait_for(task, 5) is None
    assert not load_settings(tmp_path).first_run_done


def test_devnet_offers_the_demo_accounts(main_window: Any, tmp_path: Path) -> None:
    dialog = show_welcome(main_window, tmp_path)
    assert dialog.demo_button.isVisible()
    assert dialog.demo_button.objectName() == "PrimaryButton"
    dialog.radios["mainnet"].setChecked(True)  # real money: no public phrase offered
    assert not dialog.demo_button.isVisible()
    assert dialog.create_button.objectName() == "PrimaryButton"
    dialog.radios["devnet"].setChecked(True)
    dialog.demo_button.click()
    assert load_settings(tmp_path).network == "devnet"
    assert main_window.current_page_key() == "accounts"
    assert main_window.page("accounts").dialog is None or not main_window.page(
        "accounts").dialog.isVisible()
