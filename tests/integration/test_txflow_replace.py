"""Speed-up, cancel and reorgs on a real anvil (automine off keeps transactions pending;
evm_snapshot/evm_revert after inclusion stands in for a reorg)."""

from __future__ import annotations

from typing import Any

import pytest
from chain_support import *  # noqa: F403
from fault_proxy import FaultProxy
from txflow_support import *  # noqa: F403
from txflow_support import (
    ALICE,
    ALICE_KEY,
    BOB,
    NMR_ABI,
    WAD,
    PipelineFactory,
    TxWorld,
    signer,
)

from numerbay_desktop.chain.fees import custom_fee, is_valid_replacement
from numerbay_desktop.chain.tracking import TxState
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.errors import InvalidInput

pytestmark = pytest.mark.asyncio


def transfer(world: TxWorld, amount: int) -> TxIntent:
    data = NMR_ABI.at(world.nmr).calldata("transfer", BOB, amount)
    return TxIntent(world.nmr, data, label="Send NMR")


async def test_speed_up_replaces_the_pending_transaction(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, 2 * WAD)], fee="low")
    txworld.rpc("evm_setAutomine", [False])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    original = slot.tx_hash
    assert (await pipeline.poll(slot)).state is TxState.PENDING

    faster = await pipeline.prepare_speed_up(slot, fee="low")
    tx = faster.transactions[0]
    assert tx.nonce == slot.nonce and tx.data == prepared.transactions[0].data
    assert is_valid_replacement(prepared.review.fee, faster.review.fee)
    assert tx.max_fee_per_gas * 8 >= prepared.transactions[0].max_fee_per_gas * 9
    assert tx.max_priority_fee_per_gas * 8 >= prepared.transactions[0].max_priority_fee_per_gas * 9
    with pytest.raises(InvalidInput, match=r"12\.5%"):
        pipeline.with_fee(faster, custom_fee(prepared.transactions[0].max_fee_per_gas + 1,
                                              prepared.transactions[0].max_priority_fee_per_gas))
    [same_slot] = await pipeline.sign_and_send(faster, signer(ALICE_KEY))
    assert same_slot is slot and slot.hashes == [original, same_slot.hashes[-1]]

    txworld.mine()
    status = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    assert status.tx_hash == slot.hashes[-1] != original
    entry = pipeline.journal.get(original)
    assert entry is not None and entry.status == "replaced"
    assert txworld.rpc("eth_getTransactionReceipt", [original]) is None
    assert txworld.nmr_balance(BOB) == 2 * WAD  # once


async def test_cancel_replaces_with_a_zero_value_self_send(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, 2 * WAD)])
    txworld.rpc("evm_setAutomine", [False])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))

    cancel = await pipeline.prepare_cancel(slot)
    tx = cancel.transactions[0]
    assert (tx.to, tx.value, tx.data, tx.nonce, tx.gas) == (ALICE, 0, b"", slot.nonce, 21_000)
    assert cancel.review.calls[0].summary.startswith("Send 0 ETH to")
    assert is_valid_replacement(prepared.review.fee, cancel.review.fee)
    await pipeline.sign_and_send(cancel, signer(ALICE_KEY))
    txworld.mine()
    status = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    assert status.tx_hash == slot.hashes[-1]
    receipt = txworld.rpc("eth_getTransactionReceipt", [status.tx_hash])
    assert receipt["to"].lower() == ALICE.lower()
    assert txworld.nmr_balance(BOB) == 0  # the transfer never happened
    with pytest.raises(InvalidInput, match="already mined"):
        await pipeline.prepare_cancel(slot)


async def test_a_reorg_demotes_an_included_transaction(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, WAD)])
    before = txworld.rpc("evm_snapshot")
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    txworld.mine(2)
    mined = await pipeline.wait(slot, until=TxState.CONFIRMED, timeout_s=5)
    assert mined.state is TxState.CONFIRMED and mined.block_hash is not None

    txworld.rpc("evm_revert", [before])  # the block with the transaction is gone
    txworld.rpc("evm_setAutomine", [False])
    txworld.mine(3)  # another chain grows over its height
    demoted = await pipeline.poll(slot)
    assert demoted.reorged and not demoted.state.is_mined
    assert demoted.state is TxState.PENDING  # the node had lost it: sent again from the journal
    entry = pipeline.journal.get(slot.tx_hash)
    assert entry is not None and entry.status == "sent"

    txworld.mine()
    again = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    assert again.tx_hash == slot.tx_hash and again.block_hash != mined.block_hash
    assert txworld.nmr_balance(BOB) == WAD


async def test_a_stuck_transaction_is_flagged_and_a_speed_up_gets_it_mined(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, WAD)], fee="low")
    txworld.rpc("evm_setAutomine", [False])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    too_high = prepared.transactions[0].max_fee_per_gas * 4
    txworld.rpc("anvil_setNextBlockBaseFeePerGas", [hex(too_high)])
    txworld.mine()  # the base fee jumps past the transaction's max fee: it stays out
    stuck = await pipeline.poll(slot)
    # geth keeps it queued (pending); anvil evicts it (dropped, resent once fees fall)
    assert stuck.state in (TxState.PENDING, TxState.DROPPED)
    assert "below the current base fee" in stuck.message
    entry = pipeline.journal.get(slot.tx_hash)
    assert entry is not None and entry.status == "sent"

    faster = await pipeline.prepare_speed_up(slot)  # market, from the new base fee
    assert faster.transactions[0].max_fee_per_gas > too_high
    await pipeline.sign_and_send(faster, signer(ALICE_KEY))
    txworld.mine()
    status = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    assert status.tx_hash == slot.hashes[-1]
    assert txworld.nmr_balance(BOB) == WAD


async def test_a_receipt_from_a_block_off_the_canonical_chain_does_not_count(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, WAD)])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    assert (await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)).state.is_mined

    forward = tx_proxy._answer  # a node serving receipts of an uncle block after a reorg

    async def uncle_receipts(entry: dict[str, Any], mode: str) -> dict[str, Any]:
        reply = await forward(entry, mode)
        if entry.get("method") == "eth_getTransactionReceipt" and reply.get("result"):
            reply["result"]["blockHash"] = "0x" + "11" * 32
        return reply

    tx_proxy._answer = uncle_receipts  # type: ignore[method-assign]
    demoted = await pipeline.poll(slot)
    assert demoted.state is TxState.PENDING and demoted.reorged
    tx_proxy._answer = forward  # type: ignore[method-assign]
    assert (await pipeline.poll(slot)).state is TxState.INCLUDED


async def test_a_pending_transaction_recovered_after_a_restart_can_be_sped_up(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    before = pipelines()
    prepared = await before.prepare(ALICE, [transfer(txworld, 3 * WAD)], fee="low")
    txworld.rpc("evm_setAutomine", [False])
    [sent] = await before.sign_and_send(prepared, signer(ALICE_KEY))

    after = pipelines()  # a new process: everything it knows comes from the journal
    [slot] = await after.recover(ALICE)
    assert slot.status is not None and slot.status.state is TxState.PENDING
    assert slot.intent is not None and slot.intent.data == prepared.transactions[0].data
    faster = await after.prepare_speed_up(slot)
    assert is_valid_replacement(prepared.review.fee, faster.review.fee)
    await after.sign_and_send(faster, signer(ALICE_KEY))
    txworld.mine()
    status = await after.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    assert status.tx_hash == slot.hashes[-1] != sent.hashes[0]
    assert txworld.nmr_balance(BOB) == 3 * WAD
    entry = after.journal.get(sent.hashes[0])
    assert entry is not None and entry.status == "replaced"
