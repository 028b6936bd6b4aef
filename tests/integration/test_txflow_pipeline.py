"""The write pipeline on a real anvil: build → simulate → review → sign → send → track, revert
refusal, idempotent resend, wrong-chain refusal and nonce recovery after a crash."""

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
    OWNER,
    VAULT_ABI,
    WAD,
    PipelineFactory,
    TxWorld,
    signer,
)

from numerbay_desktop.chain.errors import WrongChain
from numerbay_desktop.chain.fees import fetch_fee_presets
from numerbay_desktop.chain.tracking import TxState, TxStatus
from numerbay_desktop.chain.txflow import SentTx, TxIntent, TxWouldRevert
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.risk import Severity

pytestmark = pytest.mark.asyncio


def transfer(world: TxWorld, to: str, amount: int) -> TxIntent:
    return TxIntent(world.nmr, NMR_ABI.at(world.nmr).calldata("transfer", to, amount),
                    label="Send NMR")


async def test_every_step_of_one_transfer(txworld: TxWorld, pipelines: PipelineFactory) -> None:
    txworld.mint(ALICE, 10 * WAD)
    seen: list[TxStatus] = []
    pipeline = pipelines(on_status=lambda slot, status: seen.append(status))
    nonce_before = txworld.nonce(ALICE)

    draft = await pipeline.build(ALICE, [transfer(txworld, BOB, 3 * WAD)])
    assert draft.first_nonce == nonce_before
    assert draft.fee.name == "market"
    prepared = await pipeline.simulate(draft)
    review = prepared.review
    call = review.calls[0]
    assert call.to_name == "Numeraire (NMR)"
    assert call.function == "transfer"
    assert [a.display for a in call.arguments] == [BOB, "3 NMR"]
    assert call.summary == f"transfer(to={BOB}, amount=3 NMR) on Numeraire (NMR)"
    assert 21_000 < call.gas_used <= call.gas_limit
    tx = prepared.transactions[0]
    assert review.max_cost == tx.gas * tx.max_fee_per_gas == call.max_cost
    assert [f.code for f in call.findings] == ["first_time_recipient"]  # BOB is unknown
    assert review.worst_severity is Severity.WARNING
    assert review.simulation.method == "eth_call"

    aggressive = pipeline.with_fee(prepared, "aggressive")
    assert aggressive.transactions[0].max_fee_per_gas >= tx.max_fee_per_gas
    assert aggressive.review.fee.name == "aggressive"
    roomy = pipeline.with_fee(prepared, gas_limits=[tx.gas * 2])
    assert roomy.transactions[0].gas == tx.gas * 2 == roomy.review.calls[0].gas_limit
    assert roomy.review.max_cost == 2 * review.max_cost
    with pytest.raises(InvalidInput, match="run out of gas"):
        pipeline.with_fee(prepared, gas_limits=[call.gas_used - 1])

    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    assert pipeline.journal.get(slot.tx_hash) is not None
    statuses = []
    async for status in pipeline.track(slot, until=TxState.INCLUDED):
        statuses.append(status.state)
    assert statuses[-1] is TxState.INCLUDED
    txworld.mine(2)
    confirmed = await pipeline.wait(slot, until=TxState.CONFIRMED, timeout_s=5)
    assert confirmed.state is TxState.CONFIRMED and confirmed.confirmations == 3
    txworld.mine(70)  # anvil finalizes 64 blocks behind the head
    final = await pipeline.wait(slot, until=TxState.FINALIZED, timeout_s=5)
    assert final.state is TxState.FINALIZED
    assert [s.state for s in seen][-1] is TxState.FINALIZED  # the callback saw it too
    entry = pipeline.journal.get(slot.tx_hash)
    assert entry is not None and entry.status == "finalized"
    assert txworld.nmr_balance(BOB) == 3 * WAD
    assert txworld.nonce(ALICE) == nonce_before + 1


async def test_a_transfer_beyond_the_balance_is_refused_with_its_reason(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 1 * WAD)
    pipeline = pipelines()
    draft = await pipeline.build(ALICE, [transfer(txworld, BOB, 2 * WAD)])
    with pytest.raises(TxWouldRevert, match="transfer amount exceeds balance") as refused:
        await pipeline.simulate(draft)
    assert refused.value.index == 0
    assert "Nothing was signed" in str(refused.value)
    assert pipeline.journal.entries(pipeline.chain_id) == []


async def test_a_deposit_without_approval_is_refused(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(OWNER, 10 * WAD)
    pipeline = pipelines()
    deposit = VAULT_ABI.at(txworld.vault).calldata("deposit", 5 * WAD, 0, 10_000, 10_000)
    with pytest.raises(TxWouldRevert, match="insufficient allowance"):
        await pipeline.prepare(OWNER, [TxIntent(txworld.vault, deposit)])


async def test_resending_is_idempotent(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    nonce = txworld.nonce(ALICE)
    txworld.rpc("evm_setAutomine", [False])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    await pipeline.send([slot])  # "already known": the same hash, no error
    assert len(tx_proxy.forwarded_sends) == 2
    txworld.mine()
    txworld.rpc("evm_setAutomine", [True])
    await pipeline.send([slot])  # mined already: "nonce too low" resolves by hash
    status = await pipeline.poll(slot)
    assert status.state is TxState.INCLUDED and status.tx_hash == slot.tx_hash
    assert txworld.nonce(ALICE) == nonce + 1
    assert txworld.nmr_balance(BOB) == WAD  # landed exactly once
    # A lost reply: the node took it, the answer never came; the retry resolves by hash.
    second = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    tx_proxy.only_methods = {"eth_sendRawTransaction"}
    tx_proxy.set("lose_reply", faults=1)
    [slot2] = await pipeline.sign_and_send(second, signer(ALICE_KEY))
    assert (await pipeline.wait(slot2, until=TxState.INCLUDED, timeout_s=5)).state is (
        TxState.INCLUDED
    )
    assert txworld.nmr_balance(BOB) == 2 * WAD


async def test_nothing_is_built_or_sent_on_a_wrong_chain(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    slots = await pipeline.sign(prepared, signer(ALICE_KEY))
    tx_proxy.fake_chain_id = 1  # the node now claims to be mainnet
    tx_proxy.set("wrong_chain")
    with pytest.raises(WrongChain):
        await pipeline.send(slots)
    assert tx_proxy.forwarded_sends == []
    other = pipelines()
    with pytest.raises(WrongChain):
        await other.build(ALICE, [transfer(txworld, BOB, WAD)])
    assert tx_proxy.forwarded_sends == []
    assert txworld.nmr_balance(BOB) == 0


async def test_a_signed_transaction_survives_a_crash_before_sending(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    nonce = txworld.nonce(ALICE)
    before_crash = pipelines()
    prepared = await before_crash.prepare(ALICE, [transfer(txworld, BOB, 4 * WAD)])
    [signed] = await before_crash.sign(prepared, signer(ALICE_KEY))
    # "crash": the process dies between journaling and eth_sendRawTransaction
    del before_crash
    assert tx_proxy.forwarded_sends == []

    after = pipelines()
    assert await after.next_nonce(ALICE) == nonce + 1  # the journal holds nonce `nonce`
    [recovered] = await after.recover(ALICE)
    assert isinstance(recovered, SentTx)
    assert recovered.tx_hash == signed.tx_hash and recovered.nonce == nonce
    status = await after.wait(recovered, until=TxState.INCLUDED, timeout_s=5)
    assert status.tx_hash == signed.tx_hash
    assert len(tx_proxy.forwarded_sends) == 1
    # a second restart finds it mined and sends nothing
    again = pipelines()
    await again.recover(ALICE)
    assert len(tx_proxy.forwarded_sends) == 1
    assert txworld.nonce(ALICE) == nonce + 1
    assert txworld.nmr_balance(BOB) == 4 * WAD
    assert await again.next_nonce(ALICE) == nonce + 1


async def test_two_batches_prepared_at_once_cannot_share_a_nonce(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    first = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    second = await pipeline.prepare(ALICE, [transfer(txworld, BOB, 2 * WAD)])
    assert first.transactions[0].nonce == second.transactions[0].nonce
    await pipeline.sign(first, signer(ALICE_KEY))
    with pytest.raises(InvalidInput, match="prepare it again"):
        await pipeline.sign(second, signer(ALICE_KEY))
    again = await pipeline.prepare(ALICE, [transfer(txworld, BOB, 2 * WAD)])
    assert again.transactions[0].nonce == first.transactions[0].nonce + 1


async def test_the_review_warns_when_the_account_cannot_pay(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    poor = "0x000000000000000000000000000000000000bEEF"
    txworld.mint(poor, WAD)
    pipeline = pipelines()
    review = (await pipeline.prepare(poor, [transfer(txworld, BOB, WAD)])).review
    assert review.sender_balance == 0
    assert review.findings[0][1].code == "insufficient_funds"
    assert review.worst_severity is Severity.DANGER


async def test_presets_come_from_fee_history_once_blocks_pay_tips(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    first = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    tip = first.review.fee.max_priority_fee_per_gas
    for _ in range(3):  # each mined alone, paying `tip`
        prepared = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
        [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
        await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
    presets = await fetch_fee_presets(pipeline.client)
    assert presets.source == "fee_history"
    assert presets.market.max_priority_fee_per_gas == tip
    assert presets.market.max_fee_per_gas == 2 * presets.base_fee + tip


async def test_tracking_rides_out_a_flaky_node(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(ALICE, [transfer(txworld, BOB, WAD)])
    [slot] = await pipeline.sign_and_send(prepared, signer(ALICE_KEY))
    tx_proxy.only_methods = {"eth_getTransactionReceipt", "eth_getBlockByNumber"}
    for mode in ("error_5xx", "rate_limit", "garbage"):
        tx_proxy.retry_after = "0"
        tx_proxy.set(mode, faults=1)
        status = await pipeline.poll(slot)
        assert status.state is TxState.INCLUDED
    txworld.mine(2)
    assert (await pipeline.wait(slot, timeout_s=5)).state is TxState.CONFIRMED


async def test_a_node_without_fee_history_gets_fallback_presets(
    txworld: TxWorld, pipelines: PipelineFactory, tx_proxy: FaultProxy
) -> None:
    forward = tx_proxy._answer

    async def no_fee_history(entry: dict[str, Any], mode: str) -> dict[str, Any]:
        if entry.get("method") == "eth_feeHistory":
            error = {"code": -32601, "message": "the method eth_feeHistory does not exist"}
            return {"jsonrpc": "2.0", "id": entry.get("id"), "error": error}
        return await forward(entry, mode)

    tx_proxy._answer = no_fee_history  # type: ignore[method-assign]
    txworld.mint(ALICE, 10 * WAD)
    pipeline = pipelines()
    draft = await pipeline.build(ALICE, [transfer(txworld, BOB, WAD)])
    presets = draft.presets
    assert presets.source == "fallback"
    tip = int(str(txworld.rpc("eth_maxPriorityFeePerGas")), 16)
    assert presets.market.max_priority_fee_per_gas == tip
    assert presets.low.max_priority_fee_per_gas < tip < presets.aggressive.max_priority_fee_per_gas
    latest = txworld.rpc("eth_getBlockByNumber", ["latest", False])
    assert presets.base_fee == int(latest["baseFeePerGas"], 16)
    [slot] = await pipeline.sign_and_send(await pipeline.simulate(draft), signer(ALICE_KEY))
    assert (await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)).state.is_mined
