"""`make bench`: run every benchmark module under tests/bench/ and merge their sections.

A benchmark module is `tests/bench/bench_<name>.py` with
    def run() -> dict[str, dict]          # {section: {figure: value}}
    GOALS: dict[str, tuple[str, float]]   # {"section.figure": ("<=" or ">=", goal)}
Each module's sections replace only their own keys in tests/artifacts/bench.json, so a
module can be run alone (`python tests/bench/run.py gas`) without losing the others.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ARTIFACT = BENCH_DIR.parent / "artifacts" / "bench.json"
# Every section issue 10 asks for, in the order the table shows them: a section no module
# produced (or whose module is not written yet) shows as a "missing" row, never silently.
REQUIRED = ("startup", "ui", "chart", "fee_preview", "gas", "marketplace", "numerai", "devnet",
            "bundle_mb")
MODULE_OF = {"bundle_mb": "bundle"}  # sections named otherwise than their module


def load_module(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH_DIR))
    spec.loader.exec_module(module)
    return module


def merge(sections: dict[str, dict]) -> dict[str, dict]:
    existing: dict[str, dict] = {}
    if ARTIFACT.exists():
        try:
            existing = json.loads(ARTIFACT.read_text())
        except json.JSONDecodeError:
            existing = {}
    existing.update(sections)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    tmp = ARTIFACT.with_suffix(".tmp")
    tmp.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
    tmp.replace(ARTIFACT)
    return existing


def verdict(value: object, goal: tuple[str, float]) -> str:
    if not isinstance(value, int | float):
        return "?"
    op, target = goal
    ok = value <= target if op == "<=" else value >= target
    return "ok" if ok else "MISSED"


def main(selected: list[str]) -> int:
    every = sorted(BENCH_DIR.glob("bench_*.py"))
    modules = [m for m in every if not selected or m.stem.removeprefix("bench_") in selected]
    goals: dict[str, tuple[str, float]] = {}
    loaded = {}
    for path in every:  # every module's goals, so the table judges figures from earlier runs too
        try:
            loaded[path] = load_module(path)
        except Exception as error:
            print(f"   {path.stem} does not load: {error!r}", flush=True)
            continue
        goals.update(getattr(loaded[path], "GOALS", {}))
    failed = []
    for path in modules:
        started = time.monotonic()
        print(f"== {path.stem} ...", flush=True)
        try:
            if path not in loaded:
                raise RuntimeError("the module does not load")
            sections = loaded[path].run()
            merge(sections)
        except Exception as error:  # a broken benchmark must not hide the others
            failed.append(path.stem)
            print(f"   failed: {error!r}", flush=True)
            continue
        print(f"   done in {time.monotonic() - started:.1f} s", flush=True)
    results = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    present = {path.stem.removeprefix("bench_") for path in every}
    print_table(results, goals, present, failed)
    print(f"\nwritten to {ARTIFACT}")
    return 1 if failed else 0


def print_table(
    results: dict[str, object], goals: dict[str, tuple[str, float]], present: set[str],
    failed: list[str],
) -> None:
    print(f"\n{'figure':45} {'value':>14} {'goal':>12}  verdict")
    order = [s for s in REQUIRED] + sorted(set(results) - set(REQUIRED))
    for section in order:
        if section not in results:
            module = MODULE_OF.get(section, section)
            why = ("its module failed" if f"bench_{module}" in failed else
                   "not run yet" if module in present else f"bench_{module}.py does not exist")
            print(f"{section:45} {'missing':>14} {'':>12}  ({why})")
            continue
        entries = results[section]
        rows = sorted(entries.items()) if isinstance(entries, dict) else [("", entries)]
        for key, value in rows:
            name = f"{section}.{key}" if key else section
            goal = goals.get(name)
            if isinstance(value, list):
                shown = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
                shown = shown if len(shown) <= 14 else shown[:13] + "…"
            else:
                shown = f"{value:.4g}" if isinstance(value, float) else str(value)
                shown = shown if len(shown) <= 40 else shown[:39] + "…"
            goal_text = f"{goal[0]} {goal[1]:g}" if goal else ""
            verdict_text = verdict(value, goal) if goal else ""
            print(f"{name:45} {shown:>14} {goal_text:>12}  {verdict_text}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
