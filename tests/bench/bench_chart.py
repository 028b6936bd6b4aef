"""How long the model page's chart takes to redraw a 100,000-point series.

The plot and the line come from `ui/model_charts.py` (`new_plot`, `line`: clip to view,
automatic peak downsampling, no antialiasing for a big series), shown offscreen at the model
page's chart size. One redraw = `setData` with a new series of 100,000 points, then a
synchronous render of the widget (`grab`), which runs the downsampling and the paint. The
figure is the median of RUNS redraws after one warm-up (wall clock; the GUI thread's CPU
time and the machine's load average are recorded beside it, since the cores are shared).

Run alone: `QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/run.py chart`.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time
from typing import Any

POINTS = 100_000
RUNS = 9
GOALS = {"chart.redraw_100k_ms": ("<=", 16)}


def _series(seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    level = 1.0
    xs, ys = [], []
    for i in range(POINTS):
        level *= 1 + rng.gauss(0.0005, 0.01)
        xs.append(1_700_000_000.0 + i * 600.0)
        ys.append(level + 0.02 * math.sin(i / 50))
    return xs, ys


def _measure() -> dict[str, Any]:
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from numerbay_desktop.ui.model_charts import curve_settings, line, new_plot
    from numerbay_desktop.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    plot = new_plot(dates=True)
    plot.resize(430, 220)  # a chart card of the model page at 1180 px
    plot.show()
    series = [_series(seed) for seed in range(RUNS + 1)]
    x0, y0 = series[0]
    item = line(plot, x0, y0, "#3b5bdb")
    app.processEvents()
    plot.grab()  # warm-up: first layout and paint
    times: list[float] = []
    cpu: list[float] = []
    for xs, ys in series[1:]:
        x, y = np.asarray(xs), np.asarray(ys)  # the caller's data, made before the clock
        started, started_cpu = time.perf_counter(), time.thread_time()
        item.setData(x, y)
        plot.grab()
        times.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    drawn = item.getData()[0]
    result = {
        "redraw_100k_ms": round(statistics.median(times) * 1000, 2),
        "redraw_100k_max_ms": round(max(times) * 1000, 2),
        # CPU time of the GUI thread: what the redraw costs when the cores are not shared.
        "redraw_100k_cpu_ms": round(statistics.median(cpu) * 1000, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "points": POINTS,
        "points_drawn": 0 if drawn is None else len(drawn),
        "runs": RUNS,
        "size_px": "430x220",
        "settings": curve_settings(item),
    }
    plot.close()
    plot.deleteLater()
    return result


def run() -> dict[str, dict[str, Any]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from numerbay_desktop.ui.pyside_workarounds import pin_none

    pin_none()  # as the app does: PySide6 6.12 on Python 3.11 leaks None references
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    return {"chart": _measure()}


if __name__ == "__main__":
    print(run())
