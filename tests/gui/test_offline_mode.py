"""`--offline`: a whole offline session in a subprocess (audit hooks cannot be removed) under
the guard, proving that no AF_INET/AF_INET6 socket or name lookup was even attempted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("offline_session.py")


def run_session(tmp_path: Path, *extra: str) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NUMERBAY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), *extra], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    return dict(json.loads(last))


# urllib3 probes IPv6 support at import with an AF_INET6 socket bound to ::1; numerai/client.py
# imports `requests` (hence urllib3) only when a client is made, which --offline never does.
# So not a single attempt is allowed.
def unexpected(attempts: object) -> list[str]:
    assert isinstance(attempts, list)
    return [str(a) for a in attempts]


def test_offline_session_opens_no_internet_socket(tmp_path: Path) -> None:
    report = run_session(tmp_path)
    assert report["smoke_exit"] == 0
    assert report["guard_installed"] is True
    assert report["status_bar"] == "Offline mode: no network connections"
    assert unexpected(report["attempts_during_startup"]) == []
    assert report["imported"] is True and report["mismatches"] == 0
    assert report["signed_items"] == 2  # the approval and the deposit were signed offline
    assert report["qr_frames"] > 1  # the signature leaves as an animated QR
    assert report["verified"] is True  # and checks out against the request
    assert report["broadcast_enabled"] is False  # nothing to send it with, offline
    assert unexpected(report["attempts_during_session"]) == []
    # the guard really refuses (and records): a probe after the session is stopped
    assert report["probe"].startswith("Offline mode: NumerBay refused")
    assert unexpected(report["attempts_after_probe"]) == [
        "AF_INET socket from tests/gui/offline_session.py:" + str(report["probe_line"])]
