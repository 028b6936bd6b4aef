"""Workarounds for bugs in the Qt bindings we ship (PySide6 6.12 on CPython 3.11).

`pin_none()`: every call of a void Qt method (QLabel.setText, QWidget.update, any QPainter
draw call...) drops one reference to None that it never took. None starts with a few
thousand references, so a long-running app (an animated QR, a busy indicator, a status bar
updating every block) eventually takes None's count to zero and CPython aborts with
"Fatal Python error: none_dealloc". CPython 3.12 made None immortal; on 3.11 we give it a
reference count no session can exhaust (2**40: one leak per nanosecond for 18 minutes,
or ten leaks a second for 3,000 years).

Repro: `l = QLabel(); [l.setText("x") for _ in range(200_000)]` aborts without it.

It does the same to True and False: pyqtgraph's items lose about 50 references to True
building a plot and about 10 per redraw (measured with sys.getrefcount), so a chart redrawn
on every keystroke aborts a session with "bool_dealloc". `pin_none()` pins all three.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = False


def pin_none() -> None:
    """Make None, True and False effectively immortal on CPython < 3.12 (idempotent)."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    _PINNED = True
    # ob_refcnt is the first field of every object (non-debug CPython builds).
    for value in (None, True, False):
        ctypes.c_ssize_t.from_address(id(value)).value += 1 << 40


class SafePointCollector:
    """Python's cyclic garbage collector, run only between Qt events.

    Left alone, a collection starts whenever an allocation crosses a threshold, including in
    the middle of a paintEvent; collecting a cycle that holds a Qt wrapper there can delete a
    C++ object Qt is still using (a segfault seen in the GUI tests, "Garbage-collecting" under
    MainWindow.paintEvent). Automatic collection is switched off and a timer collects, by the
    same generation thresholds, from the event loop where no Qt call is on the stack."""

    def __init__(self, interval_ms: int = 500) -> None:
        import gc

        from PySide6.QtCore import QTimer

        self._thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> None:
        import gc

        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return
