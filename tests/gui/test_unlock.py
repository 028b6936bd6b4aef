"""Unlocking: the password dialog over a real keystore (scrypt in a worker thread), and the
session's keys wiped after the idle timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from numerbay_desktop.ui.theme import apply_theme
from numerbay_desktop.ui.unlock import AccountLocked, SessionKeys, UnlockDialog, unlock_account
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import ScryptParams, address_of_key

pytestmark = pytest.mark.asyncio(loop_scope="session")
KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
PASSWORD = "correct horse battery staple"
TOUR = Path(__file__).resolve().parent.parent / "artifacts" / "tour"
_TASKS: set[asyncio.Task[None]] = set()


def spawn(coroutine: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coroutine)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


async def until(condition: Any, timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def registry(data_dir: Path) -> AccountRegistry:
    # cheaper scrypt than the default: the same code path, a test-sized cost
    accounts = AccountRegistry(data_dir, scrypt=ScryptParams(n=2**14, r=8, p=1))
    accounts.import_private_key("alice", KEY, PASSWORD)
    return accounts


async def test_wrong_then_right_password(qapp: QApplication, isolated_data_dir: Path) -> None:
    apply_theme(qapp, "light")
    accounts = registry(isolated_data_dir)
    record = accounts.get("alice")
    keys = SessionKeys(idle_timeout_s=300)
    seen: dict[str, Any] = {}

    async def drive(dialog: UnlockDialog) -> None:
        dialog.show()
        assert dialog.title.text() == "Unlock alice"
        assert dialog.address.text() == record.address
        assert dialog.password.echoMode() is QLineEdit.EchoMode.Password
        dialog.password.setText("not the password")
        dialog.submit()
        seen["disabled_while_busy"] = not dialog.password.isEnabled()
        TOUR.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(TOUR / "accounts_unlock_busy.png"))
        seen["field_cleared"] = dialog.password.text() == ""
        await until(dialog.error.isVisible)
        seen["error"] = dialog.error.text()
        seen["unlocked_after_wrong"] = keys.is_unlocked("alice")
        dialog.grab().save(str(TOUR / "accounts_unlock_wrong_password.png"))
        dialog.password.setText(PASSWORD)
        dialog.submit()

    unlocked = await unlock_account(None, accounts, record, keys,
                                    on_dialog=lambda d: spawn(drive(d)))
    assert seen == {"disabled_while_busy": True, "field_cleared": True,
                    "error": "Wrong password.", "unlocked_after_wrong": False}
    assert unlocked and keys.is_unlocked("alice")
    key = keys.key("alice")
    assert isinstance(key, bytearray) and bytes(key) == KEY
    assert address_of_key(key) == record.address
    # already unlocked: no dialog again
    assert await unlock_account(None, accounts, record, keys,
                                on_dialog=lambda d: pytest.fail("asked again"))
    keys.lock_all()
    assert bytes(key) == bytes(32)


async def test_cancel_leaves_it_locked(qapp: QApplication, isolated_data_dir: Path) -> None:
    accounts = registry(isolated_data_dir)
    keys = SessionKeys()
    unlocked = await unlock_account(None, accounts, accounts.get("alice"), keys,
                                    on_dialog=lambda d: d.reject())
    assert not unlocked and keys.unlocked() == []
    with pytest.raises(AccountLocked):
        keys.key("alice")


async def test_idle_timeout_wipes_the_key(qapp: QApplication) -> None:
    keys = SessionKeys(idle_timeout_s=0.4)
    wiped: list[str] = []
    keys.locked.connect(wiped.append)
    key = bytearray(KEY)
    keys.store("alice", key)

    await asyncio.sleep(0.2)
    before = keys.remaining_ms("alice")
    assert keys.key("alice") is key  # a use restarts the idle timer
    assert keys.remaining_ms("alice") > before
    assert bytes(key) == KEY

    await until(lambda: not keys.is_unlocked("alice"), timeout_s=5.0)
    assert bytes(key) == bytes(len(KEY))  # zeroed in place
    assert wiped == ["alice"]
    with pytest.raises(AccountLocked):
        keys.key("alice")


async def test_storing_again_wipes_the_old_key(qapp: QApplication) -> None:
    keys = SessionKeys()
    first, second = bytearray(KEY), bytearray(KEY)
    keys.store("alice", first)
    keys.store("alice", second)
    assert bytes(first) == bytes(32) and keys.key("alice") is second
    keys.lock("alice")
    assert bytes(second) == bytes(32) and not keys.is_unlocked("alice")


async def test_the_dialog_in_the_dark_theme(qapp: QApplication, isolated_data_dir: Path) -> None:
    apply_theme(qapp, "dark")
    try:
        accounts = registry(isolated_data_dir)
        keys = SessionKeys(idle_timeout_s=90)
        dialog = UnlockDialog(accounts, accounts.get("alice"), keys)
        dialog.show()
        await asyncio.sleep(0.05)
        assert "1 minute" in dialog.findChildren(type(dialog.title))[2].text()
        TOUR.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(TOUR / "accounts_unlock_dark.png"))
        dialog.reject()
        dialog.deleteLater()
    finally:
        apply_theme(qapp, "light")


async def test_closing_while_unlocking_delivers_no_key(
    qapp: QApplication, isolated_data_dir: Path
) -> None:
    accounts = registry(isolated_data_dir)
    keys = SessionKeys()
    dialog = UnlockDialog(accounts, accounts.get("alice"), keys)
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.submit()
    assert dialog.operation is not None and dialog.operation.task is not None
    task = dialog.operation.task
    dialog.reject()  # the worker thread still runs scrypt; its key must go nowhere
    await until(task.done)
    await asyncio.sleep(0.3)  # long enough for the thread to finish the test-sized scrypt
    assert task.cancelled() and keys.unlocked() == []
    dialog.deleteLater()
