"""SIGKILL a process in the middle of atomic writes, 200 times: files stay old or new, never torn.

The writer is a forked child (fast to restart) that rewrites three JSON files in a loop with
`store.atomic.write_text_atomic`. It publishes in shared memory whether it is inside a
write and which version it is writing; the parent waits until it is, kills it after a
random delay, and counts the kill as "in the middle" if the child had not left the write.
After every kill each file must parse and hold either the last completed version or the one
being written, with an intact body.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import random
import shutil
import signal
import struct
import tempfile
import time
from pathlib import Path

from numerbay_desktop.store.atomic import write_text_atomic

KILLS_IN_WRITE = 200
TIME_LIMIT_S = 60.0
FILES = 3
BODY_BYTES = 16 * 1024
_STATE = struct.Struct("<QQQ")  # in_write, writing_version, completed_version


def _document(version: int) -> str:
    body = hashlib.sha256(str(version).encode()).hexdigest() * (BODY_BYTES // 64)
    return json.dumps({"version": version, "body": body, "digest": _digest(version, body)})


def _digest(version: int, body: str) -> str:
    return hashlib.sha256(f"{version}:{body}".encode()).hexdigest()


def _writer(paths: list[Path], shared: mmap.mmap) -> None:
    """Runs in the child until killed."""
    _, _, completed = _STATE.unpack_from(shared)
    version = completed
    while True:
        version += 1
        _STATE.pack_into(shared, 0, 1, version, version - 1)
        for path in paths:
            write_text_atomic(path, _document(version))
        _STATE.pack_into(shared, 0, 0, version, version)


def _check(paths: list[Path], allowed: dict[Path, set[int]]) -> dict[Path, int]:
    """Every file parses, is intact, and holds an allowed version; returns what is on disk."""
    on_disk = {}
    for path in paths:
        document = json.loads(path.read_text())
        assert document["version"] in allowed[path], (document["version"], allowed[path])
        assert document["digest"] == _digest(document["version"], document["body"]), "torn"
        on_disk[path] = document["version"]
    return on_disk


def test_sigkill_never_tears_a_file() -> None:
    # A private folder (not pytest's shared tmp root, which concurrent sessions prune).
    folder = Path(tempfile.mkdtemp(prefix="numerbay-atomic-kill-"))
    try:
        _campaign(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _campaign(tmp_path: Path) -> None:
    paths = [tmp_path / f"state{i}.json" for i in range(FILES)]
    for path in paths:
        write_text_atomic(path, _document(0))
    shared = mmap.mmap(-1, _STATE.size)
    _STATE.pack_into(shared, 0, 0, 0, 0)
    on_disk = dict.fromkeys(paths, 0)
    resume = 0
    rng = random.Random(20261125)
    landed = kills = 0
    deadline = time.monotonic() + TIME_LIMIT_S
    while landed < KILLS_IN_WRITE and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # the child: write until killed, never return into pytest
            try:
                _writer(paths, shared)
            finally:
                os._exit(1)
        try:
            # Wait until the child is inside a write, then let it run a random while.
            while _STATE.unpack_from(shared)[0] == 0 and time.monotonic() < deadline:
                pass
            time.sleep(rng.uniform(0, 0.008))  # a write cycle takes a few ms here
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        kills += 1
        in_write, writing, completed = _STATE.unpack_from(shared)
        landed += in_write
        # Old (the last version completed, or what was there before this child) or new.
        allowed = {
            path: {writing, completed if completed > resume else on_disk[path]} for path in paths
        }
        try:
            on_disk = _check(paths, allowed)
        except AssertionError as error:
            raise AssertionError(
                f"kill {kills}: state {(in_write, writing, completed)}, resume {resume}, "
                f"on disk before {on_disk}: {error}"
            ) from None
        # The next child continues with fresh version numbers.
        resume = writing
        _STATE.pack_into(shared, 0, 0, resume, resume)
    assert landed >= KILLS_IN_WRITE, f"only {landed} of {kills} kills landed inside a write"
    leftovers = list(tmp_path.glob(".*.tmp"))
    print(f"{kills} kills, {landed} inside a write, {len(leftovers)} stray temp files")
