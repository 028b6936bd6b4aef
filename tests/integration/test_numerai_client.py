"""The app's Numerai client against the local Numerai: typed results, batches, cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_OPEN
from numerbay_desktop.devnet.local_numerai.server import LocalNumeraiServer
from numerbay_desktop.devnet.local_numerai.tournament import Tournament
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.errors import NumeraiAuthError, NumeraiQueryError
from numerbay_desktop.store.cache import Cache

NOW = ABS_CUTOVER_OPEN + 60 * 86_400 + 600


@pytest.fixture(scope="module")
def tour() -> Tournament:
    return Tournament(seed=21, n_models=120, n_accounts=30)


@pytest.fixture(scope="module")
def server(tour: Tournament) -> Iterator[LocalNumeraiServer]:
    with LocalNumeraiServer(tour, clock=lambda: NOW) as running:
        yield running


@pytest.mark.asyncio
async def test_batched_profiles_and_scores(server: LocalNumeraiServer, tour: Tournament) -> None:
    client = NumeraiClient(server.url, timeout=20, batch_size=60)
    before = server.requests_served
    names = [m.name.upper() for m in tour.models]  # model names are case-insensitive
    profiles = await client.model_profiles([*names, "no_such_model"])
    assert set(profiles) == {m.name for m in tour.models}
    # 120 models in batches of 60, plus one resend of the batch with the unknown name.
    assert server.requests_served - before == client.requests_sent == 3
    by_name = {m.name: m for m in tour.models}
    for name, profile in profiles.items():
        assert profile.id == by_name[name].id and profile.nmr_staked == by_name[name].nmr_staked
    scores = await client.submission_scores([m.id for m in tour.models], last_n_rounds=5)
    assert client.requests_sent == 5
    some = scores[tour.models[0].id]
    assert {row.round_number for row in some} <= set(tour.submissions(tour.models[0].id, NOW))
    resolved = [row for row in some if row.resolved]
    for row in resolved:
        assert row.value == tour.final_score(tour.models[0].id, row.round_number, row.display_name)
    daily = await client.daily_performances([tour.models[1].name])
    rows = daily[tour.models[1].name]
    assert rows and rows[-1].corr_rank is not None
    client.close()


@pytest.mark.asyncio
async def test_cache_serves_fresh_values_and_survives_a_restart(
    server: LocalNumeraiServer, tour: Tournament, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "numerai.sqlite3")
    names = [m.name for m in tour.models[:10]]
    first = NumeraiClient(server.url, cache=cache)
    fetched = await first.model_profiles(names)
    assert first.requests_sent == 1
    again = await first.model_profiles(names, max_age=3600)
    assert again == fetched and first.requests_sent == 1  # served from the cache
    await first.model_profiles(names, max_age=0)
    assert first.requests_sent == 2  # too old: fetched again
    first.close()
    cache.close()

    reopened = NumeraiClient(server.url, cache=Cache(tmp_path / "numerai.sqlite3"))
    instant = reopened.cached_profiles(names)
    assert {n: c.value for n, c in instant.items()} == fetched
    assert all(c.fetched_at > 0 for c in instant.values()) and reopened.requests_sent == 0
    board = await reopened.leaderboard(limit=5, max_age=60)
    assert await reopened.leaderboard(limit=5, max_age=60) == board
    assert reopened.requests_sent == 1
    cached_board = reopened.cached_leaderboard(limit=5)
    assert cached_board is not None and cached_board.value == board
    scores = await reopened.submission_scores([tour.models[0].id], last_n_rounds=3)
    assert reopened.cached_scores([tour.models[0].id], 3)[tour.models[0].id].value == (
        scores[tour.models[0].id]
    )
    other_url = NumeraiClient("http://127.0.0.1:9", cache=reopened.cache)
    assert other_url.cached_profiles(names) == {}  # caches are per API
    reopened.close()


@pytest.mark.asyncio
async def test_account_rounds_and_refusals(server: LocalNumeraiServer, tour: Tournament) -> None:
    account = tour.accounts[1]
    key = account.api_keys[0]
    client = NumeraiClient(server.url, public_id=key.public_id, secret=key.secret)
    info = await client.account()
    assert info.username == account.username
    assert {m.name for m in info.models} == {m.name for m in tour.models_of(account.username)}
    current = await client.current_round()
    assert current.number == tour.calendar.current_round(NOW)
    assert current.corr_multiplier == 3.0 and current.mmc_multiplier == 15.0
    assert [r.number for r in await client.rounds(limit=3)] == [
        current.number, current.number - 1, current.number - 2
    ]
    board = await client.leaderboard(limit=10)
    assert [row.rank for row in board] == list(range(1, 11))
    assert await client.nmr_price_usd() > 0
    submissions = await client.submissions(info.models[0].id)
    assert submissions and submissions[0].round_number <= current.number
    with pytest.raises(NumeraiQueryError, match="staking is not available"):
        await client.stake_config()
    wrong = NumeraiClient(server.url, public_id=key.public_id, secret="X" * 64)
    with pytest.raises(NumeraiAuthError) as caught:
        await wrong.account()
    assert key.secret not in str(caught.value) and "X" * 64 not in str(caught.value)
    client.close()
    wrong.close()


@pytest.mark.asyncio
async def test_clients_of_different_apis_run_side_by_side(
    server: LocalNumeraiServer, tour: Tournament
) -> None:
    """Each client reaches its own URL even when their requests overlap in worker threads."""
    import asyncio

    other_tour = Tournament(seed=99, n_models=12, n_accounts=4)
    with LocalNumeraiServer(other_tour, clock=lambda: NOW) as other:
        first, second = NumeraiClient(server.url), NumeraiClient(other.url)
        boards = await asyncio.gather(
            *(c.leaderboard(limit=200) for _ in range(4) for c in (first, second))
        )
        sizes = {len(board) for board in boards[0::2]}, {len(board) for board in boards[1::2]}
        assert sizes == ({len(tour.leaderboard(NOW))}, {len(other_tour.leaderboard(NOW))})
        assert len(tour.leaderboard(NOW)) != len(other_tour.leaderboard(NOW))
        first.close()
        second.close()
