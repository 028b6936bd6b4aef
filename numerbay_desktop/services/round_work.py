"""A vault's daily round work: the round calendar, the next stake, settlements (no Qt).

    service = RoundWorkService(chain, numerai, pipeline)    # ChainClient, NumeraiClient, TxPipeline
    rows = await service.calendar(vault)                    # list[CalendarRow], newest first
    proposal = await service.propose_stake(vault)           # StakeProposal (+ .explain())
    plan = await service.prepare_stake(vault, sender, amount=None)  # StakePlan, or an
                                                            # ActionResult: nothing to stake
    result = await service.send(plan, signer)               # ActionResult (plain words)
    # The app: prepare_stake(..., simulate=False), then plan.intent through its review dialog
    steps = await service.settlement_steps(vault)           # settle / sync intents to review
    result = await service.stake_this_round(vault, signer)  # prepare + send (the keeper)
    results = await service.settle_ready(vault, signer)     # settle / sync / apply / fulfill
    results = await service.run_once(vault, signer)         # settle_ready, then the stake

Staking: the open round comes from Numerai (`rounds`) and the staking contract's round
times; the model's submission for it from `submissions`; `v3StakeAuth` with the caller's API
key (scope web3_staking). The authorization is used only when our own EIP-712 encoding (with
this chain's id and the vault's staking contract) reproduces the `authorizationDigest` the API
returned, the signature recovers to the staking contract's `authorization_signer()`, and it
names this vault, its model and the open round. The amount is checked against a mirror of
`stake_round`'s own checks before the pipeline simulates it.

Idempotence (two keepers at once, or a keeper and the owner): every action reads the chain
first and skips what is done; a simulation that reverts, or a send the node refuses, is read
again and reported as "already done" when the chain shows the work done, else raised. Nothing
is signed that the pipeline's simulation says reverts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import BoundRead, ContractAbi
from numerbay_desktop.chain.errors import CallReverted, ChainError
from numerbay_desktop.chain.tracking import TxState
from numerbay_desktop.chain.txflow import Prepared, TxIntent, TxPipeline, TxSigner
from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.models import StakeAuthorization, StakeClaim
from numerbay_desktop.services.round_calendar import (
    CalendarRow,
    SequenceFacts,
    StakeProposal,
    VaultFigures,
    build_calendar,
    nmr_text,
    propose_stake,
    stake_refusal,
)

log = logging.getLogger("numerbay.round_work")

VAULT_ABI = ContractAbi.load("NumerBayVault")
LENS_ABI = ContractAbi.load("VaultLens")
FACTORY_ABI = ContractAbi.load("VaultFactory")
STAKING_ABI = ContractAbi.load("LocalAtomicStaking")
_MINED_OK = (TxState.INCLUDED, TxState.CONFIRMED, TxState.FINALIZED)
_REPLACED_RECHECKS = 5
_RECHECK_DELAY_S = 0.4
APPLY_MAX = 64
FULFILL_MAX = 50


class RoundWorkError(NumerbayError):
    """The round work cannot go on (the message says why and what to do)."""


@dataclass(frozen=True)
class ActionResult:
    """What one action did, in plain words."""

    action: str  # "stake", "settle", "sync", "write_off", "apply", "fulfill", "none"
    done: bool  # True: this call sent a transaction that succeeded
    message: str
    round_id: int | None = None
    amount: int | None = None
    tx_hash: str | None = None
    already_done: bool = False  # found done (by someone else, or before)


@dataclass(frozen=True)
class VaultState:
    """One consistent read of a vault (one block)."""

    vault: str
    block: int
    now: int  # the block's timestamp
    info: dict[str, Any]
    figures: VaultFigures
    model_id: bytes
    staking: str

    @property
    def numerai_model_id(self) -> str:
        return abs_codec.numerai_model_id(self.model_id)


@dataclass(frozen=True)
class StakePlan:
    """A stake ready for review: `prepared.review` is what the user confirms (None when the
    caller reviews `intent` itself, e.g. the app's review dialog)."""

    vault: str
    round_id: int
    amount: int
    proposal: StakeProposal
    authorization: StakeAuthorization
    prepared: Prepared | None
    intent: TxIntent


@dataclass(frozen=True)
class SettleStep:
    """One settlement call for a staked round: settle_round with a checked proof, or
    sync_round for a position Numerai paid out itself."""

    action: str  # "settle" or "sync"
    round_id: int
    intent: TxIntent
    what: str


@dataclass
class _Unrecorded:
    facts: SequenceFacts
    extra: dict[str, Any] = field(default_factory=dict)


def _uint(raw: bytes) -> int:
    return int.from_bytes(raw[:32], "big") if len(raw) >= 32 else 0


def _record(read: BoundRead, value: Any) -> dict[str, Any]:
    names = read.function.output_fields
    values = value if isinstance(value, tuple) and len(names) == len(value) else (value,)
    return dict(zip(names, values, strict=True))


class RoundWorkService:
    def __init__(
        self, chain: ChainClient, numerai: NumeraiClient, pipeline: TxPipeline,
        *, lens: str | None = None, wait_timeout_s: float = 120.0,
    ) -> None:
        self.chain = chain
        self.numerai = numerai
        self.pipeline = pipeline
        self._lens = lens
        self.wait_timeout_s = wait_timeout_s

    # ------------------------------------------------------------------ reads

    async def lens_address(self, vault: str) -> str:
        if self._lens is None:
            factory = await self.chain.read(VAULT_ABI.at(vault).read("factory"))
            self._lens = str(await self.chain.read(FACTORY_ABI.at(factory).read("lens")))
        return self._lens

    async def read_vault(self, vault: str) -> VaultState:
        vault = str(to_checksum_address(vault))
        lens = LENS_ABI.at(await self.lens_address(vault))
        info_read = lens.read("vault_info", vault)
        words_read = VAULT_ABI.at(vault).read("state_words")
        session, values = await self.chain.pin_and_read([info_read, words_read])
        for value in values:
            if isinstance(value, CallReverted):
                raise RoundWorkError(f"{vault} is not a NumerBay vault this app can read.")
        info = _record(info_read, values[0])
        words = [int(w) for w in values[1]]
        header = await self.chain.get_block(session.block_number)
        figures = VaultFigures(
            total_assets=int(info["total_assets"]), idle=int(info["idle"]),
            at_stake=int(info["at_stake"]), exposed_value=int(info["exposed_value"]),
            claimable_total=int(info["claimable_total"]), exits_due=int(info["exits_due"]),
            fees_owed=int(info["fees_owed"]), exiting_units=words[5], index_ray=words[6],
            max_round_bps=int(info["max_round_bps"]),
            max_at_stake_bps=int(info["max_at_stake_bps"]), last_round_id=words[13],
            shut_down=bool(info["shut_down"]), stalled=bool(info["stalled"]),
        )
        return VaultState(vault, session.block_number, header.timestamp, info, figures,
                          bytes(info["model_id"]), str(info["staking"]))

    async def _sequences(self, state: VaultState, first: int) -> list[_Unrecorded]:
        """Sequences `first`..K with the staking contract's round and position of each."""
        count = int(state.info["stake_count"])
        if first > count:
            return []
        lens = LENS_ABI.at(await self.lens_address(state.vault))
        session = self.chain.pinned(state.block)
        seq_reads = [lens.read("sequence", state.vault, j) for j in range(first, count + 1)]
        seqs = [_record(r, v) for r, v in zip(seq_reads, await session.read_many(seq_reads),
                                              strict=True)]
        staking = STAKING_ABI.at(state.staking)
        round_reads = [staking.read("round", int(s["round_id"])) for s in seqs]
        position_reads = [staking.read("position", int(s["round_id"]), state.vault,
                                       state.model_id) for s in seqs]
        values = await session.read_many([*round_reads, *position_reads])
        out = []
        for j, (s, rv, pv) in enumerate(
            zip(seqs, values[: len(seqs)], values[len(seqs):], strict=True), start=first
        ):
            rnd, pos = _record(round_reads[0], rv), _record(position_reads[0], pv)
            facts = SequenceFacts(
                seq=j, round_id=int(s["round_id"]), amount=int(s["amount"]),
                stake_time=int(s["stake_time"]), recorded=bool(s["recorded"]),
                written_off=bool(s["written_off"]), applied=bool(s["applied"]),
                received=int(s["received"]), return_ray=int(s["return_ray"]),
                close_time=int(rnd["close_time"]), resolved=bool(rnd["resolved"]),
                position_settled=bool(pos["claimed"] or pos["finalized"]),
            )
            out.append(_Unrecorded(facts, {"merkle_root": bytes(rnd["merkle_root"])}))
        return out

    async def _open_round(self, state: VaultState) -> tuple[int, int] | None:
        """(round id, close time) of the round taking stakes now, per Numerai and the chain."""
        current = await self.numerai.current_round()
        read = STAKING_ABI.at(state.staking).read("round", current.number)
        rnd = _record(read, await self.chain.read(read, state.block))
        open_time, close_time = int(rnd["open_time"]), int(rnd["close_time"])
        if close_time == 0 or not open_time <= state.now < close_time or rnd["resolved"]:
            return None
        return current.number, close_time

    # ------------------------------------------------------------------ calendar

    async def calendar(self, vault: str, *, last: int = 64) -> list[CalendarRow]:
        """The open round (if not staked) and the last `last` staked rounds, newest first."""
        state = await self.read_vault(vault)
        count = int(state.info["stake_count"])
        facts = [u.facts for u in await self._sequences(state, max(1, count - last + 1))]
        opened = await self._open_round(state)
        resolve_times: dict[int, int] = {}
        try:
            for r in await self.numerai.rounds(limit=max(last, 64)):
                if r.resolve_time is not None:
                    resolve_times[r.number] = int(r.resolve_time.timestamp())
        except NumerbayError as error:  # the calendar still shows the chain's facts
            log.info("Numerai's round times are unavailable: %s", error)
        return build_calendar(
            facts, state.now, applied_count=int(state.info["applied_count"]),
            open_round=opened[0] if opened else None,
            open_close_time=opened[1] if opened else None, resolve_times=resolve_times,
        )

    # ------------------------------------------------------------------ staking

    async def propose_stake(self, vault: str) -> StakeProposal:
        return propose_stake((await self.read_vault(vault)).figures)

    async def prepare_stake(
        self, vault: str, sender: str, amount: int | None = None, *, simulate: bool = True
    ) -> StakePlan | ActionResult:
        """Everything up to the review: a StakePlan, or an ActionResult saying why there is
        nothing to stake (already staked, no open round, no submission, nothing free).
        `simulate=False` leaves the simulation to the caller's review (plan.prepared None)."""
        await self._await_own_pending(sender)
        state = await self.read_vault(vault)
        opened = await self._open_round(state)
        if opened is None:
            return ActionResult("none", False, "No round is open for stakes right now.")
        round_id = opened[0]
        if state.figures.last_round_id >= round_id:
            return ActionResult("stake", False, f"Round {round_id} is already staked by this "
                                f"vault.", round_id=round_id, already_done=True)
        proposal = propose_stake(state.figures)
        amount = proposal.amount if amount is None else amount
        if proposal.refusal and amount == proposal.amount:
            return ActionResult("none", False, proposal.refusal, round_id=round_id)
        refusal = stake_refusal(state.figures, round_id, amount)
        if refusal:
            raise RoundWorkError(f"Round {round_id} cannot be staked: {refusal}")
        submission = next((s for s in await self.numerai.submissions(state.numerai_model_id)
                           if s.round_number == round_id), None)
        if submission is None:
            return ActionResult("none", False, f"The model has no submission for round "
                                f"{round_id}; nothing to stake.", round_id=round_id)
        auth = await self.numerai.stake_auth(submission.id, state.vault,
                                             Decimal(amount).scaleb(-18))
        await self.verify_authorization(auth, state, round_id, amount)
        intent = TxIntent(state.vault, VAULT_ABI.at(state.vault).calldata(
            "stake_round", auth.struct().as_tuple(), amount, bytes.fromhex(auth.signature[2:])),
            label=f"Stake {nmr_text(amount)} on round {round_id}")
        if not simulate:
            return StakePlan(state.vault, round_id, amount, proposal, auth, None, intent)
        try:
            prepared = await self.pipeline.prepare(sender, [intent])
        except ChainError as error:  # TxWouldRevert and the node's refusals
            if await self._staked(state.vault, round_id):
                return ActionResult("stake", False, f"Round {round_id} is already staked by "
                                    "this vault (found after the check).", round_id=round_id,
                                    already_done=True)
            raise RoundWorkError(f"Staking round {round_id} would fail: {error}") from None
        return StakePlan(state.vault, round_id, amount, proposal, auth, prepared, intent)

    async def verify_authorization(self, auth: StakeAuthorization, state: VaultState,
                                   round_id: int, amount: int) -> None:
        """Our EIP-712 encoding must give the served digest; the signer must be the staking
        contract's; the authorization must name this vault, its model and this round."""
        struct = auth.struct()
        digest = abs_codec.authorization_digest(
            struct, chain_id=self.pipeline.chain_id, verifying_contract=state.staking)
        if "0x" + digest.hex() != auth.authorization_digest:
            raise RoundWorkError("Numerai's authorization digest is not our own encoding of "
                                 "it for this chain and staking contract; nothing was staked.")
        signer = await self.chain.read(STAKING_ABI.at(state.staking).read(
            "authorization_signer"))
        recovered = abs_codec.recover_authorization_signer(
            struct, bytes.fromhex(auth.signature[2:]), chain_id=self.pipeline.chain_id,
            verifying_contract=state.staking)
        if recovered.lower() != str(signer).lower():
            raise RoundWorkError("The authorization is not signed by the staking contract's "
                                 "authorization signer; nothing was staked.")
        if (struct.staker != state.vault or struct.model_id != state.model_id
                or struct.round_id != round_id or struct.max_amount < amount):
            raise RoundWorkError("Numerai's authorization is for another vault, model, round "
                                 "or amount; nothing was staked.")

    async def _await_own_pending(self, sender: str) -> None:
        """Another process sending from this account (a second keeper) may have a transaction
        in flight: let it be mined first, so our checks and simulation see its effect."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_timeout_s
        while loop.time() < deadline:
            pending, mined = await asyncio.gather(
                self.chain.get_transaction_count(sender, "pending"),
                self.chain.get_transaction_count(sender, "latest"))
            if pending <= mined:
                return
            log.info("waiting for %d pending transaction(s) of %s", pending - mined, sender)
            await asyncio.sleep(_RECHECK_DELAY_S)

    async def _staked(self, vault: str, round_id: int) -> bool:
        words = await self.chain.read(VAULT_ABI.at(vault).read("state_words"))
        return int(words[13]) >= round_id

    async def send(self, plan: StakePlan, signer: TxSigner) -> ActionResult:
        """Sign, send and wait for a reviewed stake."""
        what = f"Staked {nmr_text(plan.amount)} on round {plan.round_id}"
        if plan.prepared is None:
            raise RoundWorkError("This stake was not simulated; prepare it with simulate=True.")
        return await self._send(plan.prepared, signer, "stake", what, plan.round_id,
                                plan.amount, lambda: self._staked(plan.vault, plan.round_id))

    async def stake_this_round(
        self, vault: str, signer: TxSigner, amount: int | None = None
    ) -> ActionResult:
        plan = await self.prepare_stake(vault, signer.address, amount)
        if isinstance(plan, ActionResult):
            return plan
        return await self.send(plan, signer)

    async def _send(self, prepared: Prepared, signer: TxSigner, action: str, what: str,
                    round_id: int | None, amount: int | None, is_done: Any) -> ActionResult:
        slots = await self.pipeline.sign(prepared, signer)
        # Two keepers building the same call at the same nonce sign the very same bytes
        # (deterministic signatures): the node already knowing it means another was first.
        sent_by_other = await self.chain.get_transaction(slots[-1].hashes[-1]) is not None
        try:
            await self.pipeline.send(slots)
        except ChainError as error:  # e.g. "nonce too low": another keeper was first
            for slot in slots:
                self.pipeline.journal.mark(slot.hashes[-1], "dropped")
            if await is_done():
                return ActionResult(action, False, f"{what}: already done by another "
                                    "transaction (this one was not needed).", round_id,
                                    amount, already_done=True)
            raise RoundWorkError(f"{what} failed: {error}") from None
        status = await self.pipeline.wait(slots[-1], until=TxState.INCLUDED,
                                          timeout_s=self.wait_timeout_s)
        for _ in range(_REPLACED_RECHECKS):
            # A node may count the nonce as used a moment before it serves the receipt
            # (anvil under load): "replaced" is confirmed by looking again.
            if status.state is not TxState.REPLACED:
                break
            await asyncio.sleep(_RECHECK_DELAY_S)
            status = await self.pipeline.poll(slots[-1])
        receipt = status.receipt
        succeeded = status.state in _MINED_OK and receipt is not None and receipt.succeeded
        if not succeeded:  # reverted, or replaced by another transaction at its nonce
            if await is_done():
                return ActionResult(action, False, f"{what}: already done by another "
                                    f"transaction (ours is {status.state.value}: "
                                    f"{status.message or 'no detail'}).", round_id, amount,
                                    status.tx_hash, True)
            raise RoundWorkError(f"{what} did not happen: the transaction {status.tx_hash} is "
                                 f"{status.state.value}.")
        if sent_by_other:
            return ActionResult(action, False, f"{what}: already done by the same transaction "
                                f"from another keeper ({status.tx_hash}).", round_id, amount,
                                status.tx_hash, True)
        return ActionResult(action, True, f"{what} (transaction {status.tx_hash}).",
                            round_id, amount, status.tx_hash)

    # ------------------------------------------------------------------ settling

    async def settlement_steps(self, vault: str) -> list[SettleStep]:
        """settle_round for each resolved claim (proof checked locally first) and sync_round
        for each position Numerai finalized, oldest round first."""
        state = await self.read_vault(vault)
        first = int(state.info["applied_count"]) + 1
        pending = [u for u in await self._sequences(state, first) if not u.facts.recorded]
        if not pending:
            return []
        claims = await self._claims(state, pending)
        vault_at = VAULT_ABI.at(state.vault)
        steps = []
        for u in pending:
            f = u.facts
            if f.position_settled:
                what = f"Synced round {f.round_id} (Numerai paid it out)"
                data = vault_at.calldata("sync_round", f.round_id)
                steps.append(SettleStep("sync", f.round_id, TxIntent(
                    state.vault, data, label=f"Sync round {f.round_id}"), what))
            elif f.round_id in claims:
                c = claims[f.round_id]
                proof = [bytes.fromhex(p[2:]) for p in c.proof]
                what = (f"Settled round {f.round_id}: payout {nmr_text(c.payout_wei)}, burn "
                        f"{nmr_text(c.burn_wei)}")
                data = vault_at.calldata("settle_round", f.round_id, c.payout_wei,
                                         c.burn_wei, proof)
                steps.append(SettleStep("settle", f.round_id, TxIntent(
                    state.vault, data, label=f"Settle round {f.round_id}"), what))
        return steps

    async def settle_ready(self, vault: str, signer: TxSigner) -> list[ActionResult]:
        """Every settlement step (see settlement_steps), then apply and fulfill when they
        have work."""
        vault = str(to_checksum_address(vault))
        results: list[ActionResult] = []
        for step in await self.settlement_steps(vault):
            results.append(await self._call(vault, signer, step.action, step.intent.data,
                                            step.what, step.round_id))
        results += await self._apply_and_fulfill(vault, signer)
        return results

    async def _claims(self, state: VaultState, pending: Sequence[_Unrecorded]
                      ) -> dict[int, StakeClaim]:
        """Numerai's claims for this vault's unsettled rounds whose proof checks out locally
        against the root the staking contract holds."""
        roots = {u.facts.round_id: u.extra["merkle_root"] for u in pending if u.facts.resolved}
        if not roots:
            return {}
        model = "0x" + state.model_id.hex()
        found: dict[int, StakeClaim] = {}
        for claim in await self.numerai.stake_claims(state.vault):
            if claim.round_id not in roots or claim.model_id != model:
                continue
            if claim.staker != state.vault.lower():
                continue
            if not claim.proof_is_valid() or bytes.fromhex(claim.merkle_root[2:]) != roots[
                    claim.round_id]:
                log.warning("round %d: Numerai's proof does not match the chain; skipped",
                            claim.round_id)
                continue
            found[claim.round_id] = claim
        return found

    async def _apply_and_fulfill(self, vault: str, signer: TxSigner) -> list[ActionResult]:
        results = []
        vault_at = VAULT_ABI.at(vault)
        write_off = vault_at.calldata("write_off")
        try:  # reverts unless the next sequence waited longer than max_settle_delay
            await self.chain.call(TxRequest(vault, write_off, sender=signer.address))
        except ChainError:
            pass
        else:
            results.append(await self._call(
                vault, signer, "write_off", write_off,
                "Wrote off the oldest unsettled round (no result within the settle delay)",
                None))
        for action, data, what in (
            ("apply", vault_at.calldata("apply", APPLY_MAX), "Applied {n} recorded rounds"),
            ("fulfill", vault_at.calldata("fulfill", FULFILL_MAX), "Fulfilled {n} final exits"),
        ):
            try:
                raw = await self.chain.call(TxRequest(vault, data, sender=signer.address))
            except ChainError:
                continue  # nothing it can do now
            count = _uint(raw)
            if count > 0:
                results.append(await self._call(vault, signer, action, data,
                                                what.format(n=count), None))
        return results

    async def _no_work_left(self, vault: str, sender: str, data: bytes) -> bool:
        try:
            return _uint(await self.chain.call(TxRequest(vault, data, sender=sender))) == 0
        except ChainError:
            return False

    async def _call(self, vault: str, signer: TxSigner, action: str, data: bytes, what: str,
                    round_id: int | None) -> ActionResult:
        """One settlement-side call: simulated, sent, waited for; "already done" when the
        chain shows the work done meanwhile."""

        async def done() -> bool:
            if action == "write_off":
                try:
                    await self.chain.call(TxRequest(vault, data, sender=signer.address))
                except ChainError:
                    return True  # nothing (left) to write off
                return False
            if round_id is None:  # apply / fulfill: done once nothing is left to do
                return await self._no_work_left(vault, signer.address, data)
            state = await self.read_vault(vault)
            j = next((u for u in await self._sequences(state, 1)
                      if u.facts.round_id == round_id), None)
            return j is not None and j.facts.recorded

        await self._await_own_pending(signer.address)
        try:
            prepared = await self.pipeline.prepare(signer.address,
                                                   [TxIntent(vault, data, label=what)])
        except ChainError as error:
            if await done():
                return ActionResult(action, False, f"{what}: already done.", round_id,
                                    already_done=True)
            return ActionResult(action, False, f"{what.split(':')[0]} would fail: {error}",
                                round_id)
        return await self._send(prepared, signer, action, what, round_id, None, done)

    # ------------------------------------------------------------------ everything

    async def run_once(self, vault: str, signer: TxSigner) -> list[ActionResult]:
        """The day's work: settle what is ready, then stake the open round."""
        results = await self.settle_ready(vault, signer)
        try:
            results.append(await self.stake_this_round(vault, signer))
        except InvalidInput as error:
            results.append(ActionResult("stake", False, str(error)))
        return results
