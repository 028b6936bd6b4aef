"""`devnet`: how fast `numerbay devnet up` is ready, cold (building the world) and warm.

Cold: `devnet up` with an empty cache folder builds the world (deploys, plays ~135 days of
history, dumps anvil's state) and is measured until its JSON line appears. Warm: three more
`devnet up` runs from that cache (anvil `--load-state`, the simulator restored), median.
Every run is stopped with SIGTERM before the next.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "numerbay_desktop.cli"]
GOALS = {"devnet.up_s": ("<=", 30.0)}


def _up(data_dir: Path, cache_dir: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "--data-dir", str(data_dir), "devnet", "up", "--cache-dir", str(cache_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        if not line:
            raise RuntimeError(process.stderr.read() if process.stderr else "no output")
        return elapsed, json.loads(line)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="bench-devnet-") as tmp:
        root = Path(tmp)
        cache_dir = root / "cache"
        cold_s, world = _up(root / "cold", cache_dir)
        assert world["world"] == "built", world["world"]
        warm = []
        for i in range(3):
            seconds, warm_world = _up(root / f"warm{i}", cache_dir)
            assert warm_world["world"] == "cached"
            warm.append(seconds)
        state_bytes = sum(p.stat().st_size for p in cache_dir.glob("*.json"))
    return {
        "devnet": {
            "up_s": round(statistics.median(warm), 2),
            "cold_build_s": round(cold_s, 2),
            "warm_runs_s": [round(s, 2) for s in warm],
            "history_days": world["history_days"],
            "vaults": len(world["vaults"]),
            "cache_mb": round(state_bytes / 1e6, 1),
        }
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
