"""Size of the one-folder native bundle (`make bundle`), in MB, and whether it starts.

Builds with PyInstaller into build/bench-dist (several minutes on a loaded machine), checks
that `numerbay --help` answers, then runs the bundled window with --smoke, which quits right
after its first paint.

The size is what the folder takes on disk: every file counted once. PyInstaller puts symbolic
links at the folder's top (libQt6Core.so.6 -> PySide6/Qt/lib/libQt6Core.so.6, and `numerbay`
-> `numerbay-desktop`); following them would count those files twice (about 100 MB that is
not there).
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
    """Bytes of the regular files under `folder` (links skipped, hard links once), in MB."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        status = path.stat()
        if (status.st_dev, status.st_ino) in seen:
            continue
        seen.add((status.st_dev, status.st_ino))
        total += status.st_size
    return round(total / 1_000_000, 1)


def run() -> dict[str, object]:
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(DIST),
         "--workpath", str(ROOT / "build" / "bench-work"), str(ROOT / "build.spec")],
        check=True, cwd=ROOT,
    )
    bundle = DIST / "numerbay-desktop"
    cli = subprocess.run(
        [str(bundle / "numerbay"), "--help"], capture_output=True, timeout=120,
    )
    if cli.returncode != 0 or b"usage" not in cli.stdout.lower():
        raise RuntimeError(f"the bundled CLI did not answer: {cli.stderr.decode()[-500:]}")
    smoke = subprocess.run(
        [str(bundle / "numerbay-desktop"), "--smoke"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, timeout=120,
    )
    if smoke.returncode != 0:
        raise RuntimeError(f"the bundle did not start: {smoke.stderr.decode()[-500:]}")
    return {"bundle_mb": folder_mb(bundle)}
