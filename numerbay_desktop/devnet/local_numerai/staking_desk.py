"""Numerai's side of Atomic staking on a running chain: the local Numerai's staking desk.

The desk holds Numerai's two keys for a deployed `LocalAtomicStaking`: the authorization
signer (signs EIP-712 stake authorizations) and the operator (creates, resolves and
finalizes rounds). The simulator's GraphQL server answers the v3 staking fields from it.

Stable API (the GraphQL server calls exactly this; every record uses the API's field names,
wei amounts as decimal strings, addresses checksummed, bytes32 as 0x hex):

    desk = StakingDesk(w3, staking_address, signer_key, operator_key, tournament_id=8)
    desk.config() -> dict            # V3StakeConfig: address authorizationSigner nmrAddress
                                     #   owner paused pendingOwner serviceWallet
    desk.open_round(round_id, open_time, close_time) -> None   # createRound (idempotent)
    desk.authorize(*, round_id, numerai_model_id, submission_id, staker, max_amount_wei,
                   deadline) -> dict  # V3StakeAuthorization fields, nonce read from chain
    desk.round_state(round_id) -> dict             # V3StakeRound fields
    desk.resolve_round(round_id, return_wad_by_model) -> list[dict]   # the claims posted
    desk.claim(round_id, numerai_model_id, staker) -> dict | None     # V3StakeClaim
    desk.claims(staker) -> list[dict]              # resolved, unsettled claims of a staker
    desk.finalize_stale(now) -> list[dict]         # claims finalized by this call
    desk.snapshot() -> object; desk.restore(snap)  # in-memory state, with evm_snapshot/revert

Returns: `return_wad_by_model` maps a Numerai model id to the round's return in wad (1e18 =
+100%), clipped to [-1e18, 1e18]; a position of a model without an entry returns 0. A
position's payout is `stake * ret // 1e18` for a gain, its burn `stake * -ret // 1e18` for a
loss (both rounded down). The payout reserve is minted to the operator (MockNMR's mint is
open on the devnet) and pulled in by `resolve_round`.

The desk keeps the claims it posted in memory (to serve proofs); `snapshot`/`restore` copy
that state so it can roll back together with anvil's `evm_snapshot`/`evm_revert`. Calls are
serialized by a lock, so the server may call from several threads.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from web3 import Web3

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core.errors import ConfigurationError, InvalidInput, NumerbayError
from numerbay_desktop.resource_paths import contract_artifact

WAD = 10**18
ZERO_ROOT = b"\x00" * 32


class StakingDeskError(NumerbayError):
    """The desk cannot do what was asked (unknown round, refused transaction, ...)."""


@dataclass(frozen=True)
class Claim:
    """One position's settlement as posted in a round's Merkle tree."""

    round_id: int
    staker: str
    model_id: bytes
    numerai_model_id: str | None
    stake: int
    payout: int
    burn: int
    submission_hash: bytes
    proof: tuple[bytes, ...]
    merkle_root: bytes

    @property
    def claimable(self) -> int:
        return self.stake + self.payout - self.burn


@dataclass
class _State:
    claims: dict[int, tuple[Claim, ...]] = field(default_factory=dict)  # by round, as posted
    resolve_times: dict[int, int] = field(default_factory=dict)
    submissions: dict[bytes, str] = field(default_factory=dict)  # submission hash -> id
    settled: set[tuple[int, str, bytes]] = field(default_factory=set)  # known settled


def _abi(name: str) -> list[dict[str, Any]]:
    path = contract_artifact(name)
    try:
        artifact = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(
            f"The contract artifact {path.name} is missing: run `make contracts`."
        ) from error
    abi: list[dict[str, Any]] = artifact["abi"]
    return abi


def _canonical_model_id(numerai_model_id: str) -> str | None:
    """The lowercase canonical UUID of a Numerai model id; None if it is not one."""
    try:
        return abs_codec.numerai_model_id(abs_codec.model_id_bytes32(numerai_model_id))
    except InvalidInput:
        return None


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class StakingDesk:
    def __init__(
        self,
        w3: Web3,
        staking_address: str,
        signer_key: bytes,
        operator_key: bytes,
        tournament_id: int = 8,
    ) -> None:
        self.w3 = w3
        self.tournament_id = tournament_id
        self.staking = w3.eth.contract(
            address=Web3.to_checksum_address(staking_address), abi=_abi("LocalAtomicStaking")
        )
        self.nmr = w3.eth.contract(address=self.staking.functions.nmr().call(), abi=_abi("MockNMR"))
        self._signer_key = bytes(signer_key)
        self._operator = Account.from_key(operator_key)
        self.signer_address = str(Account.from_key(signer_key).address)
        self.operator_address = Web3.to_checksum_address(self._operator.address)
        self.chain_id = int(w3.eth.chain_id)
        on_chain_signer = self.staking.functions.authorization_signer().call()
        if on_chain_signer != self.signer_address:
            raise ConfigurationError(
                "The desk's signer key is not the staking contract's authorization signer."
            )
        if self.staking.functions.operator().call() != self.operator_address:
            raise ConfigurationError(
                "The desk's operator key is not the staking contract's operator."
            )
        self._state = _State()
        self._lock = threading.RLock()

    # ------------------------------------------------------------- reads

    def config(self) -> dict[str, Any]:
        """V3StakeConfig."""
        f = self.staking.functions
        return {
            "address": self.staking.address,
            "authorizationSigner": f.authorization_signer().call(),
            "nmrAddress": self.nmr.address,
            "owner": f.owner().call(),
            "paused": bool(f.paused().call()),
            "pendingOwner": f.pending_owner().call(),
            "serviceWallet": f.operator().call(),
        }

    def round_state(self, round_id: int) -> dict[str, Any]:
        """V3StakeRound; `state` is UPCOMING, OPEN, CLOSED or RESOLVED by the chain's clock."""
        info = self._round(round_id)
        f = self.staking.functions
        now = self._chain_time()
        if info["resolved"]:
            state = "RESOLVED"
        elif now < info["open_time"]:
            state = "UPCOMING"
        elif now < info["close_time"]:
            state = "OPEN"
        else:
            state = "CLOSED"
        return {
            "roundId": str(round_id),
            "tournamentId": str(info["tournament_id"]),
            "state": state,
            "openTime": str(info["open_time"]),
            "closeTime": str(info["close_time"]),
            "resolveTime": str(info["resolve_time"]) if info["resolved"] else None,
            "resolved": info["resolved"],
            "merkleRoot": _hex(info["merkle_root"]) if info["resolved"] else None,
            "totalStaked": str(f.total_staked(round_id).call()),
            "totalPayout": str(info["total_payout"]),
            "remainingPayout": str(f.remaining_payout(round_id).call()),
            "remainingBurn": str(f.remaining_burn(round_id).call()),
            "payoutFactor": "1",
            "stakeThreshold": "0",
            "stakeCap": None,
        }

    def claim(self, round_id: int, numerai_model_id: str, staker: str) -> dict[str, Any] | None:
        """V3StakeClaim of one position, or None when it was not posted (yet)."""
        model_id = abs_codec.model_id_bytes32(numerai_model_id)
        staker = Web3.to_checksum_address(staker)
        with self._lock:
            for posted in self._state.claims.get(round_id, ()):
                if posted.staker == staker and posted.model_id == model_id:
                    return self._claim_record(posted, self._is_settled(posted))
        return None

    def claims(self, staker: str) -> list[dict[str, Any]]:
        """V3StakeClaims: every posted claim of `staker` not yet claimed or finalized."""
        staker = Web3.to_checksum_address(staker)
        with self._lock:
            mine = [
                posted
                for round_id in sorted(self._state.claims)
                for posted in self._state.claims[round_id]
                if posted.staker == staker
            ]
            return [self._claim_record(c, False) for c in mine if not self._is_settled(c)]

    # ------------------------------------------------------------- Numerai's actions

    def open_round(self, round_id: int, open_time: int, close_time: int) -> None:
        """Create the round on chain; nothing to do if it already exists with these times."""
        with self._lock:
            info = self._round(round_id, must_exist=False)
            if info["close_time"]:
                if (info["open_time"], info["close_time"]) != (open_time, close_time):
                    raise StakingDeskError(f"Round {round_id} exists on chain with other times.")
                return
            self._transact(
                self.staking.functions.create_round(
                    round_id, self.tournament_id, open_time, close_time
                )
            )

    def authorize(
        self,
        *,
        round_id: int,
        numerai_model_id: str,
        submission_id: str,
        staker: str,
        max_amount_wei: int,
        deadline: int,
    ) -> dict[str, Any]:
        """Sign a stake authorization (V3StakeAuthorization) with the staker's next nonce."""
        staker = Web3.to_checksum_address(staker)
        with self._lock:
            authorization = abs_codec.StakeAuthorization(
                tournament_id=self.tournament_id,
                round_id=round_id,
                staker=staker,
                model_id=abs_codec.model_id_bytes32(numerai_model_id),
                submission_hash=abs_codec.submission_hash(submission_id),
                max_amount=max_amount_wei,
                nonce=int(self.staking.functions.nonces(staker).call()),
                deadline=deadline,
            )
            digest = abs_codec.authorization_digest(
                authorization, chain_id=self.chain_id, verifying_contract=self.staking.address
            )
            signature = abs_codec.sign_authorization(
                self._signer_key, authorization,
                chain_id=self.chain_id, verifying_contract=self.staking.address,
            )
            self._state.submissions[authorization.submission_hash] = submission_id
        return {
            "authorizationSigner": self.signer_address,
            "authorizationDigest": _hex(digest),
            "chainId": str(self.chain_id),
            "deadline": str(deadline),
            "maxAmount": str(max_amount_wei),
            "modelId": _hex(authorization.model_id),
            "nmrAddress": self.nmr.address,
            "nonce": str(authorization.nonce),
            "roundId": str(round_id),
            "signature": _hex(signature),
            "staker": staker,
            "stakingAddress": self.staking.address,
            "submissionId": submission_id,
            "submissionHash": _hex(authorization.submission_hash),
            "tournamentId": str(self.tournament_id),
        }

    def resolve_round(
        self, round_id: int, return_wad_by_model: dict[str, int]
    ) -> list[dict[str, Any]]:
        """Settle every position of the round from its return, post the root, fund payouts.

        Idempotent: a round already resolved on chain is accepted when the same returns give
        the same root (e.g. after a restart), and refused otherwise.
        """
        returns = {
            canonical: max(-WAD, min(WAD, int(ret)))
            for key, ret in return_wad_by_model.items()
            if (canonical := _canonical_model_id(key)) is not None
        }
        with self._lock:
            info = self._round(round_id)
            posted = self._compute_claims(round_id, returns)
            root = posted[0].merkle_root if posted else ZERO_ROOT
            if info["resolved"]:
                if info["merkle_root"] != root:
                    raise StakingDeskError(
                        f"Round {round_id} was resolved on chain with other results."
                    )
            else:
                if self._chain_time() < info["close_time"]:
                    raise StakingDeskError(f"Round {round_id} is not closed yet.")
                total_payout = sum(c.payout for c in posted)
                total_burn = sum(c.burn for c in posted)
                self._fund_operator(total_payout)
                self._transact(
                    self.staking.functions.resolve_round(round_id, root, total_payout, total_burn)
                )
                info = self._round(round_id)
            self._state.claims[round_id] = tuple(posted)
            self._state.resolve_times[round_id] = info["resolve_time"]
            return [self._claim_record(c, False) for c in posted]

    def finalize_stale(self, now: int) -> list[dict[str, Any]]:
        """Finalize every posted position left unsettled `CLAIM_WINDOW` after resolution."""
        done: list[dict[str, Any]] = []
        with self._lock:
            horizon = min(now, self._chain_time())
            for round_id, resolved_at in sorted(self._state.resolve_times.items()):
                if resolved_at + abs_codec.CLAIM_WINDOW_SECONDS > horizon:
                    continue
                for posted in self._state.claims.get(round_id, ()):
                    if self._is_settled(posted):
                        continue
                    self._transact(
                        self.staking.functions.finalize(
                            posted.round_id, posted.staker, posted.model_id, posted.payout,
                            posted.burn, list(posted.proof),
                        )
                    )
                    self._state.settled.add(self._key(posted))
                    done.append(self._claim_record(posted, True))
        return done

    # ------------------------------------------------------------- snapshots

    def snapshot(self) -> object:
        with self._lock:
            s = self._state
            return _State(
                dict(s.claims), dict(s.resolve_times), dict(s.submissions), set(s.settled)
            )

    def restore(self, snap: object) -> None:
        if not isinstance(snap, _State):
            raise TypeError("restore() takes what snapshot() returned")
        with self._lock:
            self._state = _State(
                dict(snap.claims), dict(snap.resolve_times), dict(snap.submissions),
                set(snap.settled),
            )

    # ------------------------------------------------------------- internals

    def _chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _round(self, round_id: int, must_exist: bool = True) -> dict[str, Any]:
        names = (
            "tournament_id", "open_time", "close_time", "resolved", "merkle_root",
            "total_payout", "total_burn", "resolve_time",
        )
        info = dict(zip(names, self.staking.functions.round(round_id).call(), strict=True))
        if must_exist and not info["close_time"]:
            raise StakingDeskError(f"Round {round_id} does not exist on chain.")
        return info

    def _compute_claims(self, round_id: int, returns: dict[str, int]) -> list[Claim]:
        events = self.staking.events.Staked.get_logs(
            argument_filters={"round_id": round_id}, from_block=0, to_block="latest"
        )
        positions = sorted(
            (
                (
                    Web3.to_checksum_address(e["args"]["staker"]),
                    bytes(e["args"]["model_id"]),
                    int(e["args"]["amount"]),
                    bytes(e["args"]["submission_hash"]),
                )
                for e in events
            ),
            key=lambda p: (p[0].lower(), p[1]),
        )
        if not positions:
            return []
        settled = []
        for staker, model_id, amount, submission in positions:
            try:
                numerai_id: str | None = abs_codec.numerai_model_id(model_id)
            except InvalidInput:
                numerai_id = None  # not a Numerai model id: returns 0
            ret = returns.get(numerai_id, 0) if numerai_id else 0
            payout = amount * ret // WAD if ret > 0 else 0
            burn = amount * -ret // WAD if ret < 0 else 0
            settled.append((staker, model_id, numerai_id, amount, payout, burn, submission))
        leaves = [
            abs_codec.leaf(round_id, s, m, payout, burn)
            for s, m, _, _, payout, burn, _ in settled
        ]
        root = abs_codec.merkle_root(leaves)
        return [
            Claim(
                round_id=round_id, staker=s, model_id=m, numerai_model_id=nid, stake=amount,
                payout=payout, burn=burn, submission_hash=sub,
                proof=tuple(abs_codec.merkle_proof(leaves, i)), merkle_root=root,
            )
            for i, (s, m, nid, amount, payout, burn, sub) in enumerate(settled)
        ]

    def _fund_operator(self, total_payout: int) -> None:
        """Mint what the operator lacks and approve exactly the reserve (NMR's approve rule)."""
        operator = self.operator_address
        balance = int(self.nmr.functions.balanceOf(operator).call())
        if balance < total_payout:
            self._transact(self.nmr.functions.mint(operator, total_payout - balance))
        current = int(self.nmr.functions.allowance(operator, self.staking.address).call())
        if current == total_payout:
            return
        if current == 0 or total_payout == 0:
            self._transact(self.nmr.functions.approve(self.staking.address, total_payout))
        else:
            self._transact(
                self.nmr.functions.changeApproval(self.staking.address, current, total_payout)
            )

    def _transact(self, call: Any) -> None:
        """Send one transaction as the operator and wait for it; a revert raises."""
        try:
            tx = call.build_transaction(
                {
                    "from": self.operator_address,
                    "nonce": self.w3.eth.get_transaction_count(self.operator_address, "pending"),
                    "chainId": self.chain_id,
                }
            )
        except Exception as error:  # estimation replays the call: its revert reason is here
            raise StakingDeskError(f"The staking contract refused: {error}") from error
        signed = self._operator.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        if receipt["status"] != 1:
            raise StakingDeskError(f"A desk transaction failed on chain: {_hex(tx_hash)}")

    @staticmethod
    def _key(posted: Claim) -> tuple[int, str, bytes]:
        return (posted.round_id, posted.staker, posted.model_id)

    def _is_settled(self, posted: Claim) -> bool:
        key = self._key(posted)
        if key in self._state.settled:
            return True
        position = self.staking.functions.position(
            posted.round_id, posted.staker, posted.model_id
        ).call()
        if position[2] or position[3]:  # claimed or finalized
            self._state.settled.add(key)
            return True
        return False

    def _claim_record(self, posted: Claim, settled: bool) -> dict[str, Any]:
        return {
            "roundId": str(posted.round_id),
            "tournamentId": str(self.tournament_id),
            "staker": posted.staker,
            "modelId": _hex(posted.model_id),
            "apiModelId": posted.numerai_model_id,
            "submissionId": self._state.submissions.get(posted.submission_hash),
            "payoutAmountWei": str(posted.payout),
            "burnAmountWei": str(posted.burn),
            "claimableAmountWei": "0" if settled else str(posted.claimable),
            "merkleRoot": _hex(posted.merkle_root),
            "proof": [_hex(node) for node in posted.proof],
        }
