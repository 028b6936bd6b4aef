"""The offline signing page: a full round trip of an approval plus a deposit (prepared on the
shared anvil, signed on the page's offline side, broadcast and mined), and a request whose
summary lies about its calldata (flagged in red, signing refused).
Screenshots go to tests/artifacts/tour/offline_signing_*.png."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from txflow_support import NMR_ABI, OWNER, OWNER_KEY, VAULT_ABI, WAD, TxWorld, txworld

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.txflow import TxIntent, TxPipeline
from numerbay_desktop.services.tx_signing import abi_registry, export_request
from numerbay_desktop.store.nonce_journal import NonceJournal
from numerbay_desktop.ui.pages.offline_signing import OfflineSigningPage
from numerbay_desktop.ui.qr_widgets import decode_qr_qimage
from numerbay_desktop.ui.theme import apply_theme, current_palette
from numerbay_desktop.ui.unlock import UnlockDialog
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import ScryptParams
from numerbay_desktop.wallet.offline import SignRequest, build_request, parse_request, sign_request

__all__ = ["txworld"]
TOUR = Path(__file__).resolve().parent.parent / "artifacts" / "tour"
CHEAP = ScryptParams(n=2**14, r=8, p=1)
PASSWORD = "correct horse battery"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def photo(widget: QWidget, name: str) -> None:
    await asyncio.sleep(0.05)
    QApplication.processEvents()
    TOUR.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(TOUR / f"offline_signing_anvil_{name}.png"))


def make_page(world: TxWorld, data_dir: Path) -> OfflineSigningPage:
    network = world.network()
    page = OfflineSigningPage()
    page.configure(data_dir=data_dir, network=network, names={world.vault: "Vault model-0"})
    page.resize(1180, 900)
    page.show()
    return page


async def approve_and_deposit(world: TxWorld, pipeline: TxPipeline) -> tuple[object, SignRequest]:
    # the vault's owner deposits (the demo vault is not registered for others yet)
    world.mint(OWNER, 100 * WAD)
    intents = [
        TxIntent(world.nmr, NMR_ABI.at(world.nmr).calldata("approve", world.vault, 10 * WAD),
                 label="approve"),
        TxIntent(world.vault,
                 VAULT_ABI.at(world.vault).calldata("deposit", 10 * WAD, 0, 10_000, 10_000),
                 label="deposit"),
    ]
    prepared = await pipeline.prepare(OWNER, intents)
    network = world.network()
    # names: the vaults (NMR is named by the network itself, with its decimals)
    request = export_request(prepared, abi_registry(network, {world.vault: "Vault model-0"}))
    return prepared, request


async def unlock_when_asked(password: str) -> None:
    for _ in range(100):
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, UnlockDialog) and w.isVisible()]
        if dialogs:
            dialogs[0].password.setText(password)
            dialogs[0].submit()
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the unlock dialog never opened")


async def test_round_trip_of_approval_and_deposit(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path, tmp_path: Path
) -> None:
    apply_theme(qapp, "light")
    AccountRegistry(isolated_data_dir, scrypt=CHEAP).import_private_key(
        "owner", OWNER_KEY, PASSWORD)
    network = txworld.network()
    client = ChainClient(network, timeout_s=3.0, total_timeout_s=6.0)
    journal = NonceJournal.open(isolated_data_dir)
    try:
        pipeline = TxPipeline(client, journal, names=txworld.names(network))
        prepared, request = await approve_and_deposit(txworld, pipeline)
        page = make_page(txworld, isolated_data_dir)

        # Prepare: a file and an animated QR whose frames decode back to the request
        page.show_request(request, prepared=prepared, pipeline=pipeline)
        export = page.request_export
        assert export.qr.frame_count() > 1 and export.qr.timer.isActive()
        frame = decode_qr_qimage(export.qr.canvas.grab().toImage())
        assert frame == [export.qr.current_part().upper()]
        saved = export.save_to(tmp_path / "request.json")
        await photo(page, "prepare")

        # Sign (offline): from the UR text, frames pasted in reverse order
        page.set_mode("sign")
        pasted = "\n".join(reversed(export.qr.parts))
        assert page.sign_import.import_text(pasted), page.sign_import.error.text()
        assert page.offline_request is not None
        assert page.offline_request.digest() == request.digest()
        assert not page.reviews.mismatch_labels
        assert len(page.reviews.cards) == 2
        assert "Signer: owner" in page.account_line.text()
        assert page.sign_button.isEnabled()
        # the file path works as well and gives the same request
        assert page.sign_import.import_file(saved)
        await photo(page, "sign_review")
        asyncio.get_running_loop().call_soon(
            lambda: asyncio.ensure_future(unlock_when_asked(PASSWORD)))
        response = await page.unlock_and_sign()
        assert response is not None and len(response.items) == 2
        assert page.signature_export.isVisible()
        await photo(page, "signed")

        # Broadcast (online): verify, send through the pipeline, track until mined
        page.set_mode("broadcast")
        assert not page.response_import.import_text('{"format": "numerbay/sign-response"}')
        assert page.response_import.error.isVisible()
        assert page.response_import.import_text("\n".join(page.signature_export.qr.parts))
        assert page.broadcast_button.isEnabled()
        before = txworld.nmr_balance(OWNER)
        hashes = await page.broadcast()
        assert len(hashes) == 2
        for tx_hash in hashes:
            assert int(txworld.wait_mined(tx_hash)["status"], 16) == 1
        assert "on chain" in page.broadcast_status.text()
        assert txworld.nmr_balance(OWNER) == before - 10 * WAD  # the deposit moved 10 NMR
        await photo(page, "broadcast")
        page.deleteLater()
    finally:
        await client.close()
        journal.close()


async def test_lying_summary_is_flagged_in_red_and_signing_refused(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "light")
    AccountRegistry(isolated_data_dir, scrypt=CHEAP).import_private_key(
        "owner", OWNER_KEY, PASSWORD)
    network = txworld.network()
    client = ChainClient(network, timeout_s=3.0, total_timeout_s=6.0)
    journal = NonceJournal.open(isolated_data_dir)
    try:
        pipeline = TxPipeline(client, journal, names=txworld.names(network))
        _prepared, request = await approve_and_deposit(txworld, pipeline)
    finally:
        await client.close()
        journal.close()
    page = make_page(txworld, isolated_data_dir)
    page.set_mode("sign")
    assert page.sign_import.import_text(request.to_json())
    honest = page.offline_request

    # a naive edit breaks the envelope: refused verbatim, the loaded request stays
    document = json.loads(request.to_json())
    document["items"][0]["summary"] = "Approve 1 NMR"
    assert not page.sign_import.import_text(json.dumps(document))
    assert "changed after it was made" in page.sign_import.error.text()
    assert page.offline_request is honest

    # a careful liar re-seals it: the offline decoding catches the lie
    liar = dataclasses.replace(request.items[0], summary="Call approve(amount=1 NMR) on NMR")
    forged = dataclasses.replace(request, items=(liar, *request.items[1:]))
    assert parse_request(forged.to_json()).digest() == forged.digest()
    assert page.sign_import.import_text(forged.to_json())
    danger = current_palette().danger
    assert len(page.reviews.mismatch_labels) == 1
    assert danger in page.reviews.mismatch_labels[0].styleSheet()
    assert "1 NMR" in page.reviews.mismatch_labels[0].text()
    assert page.reviews.cards[0].property("matches") is False
    assert page.reviews.cards[1].property("matches") is True
    assert not page.sign_button.isEnabled()
    assert page.sign_status.property("tone") == "danger"
    assert "Signing refused" in page.sign_status.text()
    # even asked directly, the page refuses to sign it, with the wallet's reason
    assert page.sign_with_key(OWNER_KEY) is None
    assert "does not match its data" in page.sign_status.text()
    assert not page.signature_export.isVisible()
    await photo(page, "tampered")
    page.deleteLater()


async def test_broadcast_through_the_node_for_a_request_loaded_from_a_file(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path, tmp_path: Path
) -> None:
    """No prepared batch in this session (the request came from a file): the page sends the
    verified raw transactions to the node itself and follows their receipts."""
    network = txworld.network()
    client = ChainClient(network, timeout_s=3.0, total_timeout_s=6.0)
    journal = NonceJournal.open(isolated_data_dir)
    try:
        pipeline = TxPipeline(client, journal, names=txworld.names(network))
        _prepared, request = await approve_and_deposit(txworld, pipeline)
        page = make_page(txworld, isolated_data_dir)
        page.configure(client=client)
        path = tmp_path / "request.json"
        path.write_text(request.to_json(), encoding="utf-8")
        assert page.request_import.import_file(path), page.request_import.error.text()
        assert page.request is not None and page.prepared is None
        response = sign_request(request, OWNER_KEY, page.registry_for(request.chain_id))
        assert page.response_import.import_text(response.to_json())
        assert page.broadcast_button.isEnabled()
        hashes = await page.broadcast()
        assert len(hashes) == 2
        for tx_hash in hashes:
            assert int(txworld.wait_mined(tx_hash)["status"], 16) == 1
        assert "on chain" in page.broadcast_status.text()
        assert "included in block" in page.tracking.text()
        page.deleteLater()
    finally:
        await client.close()
        journal.close()


async def test_qr_images_paste_and_refusals_keep_what_was_loaded(
    qapp: QApplication, isolated_data_dir: Path, tmp_path: Path
) -> None:
    from tests.gui.offline_demo import configure, demo_request

    apply_theme(qapp, "light")
    page = OfflineSigningPage()
    page.resize(1180, 900)
    page.show()
    configure(page, isolated_data_dir)
    request = demo_request(page)
    page.show_request(request)
    qr = page.request_export.qr
    images = []
    for index in range(qr.frame_count()):  # photograph every frame of the animated QR
        qr.next_frame()
        path = tmp_path / f"frame-{index}.png"
        assert qr.canvas.grab().save(str(path))
        images.append(path)

    page.set_mode("sign")
    box = page.sign_import
    assert not box.import_images(images[:1])  # one frame of several is not enough
    assert "of the QR code has been received" in box.error.text()
    assert page.offline_request is None
    assert box.import_images(list(reversed(images))), box.error.text()
    loaded = page.offline_request
    assert loaded is not None and loaded.digest() == request.digest()

    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello", encoding="utf-8")
    assert not box.import_images([not_an_image])
    assert "not an image" in box.error.text()
    box.paste.setPlainText("hello")
    box.import_pasted.click()
    assert "neither a NumerBay file" in box.error.text()
    assert box.paste.toPlainText() == "hello"  # what the user pasted stays
    expired = build_request(request.account, list(request.items), chain_id=request.chain_id,
                            now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(hours=1))
    assert not box.import_text(expired.to_json())
    assert "expired" in box.error.text()
    assert page.offline_request is loaded  # every refusal leaves the loaded request alone

    # a signature cannot be checked (so is not accepted) without its request
    fresh = OfflineSigningPage()
    assert not fresh.response_import.import_text('{"format": "numerbay/sign-response"}')
    assert "First load the request" in fresh.response_import.error.text()
    fresh.deleteLater()
    page.deleteLater()


async def test_animated_qr_survives_a_long_display(qapp: QApplication) -> None:
    """PySide6 6.12 leaks a None reference per void Qt call; an animated QR makes several a
    frame. Without `pin_none` this many frames abort CPython 3.11 (none_dealloc)."""
    from numerbay_desktop.ui.qr_widgets import AnimatedQr

    qr = AnimatedQr()
    qr.set_parts(["ur:bytes/1-2/abc", "ur:bytes/2-2/def"])
    for _ in range(60_000):  # ~3 hours at 300 ms a frame
        qr.next_frame()
    assert qr.caption.text().startswith("Animated QR: frame")
    qr.deleteLater()


def test_true_and_false_are_pinned_with_none() -> None:
    """pyqtgraph under PySide6 6.12 drops references to True on every redraw, as Qt's void
    calls do to None: `pin_none` (run by the app and this conftest) pins all three."""
    import sys

    if sys.version_info >= (3, 12):
        return  # immortal there
    for value in (None, True, False):
        assert sys.getrefcount(value) > 1 << 39
