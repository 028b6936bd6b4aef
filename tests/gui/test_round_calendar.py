"""The round calendar panel on the devnet: the Owner stakes the next open round with the
panel's button (authorization verified, reviewed, RoundStaked on chain), a second click is
refused without sending; after Numerai resolves the round, "Settle" books it (RoundSettled)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from numerbay_desktop.chain.events import decode_log, parse_log
from numerbay_desktop.devnet.round_work import round_time
from numerbay_desktop.services.round_calendar import RoundState
from numerbay_desktop.wallet.api_keys import ApiKeyStore, NumeraiApiKey
from tests.unit.keyring_memory import memory_keyring_fixture  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")


def vault_events(world: Any, vault: str, from_block: int, name: str) -> list[dict[str, Any]]:
    logs = world.rpc.call("eth_getLogs", [{"address": vault, "fromBlock": hex(from_block),
                                           "toBlock": "latest"}])
    decoded = [decode_log(parse_log(raw), prefer=["NumerBayVault"]) for raw in logs]
    return [e.args for e in decoded if e is not None and e.name == name]


def open_next_round(world: Any) -> int:
    """One hour into the next round, opened by the local Numerai (not staked by the world)."""
    number = world.current_round() + 1
    now = round_time(world.tournament, number)
    world.rpc.set_time(now)
    assert number in world.driver.tick(now).opened
    return number


async def wait_for(task: Any, limit_s: float = 120.0) -> Any:
    return await asyncio.wait_for(asyncio.shield(task), limit_s)


async def test_stake_then_settle_through_the_panel(
    devnet_ctx: Any, devnet: Any, memory_keyring: Any
) -> None:
    from numerbay_desktop.ui.round_calendar import VERIFIED, RoundCalendarPanel

    ctx, world = devnet_ctx, devnet
    number = open_next_round(world)
    entry = next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)
    vault = next(a for a in entry["vaults"] if a and world.tournament.submitted(
        next(v for v in world.ctx.vaults if v.address == a).model_id, number))
    ApiKeyStore(ctx.data_dir).save(
        "default", NumeraiApiKey.parse(entry["public_id"], entry["secret"]))
    ctx.set_active_account("Owner")
    start = int(world.rpc.call("eth_blockNumber"), 16)

    panel = RoundCalendarPanel()
    panel.resize(1100, 720)
    panel.set_context(ctx)
    panel.on_review = lambda dialog: dialog.confirm_button.click()
    panel.show_vault(vault)
    await wait_for(panel.load_task)
    assert panel.rows[0].round_id == number and panel.rows[0].state is RoundState.OPEN
    assert panel.table.item(0, 1).text() == "● Open"
    assert panel.stake_button.isEnabled()
    assert panel.keeper_command.text() == f"numerbay keeper run --vault {panel.vault}"
    proposed = int(panel.proposal.amount)
    assert proposed > 0 and "64" in panel.proposal_text.text()

    # An edited amount is what gets staked.
    amount = proposed // 2 // 10**14 * 10**14
    panel.amount_field.setText(str(Decimal(amount).scaleb(-18)))
    panel.stake_button.click()
    assert await wait_for(panel.action_task) is True, panel.stake_message.text()
    assert panel.stake_message.text().startswith(VERIFIED)
    staked = vault_events(world, vault, start, "RoundStaked")
    assert [(e["round_id"], e["amount"]) for e in staked] == [(number, amount)]
    assert panel.rows[0].round_id == number and panel.rows[0].state is RoundState.STAKED

    # Staking the same round again is refused before anything is sent.
    owner = ctx.registry.get("Owner").address
    nonce = await ctx.client.get_transaction_count(owner, "pending")
    await panel.stake_round()
    assert "already staked" in panel.stake_message.text()
    assert await ctx.client.get_transaction_count(owner, "pending") == nonce
    assert len(vault_events(world, vault, start, "RoundStaked")) == 1

    # Numerai resolves the round; the panel settles it with Numerai's proof.
    resolve = world.tournament.calendar.times(number).resolve_time
    world.rpc.set_time(resolve + 3_600)
    assert number in world.driver.tick(resolve + 3_600).resolved
    panel.reload()
    await wait_for(panel.load_task)
    ours = next(r for r in panel.rows if r.round_id == number)
    assert ours.state is RoundState.RESOLVED and panel.settle_button.isEnabled()
    assert str(number) in panel.settle_status.text()
    panel.settle_button.click()
    assert await wait_for(panel.action_task) is True, panel.settle_message.text()
    settled = vault_events(world, vault, start, "RoundSettled")
    assert number in [int(e["round_id"]) for e in settled]
    assert next(e for e in settled if e["round_id"] == number)["principal"] == amount
    assert next(r for r in panel.rows if r.round_id == number).state is RoundState.SETTLED
    assert f"Settled round {number}" in panel.settle_message.text()
    panel.close_clients()
    panel.deleteLater()


async def test_stake_without_a_saved_key_or_with_a_bad_amount_is_refused(
    devnet_ctx: Any, devnet: Any, memory_keyring: Any
) -> None:
    from numerbay_desktop.ui.round_calendar import RoundCalendarPanel

    ctx, world = devnet_ctx, devnet
    number = open_next_round(world)
    entry = next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)
    vault = next(a for a in entry["vaults"] if a and world.tournament.submitted(
        next(v for v in world.ctx.vaults if v.address == a).model_id, number))
    ctx.set_active_account("Owner")
    panel = RoundCalendarPanel()
    panel.set_context(ctx)
    panel.show_vault(vault)
    await wait_for(panel.load_task)
    assert await panel.stake_round() is False
    assert "No Numerai API key is saved" in panel.stake_message.text()
    panel.amount_field.setText("-3")
    assert await panel.stake_round() is False
    assert "positive NMR amount" in panel.stake_message.text()
    panel.close_clients()
    panel.deleteLater()


async def test_an_authorization_that_is_not_our_encoding_is_refused_in_red(
    devnet_ctx: Any, devnet: Any, memory_keyring: Any
) -> None:
    from numerbay_desktop.ui.round_calendar import RoundCalendarPanel
    from numerbay_desktop.ui.theme import current_palette

    ctx, world = devnet_ctx, devnet
    number = open_next_round(world)
    entry = next(e for e in ctx.devnet_info["numerai_api_keys"] if e["owner_index"] == 0)
    vault = next(a for a in entry["vaults"] if a and world.tournament.submitted(
        next(v for v in world.ctx.vaults if v.address == a).model_id, number))
    ApiKeyStore(ctx.data_dir).save(
        "default", NumeraiApiKey.parse(entry["public_id"], entry["secret"]))
    ctx.set_active_account("Owner")
    panel = RoundCalendarPanel()
    panel.set_context(ctx)
    panel.show_vault(vault)
    await wait_for(panel.load_task)
    numerai = await panel._keyed_numerai(panel.stake_message)
    assert numerai is not None
    served = numerai.stake_auth

    async def tampered(*args: Any, **kwargs: Any) -> Any:
        # An API that serves a digest of other fields than the ones it returns.
        auth = await served(*args, **kwargs)
        return auth.model_copy(update={"nonce": auth.nonce + 1})

    numerai.stake_auth = tampered  # type: ignore[method-assign]
    owner = ctx.registry.get("Owner").address
    nonce = await ctx.client.get_transaction_count(owner, "pending")
    panel.stake_button.click()
    assert await wait_for(panel.action_task) is False
    text = panel.stake_message.text()
    assert text.startswith("✗") and "not our own encoding" in text and "nothing was staked" in text
    assert current_palette().danger in panel.stake_message.styleSheet()
    assert await ctx.client.get_transaction_count(owner, "pending") == nonce
    panel.close_clients()
    panel.deleteLater()
