"""GraphQL documents the client sends, including the aliased batches (many models per request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PROFILE_FIELDS = "id username startDate nmrStaked bio isActive"
SCORE_FIELDS = "roundNumber displayName value percentile day resolved date"
DAILY_FIELDS = (
    "date corrRep corrRank mmcRep mmcRank tcRep tcRank fncV3Rep return13Weeks return52Weeks"
)
LEADERBOARD_FIELDS = (
    "username rank nmrStaked corr20V2Rep corj60Rep mmcRep tcRep bmcRep "
    "return1Day return13Weeks return52Weeks"
)
ROUND_FIELDS = (
    "number openTime closeStakingTime resolveTime resolvedStaking "
    "defaultCorrMultiplier defaultMmcMultiplier"
)

CURRENT_ROUND = (
    "query($tournament: Int!) { rounds(tournament: $tournament, number: 0) { "
    + ROUND_FIELDS
    + " } }"
)
ROUNDS = (
    "query($tournament: Int, $limit: Int) { rounds(tournament: $tournament, limit: $limit) { "
    + ROUND_FIELDS
    + " } }"
)
LEADERBOARD = (
    "query($limit: Int!, $offset: Int!) { v2Leaderboard(limit: $limit, offset: $offset) { "
    + LEADERBOARD_FIELDS
    + " } }"
)
ACCOUNT = "query { account { id username walletAddress models { id name } } }"
MODEL_SUBMISSIONS = (
    "query($modelId: String) { model(modelId: $modelId) "
    "{ id name submissions { id round { number } } } }"
)
NMR_PRICE = "query { latestNmrPrice { priceUsd lastUpdated } }"

STAKE_CONFIG = """query($tournamentId: Int) { v3StakeConfig(tournamentId: $tournamentId) {
  address authorizationSigner nmrAddress owner paused pendingOwner serviceWallet } }"""
STAKE_ROUND = """query($roundId: String!, $tournamentId: Int) {
  v3StakeRound(roundId: $roundId, tournamentId: $tournamentId) {
    roundId state openTime closeTime resolveTime resolved totalStaked totalPayout
    remainingPayout remainingBurn merkleRoot } }"""
STAKE_AUTH = """query($submissionId: ID!, $staker: String!, $maxAmount: String!,
      $tournamentId: Int) {
  v3StakeAuth(submissionId: $submissionId, staker: $staker, maxAmount: $maxAmount,
              tournamentId: $tournamentId) {
    authorizationSigner authorizationDigest chainId deadline maxAmount modelId nmrAddress nonce
    roundId signature staker stakingAddress submissionId submissionHash tournamentId } }"""
_CLAIM_FIELDS = """apiModelId burnAmountWei merkleRoot modelId payoutAmountWei proof roundId
    staker submissionId tournamentId claimableAmountWei"""
STAKE_CLAIM = (
    """query($roundId: String!, $modelId: ID!, $staker: String!, $tournamentId: Int) {
  v3StakeClaim(roundId: $roundId, modelId: $modelId, staker: $staker,
               tournamentId: $tournamentId) { """
    + _CLAIM_FIELDS
    + " } }"
)
STAKE_CLAIMS = (
    """query($staker: String!, $tournamentId: Int) {
  v3StakeClaims(staker: $staker, tournamentId: $tournamentId) { """
    + _CLAIM_FIELDS
    + " } }"
)

def profiles_batch(names: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """One request for many public profiles: alias pN answers for names[N]."""
    params = ", ".join(f"$n{i}: String!" for i in range(len(names)))
    body = " ".join(
        f"p{i}: v3UserProfile(modelName: $n{i}) {{ {PROFILE_FIELDS} }}" for i in range(len(names))
    )
    return f"query({params}) {{ {body} }}", {f"n{i}": name for i, name in enumerate(names)}


def daily_batch(names: Sequence[str]) -> tuple[str, dict[str, Any]]:
    params = ", ".join(f"$n{i}: String!" for i in range(len(names)))
    body = " ".join(
        f"d{i}: v3UserProfile(modelName: $n{i}) {{ dailyModelPerformances {{ {DAILY_FIELDS} }} }}"
        for i in range(len(names))
    )
    return f"query({params}) {{ {body} }}", {f"n{i}": name for i, name in enumerate(names)}


def scores_batch(model_ids: Sequence[str], last_n_rounds: int) -> tuple[str, dict[str, Any]]:
    """One request for many models' score histories: alias sN answers for model_ids[N]."""
    params = ", ".join(["$last: Int", *(f"$m{i}: ID!" for i in range(len(model_ids)))])
    body = " ".join(
        f"s{i}: submissionScores(modelId: $m{i}, lastNRounds: $last, tournament: 8) "
        f"{{ {SCORE_FIELDS} }}"
        for i in range(len(model_ids))
    )
    variables: dict[str, Any] = {f"m{i}": mid for i, mid in enumerate(model_ids)}
    variables["last"] = last_n_rounds
    return f"query({params}) {{ {body} }}", variables
