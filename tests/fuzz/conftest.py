"""Print and store how many fuzz cases each family ran (the campaign's proof of volume)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fuzz.fuzz_campaign import COUNTS, FULL, SECONDS

COUNTS_FILE = Path(__file__).resolve().parent.parent / "artifacts" / "fuzz_counts.json"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not COUNTS:
        return
    total = sum(COUNTS.values())
    terminalreporter.write_sep("-", f"parser fuzz cases: {total:,}")
    for family in sorted(COUNTS):
        terminalreporter.write_line(
            f"  {family:10} {COUNTS[family]:>9,} cases in {SECONDS[family]:7.1f} s"
        )
    if FULL:
        COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "total_cases": total,
            "families": {
                family: {"cases": COUNTS[family], "seconds": round(SECONDS[family], 1)}
                for family in sorted(COUNTS)
            },
        }
        COUNTS_FILE.write_text(json.dumps(document, indent=2) + "\n")
