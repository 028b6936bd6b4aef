"""The staking form's preview cost per keystroke: `core.fees.preview_fees` (tier, effective
fees, unlock time, next-tier hint) on an 8-tier, 4-commitment schedule with older lots counted,
plus the fee curve and the scenario rows the form redraws with it. The yearly growths (Decimal
logarithms over the vault's settled rounds) are computed once per vault, measured apart.

Median of 7 runs of 2,000 calls each. Run alone with `python tests/bench/run.py fee_preview`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from numerbay_desktop.core import fees
from numerbay_desktop.core import vault_math as vm

GOALS = {
    "fee_preview.us_per_call": ("<=", 1_000),
    "fee_preview.keystroke_us": ("<=", 1_000),
}
WAD = 10**18
DAY = 86_400
RUNS = 7
CALLS = 2_000
SCHEDULE = vm.Schedule(
    tuple(vm.Tier(i * 1_000 * WAD, 500 - 40 * i, 3_000 - 200 * i) for i in range(8)),
    tuple(vm.Commitment(d * DAY, b) for d, b in ((0, 0), (30, 1_000), (90, 2_500),
                                                  (365, 5_000))),
)


def _median_us(work: Callable[[int], object], calls: int = CALLS) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for i in range(calls):
            work(i)
        times.append((time.perf_counter() - started) / calls * 1e6)
    return round(statistics.median(times), 2)


def run() -> dict[str, dict[str, float | int]]:
    rng = random.Random(8)
    amounts = [rng.randrange(WAD, 9_000 * WAD) for _ in range(CALLS)]
    returns = [rng.randrange(-2 * 10**25, 3 * 10**25) for _ in range(100)]
    growths = fees.yearly_growths(returns, 260)

    def preview(i: int) -> fees.FeePreview:
        return fees.preview_fees(SCHEDULE, amounts[i], i % 4, now=1_800_000_000,
                                 stake_count=40, existing_basis=300 * WAD,
                                 max_amount=20_000 * WAD)

    def keystroke(i: int) -> object:
        quote = preview(i)
        steps = fees.fee_curve(SCHEDULE, quote.commitment_id, quote.existing_basis)
        fees.curve_xy(steps, 12_000 * WAD)
        return fees.scenarios_for(quote.amount, quote.fixed_bps, quote.profit_bps, growths)

    return {"fee_preview": {
        "us_per_call": _median_us(preview),
        "keystroke_us": _median_us(keystroke),
        "growths_once_us": _median_us(lambda _: fees.yearly_growths(returns, 260), 20),
        "tiers": len(SCHEDULE.tiers),
        "settled_rounds": len(returns),
        "runs": RUNS,
        "calls_per_run": CALLS,
    }}


if __name__ == "__main__":
    print(run())
