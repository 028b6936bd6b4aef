"""The Numerai API key dialog against the devnet's local Numerai: a real key is checked and
stored in the (in-memory) system keyring with its scopes shown; a wrong key is refused with
a clear message and not stored; without a secure keyring the key goes to a password-encrypted
file and the dialog says so; removing works; the Settings card follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from numerbay_desktop.wallet.api_keys import ApiKeyStore, Backend
from numerbay_desktop.wallet.keystore import ScryptParams
from tests.unit.keyring_memory import memory_keyring_fixture  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")
CHEAP = ScryptParams(n=2**4, r=8, p=1, dklen=32)


def owner_key(ctx: Any) -> dict[str, Any]:
    return next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)


async def test_a_real_key_is_checked_stored_in_the_keyring_and_removed(
    devnet_ctx: Any, memory_keyring: Any, main_window: Any
) -> None:
    from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog

    ctx, entry = devnet_ctx, owner_key(devnet_ctx)
    store = ApiKeyStore(ctx.data_dir)
    dialog = ApiKeyDialog(store, ctx.numerai_url)
    assert "system keyring" in dialog.where_label.text()
    assert dialog.password_field.isHidden()
    assert "No key is saved" in dialog.current_label.text()
    dialog.public_field.setText(entry["public_id"])
    dialog.secret_field.setText(entry["secret"])
    assert await dialog.check_and_save() is True, dialog.message.text()

    assert store.info("default").backend is Backend.KEYRING
    assert store.load("default").public_id == entry["public_id"]
    assert any(entry["secret"] in v for v in memory_keyring.entries.values())
    assert entry["secret"] not in dialog.message.text() and dialog.secret_field.text() == ""
    assert "system keyring" in dialog.message.text()
    report = dialog.report
    assert report is not None and report.can_stake_rounds
    assert set(entry["scopes"]) <= set(report.scopes or ())
    assert "web3_staking" in dialog.scopes_box.findChildren(type(dialog.message))[0].text()
    assert entry["public_id"] in dialog.current_label.text()

    # The Settings card (wired to the same data folder) shows the saved key.
    card = main_window.page("settings").numerai_key_card
    card.refresh()
    assert entry["public_id"] in card.status.text() and "keyring" in card.status.text()

    assert dialog.remove_key() is True
    assert not store.exists("default") and not memory_keyring.entries
    assert "removed" in dialog.message.text()
    card.refresh()
    assert "No key saved" in card.status.text()
    dialog.deleteLater()


async def test_a_wrong_or_malformed_key_is_refused_and_not_stored(
    devnet_ctx: Any, memory_keyring: Any
) -> None:
    from numerbay_desktop.ui.api_key_dialog import REFUSED, ApiKeyDialog

    ctx, entry = devnet_ctx, owner_key(devnet_ctx)
    store = ApiKeyStore(ctx.data_dir)
    dialog = ApiKeyDialog(store, ctx.numerai_url)
    dialog.public_field.setText(entry["public_id"])
    dialog.secret_field.setText("Z" * 64)
    assert await dialog.check_and_save() is False
    assert dialog.message.text() == REFUSED
    assert not store.exists("default") and not memory_keyring.entries

    dialog.secret_field.setText("too short")
    assert await dialog.check_and_save() is False
    assert "64 capital letters and digits" in dialog.message.text()
    assert not store.exists("default")
    dialog.deleteLater()


async def test_without_a_keyring_the_key_goes_to_an_encrypted_file(
    devnet_ctx: Any, isolated_data_dir: Path
) -> None:
    from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog

    ctx, entry = devnet_ctx, owner_key(devnet_ctx)
    store = ApiKeyStore(isolated_data_dir, prefer_file=True, scrypt=CHEAP)
    dialog = ApiKeyDialog(store, ctx.numerai_url)
    assert "no secure system keyring" in dialog.where_label.text()
    assert not dialog.password_field.isHidden()
    dialog.secret_field.setText(f"{entry['public_id']}${entry['secret']}")
    dialog.password_field.setText("file password 1")
    dialog.confirm_field.setText("file password 2")
    assert await dialog.check_and_save() is False
    assert "passwords differ" in dialog.message.text()
    dialog.confirm_field.setText("file password 1")
    assert await dialog.check_and_save() is True, dialog.message.text()
    info = store.info("default")
    assert info.backend is Backend.ENCRYPTED_FILE and info.path.exists()
    assert entry["secret"] not in info.path.read_text(encoding="utf-8")
    assert store.load("default", "file password 1").public_id == entry["public_id"]
    assert "encrypted file" in dialog.message.text()
    dialog.deleteLater()
