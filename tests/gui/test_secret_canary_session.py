"""The secret canary over a real session: the app's window on the devnet, a canary account
imported with a canary password, unlocked, a real transaction reviewed, signed, sent and
mined through `run_transactions`, an offline request exported, a Numerai API key stored.
Then no secret may appear in the data folder (settings, accounts, journal, cache, logs,
keystores in their encrypted form excepted by construction), the captured log, or the text
any widget of any open window shows (what a screenshot would carry)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

CANARY_KEY = "c0ffee254729296a45a3885639ac7e10f9d54979c0ffee254729296a45a3b0b0"
CANARY_PASSWORD = "canary-pass-7d1e"
CANARY_API_SECRET = "C" * 20 + "ANARY" + "7" * 39
CANARY_PUBLIC_ID = "P" * 32


def _needles() -> list[bytes]:
    key = bytes.fromhex(CANARY_KEY)
    return [CANARY_KEY.encode(), CANARY_KEY.upper().encode(), key, CANARY_KEY[10:42].encode(),
            CANARY_PASSWORD.encode(), CANARY_API_SECRET.encode(), CANARY_API_SECRET[8:40].encode()]


def _widget_texts() -> dict[str, str]:
    """The text every visible widget of every window renders (echo-mode fields show dots)."""
    texts: dict[str, str] = {}
    for top in QApplication.topLevelWidgets():
        for widget in [top, *top.findChildren(QWidget)]:
            parts = [widget.toolTip(), widget.windowTitle(), widget.accessibleName()]
            shown_line = (isinstance(widget, QLineEdit)
                          and widget.echoMode() == QLineEdit.EchoMode.Normal)
            if isinstance(widget, QLabel | QAbstractButton) or shown_line:
                parts.append(widget.text())
            elif isinstance(widget, QTextEdit | QPlainTextEdit):
                parts.append(widget.toPlainText())
            elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
                model = widget.model()
                for row in range(min(model.rowCount(), 500)):
                    for column in range(model.columnCount()):
                        parts.append(str(model.data(model.index(row, column))))
            texts[f"{type(widget).__name__}#{id(widget)}"] = "\n".join(p for p in parts if p)
    return texts


async def test_no_secret_leaves_a_trace_in_a_session(
    devnet_ctx: Any, devnet: Any, main_window: Any, isolated_data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from numerbay_desktop.chain.txflow import TxIntent
    from numerbay_desktop.store.logfiles import install_file_logging, remove_file_logging
    from numerbay_desktop.ui.tx_runner import run_transactions
    from numerbay_desktop.wallet.api_key_types import NumeraiApiKey
    from numerbay_desktop.wallet.api_keys import ApiKeyStore
    from numerbay_desktop.wallet.keystore import ScryptParams
    from numerbay_desktop.wallet.offline import build_request, message_item

    ctx = devnet_ctx
    caplog.set_level(logging.DEBUG)
    install_file_logging(isolated_data_dir, level=logging.DEBUG)
    try:
        record = ctx.registry.import_private_key("Canary", "0x" + CANARY_KEY, CANARY_PASSWORD)
        key = ctx.registry.unlock("Canary", CANARY_PASSWORD)  # as the unlock dialog does
        ctx.session.store("Canary", key)
        await asyncio.to_thread(devnet.rpc.call, "anvil_setBalance",
                                [record.address, hex(10**18)])
        ctx.set_active_account("Canary")
        staker = ctx.registry.get("Staker").address
        outcome = await run_transactions(
            main_window, ctx, [TxIntent(to=staker, value=12345, label="Canary transfer")],
            what="Send 12345 wei", on_review=lambda dialog: dialog.confirm_button.click(),
        )
        assert outcome is not None
        await asyncio.sleep(0.2)
        request = build_request(record.address, [message_item(record.address, "canary")],
                                chain_id=31337)
        (isolated_data_dir / "exports").mkdir(exist_ok=True)
        (isolated_data_dir / "exports" / "request.json").write_text(request.to_json())
        store = ApiKeyStore(isolated_data_dir, prefer_file=True,
                            scrypt=ScryptParams(n=2**4, r=8, p=1))
        store.save("canary", NumeraiApiKey.parse(CANARY_PUBLIC_ID, CANARY_API_SECRET),
                   CANARY_PASSWORD)
        assert store.load("canary", CANARY_PASSWORD).secret.reveal() == (
            CANARY_API_SECRET
        )
        logging.getLogger("numerbay_desktop").info("canary session ends")
        texts = _widget_texts()
    finally:
        remove_file_logging(isolated_data_dir)

    blobs: dict[str, bytes] = {"caplog": caplog.text.encode()}
    blobs.update({name: text.encode() for name, text in texts.items()})
    blobs.update(await asyncio.to_thread(_files, isolated_data_dir))
    assert any(name.endswith(".log") or "log" in name for name in blobs), "no log file"
    assert any(name.startswith("keystores") for name in blobs)
    assert any(name.startswith("secrets") for name in blobs), "the API key file is missing"
    assert len(texts) > 50, "the window's widgets were not read"
    leaks = [f"{name} holds secret #{i}" for name, blob in blobs.items()
             for i, needle in enumerate(_needles()) if needle in blob]
    assert leaks == []
    # Not vacuous: the scan finds the canary where it is meant to be.
    assert any(needle in CANARY_KEY.encode() for needle in _needles())


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
