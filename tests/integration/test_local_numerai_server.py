"""numerapi's own methods against the local Numerai: well-formed, plausible data, auth, scopes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numerapi
import numerapi.base_api
import pytest
import requests

from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_OPEN
from numerbay_desktop.devnet.local_numerai.round_driver import RoundDriver
from numerbay_desktop.devnet.local_numerai.server import LocalNumeraiServer
from numerbay_desktop.devnet.local_numerai.staking_fields import NO_CHAIN
from numerbay_desktop.devnet.local_numerai.tournament import Tournament

NOW = ABS_CUTOVER_OPEN + 90 * 86_400 + 600  # ten minutes into round 1433
STAKER = "0x" + "ab" * 20


class FakeDesk:
    """Answers the v3 fields with recognisable values; the real desk is tested on anvil."""

    def __init__(self) -> None:
        self.authorized: list[dict[str, Any]] = []

    def config(self) -> dict[str, Any]:
        return {"address": "0x" + "11" * 20, "authorizationSigner": "0x" + "22" * 20,
                "nmrAddress": "0x" + "33" * 20, "paused": False}

    def open_round(self, round_id: int, open_time: int, close_time: int) -> None:
        pass

    def resolve_round(self, round_id: int, return_wad_by_model: dict[str, int]) -> None:
        pass

    def finalize_stale(self, now: int) -> list[Any]:
        return []

    def authorize(self, **kwargs: Any) -> dict[str, Any]:
        self.authorized.append(kwargs)
        return {"roundId": kwargs["round_id"], "maxAmount": kwargs["max_amount_wei"],
                "deadline": kwargs["deadline"], "chainId": 31337, "signature": "0x" + "0" * 130,
                "submissionId": kwargs["submission_id"], "staker": kwargs["staker"]}

    def round_state(self, round_id: int) -> dict[str, Any]:
        return {"roundId": round_id, "state": "OPEN", "resolved": False, "totalStaked": 10**18}

    def claim(self, round_id: int, numerai_model_id: str, staker: str) -> dict[str, Any] | None:
        return None

    def claims(self, staker: str) -> list[dict[str, Any]]:
        return [{"apiModelId": "someone-else", "roundId": 1}]

    def snapshot(self) -> object:
        return None

    def restore(self, snap: object) -> None:
        pass


@pytest.fixture(scope="module")
def tour() -> Tournament:
    return Tournament(seed=11)


@pytest.fixture(scope="module")
def server(tour: Tournament) -> Iterator[LocalNumeraiServer]:
    with LocalNumeraiServer(tour, clock=lambda: NOW) as running:
        yield running


@pytest.fixture(scope="module")
def staking_server(tour: Tournament) -> Iterator[tuple[LocalNumeraiServer, FakeDesk]]:
    desk = FakeDesk()
    driver = RoundDriver(tour, desk)
    with LocalNumeraiServer(tour, desk=desk, driver=driver, clock=lambda: NOW) as running:
        yield running, desk


@pytest.fixture
def api(server: LocalNumeraiServer, monkeypatch: pytest.MonkeyPatch) -> numerapi.NumerAPI:
    monkeypatch.setattr(numerapi.base_api, "API_TOURNAMENT_URL", server.url)
    monkeypatch.delenv("NUMERAI_PUBLIC_ID", raising=False)
    monkeypatch.delenv("NUMERAI_SECRET_KEY", raising=False)
    return numerapi.NumerAPI(verbosity="warning")


def keyed(tour: Tournament, index: int = 0, key: int = 0) -> numerapi.NumerAPI:
    api_key = tour.accounts[index].api_keys[key]
    return numerapi.NumerAPI(api_key.public_id, api_key.secret, verbosity="warning")


def test_current_round_follows_the_clock(api: numerapi.NumerAPI, tour: Tournament) -> None:
    assert api.get_current_round() == tour.calendar.current_round(NOW) == 1433
    assert api.check_new_round(hours=1) is True


def test_leaderboard(api: numerapi.NumerAPI) -> None:
    board = api.get_leaderboard(limit=30)
    assert len(board) == 30
    assert [row["rank"] for row in board] == list(range(1, 31))
    reps = [row["corr20V2Rep"] for row in board]
    assert reps == sorted(reps, reverse=True)
    for row in board:
        assert isinstance(row["nmrStaked"], Decimal) and row["nmrStaked"] >= 0
        assert -0.1 < row["mmcRep"] < 0.1 and -100 < row["return_13_weeks"] < 100
    assert api.get_leaderboard(limit=5, offset=30)[0]["rank"] == 31


def test_public_profile_and_daily_performances(api: numerapi.NumerAPI, tour: Tournament) -> None:
    model = tour.models[3]
    profile = api.public_user_profile(model.name)
    assert profile["id"] == model.id and profile["username"] == model.name
    assert isinstance(profile["startDate"], dt.datetime)
    assert profile["nmrStaked"] == model.nmr_staked
    daily = api.daily_model_performances(model.name)
    assert len(daily) > 30
    dates = [row["date"] for row in daily]
    assert dates == sorted(dates) and dates[-1] <= dt.datetime.fromtimestamp(NOW, dt.UTC)
    last = daily[-1]
    assert isinstance(last["corrRep"], float) and 1 <= last["corrRank"] <= len(tour.models)


def test_submission_scores(api: numerapi.NumerAPI, tour: Tournament) -> None:
    model = tour.models[5]
    scores = api.submission_scores(model.id, last_n_rounds=40)
    assert scores
    rounds = {row["roundNumber"] for row in scores}
    assert len(rounds) == 40
    resolved = [row for row in scores if row["resolved"]]
    pending = [row for row in scores if not row["resolved"]]
    assert resolved and pending
    for row in resolved:
        assert row["day"] == 20
        assert row["value"] == tour.final_score(model.id, row["roundNumber"], row["displayName"])
        assert 0.0 <= row["percentile"] <= 1.0
    assert all(1 <= row["day"] < 20 for row in pending)
    corr_only = api.submission_scores(model.id, display_name="v2_corr20", last_n_rounds=3)
    assert {row["displayName"] for row in corr_only} == {"v2_corr20"} and len(corr_only) == 3


def test_both_profile_argument_spellings(api: numerapi.NumerAPI, tour: Tournament) -> None:
    name = tour.models[0].name
    query = "query($a: String!) { x: v3UserProfile(model_name: $a) { id } " \
        "y: v3UserProfile(modelName: $a, tournament: 8) { id } }"
    data = api.raw_query(query, {"a": name})["data"]
    assert data["x"]["id"] == data["y"]["id"] == tour.models[0].id


def test_round_performances_and_rounds(api: numerapi.NumerAPI, tour: Tournament) -> None:
    model = tour.models[1]
    with pytest.warns(DeprecationWarning):
        rows = api.round_model_performances_v2(model.id)
    assert rows and rows[0]["roundNumber"] >= rows[-1]["roundNumber"]
    multipliers = {m["displayName"]: m["multiplier"] for m in rows[0]["payoutMultipliers"]}
    intra = api.intra_round_scores(model.id)
    scored = next(r for r in intra if r["intraRoundSubmissionScores"])
    days = {s["day"] for s in scored["intraRoundSubmissionScores"]}
    assert days == set(range(1, max(days) + 1))
    assert multipliers == {"corr60": 3.0, "mmc60": 15.0}
    data = api.raw_query("{ rounds(tournament: 8, limit: 3) { number openTime resolveTime } }")
    assert [r["number"] for r in data["data"]["rounds"]] == [1433, 1432, 1431]
    price = api.raw_query("{ latestNmrPrice { priceUsd } }")["data"]["latestNmrPrice"]
    assert Decimal(price["priceUsd"]) > 0


def test_account_models_and_submissions(tour: Tournament, api: numerapi.NumerAPI) -> None:
    owner = keyed(tour, 2)
    account = owner.get_account()
    assert account["username"] == tour.accounts[2].username
    assert {m["name"] for m in account["models"]} == {
        m.name for m in tour.models_of(tour.accounts[2].username)
    }
    assert all("secret" not in str(token).lower() for token in account["apiTokens"])
    model_id = account["models"][0]["id"]
    assert owner.modelid_to_modelname(model_id) == account["models"][0]["name"]
    query = "query($id: String) { model(modelId: $id) { submissions { id round { number } } } }"
    subs = owner.raw_query(query, {"id": model_id}, authorization=True)["data"]["model"]
    numbers = [s["round"]["number"] for s in subs["submissions"]]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] <= 1433
    other = tour.models_of(tour.accounts[3].username)[0]
    with pytest.raises(ValueError, match="Model not found"):
        owner.raw_query(query, {"id": other.id}, authorization=True)
    profile = api.raw_query(
        "query($u: String!) { accountProfile(username: $u) { username models { displayName } } }",
        {"u": tour.accounts[2].username},
    )["data"]["accountProfile"]
    assert len(profile["models"]) == len(account["models"])


def test_authentication_errors(server: LocalNumeraiServer, tour: Tournament) -> None:
    response = requests.post(server.url, json={"query": "{ account { id } }"}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["account"]
    assert "authenticated" in body["errors"][0]["message"]
    key = tour.accounts[0].api_keys[0]
    wrong = requests.post(
        server.url, json={"query": "{ account { id } }"},
        headers={"Authorization": f"Token {key.public_id}$WRONG"}, timeout=10,
    ).json()
    assert "invalid" in wrong["errors"][0]["message"]
    assert key.secret not in str(wrong)
    bad = requests.post(server.url, data=b"{not json", timeout=10)
    assert bad.status_code == 400 and bad.json()["errors"]


def test_scopes_and_staking_without_a_chain(
    server: LocalNumeraiServer, tour: Tournament, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(numerapi.base_api, "API_TOURNAMENT_URL", server.url)
    read_only = keyed(tour, 0, 1)
    assert "web3_staking" not in tour.accounts[0].api_keys[1].scopes
    with pytest.raises(ValueError, match="web3_staking"):
        read_only.v3_stake_config()
    with pytest.raises(ValueError, match="staking is not available"):
        keyed(tour, 0).v3_stake_config()
    assert "--rpc-url" in NO_CHAIN


def test_v3_fields_reach_the_desk(
    staking_server: tuple[LocalNumeraiServer, FakeDesk],
    tour: Tournament,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, desk = staking_server
    monkeypatch.setattr(numerapi.base_api, "API_TOURNAMENT_URL", server.url)
    account = tour.accounts[4]
    model = next(m for m in tour.models_of(account.username) if tour.submitted(m.id, 1433))
    api = numerapi.NumerAPI(account.api_keys[0].public_id, account.api_keys[0].secret,
                            verbosity="warning")
    submission = tour.submission_id(model.id, 1433)
    query = """query($s: ID!, $st: String!, $m: String!) {
      v3StakeAuth(submissionId: $s, staker: $st, maxAmount: $m, tournamentId: 8) {
        roundId maxAmount deadline chainId submissionId } }"""
    auth = api.raw_query(query, {"s": submission, "st": STAKER, "m": "12.5"},
                         authorization=True)["data"]["v3StakeAuth"]
    assert auth["roundId"] == "1433" and auth["maxAmount"] == str(125 * 10**17)
    assert int(auth["deadline"]) == tour.calendar.times(1433).close_staking_time
    assert desk.authorized[-1]["numerai_model_id"] == model.id
    # A submission of an earlier round: its stake window has closed.
    old = tour.submissions(model.id, NOW)[3]
    with pytest.raises(ValueError, match="not open for staking"):
        api.raw_query(query, {"s": tour.submission_id(model.id, old), "st": STAKER, "m": "1"},
                      authorization=True)
    with pytest.raises(ValueError, match="Tournament 12"):
        api.raw_query("{ v3StakeConfig(tournamentId: 12) { address } }", authorization=True)
    state = api.raw_query(
        '{ v3StakeRound(roundId: "1433", tournamentId: 8) { state totalStaked } }',
        authorization=True,
    )["data"]["v3StakeRound"]
    assert state == {"state": "OPEN", "totalStaked": str(10**18)}
    claims = api.raw_query(
        'query($s: String!) { v3StakeClaims(staker: $s, tournamentId: 8) { roundId } }',
        {"s": STAKER}, authorization=True,
    )["data"]["v3StakeClaims"]
    assert claims == []  # another account's claim is not shown


def test_a_failing_chain_does_not_stop_the_tournament(tour: Tournament) -> None:
    class BrokenDesk(FakeDesk):
        calls = 0

        def open_round(self, round_id: int, open_time: int, close_time: int) -> None:
            BrokenDesk.calls += 1
            raise RuntimeError("node went away")

    desk = BrokenDesk()
    server = LocalNumeraiServer(tour, desk=desk, driver=RoundDriver(tour, desk), clock=lambda: NOW)
    data = server.execute("{ rounds(number: 0) { number } }", {})
    assert data == {"data": {"rounds": [{"number": 1433}]}}
    server.execute("{ rounds(number: 0) { number } }", {})
    assert BrokenDesk.calls == 2  # retried on the next request
    key = tour.accounts[0].api_keys[0]
    model = next(m for m in tour.models_of(key.username) if tour.submitted(m.id, 1433))
    query = (
        "query($s: ID!, $st: String!) "
        '{ v3StakeAuth(submissionId: $s, staker: $st, maxAmount: "1") { roundId } }'
    )
    variables = {"s": tour.submission_id(model.id, 1433), "st": STAKER}
    answer = server.execute(query, variables, f"Token {key.token}")
    assert answer["data"] is None and "not open for staking" in answer["errors"][0]["message"]
