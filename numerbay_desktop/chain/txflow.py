"""The one pipeline every write goes through:
build → simulate → review → sign (hot key) or export/import (offline) → send → track →
speed-up / cancel.

The UI drives it step by step; each step is an awaitable on `TxPipeline`::

    pipeline = TxPipeline(client, NonceJournal.open(data_dir), names=names,
                          known_addresses=registry.known_addresses(), on_status=callback)
    draft = await pipeline.build(sender, [TxIntent(nmr, approve_data, label="Approve"),
                                          TxIntent(vault, deposit_data, label="Deposit")])
    prepared = await pipeline.simulate(draft)     # TxWouldRevert: stop, show .reason
    show(prepared.review)                         # the review dialog (plain dataclasses)
    prepared = pipeline.with_fee(prepared, "aggressive")   # or custom_fee(max, tip)
    # hot account:  (signer: TxSigner, e.g. services.tx_signing.KeySigner)
    sent = await pipeline.sign(prepared, signer)  # journaled, not sent yet
    # offline: prepared.transactions (UnsignedTx, consecutive nonces) go into ONE request
    # envelope (services.tx_signing.export_request); the signed raw bytes come back:
    sent = await pipeline.attach_signed(prepared, raw_transactions)
    sent = await pipeline.send(sent)              # idempotent; refused on a wrong chain
    async for status in pipeline.track(sent[-1]):  # TxStatus: pending → included → confirmed
        ...
    replacement = await pipeline.prepare_speed_up(sent[0])   # or prepare_cancel(sent[0])
    # ...reviewed, signed and sent like any other Prepared; tracking follows the nonce slot.
    await pipeline.recover(sender)                # at start-up: resend or reconcile the journal

Guarantees: nothing is signed that reverts in simulation (a batch is simulated as one
bundle: `txsim.py`); every signed transaction is in the nonce journal before it is sent
(`store/nonce_journal.py`), so a crash leaves it to `recover()`; the next nonce is
max(the node's pending nonce, the journal's); the node's chain id is checked before
building and again right before each send (`WrongChain`, nothing sent); a speed-up or cancel
reuses the nonce with both fee fields ≥ 12.5% higher (`fees.replacement_fee`).

Status reaches the UI two ways: `on_status(sent_tx, status)` on every change (called on the
event loop's thread), and `track()` as an async iterator. `poll(sent_tx)` is one look.

Errors a step can raise (all NumerbayError, messages a user can act on): `TxWouldRevert`
(simulation: `.index` of the failing call, `.reason` decoded from the bundled ABIs),
`BundleNotSimulable` (a node without eth_simulateV1 and a dependency other than an
approval), `WrongChain` (build/send), `SignedCheckError` (signed bytes that are not what was
prepared), `InvalidInput` (a nonce taken meanwhile: prepare again; a replacement fee under
+12.5%), and the client's RpcUnavailable / RpcTimeout / RpcRejected.

The wallet is a sibling layer that chain/ cannot import: hot signing and the offline
envelopes are joined to the pipeline in `services/tx_signing.py` (`KeySigner`,
`export_request`, `signed_transactions`). Unlocking a key (scrypt) belongs in a worker
thread; signing itself takes milliseconds and runs inline. Only EIP-1559 (type 2)
transactions are built.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import ContractNames
from numerbay_desktop.chain.errors import ChainError, RpcRejected
from numerbay_desktop.chain.fees import (
    FeeChoice,
    FeePresets,
    fee_history_from_rpc,
    fee_history_request,
    is_valid_replacement,
    presets_or_fallback,
    replacement_fee,
)
from numerbay_desktop.chain.hexvalues import hex_quantity
from numerbay_desktop.chain.tracking import TxState, TxStatus, observe
from numerbay_desktop.chain.txreview import SimulationResult, TxReview, build_review
from numerbay_desktop.chain.txsigned import (
    SignedCheckError,
    UnsignedTx,
    check_signed,
    decode_unsigned,
)
from numerbay_desktop.chain.txsim import BundleNotSimulable, Simulator, TxWouldRevert
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.store.nonce_journal import JournalEntry, JournalStatus, NonceJournal

__all__ = [
    "BundleNotSimulable", "Draft", "Prepared", "SentTx", "SignedCheckError", "TxIntent",
    "TxPipeline", "TxSigner", "TxWouldRevert", "UnsignedTx",
]

TxKind = Literal["normal", "speed_up", "cancel"]
_ORDER = {TxState.PENDING: 0, TxState.DROPPED: 0, TxState.INCLUDED: 1, TxState.CONFIRMED: 2,
          TxState.FINALIZED: 3}
_JOURNAL_STATUS: dict[TxState, JournalStatus] = {
    TxState.PENDING: "sent", TxState.INCLUDED: "included", TxState.CONFIRMED: "confirmed",
    TxState.FINALIZED: "finalized", TxState.FAILED: "failed", TxState.REPLACED: "replaced",
}

_UNDERPRICED = re.compile(
    r"(fee|gas price).{0,40}(less|lower|below).{0,20}base ?fee|fee cap less than", re.IGNORECASE
)
_STUCK = ("Its max fee is below the current base fee, so it cannot be mined now; speed it up, "
          "or wait for fees to fall.")


@dataclass(frozen=True, slots=True)
class TxIntent:
    """What a service wants done: a call (or an ETH transfer) from the sender."""

    to: str | None
    data: bytes = b""
    value: int = 0
    label: str = ""  # "Approve 10 NMR", "Deposit into model-3": for the activity list


class TxSigner(Protocol):
    """A hot account: signs an UnsignedTx and returns the raw signed bytes."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, tx: UnsignedTx) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Draft:
    """Built, not simulated: nonces and fees chosen."""

    batch_id: str
    sender: str
    chain_id: int
    intents: tuple[TxIntent, ...]
    first_nonce: int
    presets: FeePresets
    fee: FeeChoice
    kind: TxKind = "normal"
    replaces: str | None = None
    sender_balance: int | None = None  # ETH, wei, at build time


@dataclass(frozen=True, slots=True)
class Prepared:
    """Simulated and reviewed: what the user confirms. `transactions` are what gets signed."""

    draft: Draft
    transactions: tuple[UnsignedTx, ...]
    review: TxReview

    @property
    def sender(self) -> str:
        return self.draft.sender


@dataclass(eq=False)
class SentTx:
    """One nonce slot being tracked: the signed transaction and any speed-up or cancel of
    it (`hashes`, oldest first; the newest is the one the node should mine)."""

    sender: str
    chain_id: int
    nonce: int
    hashes: list[str]
    raw: dict[str, bytes]
    fees: dict[str, FeeChoice]
    label: str = ""
    batch_id: str | None = None
    status: TxStatus | None = None
    sent: bool = False
    intent: TxIntent | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def tx_hash(self) -> str:
        """The winner once mined, else the newest candidate."""
        if self.status is not None and self.status.state.is_mined:
            return self.status.tx_hash
        return self.hashes[-1]

    @property
    def fee(self) -> FeeChoice:
        return self.fees[self.hashes[-1]]


StatusCallback = Callable[[SentTx, TxStatus], None]


class TxPipeline:
    """The write pipeline for one network (one ChainClient) and one nonce journal."""

    def __init__(
        self,
        client: ChainClient,
        journal: NonceJournal,
        *,
        names: ContractNames | None = None,
        known_addresses: Iterable[str] = (),
        trusted_contracts: Iterable[str] = (),
        confirmations: int = 3,
        poll_interval_s: float = 1.0,
        on_status: StatusCallback | None = None,
        use_simulate_v1: bool | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.network = client.network
        self.names = names or ContractNames.for_network(client.network)
        self.known_addresses = list(known_addresses)
        self.trusted_contracts = list(trusted_contracts)
        self.confirmations = confirmations
        self.poll_interval_s = poll_interval_s
        self.on_status = on_status
        self.simulator = Simulator(client, use_simulate_v1=use_simulate_v1)
        self._slots: dict[tuple[str, int], SentTx] = {}

    @property
    def chain_id(self) -> int:
        return self.network.chain_id

    # ------------------------------------------------------------------ build

    async def next_nonce(self, sender: str) -> int:
        """max(the node's pending nonce, one past the journal's highest signed nonce)."""
        sender = _address(sender)
        on_chain = await self.client.get_transaction_count(sender, "pending")
        journaled = self.journal.next_nonce(self.chain_id, sender)
        return max(on_chain, journaled or 0)

    async def build(
        self,
        sender: str,
        intents: Sequence[TxIntent],
        *,
        fee: str | FeeChoice = "market",
        nonce: int | None = None,
    ) -> Draft:
        """Nonces (consecutive) and fees for `intents`, after checking the node's chain."""
        if not intents:
            raise InvalidInput("There is nothing to send.")
        await self.client.connect()  # WrongChain before anything else
        sender = _address(sender)
        # fee history, pending nonce and balance in one JSON-RPC batch
        history, pending, balance = await self.client.batch([
            fee_history_request(),
            ("eth_getTransactionCount", [sender, "pending"]),
            ("eth_getBalance", [sender, "latest"]),
        ])
        fee_history = fee_history_from_rpc(history.value) if history.error is None else None
        presets = await presets_or_fallback(self.client, fee_history)
        if nonce is not None:
            first = nonce
        else:
            journaled = self.journal.next_nonce(self.chain_id, sender)
            first = max(hex_quantity(pending.unwrap()), journaled or 0)
        balance_wei = hex_quantity(balance.unwrap())
        choice = presets.get(fee) if isinstance(fee, str) else fee
        return Draft(uuid.uuid4().hex, sender, self.chain_id, tuple(intents), first, presets,
                     choice, sender_balance=balance_wei)

    # ------------------------------------------------------------------ simulate + review

    async def simulate(self, draft: Draft) -> Prepared:
        """Simulate the batch as one bundle; TxWouldRevert stops here (nothing signed)."""
        requests = [TxRequest(i.to, i.data, sender=draft.sender, value=i.value)
                    for i in draft.intents]
        simulation = await self.simulator.simulate(requests)
        transactions = tuple(
            UnsignedTx(
                chain_id=draft.chain_id, nonce=draft.first_nonce + index,
                to=None if intent.to is None else _address(intent.to), value=intent.value,
                data=intent.data, gas=simulation.gas_limits[index],
                max_fee_per_gas=draft.fee.max_fee_per_gas,
                max_priority_fee_per_gas=draft.fee.max_priority_fee_per_gas,
            )
            for index, intent in enumerate(draft.intents)
        )
        return Prepared(draft, transactions, self._review(draft, transactions, simulation))

    async def prepare(
        self, sender: str, intents: Sequence[TxIntent], *, fee: str | FeeChoice = "market"
    ) -> Prepared:
        """build + simulate."""
        return await self.simulate(await self.build(sender, intents, fee=fee))

    def with_fee(
        self,
        prepared: Prepared,
        fee: str | FeeChoice | None = None,
        *,
        gas_limits: Sequence[int] | None = None,
    ) -> Prepared:
        """The same batch with another preset or custom fees, and/or the review dialog's
        advanced gas limits (one per transaction, none below what the simulation used).
        No new simulation is needed."""
        if fee is None:
            choice = prepared.draft.fee
        else:
            choice = prepared.draft.presets.get(fee) if isinstance(fee, str) else fee
        if prepared.draft.kind != "normal":
            old = self._slots.get((prepared.sender, prepared.transactions[0].nonce))
            if old is not None and not is_valid_replacement(old.fee, choice):
                raise InvalidInput(
                    "A replacement must raise both the max fee and the priority fee by at "
                    "least 12.5%."
                )
        simulation = prepared.review.simulation
        if gas_limits is not None:
            limits = tuple(gas_limits)
            if len(limits) != len(prepared.transactions):
                raise InvalidInput("Give one gas limit per transaction.")
            for index, (limit, used) in enumerate(zip(limits, simulation.gas_used, strict=True)):
                if limit < used:
                    raise InvalidInput(
                        f"The gas limit of transaction {index + 1} ({limit:,}) is below the "
                        f"{used:,} its simulation used; it would run out of gas."
                    )
            simulation = replace(simulation, gas_limits=limits)
        draft = replace(prepared.draft, fee=choice)
        transactions = tuple(
            replace(tx, max_fee_per_gas=choice.max_fee_per_gas,
                    max_priority_fee_per_gas=choice.max_priority_fee_per_gas,
                    gas=simulation.gas_limits[index])
            for index, tx in enumerate(prepared.transactions)
        )
        return Prepared(draft, transactions, self._review(draft, transactions, simulation))

    def _review(
        self, draft: Draft, transactions: Sequence[UnsignedTx], simulation: SimulationResult
    ) -> TxReview:
        return build_review(
            network=self.network, sender=draft.sender,
            calls=[(t.nonce, t.to, t.data, t.value) for t in transactions], fee=draft.fee,
            presets=draft.presets, simulation=simulation, names=self.names,
            known_addresses=[draft.sender, *self.known_addresses],
            trusted_contracts=self.trusted_contracts, chain_id=draft.chain_id,
            sender_balance=draft.sender_balance,
        )

    # ------------------------------------------------------------------ sign

    async def sign(self, prepared: Prepared, signer: TxSigner) -> list[SentTx]:
        """Sign every transaction with a hot account and journal them (not sent yet)."""
        if _address(signer.address) != prepared.sender:
            raise InvalidInput("This account is not the sender of these transactions.")
        raws = [signer.sign_transaction(tx) for tx in prepared.transactions]
        return await self.attach_signed(prepared, raws)

    async def attach_signed(self, prepared: Prepared, raw_txs: Sequence[bytes]) -> list[SentTx]:
        """Signed bytes (from a hot signer or an offline response): each is checked against
        what was prepared (fields, chain, signer), then all are journaled in one write."""
        if len(raw_txs) != len(prepared.transactions):
            raise SignedCheckError("One signed transaction is needed per prepared transaction.")
        if any(tx.chain_id != self.chain_id for tx in prepared.transactions):
            raise SignedCheckError("These transactions are for another chain than this node's.")
        hashes = [check_signed(raw, tx, prepared.sender)
                  for raw, tx in zip(raw_txs, prepared.transactions, strict=True)]
        draft = prepared.draft
        if draft.kind == "normal":
            self._refuse_reused_nonces(prepared, hashes)
        entries = [
            JournalEntry(
                tx_hash=h, chain_id=tx.chain_id, sender=prepared.sender, nonce=tx.nonce,
                raw_tx=raw, kind=draft.kind, replaces=draft.replaces if i == 0 else None,
                batch_id=draft.batch_id, label=intent.label,
            )
            for i, (h, raw, tx, intent) in enumerate(
                zip(hashes, raw_txs, prepared.transactions, draft.intents, strict=True))
        ]
        self.journal.record_signed(entries)
        return [self._slot_for(prepared, tx, h, bytes(raw), intent)
                for tx, h, raw, intent in zip(prepared.transactions, hashes, raw_txs,
                                              draft.intents, strict=True)]

    def _refuse_reused_nonces(self, prepared: Prepared, hashes: Sequence[str]) -> None:
        """Two batches prepared at once would share nonces: the second would silently
        replace the first. Refuse it; it must be prepared again (it gets fresh nonces)."""
        for tx, tx_hash in zip(prepared.transactions, hashes, strict=True):
            for entry in self.journal.with_nonce(self.chain_id, prepared.sender, tx.nonce):
                if entry.tx_hash != tx_hash and entry.status != "dropped":
                    raise InvalidInput(
                        f"Nonce {tx.nonce} was used by another transaction since this one was "
                        "prepared; prepare it again."
                    )

    def _slot_for(self, prepared: Prepared, tx: UnsignedTx, tx_hash: str, raw: bytes,
                  intent: TxIntent) -> SentTx:
        key = (prepared.sender, tx.nonce)
        slot = self._slots.get(key)
        if slot is None or prepared.draft.kind == "normal":
            slot = SentTx(prepared.sender, tx.chain_id, tx.nonce, [], {}, {},
                          label=intent.label, batch_id=prepared.draft.batch_id, intent=intent)
            self._slots[key] = slot
        if tx_hash not in slot.hashes:
            slot.hashes.append(tx_hash)
        slot.raw[tx_hash] = raw
        slot.fees[tx_hash] = prepared.draft.fee
        slot.sent = False
        return slot

    # ------------------------------------------------------------------ send

    async def send(self, slots: Sequence[SentTx]) -> list[SentTx]:
        """Broadcast in nonce order. Idempotent: a resend, or a lost reply, resolves by the
        transaction's hash. The node's chain id is checked again right before each send."""
        for slot in sorted(slots, key=lambda s: s.nonce):
            await self._send_newest(slot)
        return list(slots)

    async def sign_and_send(self, prepared: Prepared, signer: TxSigner) -> list[SentTx]:
        return await self.send(await self.sign(prepared, signer))

    async def _send_newest(self, slot: SentTx) -> None:
        if slot.chain_id != self.chain_id:
            raise SignedCheckError("This transaction is for another chain than this node's.")
        tx_hash = slot.hashes[-1]
        async with slot._lock:
            sent_hash = await self.client.send_raw_transaction(slot.raw[tx_hash])
            if sent_hash.lower() != tx_hash:
                raise ChainError("The node reported another hash for this transaction.")
            self.journal.mark(tx_hash, "sent")
            slot.sent = True

    # ------------------------------------------------------------------ track

    async def poll(self, slot: SentTx) -> TxStatus:
        """One look at the slot; a transaction the node lost (dropped, or reorged away) is
        sent again from its journaled bytes. Calls `on_status` when the status changed."""
        status = await observe(self.client, slot.hashes, slot.sender, slot.nonce,
                               confirmations=self.confirmations, previous=slot.status)
        if status.state is TxState.DROPPED:
            try:
                await self._send_newest(slot)
            except RpcRejected as refused:
                if _UNDERPRICED.search(refused.node_message):
                    # Kept as sent: poll sends it again once the base fee falls below its cap.
                    status = replace(status, message=_STUCK)
                else:
                    self.journal.mark(slot.hashes[-1], "dropped")
                    status = replace(status, message=f"Sending it again failed: {refused}")
            else:
                status = replace(status, state=TxState.PENDING, tx_hash=slot.hashes[-1],
                                 message="The node had lost it; it was sent again.")
        base_fee = status.base_fee
        if status.state is TxState.PENDING and base_fee and base_fee > slot.fee.max_fee_per_gas:
            status = replace(status, message=_STUCK)
        self._journal_status(slot, status)
        changed = not status.same_as(slot.status)
        slot.status = status
        if changed and self.on_status is not None:
            self.on_status(slot, status)
        return status

    def _journal_status(self, slot: SentTx, status: TxStatus) -> None:
        journal_status = _JOURNAL_STATUS.get(status.state)
        if journal_status is None:
            return
        if status.state.is_mined:
            self.journal.mark(status.tx_hash, journal_status, block_number=status.block_number,
                              block_hash=status.block_hash)
            for other in slot.hashes:
                if other != status.tx_hash:
                    self.journal.mark(other, "replaced")
        elif status.state is TxState.REPLACED:
            for other in slot.hashes:
                self.journal.mark(other, "replaced")
        else:
            self.journal.mark(status.tx_hash, journal_status)

    async def track(
        self, slot: SentTx, *, until: TxState = TxState.CONFIRMED, timeout_s: float | None = None
    ) -> AsyncIterator[TxStatus]:
        """Statuses as they change, until the slot reaches `until` (CONFIRMED by default,
        or INCLUDED / FINALIZED) or ends (failed, replaced). TimeoutError after `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        last: TxStatus | None = None
        while True:
            status = await self.poll(slot)
            if not status.same_as(last):
                last = status
                yield status
            if status.is_final or _ORDER.get(status.state, -1) >= _ORDER[until]:
                return
            if deadline is not None and loop.time() >= deadline:
                raise TimeoutError(f"Transaction {slot.tx_hash} is still {status.state.value}.")
            await asyncio.sleep(self.poll_interval_s)

    async def wait(self, slot: SentTx, *, until: TxState = TxState.CONFIRMED,
                   timeout_s: float | None = None) -> TxStatus:
        last: TxStatus | None = None
        async for status in self.track(slot, until=until, timeout_s=timeout_s):
            last = status
        assert last is not None
        return last

    # ------------------------------------------------------------------ replace

    async def prepare_speed_up(self, slot: SentTx, fee: str | FeeChoice = "market") -> Prepared:
        """The same transaction at the same nonce, both fees ≥ 12.5% higher (and at least
        the chosen preset), simulated and reviewed like any other."""
        if slot.intent is None:
            raise InvalidInput("This transaction's contents are not known here; cancel it.")
        return await self._replacement(slot, slot.intent, fee, "speed_up")

    async def prepare_cancel(self, slot: SentTx, fee: str | FeeChoice = "market") -> Prepared:
        """A 0-value transfer to the sender itself at the same nonce, fees ≥ 12.5% higher."""
        intent = TxIntent(slot.sender, b"", 0, label=f"Cancel {slot.label}".strip())
        return await self._replacement(slot, intent, fee, "cancel")

    async def _replacement(
        self, slot: SentTx, intent: TxIntent, fee: str | FeeChoice, kind: TxKind
    ) -> Prepared:
        if slot.status is not None and slot.status.state.is_mined:
            raise InvalidInput("This transaction is already mined; it cannot be replaced.")
        draft = await self.build(slot.sender, [intent], nonce=slot.nonce)
        wanted = draft.presets.get(fee) if isinstance(fee, str) else fee
        choice = replacement_fee(slot.fee, wanted, name=kind.replace("_", "-"))
        draft = replace(draft, fee=choice, kind=kind, replaces=slot.hashes[-1])
        self._slots[(slot.sender, slot.nonce)] = slot
        return await self.simulate(draft)

    # ------------------------------------------------------------------ recovery

    async def recover(self, sender: str | None = None) -> list[SentTx]:
        """After a restart: every journaled transaction whose fate is open is looked up and,
        if the node does not know it and its nonce is still free, sent again. Returns the
        slots to keep tracking."""
        open_entries = self.journal.unsettled(self.chain_id, _address(sender) if sender else None)
        slots: list[SentTx] = []
        for key in sorted({(e.sender, e.nonce) for e in open_entries}, key=lambda k: k[1]):
            family = self.journal.with_nonce(self.chain_id, *key)
            slot = self._slots.get(key) or SentTx(
                key[0], self.chain_id, key[1], [], {}, {}, label=family[0].label,
                batch_id=family[0].batch_id,
            )
            for entry in family:
                if entry.status == "dropped" or entry.tx_hash in slot.raw:
                    continue
                tx = decode_unsigned(entry.raw_tx)
                slot.hashes.append(entry.tx_hash)
                slot.raw[entry.tx_hash] = entry.raw_tx
                slot.fees[entry.tx_hash] = FeeChoice(
                    "journal", tx.max_fee_per_gas, tx.max_priority_fee_per_gas
                )
                if entry.kind == "normal" and slot.intent is None:
                    slot.intent = TxIntent(tx.to, tx.data, tx.value, entry.label)
            if not slot.hashes:
                continue
            self._slots[key] = slot
            await self.poll(slot)
            slots.append(slot)
        return slots




def _address(value: str) -> str:
    return str(to_checksum_address(value))

