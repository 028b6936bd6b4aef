"""GraphQL payloads from Numerai (numerai/models.py records, numerai/client.py readers).

Whatever JSON Numerai's API answers, a read either returns validated records or raises a
`NumeraiError`; nothing else escapes. `NumeraiClient.query` is the network boundary: the
campaign swaps it for one that returns the fuzzed `data` object, so every public reader's
own unpacking and validation runs for real. A smaller campaign sends raw HTTP bodies
through the real transport (numerapi's raw_query behind our shim) from a local server.

Properties: accepted records mean what the payload said (big integers equal the decimal
text, addresses are the same hex, floats finite) and re-serialise to the same record.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from numerbay_desktop.numerai import models
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.errors import NumeraiError
from tests.fuzz.fuzz_campaign import COUNTS, FULL, SECONDS, hypothesis_pair

ADDR = "0x" + "ab" * 20
TEMPLATES: dict[type[BaseModel], dict[str, Any]] = {
    models.RoundInfo: {"number": 900, "openTime": "2026-11-20T13:00:00Z",
                       "closeStakingTime": None, "resolvedStaking": False,
                       "defaultCorrMultiplier": 0.5},
    models.ModelProfile: {"id": "m-1", "username": "alpha", "startDate": "2024-01-01T00:00:00Z",
                          "nmrStaked": "12.5", "bio": "hi", "isActive": True},
    models.SubmissionScore: {"roundNumber": 900, "displayName": "v2_corr20", "value": 0.02,
                             "percentile": 0.7, "day": 20, "resolved": True},
    models.DailyPerformance: {"date": "2026-11-01T00:00:00Z", "corrRep": 0.01, "corrRank": 3,
                              "return13Weeks": 0.1},
    models.LeaderboardEntry: {"username": "alpha", "rank": 1, "nmrStaked": "100.0",
                              "corr20V2Rep": 0.02, "return1Day": -0.01},
    models.AccountInfo: {"id": "u-1", "username": "me", "walletAddress": ADDR,
                         "models": [{"id": "m-1", "name": "alpha"}]},
    models.StakeConfig: {"address": ADDR, "authorizationSigner": ADDR, "nmrAddress": ADDR,
                         "paused": False},
    models.StakeRound: {"roundId": "900", "state": "open", "openTime": 1, "closeTime": "2",
                        "totalStaked": str(10**30), "merkleRoot": "0x" + "00" * 32},
    models.StakeClaim: {"roundId": "900", "modelId": "0x" + "11" * 16, "staker": ADDR,
                        "payoutAmountWei": "5", "burnAmountWei": 0,
                        "merkleRoot": "0x" + "22" * 32, "proof": ["0x" + "33" * 32]},
}
HOSTILE = [None, True, 0, -1, 2**70, 1.5, math.inf, math.nan, "", " 12 ", "NaN", "Infinity",
           "1e400", "-0", "0x", "0xZZ", "٣", "9" * 79, [], {}, [1], {"a": 1}, ADDR.upper(),
           "2026-13-40T00:00:00Z", "x" * 200]


def _json_values() -> st.SearchStrategy[Any]:
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                     st.sampled_from(HOSTILE))
    return st.recursive(
        leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                      st.dictionaries(st.text(max_size=8), inner, max_size=3)),
        max_leaves=8,
    )


def _check_record(record: BaseModel, payload: dict[str, Any]) -> None:
    """An accepted record means what the payload said, and re-serialises to itself."""
    for name, info in type(record).model_fields.items():
        value = getattr(record, name)
        given = payload.get(info.alias or name, payload.get(name))
        if isinstance(value, float):
            assert math.isfinite(value)
        if isinstance(value, Decimal):
            assert value.is_finite()
        metadata = [getattr(m, "func", None) for m in info.metadata]
        if models._int in metadata and value is not None:
            assert isinstance(value, int) and not isinstance(value, bool)
            assert value == (given if isinstance(given, int) else int(str(given).strip()))
        if models._address in metadata and value is not None:
            assert value == str(given).lower() and len(value) == 42
    again = type(record).model_validate(record.model_dump(by_alias=True))
    assert again == record


def record_property(kind: int, field: int, value: Any, extra: Any) -> None:
    """A real record with one field replaced (or added): ValidationError or a sound record."""
    record_type = list(TEMPLATES)[kind % len(TEMPLATES)]
    payload = dict(TEMPLATES[record_type])
    keys = [*payload, "zz"]
    payload[keys[field % len(keys)]] = value
    if isinstance(extra, dict):
        payload.update({k: v for k, v in extra.items() if k not in TEMPLATES[record_type]})
    try:
        record = record_type.model_validate(payload)
    except ValidationError:
        return
    _check_record(record, payload)


test_record_quick, test_fuzz_record = hypothesis_pair(
    "graphql", 300, 15_000,
    {"kind": st.integers(0, 100), "field": st.integers(0, 100),
     "value": st.one_of(st.sampled_from(HOSTILE), _json_values()), "extra": _json_values()},
    record_property,
)


class FuzzedClient(NumeraiClient):
    """The real client whose network answers with the `data` object under test."""

    answer: Any = None

    async def query(self, query: str, variables: dict[str, Any] | None = None, *,
                    auth: bool = False) -> dict[str, Any]:
        return self.answer  # type: ignore[no-any-return]


READS = [
    ("rounds", lambda c: c.current_round()),
    ("rounds", lambda c: c.rounds()),
    ("v2Leaderboard", lambda c: c.leaderboard()),
    ("latestNmrPrice", lambda c: c.nmr_price_usd()),
    ("p0", lambda c: c.model_profiles(["alpha", "beta"])),
    ("d0", lambda c: c.daily_performances(["alpha"])),
    ("s0", lambda c: c.submission_scores(["m-1", "m-2"])),
    ("account", lambda c: c.account()),
    ("model", lambda c: c.submissions("m-1")),
    ("v3StakeConfig", lambda c: c.stake_config()),
    ("v3StakeRound", lambda c: c.stake_round(900)),
    ("v3StakeClaim", lambda c: c.stake_claim(900, "m-1", ADDR)),
    ("v3StakeClaims", lambda c: c.stake_claims(ADDR)),
    ("v3StakeAuth", lambda c: c.stake_auth("sub-1", ADDR, Decimal(5))),
]
SHAPES: dict[str, Any] = {
    "rounds": [TEMPLATES[models.RoundInfo]],
    "v2Leaderboard": [TEMPLATES[models.LeaderboardEntry]],
    "latestNmrPrice": {"priceUsd": "12.34"},
    "p0": TEMPLATES[models.ModelProfile],
    "d0": {"dailyModelPerformances": [TEMPLATES[models.DailyPerformance]]},
    "s0": [TEMPLATES[models.SubmissionScore]],
    "account": TEMPLATES[models.AccountInfo],
    "model": {"submissions": [{"id": "sub-1", "round": {"number": 900}}]},
    "v3StakeConfig": TEMPLATES[models.StakeConfig],
    "v3StakeRound": TEMPLATES[models.StakeRound],
    "v3StakeClaim": TEMPLATES[models.StakeClaim],
    "v3StakeClaims": [TEMPLATES[models.StakeClaim]],
    "v3StakeAuth": {"submissionId": "sub-1", "staker": ADDR},
}


@pytest.fixture(scope="module")
def client() -> Iterator[FuzzedClient]:
    fuzzed = FuzzedClient("http://127.0.0.1:9", max_workers=1)
    yield fuzzed
    fuzzed.close()


def _mutated_shape(rng: random.Random, key: str) -> Any:
    value = json.loads(json.dumps(SHAPES[key]))
    node, steps = value, rng.randrange(0, 4)
    for _ in range(steps):  # walk down a little, then replace something there
        if isinstance(node, dict) and node:
            child_key = rng.choice(list(node))
            if rng.random() < 0.5 or not isinstance(node[child_key], dict | list):
                node[child_key] = rng.choice(HOSTILE)
                return value
            node = node[child_key]
        elif isinstance(node, list) and node:
            index = rng.randrange(len(node))
            if rng.random() < 0.5 or not isinstance(node[index], dict | list):
                node[index] = rng.choice(HOSTILE)
                return value
            node = node[index]
    return rng.choice(HOSTILE) if rng.random() < 0.3 else value


# Found by this campaign, in numerai/client.py (being edited by another helper as this was
# written, so not fixed here): a non-object where the reader expects one raises
# AttributeError/TypeError instead of NumeraiBadResponse. Remove an entry once it is fixed;
# any other crash fails the test.
KNOWN_CRASHES: set[str] = set()  # none left: every malformed answer is a NumeraiBadResponse
KNOWN_CRASH_HITS: Counter[str] = Counter()


def _read_case(client: FuzzedClient, rng: random.Random, loop: asyncio.AbstractEventLoop) -> None:
    key, read = rng.choice(READS)
    data: dict[str, Any] = {key: _mutated_shape(rng, key)}
    if rng.random() < 0.2:
        data = {rng.choice(list(SHAPES)): rng.choice(HOSTILE)}
    client.answer = data
    try:
        result = loop.run_until_complete(read(client))
    except NumeraiError as error:
        assert str(error)
        return
    except (AttributeError, TypeError) as error:
        site = traceback.extract_tb(error.__traceback__)[-1]
        if (site.filename.endswith("numerai/client.py") and site.name in KNOWN_CRASHES):
            KNOWN_CRASH_HITS[site.name] += 1  # reported in notes/issue10-report.md
            return
        raise
    records = result.values() if isinstance(result, dict) else (
        result if isinstance(result, list) else [result]
    )
    for record in records:
        for item in record if isinstance(record, list) else [record]:
            assert isinstance(item, BaseModel | Decimal)


def test_client_reads_quick(client: FuzzedClient) -> None:
    _client_reads(client, 400, 20261125)


@pytest.mark.fuzz
@pytest.mark.skipif(not FULL, reason="long campaign: make fuzz (NUMERBAY_FUZZ=1)")
def test_fuzz_client_reads(client: FuzzedClient) -> None:
    _client_reads(client, 15_000, int(os.environ.get("NUMERBAY_FUZZ_SEED", time.time_ns())))


def _client_reads(client: FuzzedClient, count: int, seed: int) -> None:
    loop = asyncio.new_event_loop()
    rng = random.Random(seed)
    started = time.perf_counter()
    try:
        for index in range(count):
            try:
                _read_case(client, rng, loop)
            except BaseException as error:
                error.add_note(f"fuzz case {index} of seed {seed} (NUMERBAY_FUZZ_SEED={seed})")
                raise
            COUNTS["graphql"] += 1
    finally:
        SECONDS["graphql"] += time.perf_counter() - started
        loop.close()


class _Bodies(BaseHTTPRequestHandler):
    body = b"{}"
    status = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(type(self).body)))
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: Any) -> None:
        pass


def _body(rng: random.Random) -> bytes:
    shaped = {"data": {"rounds": [TEMPLATES[models.RoundInfo]]}}
    choice = rng.randrange(6)
    if choice == 0:
        return rng.randbytes(rng.randrange(0, 60))
    if choice == 1:
        return json.dumps(rng.choice(HOSTILE)).encode()
    if choice == 2:
        errors = [{"message": rng.choice(["boom", "", "x" * 500, "Invalid API key"]),
                   "path": rng.choice([None, ["p0"], [3], "p1"])}]
        return json.dumps({"errors": errors, "data": rng.choice([None, {}, []])}).encode()
    if choice == 3:
        return json.dumps({"data": rng.choice(HOSTILE)}).encode()
    text = json.dumps(shaped).encode()
    cut = rng.randrange(len(text) + 1)
    return text[:cut] if choice == 4 else text


def test_transport_bodies(tmp_path: Any) -> None:
    """Raw HTTP answers through numerapi and our transport: records or a NumeraiError."""
    count = 2_000 if FULL else 60
    started = time.perf_counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bodies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = NumeraiClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=5,
                           max_workers=1)
    loop = asyncio.new_event_loop()
    rng = random.Random(7)
    try:
        for _ in range(count):
            _Bodies.body = _body(rng)
            _Bodies.status = rng.choice([200, 200, 200, 400, 401, 429, 500, 503])
            try:
                rounds = loop.run_until_complete(client.rounds())
            except NumeraiError as error:
                assert str(error)
            else:
                assert all(isinstance(r, models.RoundInfo) for r in rounds)
            COUNTS["graphql"] += 1
    finally:
        SECONDS["graphql"] += time.perf_counter() - started
        loop.close()
        client.close()
        server.shutdown()
        server.server_close()
