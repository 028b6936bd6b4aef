"""Cold start to the first paint: the app (`--smoke`) against a bare PySide6 window.

Both are measured the same way: a fresh Python process runs a script (the installed
`numerbay-desktop` entry point, or the bare window), and the time runs from just before the
spawn to the wall-clock timestamp the process prints right after its first paint.
Runs alternate (app, bare, app, ...) so load on the machine hits both alike; the figures are
medians of 5 each. Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/run.py startup
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
ENTRY_POINT = REPO / ".venv" / "bin" / "numerbay-desktop"  # what users start
RUNS = 5
MARK = "numerbay-desktop: first paint at"

GOALS = {"startup.ratio": ("<=", 1.5)}

# The reference: the least a PySide6 window can do, printing the same mark after its first paint.
BARE_QT = f'''
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class Window(QMainWindow):
    painted = False
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            QApplication.processEvents()
            print("{MARK}", f"{{time.time():.6f}}", flush=True)
            QTimer.singleShot(0, app.quit)

app = QApplication(sys.argv[:1])
window = Window()
window.setCentralWidget(QLabel("Hello"))
window.resize(1180, 760)
window.show()
app.exec()
'''


def time_to_first_paint(command: list[str], env: dict[str, str]) -> float:
    started = time.time()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO
    )
    painted_at = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(MARK):
            painted_at = float(line.split()[-1])
            break
    process.stdout.read()
    process.wait(timeout=120)
    if painted_at is None:
        raise RuntimeError(f"{command[1:]} never printed its first-paint mark")
    return painted_at - started


def run() -> dict[str, dict[str, float]]:
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    # The installed entry point, run as a script like the bare one (`-m` would add runpy).
    app_command = [python, str(ENTRY_POINT)] if ENTRY_POINT.exists() else [
        python, "-m", "numerbay_desktop.app"
    ]
    app_times: list[float] = []
    bare_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="numerbay-bench-startup-") as tmp:
        bare_script = Path(tmp) / "bare_qt.py"
        bare_script.write_text(BARE_QT)
        for run_index in range(RUNS):
            data_dir = Path(tmp) / f"data-{run_index}"  # a fresh data folder: a cold start
            app_env = dict(env, NUMERBAY_DATA_DIR=str(data_dir))
            app_times.append(time_to_first_paint([*app_command, "--smoke"], app_env))
            bare_times.append(time_to_first_paint([python, str(bare_script)], env))
    app_s = statistics.median(app_times)
    bare_s = statistics.median(bare_times)
    return {
        "startup": {
            "app_s": round(app_s, 4),
            "bare_qt_s": round(bare_s, 4),
            "ratio": round(app_s / bare_s, 3),
        }
    }


if __name__ == "__main__":
    print(run())
