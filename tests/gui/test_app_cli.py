"""`numerbay-desktop` as a user starts it: options, --smoke, one instance per data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PySide6.QtCore import QLockFile, QSysInfo

from numerbay_desktop import __version__
from numerbay_desktop.app import FIRST_PAINT_MARK, LOCK_FILE
from numerbay_desktop.store.logfiles import log_file_path
from numerbay_desktop.store.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"


def run_app(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [python, "-m", "numerbay_desktop.app", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO, check=False,
    )


def one_sentence(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {lines!r}"
    assert "Traceback" not in text
    return lines[0]


def test_version() -> None:
    result = run_app("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"numerbay-desktop {__version__}"


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--bogus"], "unknown option --bogus"),
        (["--data-dir"], "the option --data-dir needs a value"),
        (["--devnet", "--offline"], "--devnet and --offline cannot be used together"),
    ],
)
def test_bad_options_are_one_sentence(args: list[str], phrase: str) -> None:
    result = run_app(*args)
    assert result.returncode == 2
    line = one_sentence(result.stderr)
    assert line.startswith("numerbay-desktop: ") and phrase in line


def test_smoke_starts_completely_and_exits_0(isolated_data_dir: Path) -> None:
    result = run_app("--smoke")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(FIRST_PAINT_MARK)
    log_text = log_file_path(isolated_data_dir).read_text()
    assert "started (devnet=False, offline=False)" in log_text and "stopped" in log_text
    assert load_settings(isolated_data_dir).window.width >= 900  # geometry saved on the way out
    assert not (isolated_data_dir / LOCK_FILE).exists()  # lock released


def test_data_dir_option_beats_the_environment(tmp_path: Path, isolated_data_dir: Path) -> None:
    chosen = tmp_path / "chosen"
    result = run_app("--smoke", "--offline", "--data-dir", str(chosen))
    assert result.returncode == 0, result.stderr
    assert "offline=True" in log_file_path(chosen).read_text()
    assert not isolated_data_dir.exists()


def test_second_instance_is_refused(isolated_data_dir: Path) -> None:
    isolated_data_dir.mkdir(parents=True)
    holder = QLockFile(str(isolated_data_dir / LOCK_FILE))
    assert holder.tryLock(0)
    try:
        result = run_app("--smoke")
    finally:
        holder.unlock()
    assert result.returncode == 1
    line = one_sentence(result.stderr)
    assert "already running with this data folder" in line and f"process {os.getpid()}" in line


def test_stale_lock_is_recovered(isolated_data_dir: Path) -> None:
    isolated_data_dir.mkdir(parents=True)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that no longer runs
    gone.wait()
    lock = isolated_data_dir / LOCK_FILE
    # QLockFile's format: pid, application name, host name (as a crashed instance leaves it).
    lock.write_text(f"{gone.pid}\nnumerbay-desktop\n{QSysInfo.machineHostName()}\n")
    result = run_app("--smoke")
    assert result.returncode == 0, result.stderr
    assert not lock.exists()


@pytest.mark.slow
def test_devnet_smoke_connects_and_leaves_nothing_running(isolated_data_dir: Path) -> None:
    # Share the session's built demo world (see tests/devnet_fixtures.py) instead of building
    # it again for this fresh data folder.
    shared_cache = REPO / ".cache" / "devnet"
    shared_cache.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "devnet").mkdir(parents=True)
    (isolated_data_dir / "devnet" / "cache").symlink_to(shared_cache, target_is_directory=True)
    result = run_app("--devnet", "--smoke", timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(FIRST_PAINT_MARK)
    devnet_line = next(line for line in lines if line.startswith("numerbay-desktop: devnet at "))
    url = urlparse(devnet_line.rsplit(" ", 1)[-1])
    assert url.hostname == "127.0.0.1"
    with pytest.raises(OSError), socket.create_connection((url.hostname, url.port), timeout=1):
        pass  # anvil is gone: nothing listens on its port any more


FIRST_PAINT_PROBE = """
import sys
import numerbay_desktop.app as app
from PySide6 import QtCore

HEAVY = ("web3", "numerapi", "pandas", "numpy", "pyqtgraph", "aiohttp", "eth_account",
         "pydantic", "qasync", "asyncio")
paint = app._wait_for_first_paint

def probe(qt_app, window):
    paint(qt_app, window)
    print("loaded before the first paint:", *[m for m in HEAVY if m in sys.modules])
    print("Qt enum namespace loaded:", "Qt" in vars(QtCore))
    raise SystemExit(0)

app._wait_for_first_paint = probe
app.main(["--smoke"])
"""


def test_nothing_heavy_loads_before_the_first_paint(isolated_data_dir: Path) -> None:
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    result = subprocess.run(
        [python, "-c", FIRST_PAINT_PROBE], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), cwd=REPO, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "loaded before the first paint:",
        "Qt enum namespace loaded: False",  # PySide6 builds it in 60-100 ms: after the paint
    ]
    assert not (isolated_data_dir / LOCK_FILE).exists()
