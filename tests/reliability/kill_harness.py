"""SIGKILL a forked writer in the middle of its writes, again and again, and check the files.

A `Writer` publishes in shared memory whether it is inside a write and which version it is
writing; the harness forks it, waits until it is inside a write, lets it run a random few
milliseconds and kills it with SIGKILL (no cleanup, no atexit, no flush: what a power cut
or `kill -9` does). After every kill `check(allowed)` reopens the files with the app's own
loaders and returns the version it finds; it must be the last version completed (old) or
the one being written (new). The next child continues with fresh version numbers.
"""

from __future__ import annotations

import mmap
import os
import random
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

_STATE = struct.Struct("<QQQ")  # in_write, writing_version, completed_version


class Progress:
    """The child's side of the shared state."""

    def __init__(self, shared: mmap.mmap) -> None:
        self.shared = shared

    def next_version(self) -> int:
        _, writing, completed = _STATE.unpack_from(self.shared)
        return max(writing, completed) + 1

    def begin(self, version: int, completed: int) -> None:
        _STATE.pack_into(self.shared, 0, 1, version, completed)

    def done(self, version: int) -> None:
        _STATE.pack_into(self.shared, 0, 0, version, version)


@dataclass
class Outcome:
    kills: int
    landed: int  # kills that hit inside a write
    seconds: float


def campaign(
    write_forever: Callable[[Progress], None],
    check: Callable[[set[int]], int],
    *,
    kills: int,
    time_limit_s: float,
    max_delay_s: float,
    seed: int = 20261125,
) -> Outcome:
    """Kill `write_forever` until `kills` kills landed inside a write (or time runs out)."""
    shared = mmap.mmap(-1, _STATE.size)
    _STATE.pack_into(shared, 0, 0, 0, 0)
    rng = random.Random(seed)
    on_disk = check({0})
    resume = 0
    landed = count = 0
    started = time.monotonic()
    deadline = started + time_limit_s
    while landed < kills and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # the child: write until killed; never return into pytest
            try:
                write_forever(Progress(shared))
            finally:
                os._exit(1)
        try:
            while _STATE.unpack_from(shared)[0] == 0 and time.monotonic() < deadline:
                time.sleep(0.0002)
            time.sleep(rng.uniform(0, max_delay_s))
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        count += 1
        in_write, writing, completed = _STATE.unpack_from(shared)
        landed += in_write
        old = completed if completed > resume else on_disk
        allowed = {old, writing} if in_write else {completed if completed > resume else on_disk}
        try:
            on_disk = check(allowed)
        except AssertionError as error:
            raise AssertionError(
                f"kill {count}: in_write={in_write} writing={writing} completed={completed} "
                f"resume={resume} previously on disk={on_disk}: {error}"
            ) from None
        resume = max(writing, completed)
        _STATE.pack_into(shared, 0, 0, resume, resume)
    return Outcome(count, landed, time.monotonic() - started)
