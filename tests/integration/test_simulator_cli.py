"""`numerbay simulator serve`: one JSON line, a working API on loopback, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import numerapi
import numerapi.base_api
import pytest


def test_serve_prints_keys_answers_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "numerbay_desktop.cli", "simulator", "serve", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = json.loads(process.stdout.readline())
        assert line["numerai_url"].startswith("http://127.0.0.1:")
        assert line["staking"] is False and len(line["api_keys"]) >= 15
        key = next(k for k in line["api_keys"] if "web3_staking" in k["scopes"])
        monkeypatch.setattr(numerapi.base_api, "API_TOURNAMENT_URL", line["numerai_url"])
        api = numerapi.NumerAPI(key["public_id"], key["secret"], verbosity="warning")
        assert api.get_account()["username"] == key["username"]
        assert api.get_current_round() > 1343
        with pytest.raises(ValueError, match="--rpc-url"):
            api.v3_stake_config()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_refuses_a_public_address() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "numerbay_desktop.cli", "simulator", "serve", "--host", "0.0.0.0"],  # noqa: S104
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2 and "loopback" in done.stderr
