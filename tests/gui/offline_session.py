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

def main(data_dir: Path) -> dict[str, object]:
    from numerbay_desktop import app, offline_guard

    smoke_exit = app.main(["--offline", "--smoke", "--data-dir", str(data_dir)])
    during_startup = offline_guard.attempts()

    from PySide6.QtWidgets import QApplication

    from numerbay_desktop.ui.main_window import MainWindow
    from numerbay_desktop.ui.pages.offline_signing import OfflineSigningPage
    from numerbay_desktop.wallet.offline_qr import request_to_ur
    from tests.gui.offline_demo import PASSWORD, configure, demo_request

    [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    status = window.status.offline_label
    page = window.page("offline_signing")
    assert isinstance(page, OfflineSigningPage)
    accounts = configure(page, data_dir)
    request = demo_request(page)

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
    report["probe_line"] = sys._getframe().f_lineno + 2
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        report["probe"] = "opened"
    except PermissionError as error:
        report["probe"] = str(error)
    from numerbay_desktop import offline_guard

    report["attempts_after_probe"] = offline_guard.attempts()
    print(json.dumps(report), flush=True)
    os._exit(0)  # skip Qt's teardown of a window the shell already shut down
