"""Temp files of killed atomic writes: ignored by readers, swept once stale, never fresh ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

from numerbay_desktop.store.atomic import STALE_TEMP_S, sweep_stray_temps, write_text_atomic


def _leftover(folder: Path, target: str, age_s: float) -> Path:
    path = folder / f".{target}.k1ll3d{age_s:.0f}.tmp"
    path.write_text('{"half": ')
    moment = time.time() - age_s
    os.utime(path, (moment, moment))
    return path


def test_sweep_removes_only_stale_temp_files(tmp_path: Path) -> None:
    (tmp_path / "keystores").mkdir()
    stale = [_leftover(tmp_path, "settings.json", STALE_TEMP_S + 5),
             _leftover(tmp_path / "keystores", "a.json", STALE_TEMP_S * 3)]
    fresh = _leftover(tmp_path, "accounts.json", 1)  # maybe a write in progress elsewhere
    lookalikes = [tmp_path / ".hidden.tmp", tmp_path / "notes.tmp"]  # not our pattern
    for path in lookalikes:
        path.write_text("x")
        os.utime(path, (0, 0))
    assert sorted(sweep_stray_temps(tmp_path)) == sorted(stale)
    assert fresh.exists() and all(p.exists() for p in lookalikes)
    assert sweep_stray_temps(tmp_path, older_than=0) == [fresh]
    assert sweep_stray_temps(tmp_path / "missing") == []


def test_a_write_clears_its_own_stale_leftovers(tmp_path: Path) -> None:
    mine = _leftover(tmp_path, "settings.json", STALE_TEMP_S + 60)
    recent = _leftover(tmp_path, "settings.json", 2)
    other = _leftover(tmp_path, "accounts.json", STALE_TEMP_S + 60)
    write_text_atomic(tmp_path / "settings.json", "{}")
    assert not mine.exists()
    assert recent.exists() and other.exists()  # not stale, or another file's
    assert (tmp_path / "settings.json").read_text() == "{}"
