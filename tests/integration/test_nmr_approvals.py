"""NMR approval plans, executed against MockNMR (NMR's approve rule) on anvil."""

from __future__ import annotations

import pytest
from chain_support import *  # noqa: F403
from chain_support import DEPLOYER, OTHER, ChainWorld, send
from fault_proxy import FaultProxy

from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.errors import CallReverted
from numerbay_desktop.chain.nmr import MAX_UINT256, ChangeStrategy, plan_approval
from numerbay_desktop.chain.simulate import SimulationUnsupported

pytestmark = pytest.mark.asyncio


CASES = [
    (0, 5),  # from zero
    (5, 0),  # to zero
    (5, 9),  # up
    (9, 5),  # down
    (7, 7),  # nothing to do
    (0, MAX_UINT256),
]


async def allowance(client: ChainClient, world: ChainWorld) -> int:
    nmr = ContractAbi.load("MockNMR").at(world.nmr)
    value = await client.read(nmr.read("allowance", DEPLOYER, OTHER))
    assert isinstance(value, int)
    return value


def set_allowance(world: ChainWorld, value: int) -> None:
    nmr = ContractAbi.load("MockNMR").at(world.nmr)
    if value:
        data = nmr.calldata("approve", OTHER, value)
        send(world.anvil, {"to": world.nmr, "data": "0x" + data.hex()})


@pytest.mark.parametrize("strategy", list(ChangeStrategy))
@pytest.mark.parametrize(("current", "needed"), CASES)
async def test_planned_calls_reach_exactly_the_amount_on_mock_nmr(
    chain_world: ChainWorld, proxied_client: ChainClient, strategy: ChangeStrategy,
    current: int, needed: int,
) -> None:
    set_allowance(chain_world, current)
    plan = plan_approval(chain_world.nmr, OTHER, current, needed, strategy=strategy, exact=True)
    for call in plan:
        # Each step simulates cleanly first (txflow's rule), then is sent.
        await proxied_client.call(TxRequest(call.token, call.data, sender=DEPLOYER))
        send(chain_world.anvil, {"to": call.token, "data": "0x" + call.data.hex()})
    assert await allowance(proxied_client, chain_world) == needed
    if current == needed:
        assert plan == []
    elif current and needed and strategy is ChangeStrategy.CHANGE_APPROVAL:
        assert [c.function for c in plan] == ["changeApproval"]
    elif current and needed:
        assert [(c.function, c.args[1]) for c in plan] == [("approve", 0), ("approve", needed)]


async def test_a_plain_approve_between_non_zero_values_is_refused(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    set_allowance(chain_world, 5)
    nmr = ContractAbi.load("MockNMR").at(chain_world.nmr)
    with pytest.raises(CallReverted, match="non-zero to non-zero"):
        await proxied_client.call(
            TxRequest(chain_world.nmr, nmr.calldata("approve", OTHER, 9), sender=DEPLOYER)
        )
    # changeApproval with a stale old value is refused too: a spend landed in between.
    stale = plan_approval(chain_world.nmr, OTHER, 4, 9)[0]
    with pytest.raises(CallReverted, match="differs from old_value"):
        await proxied_client.call(TxRequest(stale.token, stale.data, sender=DEPLOYER))


async def test_approval_and_spend_simulate_as_one_bundle(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    nmr = ContractAbi.load("MockNMR").at(chain_world.nmr)
    mint = nmr.calldata("mint", DEPLOYER, 100)
    send(chain_world.anvil, {"to": chain_world.nmr, "data": "0x" + mint.hex()})
    spend = TxRequest(chain_world.nmr, nmr.calldata("transferFrom", DEPLOYER, OTHER, 60), OTHER)
    with pytest.raises(CallReverted, match="insufficient allowance"):
        await proxied_client.call(spend)  # alone, the spend fails: no allowance yet
    for allowed, ok in ((60, True), (50, False)):
        plan = plan_approval(chain_world.nmr, OTHER, 0, allowed)
        bundle = [TxRequest(c.token, c.data, DEPLOYER) for c in plan] + [spend]
        proxy.reset_counts()
        results = await proxied_client.simulate_bundle(bundle)
        assert proxy.http_requests == 1
        assert results[0].success and results[0].gas_used > 0
        assert results[-1].success is ok
        if ok:
            assert [log.address for log in results[-1].logs] == [chain_world.nmr] * 2
        else:
            assert results[-1].revert is not None
            assert results[-1].revert.reason == "erc20: insufficient allowance"
            with pytest.raises(CallReverted):
                results[-1].raise_for_revert()
    assert await allowance(proxied_client, chain_world) == 0  # nothing was sent
    proxy.unknown_methods = {"eth_simulateV1"}
    with pytest.raises(SimulationUnsupported):
        await proxied_client.simulate_bundle([spend])
