"""The app's async door to Numerai's API, over numerapi.

Every request runs numerapi's `raw_query` in a worker thread of this client's own pool,
bounded by a timeout (a server that never answers costs `timeout` seconds, not a hang),
and comes back as validated, typed records or a `NumeraiError` subclass. Reads about many
models are batched with GraphQL aliases (`batch_size` models per request), and, with a
`Cache`, stored with their fetch time so the app can open from the cache and refresh later.

    client = NumeraiClient("http://127.0.0.1:8123", public_id=..., secret=..., cache=cache)
    profiles = await client.model_profiles(["model_a", "model_b"])
    auth = await client.stake_auth(submission_id, staker, Decimal("25"))
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from eth_account import Account
from pydantic import BaseModel, ValidationError

from numerbay_desktop.numerai import queries
from numerbay_desktop.numerai.errors import (
    NumeraiBadResponse,
    NumeraiQueryError,
    NumeraiUnavailable,
)
from numerbay_desktop.numerai.models import (
    AccountInfo,
    DailyPerformance,
    LeaderboardEntry,
    ModelProfile,
    RoundInfo,
    StakeAuthorization,
    StakeClaim,
    StakeConfig,
    StakeRound,
    Submission,
    SubmissionScore,
)
from numerbay_desktop.store.cache import Cache

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

NUMERAI_API_URL = "https://api-tournament.numer.ai"
CLASSIC = 8
_INDEX = re.compile(r"\d+$")
R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    fetched_at: float


def _object(value: Any, what: str) -> dict[str, Any]:
    """A GraphQL object of the answer (absent: empty); anything else is a bad answer."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NumeraiBadResponse(f"Numerai's API sent {what} the app cannot read.")
    return value


def check_authorization(
    auth: StakeAuthorization, submission_id: str, staker: str, max_wei: int
) -> None:
    """Refuse an authorization that is not what was asked or not signed by its signer."""
    if (
        auth.staker != staker.lower()
        or auth.submission_id != submission_id
        or not 0 < auth.max_amount_wei <= max_wei
    ):
        raise NumeraiBadResponse(
            "The stake authorization Numerai sent does not match the request; nothing was staked."
        )
    try:
        signer = Account._recover_hash(
            bytes.fromhex(auth.authorization_digest[2:]),
            signature=bytes.fromhex(auth.signature[2:]),
        )
    except Exception:  # eth_keys raises several types for a malformed signature
        signer = ""
    if str(signer).lower() != auth.authorization_signer:
        raise NumeraiBadResponse(
            "The stake authorization's signature is not its signer's; nothing was staked."
        )


class NumeraiClient:
    def __init__(
        self,
        api_url: str = NUMERAI_API_URL,
        *,
        public_id: str | None = None,
        secret: str | None = None,
        timeout: float = 20.0,
        batch_size: int = 100,
        max_workers: int = 4,
        cache: Cache | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.cache = cache
        self.requests_sent = 0
        # numerapi and requests load with the first client, not with this module: importing
        # urllib3 probes IPv6 with a socket, which --offline must never see.
        from numerbay_desktop.numerai.transport import build_api

        self._api = build_api(public_id, secret)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="numerai")
        self._max_workers = max_workers
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._sessions = threading.local()
        self._count_lock = threading.Lock()

    @property
    def has_key(self) -> bool:
        return self._api.token is not None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------------------- transport
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            self._sessions.session = session
        return session

    def _query_sync(self, query: str, variables: dict[str, Any] | None, auth: bool) -> Any:
        from numerbay_desktop.numerai.transport import run_query

        with self._count_lock:
            self.requests_sent += 1
        return run_query(
            self._api,
            self._session(),
            self.api_url,
            query,
            variables,
            auth=auth,
            timeout=self.timeout,
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, auth: bool = False
    ) -> dict[str, Any]:
        """Send one GraphQL document; returns its `data` or raises a NumeraiError."""
        loop = asyncio.get_running_loop()
        # Waiting for a free worker does not count against the request's timeout.
        slots = self._slots.setdefault(loop, asyncio.Semaphore(self._max_workers))
        async with slots:
            future = loop.run_in_executor(self._pool, self._query_sync, query, variables, auth)
            try:
                data: dict[str, Any] = await asyncio.wait_for(future, self.timeout + 2.0)
            except TimeoutError:
                raise NumeraiUnavailable(
                    "Numerai's API did not answer in time; try again later."
                ) from None
        return data

    # ---------------------------------------------------------------- validation
    @staticmethod
    def _one(record_type: type[R], value: Any, what: str) -> R:
        if value is None:
            raise NumeraiBadResponse(f"Numerai's API sent no {what}.")
        try:
            return record_type.model_validate(value)
        except ValidationError:
            raise NumeraiBadResponse(f"Numerai's API sent a {what} the app cannot read.") from None

    @staticmethod
    def _many(record_type: type[R], values: Any, what: str) -> list[R]:
        """Valid rows only: a malformed row is dropped (and logged), never shown."""
        if not isinstance(values, list):
            raise NumeraiBadResponse(f"Numerai's API sent no list of {what}.")
        out: list[R] = []
        for value in values:
            try:
                out.append(record_type.model_validate(value))
            except ValidationError:
                log.warning("dropped a malformed %s row from Numerai", what)
        return out

    # ---------------------------------------------------------------- batching
    async def _batched(
        self,
        keys: Sequence[str],
        fetch: Callable[[Sequence[str]], Awaitable[dict[str, T]]],
    ) -> dict[str, T]:
        chunks = [keys[i : i + self.batch_size] for i in range(0, len(keys), self.batch_size)]
        results = await asyncio.gather(*(self._isolating(chunk, fetch) for chunk in chunks))
        merged: dict[str, T] = {}
        for part in results:
            merged.update(part)
        return merged

    async def _isolating(
        self, keys: Sequence[str], fetch: Callable[[Sequence[str]], Awaitable[dict[str, T]]]
    ) -> dict[str, T]:
        """A batch refused because of some keys (unknown models) is retried without them.

        Aliases end in the key's index (p0, s17 ...); when the errors name their aliases the
        batch is sent once more without those keys, otherwise it is split in halves.
        """
        try:
            return await fetch(keys)
        except NumeraiQueryError as error:
            if len(keys) == 1:
                log.info("Numerai has no data for one requested model")
                return {}
            failed = {int(m.group()) for f in error.failed_fields if (m := _INDEX.search(f))}
            if failed and max(failed) < len(keys):
                rest = [k for i, k in enumerate(keys) if i not in failed]
                log.info("Numerai has no data for %d requested models", len(failed))
                return await self._isolating(rest, fetch) if rest else {}
            half = len(keys) // 2
            first = await self._isolating(keys[:half], fetch)
            second = await self._isolating(keys[half:], fetch)
            return {**first, **second}

    # ---------------------------------------------------------------- public reads
    async def current_round(self) -> RoundInfo:
        data = await self.query(queries.CURRENT_ROUND, {"tournament": CLASSIC})
        rows = self._many(RoundInfo, data.get("rounds"), "rounds")
        if not rows:
            raise NumeraiBadResponse("Numerai's API sent no current round.")
        return rows[0]

    async def rounds(self, limit: int = 64) -> list[RoundInfo]:
        data = await self.query(queries.ROUNDS, {"tournament": CLASSIC, "limit": limit})
        return self._many(RoundInfo, data.get("rounds"), "rounds")

    async def leaderboard(
        self, limit: int = 1000, offset: int = 0, *, max_age: float | None = None
    ) -> list[LeaderboardEntry]:
        """Ranked models with reputations, stakes and returns (every model in one request)."""
        key = f"{limit}:{offset}"
        fresh = self._fresh_lists("leaderboard", [key], LeaderboardEntry, max_age)
        if key in fresh:
            return fresh[key]
        data = await self.query(queries.LEADERBOARD, {"limit": limit, "offset": offset})
        rows = self._many(LeaderboardEntry, data.get("v2Leaderboard"), "leaderboard")
        self._store("leaderboard", {key: rows})
        return rows

    async def nmr_price_usd(self) -> Decimal:
        data = await self.query(queries.NMR_PRICE)
        price = _object(data.get("latestNmrPrice"), "an NMR price").get("priceUsd")
        try:
            value = Decimal(str(price))
        except ArithmeticError:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            raise NumeraiBadResponse("Numerai's API sent an NMR price the app cannot read.")
        return value

    async def model_profiles(
        self, names: Sequence[str], *, max_age: float | None = None
    ) -> dict[str, ModelProfile]:
        """Public profiles by model name (unknown names are absent from the result)."""
        wanted = list(dict.fromkeys(n.lower() for n in names))
        fresh = self._fresh("profile", wanted, ModelProfile, max_age)

        async def fetch(chunk: Sequence[str]) -> dict[str, ModelProfile]:
            text, variables = queries.profiles_batch(chunk)
            data = await self.query(text, variables)
            out = {}
            for i, name in enumerate(chunk):
                row = data.get(f"p{i}")
                if row is not None:
                    out[name] = self._one(ModelProfile, row, "model profile")
            return out

        fetched = await self._batched([n for n in wanted if n not in fresh], fetch)
        self._store("profile", fetched)
        return {**fresh, **fetched}

    async def daily_performances(
        self, names: Sequence[str], *, max_age: float | None = None
    ) -> dict[str, list[DailyPerformance]]:
        wanted = list(dict.fromkeys(n.lower() for n in names))
        fresh = self._fresh_lists("daily", wanted, DailyPerformance, max_age)

        async def fetch(chunk: Sequence[str]) -> dict[str, list[DailyPerformance]]:
            text, variables = queries.daily_batch(chunk)
            data = await self.query(text, variables)
            out = {}
            for i, name in enumerate(chunk):
                row = data.get(f"d{i}")
                if row is not None:
                    rows = _object(row, "daily performances").get("dailyModelPerformances")
                    out[name] = self._many(DailyPerformance, rows, "daily performances")
            return out

        fetched = await self._batched([n for n in wanted if n not in fresh], fetch)
        self._store("daily", fetched)
        return {**fresh, **fetched}

    async def submission_scores(
        self, model_ids: Sequence[str], *, last_n_rounds: int = 20, max_age: float | None = None
    ) -> dict[str, list[SubmissionScore]]:
        """Score rows (every score name) of each model's last rounds, newest first."""
        wanted = list(dict.fromkeys(model_ids))
        kind = f"scores{last_n_rounds}"
        fresh = self._fresh_lists(kind, wanted, SubmissionScore, max_age)

        async def fetch(chunk: Sequence[str]) -> dict[str, list[SubmissionScore]]:
            text, variables = queries.scores_batch(chunk, last_n_rounds)
            data = await self.query(text, variables)
            return {
                mid: self._many(SubmissionScore, data.get(f"s{i}"), "submission scores")
                for i, mid in enumerate(chunk)
                if data.get(f"s{i}") is not None
            }

        fetched = await self._batched([m for m in wanted if m not in fresh], fetch)
        self._store(kind, fetched)
        return {**fresh, **fetched}

    # ---------------------------------------------------------------- the caller's account
    async def account(self) -> AccountInfo:
        data = await self.query(queries.ACCOUNT, auth=True)
        return self._one(AccountInfo, data.get("account"), "account")

    async def submissions(self, model_id: str) -> list[Submission]:
        """The model's submissions (newest first); a submission id is what stake_auth takes."""
        data = await self.query(queries.MODEL_SUBMISSIONS, {"modelId": model_id}, auth=True)
        model = _object(data.get("model"), "a model")
        listed = model.get("submissions") or []
        if not isinstance(listed, list):
            raise NumeraiBadResponse("Numerai's API sent submissions the app cannot read.")
        rows = [
            {"id": s.get("id"), "round_number": _object(s.get("round"), "a round").get("number")}
            for s in listed
            if isinstance(s, dict)
        ]
        return self._many(Submission, rows, "submissions")

    # ---------------------------------------------------------------- Atomic staking (v3)
    async def stake_config(self, tournament_id: int = CLASSIC) -> StakeConfig:
        data = await self.query(queries.STAKE_CONFIG, {"tournamentId": tournament_id}, auth=True)
        return self._one(StakeConfig, data.get("v3StakeConfig"), "staking configuration")

    async def stake_round(self, round_id: int, tournament_id: int = CLASSIC) -> StakeRound:
        variables = {"roundId": str(round_id), "tournamentId": tournament_id}
        data = await self.query(queries.STAKE_ROUND, variables, auth=True)
        return self._one(StakeRound, data.get("v3StakeRound"), "staking round")

    async def stake_auth(
        self, submission_id: str, staker: str, max_amount_nmr: Decimal,
        tournament_id: int = CLASSIC,
    ) -> StakeAuthorization:
        variables = {
            "submissionId": submission_id,
            "staker": staker,
            "maxAmount": format(max_amount_nmr, "f"),
            "tournamentId": tournament_id,
        }
        data = await self.query(queries.STAKE_AUTH, variables, auth=True)
        auth = self._one(StakeAuthorization, data.get("v3StakeAuth"), "stake authorization")
        check_authorization(auth, submission_id, staker, int(max_amount_nmr * 10**18))
        return auth

    async def stake_claim(
        self, round_id: int, model_id: str, staker: str, tournament_id: int = CLASSIC
    ) -> StakeClaim:
        variables = {
            "roundId": str(round_id), "modelId": model_id, "staker": staker,
            "tournamentId": tournament_id,
        }
        data = await self.query(queries.STAKE_CLAIM, variables, auth=True)
        return self._one(StakeClaim, data.get("v3StakeClaim"), "stake claim")

    async def stake_claims(self, staker: str, tournament_id: int = CLASSIC) -> list[StakeClaim]:
        variables = {"staker": staker, "tournamentId": tournament_id}
        data = await self.query(queries.STAKE_CLAIMS, variables, auth=True)
        return self._many(StakeClaim, data.get("v3StakeClaims"), "stake claims")

    # ---------------------------------------------------------------- cache
    def _key(self, kind: str, key: str) -> str:
        return f"numerai|{self.api_url}|{kind}|{key}"

    def cached(self, kind: str, keys: Sequence[str]) -> dict[str, Cached[Any]]:
        """Raw cached values (JSON) with their fetch times, for opening a page instantly."""
        if self.cache is None:
            return {}
        found = self.cache.get_many([self._key(kind, k) for k in keys])
        return {
            k: Cached(hit.value, hit.fetched_at)
            for k in keys
            if (hit := found.get(self._key(kind, k))) is not None
        }

    def cached_profiles(self, names: Sequence[str]) -> dict[str, Cached[ModelProfile]]:
        """Profiles as last fetched, whatever their age (for an instant first paint)."""
        return self._cached_records("profile", [n.lower() for n in names], ModelProfile)

    def cached_scores(
        self, model_ids: Sequence[str], last_n_rounds: int = 20
    ) -> dict[str, Cached[list[SubmissionScore]]]:
        return self._cached_lists(f"scores{last_n_rounds}", model_ids, SubmissionScore)

    def cached_daily_performances(
        self, names: Sequence[str]
    ) -> dict[str, Cached[list[DailyPerformance]]]:
        return self._cached_lists("daily", [n.lower() for n in names], DailyPerformance)

    def cached_leaderboard(
        self, limit: int = 1000, offset: int = 0
    ) -> Cached[list[LeaderboardEntry]] | None:
        key = f"{limit}:{offset}"
        return self._cached_lists("leaderboard", [key], LeaderboardEntry).get(key)

    def _cached_records(
        self, kind: str, keys: Sequence[str], record: type[R]
    ) -> dict[str, Cached[R]]:
        out = {}
        for key, hit in self.cached(kind, keys).items():
            try:
                out[key] = Cached(record.model_validate(hit.value), hit.fetched_at)
            except ValidationError:
                continue  # an entry the app cannot read is a miss
        return out

    def _cached_lists(
        self, kind: str, keys: Sequence[str], record: type[R]
    ) -> dict[str, Cached[list[R]]]:
        out = {}
        for key, hit in self.cached(kind, keys).items():
            if not isinstance(hit.value, list):
                continue
            try:
                rows = [record.model_validate(v) for v in hit.value]
            except ValidationError:
                continue
            out[key] = Cached(rows, hit.fetched_at)
        return out

    def _fresh(
        self, kind: str, keys: Sequence[str], record: type[R], max_age: float | None
    ) -> dict[str, R]:
        if max_age is None:
            return {}
        now = time.time()
        hits = self._cached_records(kind, keys, record)
        return {k: hit.value for k, hit in hits.items() if now - hit.fetched_at <= max_age}

    def _fresh_lists(
        self, kind: str, keys: Sequence[str], record: type[R], max_age: float | None
    ) -> dict[str, list[R]]:
        if max_age is None:
            return {}
        now = time.time()
        hits = self._cached_lists(kind, keys, record)
        return {k: hit.value for k, hit in hits.items() if now - hit.fetched_at <= max_age}

    def _store(self, kind: str, values: dict[str, Any]) -> None:
        if self.cache is None or not values:
            return

        def dump(v: Any) -> Any:
            if isinstance(v, list):
                return [x.model_dump(mode="json", by_alias=True) for x in v]
            return v.model_dump(mode="json", by_alias=True)
        self.cache.put_many({self._key(kind, k): dump(v) for k, v in values.items()})
