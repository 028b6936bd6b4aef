"""Size of the one-folder native bundle (`make bundle`), in MB, and whether it starts.

Builds with PyInstaller into build/bench-dist (about a minute), then runs the bundled window
with --smoke, which quits right after its first paint.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "build" / "bench-dist"
GOALS = {"bundle_mb": ("<=", 300.0)}


def folder_mb(folder: Path) -> float:
    total = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return round(total / 1_000_000, 1)


def run() -> dict[str, object]:
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(DIST),
         "--workpath", str(ROOT / "build" / "bench-work"), str(ROOT / "build.spec")],
        check=True, cwd=ROOT,
    )
    bundle = DIST / "numerbay-desktop"
    smoke = subprocess.run(
        [str(bundle / "numerbay-desktop"), "--smoke"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, timeout=120,
    )
    if smoke.returncode != 0:
        raise RuntimeError(f"the bundle did not start: {smoke.stderr.decode()[-500:]}")
    return {"bundle_mb": folder_mb(bundle)}
