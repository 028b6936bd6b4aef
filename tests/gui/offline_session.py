"""A full offline session, run in its own process by test_offline_mode.py (the guard's audit
hook cannot be removed, so it must not live in the pytest process).

    python tests/gui/offline_session.py DATA_DIR

1. `numerbay-desktop --offline --smoke` starts completely (the guard is installed by app.py).
2. On that window's Offline signing page: an approval plus a deposit request is imported as
   UR text (frames in reverse order), decoded by the page, signed with a keystore account
   (scrypt unlock), exported as a file and an animated QR, and the signature is verified
   against the request on the Broadcast side (no network: the Broadcast button stays off).
3. One JSON line on stdout: what happened, and every refused network attempt.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
NMR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
PASSWORD = "offline only"


def main(data_dir: Path) -> dict[str, object]:
    from numerbay_desktop import app, offline_guard

    smoke_exit = app.main(["--offline", "--smoke", "--data-dir", str(data_dir)])
    during_startup = offline_guard.attempts()

    from PySide6.QtWidgets import QApplication

    from numerbay_desktop.chain.networks import DEVNET
    from numerbay_desktop.ui.main_window import MainWindow
    from numerbay_desktop.ui.pages.offline_signing import OfflineSigningPage
    from numerbay_desktop.wallet.accounts import AccountRegistry
    from numerbay_desktop.wallet.keystore import ScryptParams, address_of_key
    from numerbay_desktop.wallet.offline import build_request, transaction_item
    from numerbay_desktop.wallet.offline_qr import request_to_ur
    from numerbay_desktop.wallet.signer import TxFields

    [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    status = window.status.offline_label
    page = window.page("offline_signing")
    assert isinstance(page, OfflineSigningPage)
    network = DEVNET.with_addresses(nmr=NMR)
    page.configure(data_dir=data_dir, network=network, names={VAULT: "Vault model-0"})

    accounts = AccountRegistry(data_dir, scrypt=ScryptParams(n=2**12, r=8, p=1))
    owner = address_of_key(KEY)
    accounts.import_private_key("cold", KEY, PASSWORD)

    registry = page.registry_for(network.chain_id)
    approve = bytes.fromhex("095ea7b3") + bytes(12) + bytes.fromhex(VAULT[2:]) + (
        10 * 10**18).to_bytes(32, "big")
    deposit = bytes.fromhex("2505c3d9") + b"".join(
        n.to_bytes(32, "big") for n in (10 * 10**18, 0, 10_000, 10_000))
    fees = {"gas": 200_000, "max_fee_per_gas": 2 * 10**9, "max_priority_fee_per_gas": 10**9}
    items = [
        transaction_item(TxFields(chain_id=network.chain_id, nonce=n, to=to, value=0, data=data,
                                  **fees), owner, registry)
        for n, (to, data) in enumerate([(NMR, approve), (VAULT, deposit)])
    ]
    request = build_request(owner, items, chain_id=network.chain_id)

    window.show_page("offline_signing")
    page.set_mode("sign")
    imported = page.sign_import.import_text("\n".join(reversed(request_to_ur(request))))
    key = accounts.unlock("cold", PASSWORD)
    response = page.sign_with_key(key)
    key[:] = bytes(len(key))
    exported = page.signature_export.text
    page.show_request(request)  # as the online copy would hold it
    verified = page.load_response(exported)
    return {
        "smoke_exit": smoke_exit,
        "guard_installed": offline_guard.installed(),
        "status_bar": status.text() if not status.isHidden() else "",
        "attempts_during_startup": during_startup,
        "imported": imported,
        "mismatches": len(page.reviews.mismatch_labels),
        "signed_items": len(response.items) if response is not None else 0,
        "qr_frames": page.signature_export.qr.frame_count(),
        "verified": verified,
        "broadcast_enabled": page.broadcast_button.isEnabled(),
        "attempts_during_session": offline_guard.attempts(),
    }


if __name__ == "__main__":
    report = main(Path(sys.argv[1]))
    # the guard really refuses (and records): one deliberate attempt after the session
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        report["probe"] = "opened"
    except PermissionError as error:
        report["probe"] = str(error)
    from numerbay_desktop import offline_guard

    report["attempts_after_probe"] = offline_guard.attempts()
    print(json.dumps(report), flush=True)
    os._exit(0)  # skip Qt's teardown of a window the shell already shut down
