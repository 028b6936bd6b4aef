"""The Accounts page over a real registry (cheap scrypt): create with the backup check, import a
recovery phrase, watch-only with EIP-55, delete to the trash, and the address book."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton

from numerbay_desktop.store.logfiles import install_file_logging, remove_file_logging
from numerbay_desktop.ui.account_create import CreateAccountDialog
from numerbay_desktop.ui.account_import import ImportAccountDialog
from numerbay_desktop.ui.accounts_dialogs import ContactDialog, WatchDialog
from numerbay_desktop.ui.pages.accounts import AccountsPage
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.hd import discover_addresses
from numerbay_desktop.wallet.keystore import ScryptParams

pytestmark = pytest.mark.asyncio(loop_scope="session")
CHEAP = ScryptParams(n=2**10, r=8, p=1)
HARDHAT = "test test test test test test test test test test test junk"
FIRST = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SECOND = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PASSWORD = "correct horse 42"
SECOND_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


async def until(condition: Any, timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def accounts_page(window: Any, data_dir: Path) -> tuple[AccountsPage, AccountRegistry]:
    registry = AccountRegistry(data_dir, scrypt=CHEAP)
    page = window.page("accounts")
    assert isinstance(page, AccountsPage)
    page.set_registry(registry)
    window.show_page("accounts")
    return page, registry


async def test_create_refuses_a_wrong_backup_word_then_saves(
    main_window: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log_file = install_file_logging(tmp_path)
    caplog.set_level(logging.DEBUG)
    try:
        page, registry = accounts_page(main_window, tmp_path)
        dialog = page.open_create()
        assert isinstance(dialog, CreateAccountDialog)
        # Bad details are refused inline and nothing typed is lost.
        dialog.name_field.setText("bad name!")
        dialog.password_field.setText(PASSWORD)
        dialog.again_field.setText(PASSWORD + "x")
        dialog.next()
        assert dialog.steps.currentIndex() == 0
        assert "letters, digits" in dialog.name_error.text()
        assert "differ" in dialog.password_error.text()
        assert dialog.password_field.text() == PASSWORD
        dialog.name_field.setText("main")
        dialog.again_field.setText(PASSWORD)
        dialog.next()
        assert dialog.steps.currentIndex() == 1
        words = dialog.words()
        assert len(words) == 12
        assert not dialog.next_button.isEnabled()  # until the words are written down
        dialog.written_box.setChecked(True)
        dialog.next()
        assert dialog.steps.currentIndex() == 2 and len(dialog.positions) == 3
        # One wrong word: refused, nothing saved.
        for position, field in zip(dialog.positions, dialog.check_fields, strict=True):
            field.setText(words[position - 1])
        first = dialog.positions[0]
        wrong = next(w for w in ("abandon", "zoo") if w != words[first - 1])
        dialog.check_fields[0].setText(wrong)
        dialog.next()
        await asyncio.sleep(0.05)
        assert dialog.check_errors[0].isVisible()
        assert f"word #{first}" in dialog.check_errors[0].text()
        assert not dialog.check_errors[1].isVisible()
        assert registry.accounts() == [] and not registry.keystores.exists("main")
        # The right words: the account is saved.
        dialog.check_fields[0].setText(words[first - 1].upper())
        dialog.next()
        await until(lambda: dialog.result() == 1)
        record = registry.get("main")
        assert registry.keystores.path_for("main").exists()
        phrase = " ".join(words)
        assert record.address == discover_addresses(phrase, 1)[0].address
        assert record.hd_path == "m/44'/60'/0'/0/0"
        assert "main" in page.cards
        # The phrase reached neither the log file nor any log record.
        logged = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
        assert phrase not in logged and phrase not in caplog.text
        assert all(phrase not in r.getMessage() for r in caplog.records)
        assert dialog.words() == []  # forgotten once the dialog closed
    finally:
        remove_file_logging(tmp_path)


async def test_import_recovery_phrase_shows_its_first_five_addresses(
    main_window: Any, tmp_path: Path
) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    dialog = page.open_import()
    assert isinstance(dialog, ImportAccountDialog)
    dialog.phrase_field.setPlainText(HARDHAT.replace("junk", "zoo"))
    dialog.show_addresses()
    assert "checksum" in dialog.phrase_error.text() and dialog.discovered == []
    dialog.phrase_field.setPlainText(HARDHAT)
    dialog.show_addresses()
    await until(lambda: len(dialog.discovered) == 5)
    expected = [d.address for d in discover_addresses(HARDHAT, 5)]
    assert dialog.shown_addresses() == expected
    assert [dialog.address_list.item(i).text().split()[-1] for i in range(5)] == expected
    dialog.address_list.setCurrentRow(1)
    dialog.name_field.setText("second")
    dialog.password_field.setText(PASSWORD)
    dialog.again_field.setText(PASSWORD)
    dialog.submit()
    await until(lambda: dialog.result() == 1)
    record = registry.get("second")
    assert record.address == SECOND and record.hd_path == "m/44'/60'/0'/0/1"
    assert "second" in page.cards


async def test_import_private_key_refuses_bad_hex(main_window: Any, tmp_path: Path) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    dialog = page.open_import()
    assert isinstance(dialog, ImportAccountDialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.name_field.setText("key")
    dialog.password_field.setText(PASSWORD)
    dialog.again_field.setText(PASSWORD)
    dialog.key_field.setText("0x1234")
    dialog.submit()
    assert "64 hexadecimal" in dialog.key_error.text() and registry.accounts() == []
    dialog.key_field.setText("0x" + SECOND_KEY)
    dialog.submit()
    await until(lambda: dialog.result() == 1)
    assert registry.get("key").address == SECOND


async def test_watch_only_refuses_a_bad_checksum(main_window: Any, tmp_path: Path) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    dialog = page.open_watch()
    assert isinstance(dialog, WatchDialog)
    dialog.name_field.setText("cold")
    dialog.address_field.setText(FIRST.replace("f39F", "F39F"))  # one letter's case flipped
    dialog.submit()
    assert "checksum" in dialog.address_error.text()
    assert registry.accounts() == [] and dialog.address_field.text().startswith("0xF39F")
    dialog.address_field.setText(FIRST)
    dialog.label_field.setText("Ledger")
    dialog.submit()
    await until(lambda: dialog.result() == 1)
    record = registry.get("cold")
    assert record.kind == "watch" and record.label == "Ledger"
    card_text = " ".join(label.text() for label in page.cards["cold"].findChildren(type(
        dialog.error)))
    assert "watch-only" in card_text and FIRST in card_text
    copy = next(b for b in page.cards["cold"].findChildren(QPushButton) if b.text() == "Copy")
    copy.click()
    assert QGuiApplication.clipboard().text() == FIRST and copy.text() == "Copied"


async def test_delete_moves_the_keystore_to_the_trash(main_window: Any, tmp_path: Path) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    registry.import_mnemonic("old", HARDHAT, PASSWORD)
    page.reload()
    box = page.delete("old")
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    cancel.click()
    await asyncio.sleep(0.05)
    assert registry.get("old").kind == "hot"
    box = page.delete("old")
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    delete.click()
    await until(lambda: all(r.name != "old" for r in registry.accounts()))
    trashed = registry.keystores.trashed()
    assert len(trashed) == 1 and trashed[0].name.startswith("old.")
    assert not registry.keystores.path_for("old").exists()
    await until(lambda: "old" not in page.cards)


async def test_contact_lookalike_needs_a_second_press(main_window: Any, tmp_path: Path) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    registry.add_contact("Alice", FIRST)
    page.reload()
    dialog = page.open_add_contact()
    assert isinstance(dialog, ContactDialog)
    imitation = FIRST[:6].lower() + "0" * 32 + FIRST[-4:].lower()
    dialog.name_field.setText("Alice2")
    dialog.address_field.setText(imitation)
    assert dialog.lookalike.isVisible() and "looks like" in dialog.lookalike.text()
    dialog.submit()
    await asyncio.sleep(0.05)
    assert [c.name for c in registry.contacts()] == ["Alice"]
    dialog.submit()
    await until(lambda: dialog.result() == 1)
    assert [c.name for c in registry.contacts()] == ["Alice", "Alice2"]
    assert "Alice2" in page.contact_rows


async def test_rename_change_password_export_and_unlock(main_window: Any, tmp_path: Path) -> None:
    from numerbay_desktop.ui.accounts_dialogs import ChangePasswordDialog, LabelDialog
    from numerbay_desktop.ui.unlock import UnlockDialog

    page, registry = accounts_page(main_window, tmp_path)
    registry.import_mnemonic("main", HARDHAT, PASSWORD)
    page.reload()
    rename = page.rename("main")
    assert isinstance(rename, LabelDialog)
    rename.label_field.setText("x" * 101)
    rename.submit()
    assert "at most 100" in rename.label_error.text()
    rename.label_field.setText("Staking")
    rename.submit()
    await until(lambda: registry.get("main").label == "Staking")

    change = page.change_password("main")
    assert isinstance(change, ChangePasswordDialog)
    change.old_field.setText("wrong password")
    change.new_field.setText("new password 9")
    change.again_field.setText("new password 9")
    change.submit()
    await until(lambda: change.error.isVisible())
    assert "password" in change.error.text().lower()
    assert change.new_field.text() == "new password 9"  # nothing typed is lost
    change.old_field.setText(PASSWORD)
    change.submit()
    await until(lambda: change.result() == 1)
    assert registry.unlock("main", "new password 9").hex().startswith("ac0974be")

    target = tmp_path / "export" / "main.json"
    target.parent.mkdir()
    page.export("main", target)
    await until(lambda: page.confirm_box is not None)
    assert target.exists() and registry.keystores.address("main") == FIRST
    assert "ac0974be" not in target.read_text()  # encrypted, never the plain key
    assert str(target) in page.confirm_box.text()
    page.confirm_box.done(0)

    page.toggle_lock("main")
    await until(lambda: bool(page.findChildren(UnlockDialog)))
    unlock = page.findChildren(UnlockDialog)[0]
    unlock.password.setText("new password 9")
    unlock.submit()
    await until(lambda: page.session.is_unlocked("main"))
    await until(lambda: "unlocked" in " ".join(
        label.text() for label in page.cards["main"].findChildren(type(unlock.error))))
    page.toggle_lock("main")
    assert not page.session.is_unlocked("main")


async def test_import_keystore_file_with_its_password(main_window: Any, tmp_path: Path) -> None:
    page, registry = accounts_page(main_window, tmp_path)
    registry.import_private_key("source", SECOND_KEY, PASSWORD)
    exported = registry.export("source", tmp_path / "out" / "source.json")
    dialog = page.open_import()
    assert isinstance(dialog, ImportAccountDialog)
    dialog.tabs.setCurrentIndex(2)
    assert dialog.new_password.isHidden()  # the keystore keeps its own password
    dialog.name_field.setText("from-file")
    dialog.file_field.setText(str(tmp_path / "missing.json"))
    dialog.submit()
    assert "existing keystore" in dialog.file_error.text()
    dialog.file_field.setText(str(exported))
    dialog.keystore_password.setText("not the password")
    dialog.submit()
    await until(lambda: dialog.error.isVisible())
    assert "password" in dialog.error.text().lower()
    assert dialog.file_field.text() == str(exported)
    dialog.keystore_password.setText(PASSWORD)
    dialog.submit()
    await until(lambda: dialog.result() == 1)
    assert registry.get("from-file").address == SECOND
    assert registry.unlock("from-file", PASSWORD).hex() == SECOND_KEY
