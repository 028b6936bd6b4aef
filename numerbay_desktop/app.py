"""`numerbay-desktop`: the composition root. Options, one instance per data folder, the window.

Startup order matters for how fast the window appears: only Qt, the theme and the page shells
load before the first paint. Everything else (the qasync loop, pydantic settings, the log file,
web3, numerapi, pyqtgraph, the devnet) loads right after it, in `ui/shell.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from numerbay_desktop import __version__
from numerbay_desktop.store.datadir import ENV_VAR as DATA_DIR_ENV
from numerbay_desktop.store.datadir import ensure_data_dir, resolve_data_dir

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile
    from PySide6.QtWidgets import QApplication

    from numerbay_desktop.ui.main_window import MainWindow

PROG = "numerbay-desktop"
LOCK_FILE = "numerbay-desktop.lock"
SETTINGS_FILE = "settings.json"  # read here only for the theme and window size before the paint
FIRST_PAINT_MARK = "numerbay-desktop: first paint at"
FIRST_PAINT_TIMEOUT_MS = 5000
HELP_HINT = f"run `{PROG} --help` to see the options"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one plain sentence and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {_one_sentence(message)}\n")


def _one_sentence(message: str) -> str:
    if message.startswith("unrecognized arguments: "):
        unknown = message.removeprefix("unrecognized arguments: ")
        return f"unknown option {unknown}; {HELP_HINT}."
    if message.endswith("expected one argument"):
        option = message.removeprefix("argument ").split(":")[0]
        return f"the option {option} needs a value; {HELP_HINT}."
    return f"{message.rstrip('.')}; {HELP_HINT}."


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="NumerBay Desktop: stake NMR on Numerai models through on-chain vaults.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help="folder for all state (settings, keys, caches, logs); default: $NUMERBAY_DATA_DIR, "
        "else the platform's user data folder",
    )
    parser.add_argument(
        "--devnet", action="store_true",
        help="start the local sandbox chain with play money and connect to it",
    )
    parser.add_argument(
        "--offline", action="store_true",
        help="air-gapped signing mode: the app opens no network connection at all",
    )
    parser.add_argument(
        "--smoke", action="store_true",
        help="start up completely, then quit with exit code 0 (for tests and packaging)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.devnet and args.offline:
        parser.error("--devnet and --offline cannot be used together (offline means no network)")
    return args


def peek_appearance(data_dir: Path) -> tuple[str, dict[str, Any]]:
    """The saved theme and window geometry, read without pydantic so the window shows at once.

    Anything odd gives the defaults: the full, validated load (with backup of a bad file)
    happens right after the first paint.
    """
    try:
        text = (data_dir / SETTINGS_FILE).read_text(encoding="utf-8")
    except OSError:
        return "light", {}
    import json  # only when there is a file: a first start skips the import

    try:
        raw = json.loads(text)
    except ValueError:
        return "light", {}
    if not isinstance(raw, dict):
        return "light", {}
    theme = raw.get("theme") if raw.get("theme") in ("light", "dark") else "light"
    window = raw.get("window")
    return str(theme), window if isinstance(window, dict) else {}


def acquire_instance_lock(data_dir: Path) -> tuple[QLockFile | None, str]:
    """Lock the data folder for this process: (lock, "") or (None, why not).

    A lock left by a process that no longer runs (a crash, a power cut) is recovered.
    """
    from PySide6.QtCore import QLockFile

    lock = QLockFile(str(data_dir / LOCK_FILE))
    lock.setStaleLockTime(0)  # never by age: only a dead owner makes a lock stale
    if lock.tryLock(200):
        return lock, ""
    if lock.error() == QLockFile.LockError.LockFailedError:
        info = lock.getLockInfo()  # PySide6 gives (pid, hostname, appname); C++ adds a bool
        pid = info[-3] if isinstance(info, tuple) and len(info) >= 3 else 0
        who = f" (process {pid})" if isinstance(pid, int) and pid > 0 else ""
        return None, (
            f"{PROG}: NumerBay is already running with this data folder{who}; switch to that "
            "window, or close it first."
        )
    return None, (
        f"{PROG}: cannot create the lock file in {data_dir}; check that the folder is writable."
    )


def _restore_geometry(window: MainWindow, geometry: dict[str, Any]) -> None:
    def number(key: str) -> int | None:
        value = geometry.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    width, height = number("width"), number("height")
    if width and height and width >= 640 and height >= 480:
        window.resize(width, height)
    x, y = number("x"), number("y")
    screen = window.screen().availableGeometry() if window.screen() else None
    if x is not None and y is not None and screen is not None and screen.contains(x + 40, y + 20):
        window.move(x, y)


def _wait_for_first_paint(app: QApplication, window: MainWindow) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    if not window.painted:
        waiter = QEventLoop()
        window.first_painted.connect(waiter.quit)
        QTimer.singleShot(FIRST_PAINT_TIMEOUT_MS, waiter.quit)
        waiter.exec()
    app.processEvents()  # the rest of the same paint pass (children) reaches the screen


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.offline:  # before anything else runs: no internet socket from here on
        from numerbay_desktop import offline_guard

        offline_guard.install()
    try:
        data_dir = ensure_data_dir(resolve_data_dir(args.data_dir))
    except OSError as error:
        print(f"{PROG}: cannot use the data folder: {error.strerror}.", file=sys.stderr)
        return 2
    # Every later lookup (pages, services, the devnet child) finds this same folder.
    os.environ[DATA_DIR_ENV] = str(data_dir)

    from numerbay_desktop.ui.pyside_workarounds import pin_none

    pin_none()  # before any Qt call: PySide6 6.12 on Python 3.11 leaks None references

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else PROG])
    assert isinstance(app, QApplication)
    app.setApplicationName("NumerBay")
    app.setApplicationDisplayName("NumerBay")
    app.setQuitOnLastWindowClosed(False)  # the shell decides when to quit, after cleaning up

    lock, problem = acquire_instance_lock(data_dir)
    if lock is None:
        print(problem, file=sys.stderr)
        if not args.smoke:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(None, "NumerBay", problem.removeprefix(f"{PROG}: "))
        return 1

    from numerbay_desktop.ui.main_window import MainWindow
    from numerbay_desktop.ui.theme import apply_theme

    theme, geometry = peek_appearance(data_dir)
    apply_theme(app, theme)
    window = MainWindow()
    _restore_geometry(window, geometry)
    if geometry.get("maximized") is True:
        window.showMaximized()
    else:
        window.show()
    _wait_for_first_paint(app, window)
    if args.smoke and sys.stdout is not None:
        print(f"{FIRST_PAINT_MARK} {time.time():.6f}", flush=True)

    from numerbay_desktop.ui.pyside_workarounds import SafePointCollector
    from numerbay_desktop.ui.shell import run_shell

    collector = SafePointCollector()  # cyclic GC between Qt events only, never inside a paint
    try:
        return run_shell(
            app, window, data_dir, devnet=args.devnet, offline=args.offline, smoke=args.smoke
        )
    finally:
        collector.timer.stop()
        lock.unlock()


if __name__ == "__main__":
    sys.exit(main())
