"""Profiles and recent scores of 1,000 simulated models: the client's aliased batches vs
numerapi one model at a time (`public_user_profile` + `submission_scores` per model).

The simulator runs as its own process (`numerbay simulator serve --models 1000`), as the
app would meet a remote API. Run alone with `python tests/bench/run.py numerai`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from typing import Any

MODELS = 1000
LAST_N_ROUNDS = 20
SEED = 1
GOALS = {"numerai.requests_for_1000_models": ("<=", 20)}


def _start_simulator() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "numerbay_desktop.cli", "simulator", "serve",
         "--models", str(MODELS), "--accounts", "300", "--seed", str(SEED)],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def _model_names() -> list[str]:
    """The simulator's model names, from the same seed (all 1,000, ranked or not yet)."""
    from numerbay_desktop.devnet.local_numerai.tournament import Tournament

    return [m.name for m in Tournament(seed=SEED, n_models=MODELS, n_accounts=300).models]


async def _batched(url: str, names: list[str]) -> tuple[int, float, int]:
    from numerbay_desktop.numerai.client import NumeraiClient

    client = NumeraiClient(url, timeout=60, batch_size=100)
    started = time.perf_counter()
    profiles = await client.model_profiles(names)
    scores = await client.submission_scores(
        [p.id for p in profiles.values()], last_n_rounds=LAST_N_ROUNDS
    )
    seconds = time.perf_counter() - started
    client.close()
    assert len(profiles) == len(names) and len(scores) == len(names)
    return client.requests_sent, seconds, sum(len(rows) for rows in scores.values())


def _naive(url: str, names: list[str]) -> tuple[int, float, int]:
    import numerapi
    import numerapi.base_api

    numerapi.base_api.API_TOURNAMENT_URL = url
    api = numerapi.NumerAPI(verbosity="warning")
    started = time.perf_counter()
    requests_sent = rows = 0
    for name in names:
        profile = api.public_user_profile(name)
        rows += len(api.submission_scores(profile["id"], last_n_rounds=LAST_N_ROUNDS))
        requests_sent += 2
    return requests_sent, time.perf_counter() - started, rows


def run() -> dict[str, dict[str, Any]]:
    process, line = _start_simulator()
    try:
        url = line["numerai_url"]
        names = _model_names()
        requests_sent, seconds, rows = asyncio.run(_batched(url, names))
        naive_requests, naive_seconds, naive_rows = _naive(url, names)
        assert rows == naive_rows, "both ways must fetch the same scores"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {
        "numerai": {
            "models": len(names),
            "score_rows": rows,
            "requests_for_1000_models": requests_sent,
            "seconds": round(seconds, 3),
            "naive_requests": naive_requests,
            "naive_seconds": round(naive_seconds, 3),
            "speedup": round(naive_seconds / seconds, 2),
        }
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
