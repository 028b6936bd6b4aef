"""Typed, validated results of Numerai queries: garbage from the network stops here.

Field aliases are Numerai's names; attributes are the app's. Amounts of NMR are `Decimal`
(Numerai's `Nmr` strings) and on-chain amounts `int` wei; scores are floats (finite only).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core.errors import NumerbayError

_HEX = re.compile(r"^0x[0-9a-fA-F]*$")


def _int(value: Any) -> int:
    """Big integers arrive as decimal strings; accept ints, refuse anything else."""
    if isinstance(value, bool):
        raise ValueError("not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,78}", value.strip()):
        return int(value.strip())
    raise ValueError("not an integer")


def _hex(value: Any) -> str:
    if not isinstance(value, str) or not _HEX.match(value):
        raise ValueError("not a 0x hex string")
    return value.lower()


def _address(value: Any) -> str:
    text = _hex(value)
    if len(text) != 42:
        raise ValueError("not an address")
    return text


BigInt = Annotated[int, BeforeValidator(_int)]
Hex = Annotated[str, BeforeValidator(_hex)]
Address = Annotated[str, BeforeValidator(_address)]


class _Record(BaseModel):
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", allow_inf_nan=False
    )


class RoundInfo(_Record):
    number: int
    open_time: datetime = Field(alias="openTime")
    close_staking_time: datetime | None = Field(None, alias="closeStakingTime")
    resolve_time: datetime | None = Field(None, alias="resolveTime")
    resolved_staking: bool | None = Field(None, alias="resolvedStaking")
    corr_multiplier: float | None = Field(None, alias="defaultCorrMultiplier")
    mmc_multiplier: float | None = Field(None, alias="defaultMmcMultiplier")


class ModelProfile(_Record):
    id: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=100)
    start_date: datetime | None = Field(None, alias="startDate")
    nmr_staked: Decimal | None = Field(None, alias="nmrStaked")
    bio: str | None = None
    is_active: bool | None = Field(None, alias="isActive")


class SubmissionScore(_Record):
    round_number: int = Field(alias="roundNumber")
    display_name: str = Field(alias="displayName")
    value: float | None = None
    percentile: float | None = None
    day: int | None = None
    resolved: bool | None = None
    date: datetime | None = None
    round_resolve_time: datetime | None = Field(None, alias="roundResolveTime")
    submission_id: str | None = Field(None, alias="submissionId")


class DailyPerformance(_Record):
    date: datetime
    corr_rep: float | None = Field(None, alias="corrRep")
    corr_rank: int | None = Field(None, alias="corrRank")
    mmc_rep: float | None = Field(None, alias="mmcRep")
    mmc_rank: int | None = Field(None, alias="mmcRank")
    tc_rep: float | None = Field(None, alias="tcRep")
    tc_rank: int | None = Field(None, alias="tcRank")
    fnc_v3_rep: float | None = Field(None, alias="fncV3Rep")
    return_13_weeks: float | None = Field(None, alias="return13Weeks")
    return_52_weeks: float | None = Field(None, alias="return52Weeks")


class LeaderboardEntry(_Record):
    username: str
    rank: int | None = None
    nmr_staked: Decimal | None = Field(None, alias="nmrStaked")
    corr20_v2_rep: float | None = Field(None, alias="corr20V2Rep")
    corj60_rep: float | None = Field(None, alias="corj60Rep")
    mmc_rep: float | None = Field(None, alias="mmcRep")
    tc_rep: float | None = Field(None, alias="tcRep")
    bmc_rep: float | None = Field(None, alias="bmcRep")
    return_1_day: float | None = Field(None, alias="return1Day")
    return_13_weeks: float | None = Field(None, alias="return13Weeks")
    return_52_weeks: float | None = Field(None, alias="return52Weeks")


class AccountModel(_Record):
    id: str
    name: str


class AccountInfo(_Record):
    id: str
    username: str
    wallet_address: str | None = Field(None, alias="walletAddress")
    models: list[AccountModel] = Field(default_factory=list)


class Submission(_Record):
    id: str
    round_number: int


class StakeConfig(_Record):
    address: Address
    authorization_signer: Address = Field(alias="authorizationSigner")
    nmr_address: Address = Field(alias="nmrAddress")
    owner: Address | None = None
    paused: bool | None = None
    pending_owner: Address | None = Field(None, alias="pendingOwner")
    service_wallet: Address | None = Field(None, alias="serviceWallet")


class StakeRound(_Record):
    round_id: BigInt = Field(alias="roundId")
    state: str | None = None
    open_time: BigInt | None = Field(None, alias="openTime")
    close_time: BigInt | None = Field(None, alias="closeTime")
    resolve_time: BigInt | None = Field(None, alias="resolveTime")
    resolved: bool | None = None
    total_staked_wei: BigInt | None = Field(None, alias="totalStaked")
    total_payout_wei: BigInt | None = Field(None, alias="totalPayout")
    remaining_payout_wei: BigInt | None = Field(None, alias="remainingPayout")
    remaining_burn_wei: BigInt | None = Field(None, alias="remainingBurn")
    merkle_root: Hex | None = Field(None, alias="merkleRoot")


class StakeAuthorization(_Record):
    """A signed permission to stake at most `max_amount_wei` on one round for one model."""

    def struct(self) -> abs_codec.StakeAuthorization:
        """The EIP-712 struct, as the staking contract's `stake` takes it (`.as_tuple()`)."""
        return abs_codec.StakeAuthorization(
            tournament_id=self.tournament_id,
            round_id=self.round_id,
            staker=self.staker,
            model_id=bytes.fromhex(self.model_id[2:]),
            submission_hash=bytes.fromhex(self.submission_hash[2:]),
            max_amount=self.max_amount_wei,
            nonce=self.nonce,
            deadline=self.deadline,
        )

    def matches_local_encoding(self) -> bool:
        """Whether the served digest is our own EIP-712 encoding of these fields (it is for
        LocalAtomicStaking; Numerai's mainnet encoding is not published yet)."""
        try:
            digest = abs_codec.authorization_digest(
                self.struct(), chain_id=self.chain_id, verifying_contract=self.staking_address
            )
        except NumerbayError:
            return False
        return "0x" + digest.hex() == self.authorization_digest

    authorization_signer: Address = Field(alias="authorizationSigner")
    authorization_digest: Hex = Field(alias="authorizationDigest")
    chain_id: BigInt = Field(alias="chainId")
    deadline: BigInt
    max_amount_wei: BigInt = Field(alias="maxAmount")
    model_id: Hex = Field(alias="modelId")
    nmr_address: Address = Field(alias="nmrAddress")
    nonce: BigInt
    round_id: BigInt = Field(alias="roundId")
    signature: Hex
    staker: Address
    staking_address: Address = Field(alias="stakingAddress")
    submission_id: str = Field(alias="submissionId")
    submission_hash: Hex = Field(alias="submissionHash")
    tournament_id: BigInt = Field(alias="tournamentId")


class StakeClaim(_Record):
    """A resolved position's settlement with its Merkle proof."""

    round_id: BigInt = Field(alias="roundId")
    model_id: Hex = Field(alias="modelId")
    api_model_id: str | None = Field(None, alias="apiModelId")
    staker: Address
    payout_wei: BigInt = Field(alias="payoutAmountWei")
    burn_wei: BigInt = Field(alias="burnAmountWei")
    merkle_root: Hex = Field(alias="merkleRoot")
    proof: list[Hex]
    submission_id: str | None = Field(None, alias="submissionId")
    tournament_id: BigInt | None = Field(None, alias="tournamentId")
    claimable_wei: BigInt | None = Field(None, alias="claimableAmountWei")

    def proof_is_valid(self) -> bool:
        """Whether the proof leads from this claim's leaf to its Merkle root, with our leaf
        encoding (LocalAtomicStaking's); a claim failing this would revert on chain."""
        try:
            leaf = abs_codec.leaf(
                self.round_id, self.staker, bytes.fromhex(self.model_id[2:]),
                self.payout_wei, self.burn_wei,
            )
            proof = [bytes.fromhex(p[2:]) for p in self.proof]
            return abs_codec.verify(proof, bytes.fromhex(self.merkle_root[2:]), leaf)
        except (NumerbayError, ValueError):
            return False
