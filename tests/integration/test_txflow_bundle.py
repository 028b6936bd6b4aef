"""An NMR approval and the vault deposit it enables, simulated as ONE bundle (eth_simulateV1,
and the state-override path of nodes without it), exported as ONE unsigned envelope with
consecutive nonces, signed offline (wallet.offline) and broadcast: both land."""

from __future__ import annotations

import json

import pytest
from chain_support import *  # noqa: F403
from txflow_support import *  # noqa: F403
from txflow_support import (
    ALICE_KEY,
    NMR_ABI,
    OWNER,
    OWNER_KEY,
    VAULT_ABI,
    WAD,
    PipelineFactory,
    TxWorld,
)

from numerbay_desktop.chain.nmr import plan_approval
from numerbay_desktop.chain.tracking import TxState
from numerbay_desktop.chain.txflow import TxIntent, TxWouldRevert
from numerbay_desktop.chain.txsigned import SignedCheckError
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.tx_signing import (
    KeySigner,
    abi_registry,
    export_request,
    signed_transactions,
)
from numerbay_desktop.wallet.offline import parse_request, review_request, sign_request

pytestmark = pytest.mark.asyncio


def approve_then_deposit(world: TxWorld, approve: int, deposit: int) -> list[TxIntent]:
    [approval] = plan_approval(world.nmr, world.vault, 0, approve)
    data = VAULT_ABI.at(world.vault).calldata("deposit", deposit, 0, 10_000, 10_000)
    return [TxIntent(approval.token, approval.data, label="Approve NMR"),
            TxIntent(world.vault, data, label="Deposit")]


@pytest.mark.parametrize("simulate_v1", [True, False], ids=["eth_simulateV1", "state_override"])
async def test_approval_and_deposit_simulate_as_one_bundle(
    txworld: TxWorld, pipelines: PipelineFactory, simulate_v1: bool
) -> None:
    txworld.mint(OWNER, 50 * WAD)
    pipeline = pipelines(use_simulate_v1=simulate_v1)
    prepared = await pipeline.prepare(OWNER, approve_then_deposit(txworld, 20 * WAD, 20 * WAD))
    review = prepared.review
    assert review.simulation.method == ("eth_simulateV1" if simulate_v1 else "state_override")
    approve, deposit = review.calls
    assert approve.summary == (
        f"approve(spender={txworld.vault} (Vault model-0), amount=20 NMR) on Numeraire (NMR)"
    )
    assert deposit.to_name == "Vault model-0" and deposit.function == "deposit"
    assert [a.display for a in deposit.arguments] == ["20 NMR", "0", "100 %", "100 %"]
    assert deposit.findings == ()  # a named contract, a known selector
    assert [t.nonce for t in prepared.transactions] == [
        prepared.transactions[0].nonce, prepared.transactions[0].nonce + 1
    ]
    assert review.max_cost == sum(t.gas * t.max_fee_per_gas for t in prepared.transactions)
    assert deposit.gas_used > 50_000 and deposit.gas_limit > deposit.gas_used

    # An approval short of the deposit: the second call reverts, decoded, nothing signed.
    with pytest.raises(TxWouldRevert, match="insufficient allowance") as refused:
        await pipeline.prepare(OWNER, approve_then_deposit(txworld, 5 * WAD, 20 * WAD))
    assert refused.value.index == 1 and "Transaction 2 of 2" in str(refused.value)
    assert pipeline.journal.entries(pipeline.chain_id) == []


async def test_the_bundle_crosses_the_air_gap_once_and_lands(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(OWNER, 50 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(OWNER, approve_then_deposit(txworld, 20 * WAD, 20 * WAD))
    registry = abi_registry(pipeline.network, {txworld.vault: "Vault model-0"})
    request = export_request(prepared, registry)
    envelope = request.to_json()
    assert len(json.loads(envelope)["items"]) == 2  # one envelope, both transactions

    # --- the offline copy: parses, decodes itself, signs both
    offline_request = parse_request(envelope, expected_chain_id=pipeline.chain_id)
    reviews = review_request(offline_request, registry)
    assert all(r.summary_matches for r in reviews)
    response = sign_request(offline_request, OWNER_KEY, registry).to_json()

    # --- back online: checked against the request and what was prepared, then sent
    raws = signed_transactions(response, request)
    with pytest.raises(SignedCheckError):
        await pipeline.attach_signed(prepared, list(reversed(raws)))
    slots = await pipeline.attach_signed(prepared, raws)
    assert [e.status for e in pipeline.journal.entries(pipeline.chain_id)] == ["signed"] * 2
    await pipeline.send(slots)
    for slot in slots:
        status = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=5)
        assert status.receipt is not None and status.receipt.succeeded
    assert txworld.nmr_balance(OWNER) == 30 * WAD
    allowance = NMR_ABI.at(txworld.nmr).calldata("allowance", OWNER, txworld.vault)
    left = txworld.rpc("eth_call", [{"to": txworld.nmr, "data": "0x" + allowance.hex()}, "latest"])
    assert int(left, 16) == 0  # exactly what the deposit needed


async def test_signatures_from_another_key_are_refused(
    txworld: TxWorld, pipelines: PipelineFactory
) -> None:
    txworld.mint(OWNER, 50 * WAD)
    pipeline = pipelines()
    prepared = await pipeline.prepare(OWNER, approve_then_deposit(txworld, 20 * WAD, 20 * WAD))
    with pytest.raises(InvalidInput, match="not the sender"):
        await pipeline.sign(prepared, KeySigner(ALICE_KEY))
    forged = [KeySigner(ALICE_KEY).sign_transaction(tx) for tx in prepared.transactions]
    with pytest.raises(SignedCheckError, match="signed by"):
        await pipeline.attach_signed(prepared, forged)
    assert pipeline.journal.entries(pipeline.chain_id) == []
