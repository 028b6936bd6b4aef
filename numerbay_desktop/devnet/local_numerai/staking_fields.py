"""Answers to the Atomic-staking (v3) fields, backed by the staking desk on the local chain.

Every v3 field needs an API key with the `web3_staking` scope and takes `tournamentId` as the
live API does. Without a chain (no desk) they answer with one clear GraphQL error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from numerbay_desktop.devnet.local_numerai.resolvers import CLASSIC, Info, RequestContext, ctx
from numerbay_desktop.devnet.local_numerai.round_driver import RoundDriver

NO_CHAIN = (
    "staking is not available: the simulator runs without a chain "
    "(start it with --rpc-url and --staking)"
)
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
SCOPE = "web3_staking"


def _error(message: str, code: str = "BAD_REQUEST") -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _desk(info: Info, tournament_id: int | None) -> tuple[RequestContext, Any]:
    c = ctx(info)
    c.account(SCOPE)
    if tournament_id not in (None, CLASSIC):
        raise _error(f"Tournament {tournament_id} has no Atomic staking on this simulator.")
    desk = c.extras.get("desk")
    if desk is None:
        raise _error(NO_CHAIN, "UNAVAILABLE")
    return c, desk


def _strings(record: dict[str, Any]) -> dict[str, Any]:
    """The v3 types are all strings (big integers), except booleans and proof lists."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or isinstance(value, bool | list | tuple):
            out[key] = list(value) if isinstance(value, tuple) else value
        elif isinstance(value, bytes):
            out[key] = "0x" + value.hex()
        else:
            out[key] = str(value)
    return out


def _address(value: str, what: str = "staker") -> str:
    if not ADDRESS.match(value or ""):
        raise _error(f"The {what} must be an Ethereum address (0x and 40 hex digits).")
    return value


def _round_number(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _error(f"roundId must be a round number, not {value!r}.") from None


def _own_model(c: RequestContext, model_id: str) -> str:
    account = c.account(SCOPE)
    model = c.tournament.model_by_id.get(str(model_id))
    if model is None or model.username != account.username:
        raise _error(f"Model not found: {model_id}", "NOT_FOUND")
    return model.id


def _desk_call(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except GraphQLError:
        raise
    except Exception as error:  # the desk's refusals become the request's error
        raise _error(f"The staking desk refused: {error}") from error


def resolve_config(info: Info, tournamentId: int | None = None) -> dict[str, Any]:
    _, desk = _desk(info, tournamentId)
    return _strings(_desk_call(desk.config))


def resolve_round(
    info: Info,
    roundId: str,
    tournamentId: int | None = None,
) -> dict[str, Any]:
    _, desk = _desk(info, tournamentId)
    number = _round_number(roundId)
    return _strings(_desk_call(lambda: desk.round_state(number)))


def resolve_auth(
    info: Info,
    submissionId: str,
    staker: str,
    maxAmount: str,
    tournamentId: int | None = None,
) -> dict[str, Any]:
    """Authorize a stake of at most `maxAmount` NMR (a decimal string) on a submission's round."""
    c, desk = _desk(info, tournamentId)
    account = c.account(SCOPE)
    _address(staker)
    try:
        max_nmr = Decimal(str(maxAmount))
    except InvalidOperation:
        raise _error("maxAmount must be an NMR amount such as \"12.5\".") from None
    if not max_nmr.is_finite() or max_nmr <= 0:
        raise _error("maxAmount must be a positive NMR amount.")
    max_wei = int(max_nmr * 10**18)
    found = c.tournament.find_submission(str(submissionId), c.now)
    if found is None or found[0].username != account.username:
        raise _error(f"Submission not found: {submissionId}", "NOT_FOUND")
    model, number = found
    driver: RoundDriver | None = c.extras.get("driver")
    if driver is None or not driver.is_open_for_stakes(number, c.now):
        raise _error(f"Round {number} is not open for staking.")
    deadline = c.tournament.calendar.times(number).close_staking_time
    record = _desk_call(
        lambda: desk.authorize(
            round_id=number,
            numerai_model_id=model.id,
            submission_id=str(submissionId),
            staker=staker,
            max_amount_wei=max_wei,
            deadline=deadline,
        )
    )
    return _strings(record)


def resolve_claim(
    info: Info,
    roundId: str,
    modelId: str,
    staker: str,
    tournamentId: int | None = None,
) -> dict[str, Any]:
    c, desk = _desk(info, tournamentId)
    model_id = _own_model(c, modelId)
    number = _round_number(roundId)
    _address(staker)
    claim = _desk_call(lambda: desk.claim(number, model_id, staker))
    if claim is None:
        raise _error(
            f"No resolved stake of model {model_id} by {staker} in round {number}.", "NOT_FOUND"
        )
    return _strings(claim)


def resolve_claims(
    info: Info,
    staker: str,
    tournamentId: int | None = None,
) -> list[dict[str, Any]]:
    c, desk = _desk(info, tournamentId)
    account = c.account(SCOPE)
    _address(staker)
    own = {m.id for m in c.tournament.models_of(account.username)}
    claims = _desk_call(lambda: desk.claims(staker))
    mine = [claim for claim in claims if "apiModelId" not in claim or claim["apiModelId"] in own]
    return [_strings(claim) for claim in mine]


STAKING_FIELDS: dict[str, Callable[..., Any]] = {
    "v3StakeConfig": resolve_config,
    "v3StakeRound": resolve_round,
    "v3StakeAuth": resolve_auth,
    "v3StakeClaim": resolve_claim,
    "v3StakeClaims": resolve_claims,
}
