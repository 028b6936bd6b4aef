"""`numerbay devnet up`: the JSON line, clean stops, and one clear sentence for bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from numerbay_desktop.devnet.anvil import Anvil

CLI = [sys.executable, "-m", "numerbay_desktop.cli"]


def start_launcher(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], dict]:
    """A bare devnet (plain anvil): the launcher's life cycle without the demo world, which
    tests/integration/test_devnet_world.py covers."""
    process = subprocess.Popen(
        [*CLI, "--data-dir", str(data_dir), "devnet", "up", "--bare", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "no output"
    return process, json.loads(line)


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(child) for child in text]
    return children


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.05)
    return False


def anvil_pid_of(launcher: subprocess.Popen[str]) -> int:
    pids = [pid for pid in child_pids(launcher.pid)
            if "anvil" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(pids) == 1
    return pids[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_leaves_no_anvil_and_no_state_file(tmp_path: Path, signum: int) -> None:
    launcher, world = start_launcher(tmp_path)
    assert world["chain_id"] == 31337
    assert world["rpc_url"].startswith("http://127.0.0.1:")
    assert len(world["accounts"]) == 5
    for account in world["accounts"]:
        assert account["address"].startswith("0x") and len(account["private_key"]) == 66
    state_file = tmp_path / "devnet" / "current.json"
    assert json.loads(state_file.read_text()) == world
    anvil_pid = anvil_pid_of(launcher)
    launcher.send_signal(signum)
    assert launcher.wait(10) == 0
    assert wait_gone(anvil_pid)
    assert not state_file.exists()


def test_sigkill_of_launcher_takes_anvil_down(tmp_path: Path) -> None:
    launcher, _world = start_launcher(tmp_path)
    anvil_pid = anvil_pid_of(launcher)
    launcher.kill()
    launcher.wait(10)
    assert wait_gone(anvil_pid), "anvil outlived its SIGKILLed launcher"


def test_the_devnet_answers_with_funded_accounts(tmp_path: Path) -> None:
    launcher, world = start_launcher(tmp_path, "--accounts", "3")
    try:
        node = Anvil(launcher, int(world["rpc_url"].rsplit(":", 1)[1]), 31337, world["mnemonic"])
        address = world["accounts"][2]["address"]
        balance = int(str(node.rpc("eth_getBalance", [address, "latest"])), 16)
        assert balance == 10_000 * 10**18
    finally:
        launcher.terminate()
        launcher.wait(10)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_busy_port_is_one_sentence(anvil: Anvil, tmp_path: Path) -> None:
    result = run_cli("--data-dir", str(tmp_path), "devnet", "up", "--bare",
                     "--port", str(anvil.port))
    assert result.returncode == 2
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_anvil_binary_is_one_sentence(tmp_path: Path) -> None:
    result = run_cli("--data-dir", str(tmp_path), "devnet", "up",
                     env={"NUMERBAY_ANVIL": str(tmp_path / "no-such-anvil")})
    assert result.returncode == 2
    assert "not an executable file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_flag_is_one_sentence() -> None:
    result = run_cli("devnet", "up", "--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_and_version() -> None:
    assert "devnet" in run_cli("--help").stdout
    assert run_cli("--version").stdout.startswith("numerbay ")
