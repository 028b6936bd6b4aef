"""Where a sent transaction stands: pending, included, N confirmations, finalized, or
failed / replaced / dropped, with reorgs demoting it.

A transaction is tracked by its *nonce slot*: the original hash and every speed-up or
cancel signed for the same nonce are candidates, and whichever is mined wins (the others
are replaced). A receipt only counts while its block is still canonical: the block at the
receipt's height must have the receipt's block hash; when it does not (a reorg), or when a
receipt seen before disappears, the status goes back to pending (`reorged=True`) or to
dropped if the node no longer knows the transaction (txflow then resends its raw bytes).

`observe()` is one poll; txflow's `track()` loops over it.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from numerbay_desktop.chain.client import BlockHeader, ChainClient, Receipt
from numerbay_desktop.chain.errors import BadResponse, RpcRejected


class TxState(enum.Enum):
    PENDING = "pending"  # the node has it, no block yet
    INCLUDED = "included"  # in a canonical block, fewer confirmations than asked
    CONFIRMED = "confirmed"  # at least the asked confirmations
    FINALIZED = "finalized"  # at or below the node's finalized block
    FAILED = "failed"  # mined, but it reverted
    REPLACED = "replaced"  # a transaction not tracked here took the nonce
    DROPPED = "dropped"  # neither mined nor known to the node

    @property
    def is_mined(self) -> bool:
        return self in (TxState.INCLUDED, TxState.CONFIRMED, TxState.FINALIZED, TxState.FAILED)


@dataclass(frozen=True, slots=True)
class TxStatus:
    """One observation of a nonce slot."""

    state: TxState
    tx_hash: str  # the candidate that was mined, else the newest candidate
    nonce: int
    confirmations: int = 0
    block_number: int | None = None
    block_hash: str | None = None
    receipt: Receipt | None = None
    reorged: bool = False  # it was mined before, and that block is no longer canonical
    message: str = ""
    base_fee: int | None = None  # the head's base fee when observed (a pending tx whose max
    # fee is below it cannot be mined until it falls: the UI offers a speed-up)

    @property
    def is_final(self) -> bool:
        """Nothing will change any more (short of a deep reorg of a finalized block)."""
        return self.state in (TxState.FINALIZED, TxState.FAILED, TxState.REPLACED)

    def same_as(self, other: TxStatus | None) -> bool:
        return other is not None and (
            self.state, self.tx_hash, self.confirmations, self.block_hash, self.reorged
        ) == (other.state, other.tx_hash, other.confirmations, other.block_hash, other.reorged)


async def observe(
    client: ChainClient,
    candidates: Sequence[str],
    sender: str,
    nonce: int,
    *,
    confirmations: int = 3,
    previous: TxStatus | None = None,
) -> TxStatus:
    """The slot's status now. `candidates` are its hashes, oldest first."""
    if not candidates:
        raise ValueError("a nonce slot has at least one transaction")
    was_mined = previous is not None and previous.state.is_mined
    receipts = await asyncio.gather(*(client.get_transaction_receipt(h) for h in candidates))
    head = await client.get_block("latest")
    found = await _canonical_receipt(client, candidates, receipts, head)
    if found is not None:
        return await _mined_status(client, *found, nonce, head.number, confirmations)
    newest = candidates[-1]
    # A receipt seen now (or before) whose block is not canonical: a reorg in progress.
    reorged = was_mined or any(r is not None for r in receipts)
    mined_nonce = await client.get_transaction_count(sender, "latest")
    if mined_nonce > nonce:
        # One of ours may have been mined between the receipt lookups and the nonce read.
        receipts = await asyncio.gather(
            *(client.get_transaction_receipt(h) for h in candidates)
        )
        head = await client.get_block("latest")
        found = await _canonical_receipt(client, candidates, receipts, head)
        if found is not None:
            return await _mined_status(client, *found, nonce, head.number, confirmations)
        if not any(r is not None for r in receipts):
            # A node may count the nonce as used a moment before it serves the receipt:
            # while it still knows one of ours by hash, ours is the one being mined.
            for tx_hash in reversed(candidates):
                if await client.get_transaction(tx_hash) is not None:
                    return TxStatus(
                        TxState.PENDING, tx_hash, nonce, reorged=reorged,
                        base_fee=head.base_fee_per_gas,
                        message="Mined moments ago; waiting for the node's receipt.",
                    )
            return TxStatus(
                TxState.REPLACED, newest, nonce, reorged=reorged,
                message=f"Another transaction with nonce {nonce} was mined instead of this one.",
            )
        # The node still indexes one of ours in a block that is not canonical: wait for it.
        return TxStatus(
            TxState.PENDING, newest, nonce, reorged=True, base_fee=head.base_fee_per_gas,
            message="Its block was reorganised away; waiting for the node to catch up.",
        )
    for tx_hash in reversed(candidates):
        if await client.get_transaction(tx_hash) is not None:
            note = "Its block was reorganised away; waiting to be mined again." if reorged else ""
            return TxStatus(TxState.PENDING, tx_hash, nonce, reorged=reorged, message=note,
                            base_fee=head.base_fee_per_gas)
    return TxStatus(
        TxState.DROPPED, newest, nonce, reorged=reorged,
        message="The node no longer knows this transaction; it can be sent again.",
    )


async def _canonical_receipt(
    client: ChainClient,
    candidates: Sequence[str],
    receipts: Sequence[Receipt | None],
    head: BlockHeader,
) -> tuple[str, Receipt] | None:
    """The first candidate whose receipt's block is on the canonical chain."""
    for tx_hash, receipt in zip(candidates, receipts, strict=True):
        if receipt is None or receipt.block_number > head.number:
            continue  # none, or from a block the head does not reach
        if receipt.block_number == head.number:
            canonical_hash = head.hash
        else:
            canonical_hash = (await client.get_block(receipt.block_number)).hash
        if canonical_hash.lower() == receipt.block_hash.lower():
            return tx_hash, receipt
    return None


async def _mined_status(
    client: ChainClient,
    tx_hash: str,
    receipt: Receipt,
    nonce: int,
    head: int,
    confirmations: int,
) -> TxStatus:
    depth = head - receipt.block_number + 1
    if not receipt.succeeded:
        state, message = TxState.FAILED, "It was mined but reverted."
    else:
        message = ""
        state = TxState.INCLUDED
        if depth >= confirmations:  # finality is only asked about once confirmed
            finalized = await _finalized_number(client)
            if finalized is not None and receipt.block_number <= finalized:
                state = TxState.FINALIZED
            else:
                state = TxState.CONFIRMED
    return TxStatus(
        state, tx_hash, nonce, confirmations=depth, block_number=receipt.block_number,
        block_hash=receipt.block_hash, receipt=receipt, message=message,
    )


async def _finalized_number(client: ChainClient) -> int | None:
    """The node's finalized block, or None where it has no such tag (older nodes)."""
    try:
        return (await client.get_block("finalized")).number
    except (BadResponse, RpcRejected):
        return None
