"""Atomic staking end to end on anvil through the local Numerai's API and the app's client:
v3StakeAuth -> LocalAtomicStaking.stake -> the round resolves on the chain's clock ->
v3StakeClaim's proof settles exactly the payout or burn the simulator computed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.devnet.local_numerai.service import LocalNumerai
from numerbay_desktop.devnet.local_numerai.tournament import WAD, Tournament
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.errors import NumeraiQueryError
from numerbay_desktop.resource_paths import contract_artifact

SIGNER_KEY = bytes.fromhex("c3" * 32)
OPERATOR_KEY = bytes.fromhex("d4" * 32)
STAKE = 10 * WAD


def _deploy(w3: Web3, name: str, *args: Any) -> Any:
    artifact = json.loads(contract_artifact(name).read_text(encoding="utf-8"))
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact())
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


def _now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def _advance_to(w3: Web3, timestamp: int) -> None:
    w3.provider.make_request("evm_increaseTime", [max(0, timestamp - _now(w3))])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


@pytest.fixture
def world(anvil_snapshot: Any) -> Iterator[dict[str, Any]]:
    w3 = Web3(Web3.HTTPProvider(anvil_snapshot.rpc_url))
    deployer, staker = w3.eth.accounts[:2]
    w3.eth.default_account = deployer
    operator = Account.from_key(OPERATOR_KEY).address
    w3.eth.send_transaction({"from": deployer, "to": operator, "value": 10 * WAD})
    nmr = _deploy(w3, "MockNMR")
    staking = _deploy(
        w3, "LocalAtomicStaking", nmr.address, Account.from_key(SIGNER_KEY).address, operator
    )
    tournament = Tournament(seed=5)
    # Start inside a round's stake window.
    cal = tournament.calendar
    number = cal.current_round(_now(w3))
    if _now(w3) >= cal.times(number).close_staking_time - 600:
        number += 1
        _advance_to(w3, cal.open_time(number) + 60)
    numerai = LocalNumerai.on_chain(
        w3, staking.address, SIGNER_KEY, OPERATOR_KEY, tournament=tournament
    )
    with numerai:
        yield {"w3": w3, "nmr": nmr, "staking": staking, "staker": staker,
               "numerai": numerai, "round": number}


@pytest.mark.asyncio
async def test_stake_resolve_claim_pays_what_the_simulator_computed(
    world: dict[str, Any],
) -> None:
    w3, nmr, staking = world["w3"], world["nmr"], world["staking"]
    numerai: LocalNumerai = world["numerai"]
    tournament = numerai.tournament
    number, staker = world["round"], world["staker"]
    model = next(m for m in tournament.models if tournament.submitted(m.id, number))
    key = tournament.account_by_name[model.username].api_keys[0]
    client = NumeraiClient(numerai.url, public_id=key.public_id, secret=key.secret, timeout=20)

    submission = next(s for s in await client.submissions(model.id) if s.round_number == number)
    auth = await client.stake_auth(submission.id, staker, Decimal(STAKE) / WAD)
    assert auth.round_id == number and auth.max_amount_wei == STAKE
    assert auth.staker == staker.lower() and auth.chain_id == w3.eth.chain_id
    assert auth.model_id == "0x" + abs_codec.model_id_bytes32(model.id).hex()

    assert auth.matches_local_encoding()
    authorization = auth.struct().as_tuple()
    nmr.functions.mint(staker, STAKE).transact({"from": staker})
    nmr.functions.approve(staking.address, STAKE).transact({"from": staker})
    receipt = w3.eth.wait_for_transaction_receipt(
        staking.functions.stake(
            authorization, STAKE, bytes.fromhex(auth.signature[2:])
        ).transact({"from": staker})
    )
    assert receipt["status"] == 1
    assert (await client.stake_round(number)).total_staked_wei == STAKE
    with pytest.raises(NumeraiQueryError, match="No resolved stake"):
        await client.stake_claim(number, model.id, staker)

    snap = numerai.snapshot()
    _advance_to(w3, tournament.calendar.times(number).resolve_time + 60)
    claim = await client.stake_claim(number, model.id, staker)  # the request resolves the round
    wad = tournament.round_return_wad(number, model.id)
    assert claim.payout_wei == (STAKE * wad // WAD if wad > 0 else 0)
    assert claim.burn_wei == (STAKE * -wad // WAD if wad < 0 else 0)
    assert claim.payout_wei + claim.burn_wei > 0
    assert claim.proof_is_valid()
    assert not claim.model_copy(update={"payout_wei": claim.payout_wei + 1}).proof_is_valid()
    assert [c.api_model_id for c in await client.stake_claims(staker)] == [model.id]
    assert (await client.stake_round(number)).resolved is True

    before = nmr.functions.balanceOf(staker).call()
    staking.functions.claim(
        number, bytes.fromhex(claim.model_id[2:]), claim.payout_wei, claim.burn_wei,
        [bytes.fromhex(p[2:]) for p in claim.proof],
    ).transact({"from": staker})
    paid = nmr.functions.balanceOf(staker).call() - before
    assert paid == STAKE + claim.payout_wei - claim.burn_wei
    assert await client.stake_claims(staker) == []

    numerai.restore(snap)  # the simulator rolls back with the chain
    assert number in numerai.driver.opened and number not in numerai.driver.resolved  # type: ignore[union-attr]
    client.close()
