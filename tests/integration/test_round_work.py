"""RoundWorkService on the devnet world: a tampered or foreign-signed authorization is refused;
the owner stakes the next open round with the proposed amount (RoundStaked), a second attempt
finds it already staked, and after the round resolves (chain clock moved, local Numerai
ticked) `settle_ready` books it (RoundSettled) and a second pass sends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.events import decode_log, parse_log
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.chain.txflow import TxPipeline
from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.devnet.round_work import round_time
from numerbay_desktop.devnet.scenario import key_of
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.services.round_calendar import RoundState
from numerbay_desktop.services.round_work import RoundWorkError, RoundWorkService
from numerbay_desktop.services.tx_signing import KeySigner
from numerbay_desktop.store.nonce_journal import NonceJournal

pytestmark = pytest.mark.asyncio
WAD = 10**18


def open_next_round(world: Any) -> int:
    """Move the chain to one hour into the next round and let the local Numerai open it
    (without the world's own keepers, which would stake it first)."""
    number = world.current_round() + 1
    now = round_time(world.tournament, number)
    world.rpc.set_time(now)
    assert number in world.driver.tick(now).opened
    return number


def pick_vault(world: Any, round_number: int) -> tuple[str, dict[str, Any]]:
    """A live vault whose model submitted to the round, and its owner's API key entry."""
    for entry in world.api_keys():
        for address in entry["vaults"]:
            vault = next(v for v in world.ctx.vaults if v.address == address)
            if address and world.tournament.submitted(vault.model_id, round_number):
                return str(address), entry
    raise AssertionError("no vault submits to this round")


def events(world: Any, tx_hash: str, name: str) -> list[dict[str, Any]]:
    receipt = world.rpc.call("eth_getTransactionReceipt", [tx_hash])
    decoded = [decode_log(parse_log(raw), prefer=["NumerBayVault"]) for raw in receipt["logs"]]
    return [e.args for e in decoded if e is not None and e.name == name]


@pytest.fixture
def world(devnet: Any) -> Iterator[Any]:
    yield devnet


@pytest_asyncio.fixture
async def chain(world: Any) -> AsyncIterator[ChainClient]:
    async with ChainClient(devnet_from_world(world.describe())) as client:
        await client.connect()
        yield client


async def test_stake_then_settle_after_resolution(
    world: Any, chain: ChainClient, isolated_data_dir: Path
) -> None:
    round_number = open_next_round(world)
    vault, key = pick_vault(world, round_number)
    numerai = NumeraiClient(world.server.url, public_id=key["public_id"], secret=key["secret"])
    journal = NonceJournal.open(isolated_data_dir)
    pipeline = TxPipeline(chain, journal, confirmations=1, poll_interval_s=0.05)
    service = RoundWorkService(chain, numerai, pipeline)
    owner = KeySigner(bytes.fromhex(key_of(world.config.mnemonic, key["owner_index"])[2:]))
    try:
        rows = await service.calendar(vault)
        assert rows[0].round_id == round_number and rows[0].state is RoundState.OPEN
        assert any(r.state is RoundState.SETTLED for r in rows)
        assert any(r.state is RoundState.RESOLVING for r in rows)

        # Our own EIP-712 encoding must reproduce the served digest; the signer must be the
        # staking contract's. A changed field or another signer is refused.
        state = await service.read_vault(vault)
        submission = next(s for s in await numerai.submissions(state.numerai_model_id)
                          if s.round_number == round_number)
        auth = await numerai.stake_auth(submission.id, vault, Decimal(1))
        await service.verify_authorization(auth, state, round_number, WAD)
        more = auth.model_copy(update={"max_amount_wei": 2 * WAD})
        with pytest.raises(RoundWorkError, match="not our own encoding"):
            await service.verify_authorization(more, state, round_number, WAD)
        stranger = b"\x11" * 32
        signature = abs_codec.sign_authorization(stranger, auth.struct(), chain_id=31337,
                                                 verifying_contract=state.staking)
        forged = auth.model_copy(update={"signature": "0x" + signature.hex()})
        with pytest.raises(RoundWorkError, match="authorization signer"):
            await service.verify_authorization(forged, state, round_number, WAD)
        with pytest.raises(RoundWorkError, match="another vault, model, round or amount"):
            await service.verify_authorization(auth, state, round_number, 2 * WAD)

        proposal = await service.propose_stake(vault)
        assert proposal.amount > 0 and proposal.refusal is None
        assert proposal.amount <= min(b.limit for b in proposal.bounds)
        assert "64" in proposal.explain()

        result = await service.stake_this_round(vault, owner)
        assert result.done and result.round_id == round_number, result.message
        staked = events(world, str(result.tx_hash), "RoundStaked")
        assert [(e["round_id"], e["amount"]) for e in staked] == [
            (round_number, proposal.amount)]

        again = await service.stake_this_round(vault, owner)
        assert again.already_done and not again.done
        rows = await service.calendar(vault)
        assert rows[0].round_id == round_number and rows[0].state is RoundState.STAKED

        # Numerai resolves the round 33 days after it opened.
        resolve = world.tournament.calendar.times(round_number).resolve_time
        world.rpc.set_time(resolve + 3_600)
        assert round_number in world.driver.tick(resolve + 3_600).resolved
        rows = await service.calendar(vault)
        ours = next(r for r in rows if r.round_id == round_number)
        assert ours.state is RoundState.RESOLVED

        results = await service.settle_ready(vault, owner)
        settle = next(r for r in results if r.action == "settle" and r.round_id == round_number)
        assert settle.done, settle.message
        settled = events(world, str(settle.tx_hash), "RoundSettled")
        assert round_number in [e["round_id"] for e in settled]
        mine = next(e for e in settled if e["round_id"] == round_number)
        assert mine["principal"] == proposal.amount
        rows = await service.calendar(vault)
        assert next(r for r in rows if r.round_id == round_number).state is RoundState.SETTLED

        # Nothing left: a second pass sends nothing.
        assert not [r for r in await service.settle_ready(vault, owner) if r.done]
    finally:
        numerai.close()
        journal.close()
