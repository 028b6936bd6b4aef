"""Atomic file writes: a reader sees the old file or the new one, never a torn one.

A write killed before its rename leaves a hidden `.<name>.<random>.tmp` beside the target.
Readers never look at those (they open the target by name). The next write of the same
target removes its own stale leftovers, and `sweep_stray_temps` clears a whole folder (run
at startup). "Stale" means older than `STALE_TEMP_S`, so a write in progress in another
thread or process is never swept away from under it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

# A write takes milliseconds; a temp file this old belongs to a writer that died.
STALE_TEMP_S = 600.0
_TEMP_SUFFIX = ".tmp"


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` through a temporary file, fsync, rename and directory fsync."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent.glob(f".{_escape(path.name)}.*{_TEMP_SUFFIX}"), STALE_TEMP_S)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    fsync_directory(path.parent)


def write_text_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), mode)


def fsync_directory(directory: Path) -> None:
    """Make a rename inside `directory` durable (a no-op where directories cannot be opened)."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def sweep_stray_temps(directory: Path, older_than: float = STALE_TEMP_S) -> list[Path]:
    """Remove temp files of killed atomic writes under `directory` (recursively); returns them.

    Only names of the form `.<name>.<random>.tmp` (what `write_bytes_atomic` makes) that are
    older than `older_than` seconds are touched."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    candidates = (p for p in directory.rglob(f".*{_TEMP_SUFFIX}") if _is_temp_name(p.name))
    return _remove_stale(candidates, older_than)


def _is_temp_name(name: str) -> bool:
    # ".<target>.<8 random chars>.tmp": a leading dot and at least two more dots.
    return name.startswith(".") and name.endswith(_TEMP_SUFFIX) and name.count(".") >= 3


def _remove_stale(paths: Iterable[Path], older_than: float) -> list[Path]:
    removed = []
    cutoff = time.time() - older_than
    for path in paths:
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime <= cutoff:
                path.unlink()
                removed.append(path)
        except OSError:  # raced with another sweeper or a rename: nothing to do
            continue
    return removed


def _escape(name: str) -> str:
    """`name` with glob metacharacters escaped (targets are plain names, but be exact)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
