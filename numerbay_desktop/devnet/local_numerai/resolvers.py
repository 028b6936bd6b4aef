"""Answers to the tournament queries (rounds, profiles, scores, leaderboard, accounts, models).

Every resolver reads the `Tournament` at the request's `now` and returns plain dicts keyed by
Numerai's field names; expensive nested lists are callables, so they are computed only when a
query asks for them (graphql-core's default resolver calls them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from numerbay_desktop.devnet.local_numerai.calendar import CONCURRENT_ROUNDS, iso_time
from numerbay_desktop.devnet.local_numerai.population import Account, ApiKey, Model
from numerbay_desktop.devnet.local_numerai.tournament import (
    METRIC_INDEX,
    METRICS,
    Tournament,
    payout_multipliers,
)

CLASSIC = 8
PROFILE_URL = "https://numer.ai/{name}"


@dataclass
class RequestContext:
    """What one GraphQL request knows: the tournament, the time and who is asking."""

    tournament: Tournament
    now: float
    key: ApiKey | None = None
    key_problem: str | None = None  # why a presented token was refused
    extras: dict[str, Any] = field(default_factory=dict)

    def account(self, scope: str | None = None) -> Account:
        """The caller's account, or the GraphQL error Numerai gives without valid credentials."""
        if self.key is None:
            message = self.key_problem or "You must be authenticated to perform this action."
            raise GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})
        if scope is not None and scope not in self.key.scopes:
            raise GraphQLError(
                f"Your API key is missing the {scope} scope needed for this action.",
                extensions={"code": "FORBIDDEN"},
            )
        return self.tournament.account_by_name[self.key.username]


Info = GraphQLResolveInfo[RequestContext]


def ctx(info: Info) -> RequestContext:
    context: RequestContext = info.context
    return context


def nmr(value: Decimal) -> str:
    return f"{value:.2f}"


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


# ---------------------------------------------------------------- rounds
def round_dict(t: Tournament, number: int, now: float) -> dict[str, Any]:
    times = t.calendar.times(number)
    multipliers = dict(payout_multipliers(number))
    resolved = now >= times.resolve_time
    return {
        "id": t.round_id(number),
        "number": number,
        "tournament": CLASSIC,
        "isDaily": True,
        "openTime": iso_time(times.open_time),
        "closeTime": iso_time(times.close_staking_time),
        "closeStakingTime": iso_time(times.close_staking_time),
        "scoreTime": iso_time(times.score_time),
        "resolveTime": iso_time(times.resolve_time),
        "resolvedGeneral": resolved,
        "resolvedStaking": resolved,
        "payoutFactor": "1",
        "stakeThreshold": 0.0,
        "target": "target",
        "dataDatestamp": int(datetime.fromtimestamp(times.open_time, UTC).strftime("%Y%m%d")),
        "defaultCorrMultiplier": float(
            multipliers.get("v2_corr20", multipliers.get("corr60", Decimal(0)))
        ),
        "defaultMmcMultiplier": float(multipliers.get("mmc", multipliers.get("mmc60", Decimal(0)))),
        "defaultTcMultiplier": 0.0,
    }


def resolve_rounds(
    info: Info,
    tournament: int | None = None,
    number: int | None = None,
    status: str | None = None,
    target: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    c = ctx(info)
    t = c.tournament
    if tournament not in (None, CLASSIC):
        return []
    opened = t.opened_rounds(c.now)
    if number is not None:
        wanted = opened[-1] if number == 0 and len(opened) else number
        return [round_dict(t, wanted, c.now)] if wanted in opened else []
    rows = []
    for n in reversed(opened):
        if status and t.calendar.status(n, c.now) != status:
            continue
        rows.append(round_dict(t, n, c.now))
        if limit and len(rows) >= limit:
            break
    return rows


# ---------------------------------------------------------------- scores
def score_rows(
    t: Tournament,
    model: Model,
    now: float,
    *,
    display_name: str | None = None,
    day: int | None = None,
    resolved: bool | None = None,
    last_n_rounds: int | None = None,
    rounds: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Submission scores, newest round first, one row per (round, score name)."""
    metrics = [(m, METRIC_INDEX[m]) for m in METRICS if display_name in (None, m)]
    numbers = rounds if rounds is not None else t.submissions(model.id, now)
    rows: list[dict[str, Any]] = []
    seen_rounds = 0
    for number in numbers:
        latest_day = t.calendar.scoring_day(number, now)
        score_day = latest_day if day is None else day
        if latest_day == 0 or not 1 <= score_day <= latest_day or not t.has_round(number):
            continue
        times = t.calendar.times(number)
        is_resolved = now >= times.resolve_time
        if resolved is not None and resolved != is_resolved:
            continue
        seen_rounds += 1
        if last_n_rounds is not None and seen_rounds > last_n_rounds:
            break
        col = number - t.first_round
        finals = t.scores[:, model.index, col]
        priors = t.reps[:, model.index, max(col - 1, 0)]
        percentiles = t.percentiles[:, model.index, col]
        weight = score_day / 20  # intra-round scores converge on the final one
        span = (times.resolve_time - times.score_time) / 19
        base = {
            "roundId": t.round_id(number),
            "submissionId": t.submission_id(model.id, number),
            "roundNumber": number,
            "roundResolveTime": iso_time(times.resolve_time),
            "roundScoreTime": iso_time(times.score_time),
            "roundCloseStakingTime": iso_time(times.close_staking_time),
            "version": "1",
            "date": iso_time(times.score_time + (score_day - 1) * span),
            "day": score_day,
            "resolveDate": iso_time(times.resolve_time),
            "resolved": is_resolved and score_day == 20,
        }
        for metric, m in metrics:
            final = float(finals[m])
            if math.isnan(final):
                continue
            prior = 0.0 if math.isnan(priors[m]) else float(priors[m])
            value = final if score_day == 20 else round(prior + (final - prior) * weight, 6)
            rows.append(
                {
                    **base,
                    "value": value,
                    "percentile": float(percentiles[m]) if is_resolved else None,
                    "displayName": metric,
                }
            )
    return rows


def find_model(t: Tournament, model_id: str) -> Model:
    model = t.model_by_id.get(str(model_id))
    if model is None:
        raise GraphQLError(f"Model not found: {model_id}", extensions={"code": "NOT_FOUND"})
    return model


def resolve_submission_scores(
    info: Info,
    modelId: str,
    displayName: str | None = None,
    version: str | None = None,
    day: int | None = None,
    resolved: bool | None = None,
    tournament: int | None = None,
    lastNRounds: int | None = None,
    distinctOnRound: bool | None = None,
) -> list[dict[str, Any]]:
    c = ctx(info)
    model = find_model(c.tournament, modelId)
    if tournament not in (None, CLASSIC) or version not in (None, "1"):
        return []
    return score_rows(
        c.tournament,
        model,
        c.now,
        display_name=displayName,
        day=day,
        resolved=resolved,
        last_n_rounds=lastNRounds,
    )


# ---------------------------------------------------------------- profiles
def daily_performances(t: Tournament, model: Model, now: float) -> list[dict[str, Any]]:
    col = t.resolved_column(now)
    if col is None:
        return []
    idx = model.index
    start = max(model.start_round - t.first_round, 0)
    if start > col:
        return []
    names = ("v2_corr20", "corr60", "fnc_v3", "mmc", "tc")
    keys = ("corr", "corr60", "fncV3", "mmc", "tc")
    rows_of = {k: METRIC_INDEX[n] for k, n in zip(keys, names, strict=True)}
    reps = {k: t.reps[m, idx, start : col + 1].tolist() for k, m in rows_of.items()}
    ranks = {k: t.ranks[m, idx, start : col + 1].tolist() for k, m in rows_of.items()}
    cum = t.cum_returns[idx]
    scale = 100.0 / CONCURRENT_ROUNDS
    rows = []
    for offset in range(col + 1 - start):
        c = start + offset
        number = t.first_round + c
        row: dict[str, Any] = {"date": iso_time(t.calendar.times(number).resolve_time)}
        for key in keys:
            rep = _num(reps[key][offset])
            row[f"{key}Rep"] = rep
            row[f"{key}Rank"] = ranks[key][offset] or None
        row["fncRep"], row["fncRank"] = row["fncV3Rep"], row["fncV3Rank"]
        row["return13Weeks"] = round(float(cum[c + 1] - cum[max(c + 1 - 91, 0)]) * scale, 4)
        row["return52Weeks"] = round(float(cum[c + 1] - cum[max(c + 1 - 364, 0)]) * scale, 4)
        rows.append(row)
    return rows


def is_active(t: Tournament, model: Model, now: float) -> bool:
    recent = t.submissions(model.id, now)[:1]
    return bool(recent) and recent[0] >= t.calendar.current_round(now) - 5


def user_profile(t: Tournament, model: Model, now: float) -> dict[str, Any]:
    def latest_scores(_info: Info) -> list[dict[str, Any]]:
        resolved = [n for n in t.submissions(model.id, now) if t.calendar.scoring_day(n, now) == 20]
        return score_rows(t, model, now, rounds=resolved[:1])

    return {
        "id": model.id,
        "username": model.name,
        "accountName": model.username,
        "bio": model.bio,
        "startDate": iso_time(t.calendar.open_time(model.start_round)),
        "nmrStaked": nmr(model.nmr_staked),
        "stakeValue": nmr(model.nmr_staked),
        "isActive": is_active(t, model, now),
        "team": False,
        "tournament": CLASSIC,
        "profileUrl": PROFILE_URL.format(name=model.name),
        "dailyModelPerformances": lambda _info: daily_performances(t, model, now),
        "latestSubmissionScores": latest_scores,
    }


def resolve_user_profile(
    info: Info,
    modelName: str | None = None,
    model_name: str | None = None,
    tournament: int | None = CLASSIC,
) -> dict[str, Any] | None:
    c = ctx(info)
    name = modelName or model_name
    if not name:
        raise GraphQLError("Argument modelName is required.", extensions={"code": "BAD_REQUEST"})
    if tournament not in (None, 0, CLASSIC):
        raise GraphQLError(f"Model not found: {name}", extensions={"code": "NOT_FOUND"})
    model = c.tournament.model_by_name.get(name.lower())
    if model is None:
        raise GraphQLError(f"Model not found: {name}", extensions={"code": "NOT_FOUND"})
    return user_profile(c.tournament, model, c.now)


def leaderboard_row(t: Tournament, model: Model, rank: int, col: int) -> dict[str, Any]:
    returns = t.returns_at(model.id, col)
    return {
        "id": model.id,
        "username": model.name,
        "rank": rank,
        "nmrStaked": nmr(model.nmr_staked),
        "team": False,
        "isActive": True,
        "profileUrl": PROFILE_URL.format(name=model.name),
        "corr20Rep": t.rep(model.id, "v2_corr20", col),
        "corr20V2Rep": t.rep(model.id, "v2_corr20", col),
        "corr60Rep": t.rep(model.id, "corr60", col),
        "corj60Rep": t.rep(model.id, "corj60", col),
        "fncRep": t.rep(model.id, "fnc_v3", col),
        "fncV3Rep": t.rep(model.id, "fnc_v3", col),
        "tcRep": t.rep(model.id, "tc", col),
        "mmcRep": t.rep(model.id, "mmc", col),
        "mmc60Rep": t.rep(model.id, "mmc60", col),
        "bmcRep": t.rep(model.id, "bmc", col),
        "return1Day": returns.one_day,
        "return13Weeks": returns.thirteen_weeks,
        "return52Weeks": returns.fifty_two_weeks,
        "return_1_day": returns.one_day,
        "return_13_weeks": returns.thirteen_weeks,
        "return_52_weeks": returns.fifty_two_weeks,
    }


def resolve_leaderboard(
    info: Info, limit: int | None = None, offset: int | None = None, **_: Any
) -> list[dict[str, Any]]:
    c = ctx(info)
    t = c.tournament
    col = t.resolved_column(c.now)
    if col is None:
        return []
    ordered = t.leaderboard(c.now)
    begin = max(offset or 0, 0)
    end = len(ordered) if limit is None else begin + max(limit, 0)
    return [leaderboard_row(t, m, begin + i + 1, col) for i, m in enumerate(ordered[begin:end])]


def resolve_round_performances(
    info: Info,
    modelId: str,
    tournament: int | None = CLASSIC,
    lastNRounds: int | None = None,
    roundNumberEq: int | None = None,
    roundNumberGte: int | None = None,
    roundNumberLte: int | None = None,
    resolvedOnly: bool | None = None,
    limit: int | None = None,
    offset: int | None = None,
    **_: Any,
) -> list[dict[str, Any]]:
    c = ctx(info)
    t = c.tournament
    model = find_model(t, modelId)
    if tournament not in (None, CLASSIC):
        return []
    numbers = t.submissions(model.id, c.now)
    if roundNumberEq is not None:
        numbers = [n for n in numbers if n == roundNumberEq]
    if roundNumberGte is not None:
        numbers = [n for n in numbers if n >= roundNumberGte]
    if roundNumberLte is not None:
        numbers = [n for n in numbers if n <= roundNumberLte]
    if resolvedOnly:
        numbers = [n for n in numbers if t.calendar.status(n, c.now) == "RESOLVED"]
    if lastNRounds is not None:
        numbers = numbers[:lastNRounds]
    numbers = numbers[offset or 0 :]
    if limit is not None:
        numbers = numbers[:limit]
    return [round_performance(t, model, n, c.now) for n in numbers]


def round_performance(t: Tournament, model: Model, number: int, now: float) -> dict[str, Any]:
    times = t.calendar.times(number)
    multipliers = payout_multipliers(number)
    return {
        "atRisk": nmr(model.nmr_staked / CONCURRENT_ROUNDS),
        "corrMultiplier": float(multipliers[0][1]),
        "mmcMultiplier": float(multipliers[1][1]),
        "payoutMultipliers": [
            {
                "id": f"{name}-{number}",
                "scoreConfigId": name,
                "name": name,
                "version": "1",
                "displayName": name,
                "multiplier": float(multiplier),
            }
            for name, multiplier in multipliers
        ],
        "roundPayoutFactor": "1",
        "roundId": t.round_id(number),
        "roundNumber": number,
        "roundOpenTime": iso_time(times.open_time),
        "roundCloseStakingTime": iso_time(times.close_staking_time),
        "roundScoreTime": iso_time(times.score_time),
        "roundResolveTime": iso_time(times.resolve_time),
        "roundResolved": now >= times.resolve_time,
        "roundTarget": "target",
        "submissionId": t.submission_id(model.id, number),
        "submissionScores": lambda _info: score_rows(t, model, now, rounds=[number]),
        "intraRoundSubmissionScores": lambda _info: [
            row
            for day in range(1, t.calendar.scoring_day(number, now) + 1)
            for row in score_rows(t, model, now, rounds=[number], day=day)
        ],
    }


# ---------------------------------------------------------------- accounts and models
def model_dict(t: Tournament, model: Model, now: float) -> dict[str, Any]:
    account = t.account_by_name[model.username]

    def submissions(_info: Info) -> list[dict[str, Any]]:
        rows = []
        for number in t.submissions(model.id, now):
            opened = t.calendar.open_time(number)
            rows.append(
                {
                    "id": t.submission_id(model.id, number),
                    "filename": "predictions.csv",
                    "insertedAt": iso_time(opened + 1800),
                    "round": round_dict(t, number, now),
                    "selected": True,
                    "status": "completed",
                }
            )
        return rows

    return {
        "id": model.id,
        "name": model.name,
        "username": model.username,
        "accountId": account.id,
        "tournament": CLASSIC,
        "insertedAt": iso_time(t.calendar.open_time(model.start_round) - 86_400),
        "v2Stake": {
            "status": "confirmed",
            "txHash": None,
            "stakeValue": nmr(model.nmr_staked),
            "tournamentNumber": CLASSIC,
        },
        "submissions": submissions,
    }


def resolve_account(info: Info) -> dict[str, Any]:
    c = ctx(info)
    account = c.account()
    t = c.tournament
    return {
        "id": account.id,
        "username": account.username,
        "displayName": account.username,
        "email": f"{account.username}@example.invalid",
        "walletAddress": account.wallet_address,
        "availableNmr": "100.00",
        "mfaEnabled": False,
        "status": "VERIFIED",
        "insertedAt": iso_time(t.calendar.open_time(t.first_round) - 86_400 * 30),
        "apiTokens": [
            {"name": k.name, "publicId": k.public_id, "public_id": k.public_id, "scopes": k.scopes}
            for k in account.api_keys
        ],
        "models": [model_dict(t, m, c.now) for m in t.models_of(account.username)],
    }


def resolve_model(info: Info, modelId: str | None = None) -> dict[str, Any]:
    c = ctx(info)
    account = c.account()
    model = c.tournament.model_by_id.get(str(modelId))
    if model is None or model.username != account.username:
        raise GraphQLError(f"Model not found: {modelId}", extensions={"code": "NOT_FOUND"})
    return model_dict(c.tournament, model, c.now)


def resolve_account_profile(
    info: Info, username: str, tournament: int | None = CLASSIC
) -> dict[str, Any]:
    c = ctx(info)
    t = c.tournament
    account = t.account_by_name.get(username.lower())
    if account is None:
        raise GraphQLError(f"Account not found: {username}", extensions={"code": "NOT_FOUND"})
    models = t.models_of(account.username)
    col = t.resolved_column(c.now)

    def profile(model: Model) -> dict[str, Any]:
        reps: dict[str, Any] = {}
        if col is not None:
            reps = {
                "corrRep": t.rep(model.id, "v2_corr20", col),
                "corr20V2Rep": t.rep(model.id, "v2_corr20", col),
                "corr60Rep": t.rep(model.id, "corr60", col),
                "corj60Rep": t.rep(model.id, "corj60", col),
                "mmcRep": t.rep(model.id, "mmc", col),
                "mmc60Rep": t.rep(model.id, "mmc60", col),
                "fncV3Rep": t.rep(model.id, "fnc_v3", col),
                "tcRep": t.rep(model.id, "tc", col),
                "return1y": t.returns_at(model.id, col).fifty_two_weeks,
            }
        return {
            "id": model.id,
            "displayName": model.name,
            "username": model.name,
            "accountId": account.id,
            "stake": nmr(model.nmr_staked),
            "startDate": iso_time(t.calendar.open_time(model.start_round)),
            "tournament": CLASSIC,
            **reps,
        }

    return {
        "id": account.id,
        "username": account.username,
        "displayName": account.username,
        "bio": f"{account.username} builds models for the simulated tournament.",
        "startDate": iso_time(t.calendar.open_time(min(m.start_round for m in models))),
        "isActive": any(is_active(t, m, c.now) for m in models),
        "team": False,
        "totalStake": nmr(sum((m.nmr_staked for m in models), Decimal(0))),
        "tournament": tournament,
        "models": [profile(m) for m in models],
    }


def resolve_nmr_price(info: Info) -> dict[str, Any]:
    now = ctx(info).now
    day = int(now // 86_400)
    price = 8.0 + 1.5 * math.sin(day / 23.0) + 0.4 * math.sin(day / 3.1)
    return {"priceUsd": f"{price:.2f}", "lastUpdated": iso_time(day * 86_400)}


TOURNAMENT_FIELDS: dict[str, Callable[..., Any]] = {
    "rounds": resolve_rounds,
    "v3UserProfile": resolve_user_profile,
    "submissionScores": resolve_submission_scores,
    "v2Leaderboard": resolve_leaderboard,
    "v2RoundModelPerformances": resolve_round_performances,
    "account": resolve_account,
    "model": resolve_model,
    "accountProfile": resolve_account_profile,
    "latestNmrPrice": resolve_nmr_price,
}
