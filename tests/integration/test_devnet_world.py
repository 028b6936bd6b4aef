"""The devnet world on a real anvil: deployment, ~135 days of history, cache, advance, CLI.

Every test uses the session's shared world (`devnet_world`, built once or loaded from the
cached state dump); tests that change it use `devnet`, which rolls back afterwards.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from eth_utils import collapse_if_tuple, keccak, to_checksum_address

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.devnet import state_cache
from numerbay_desktop.devnet.round_work import Codecs, vault_infos
from numerbay_desktop.devnet.scenario import DEMO_STAKER_INDICES, NMR_PER_ACCOUNT, address_of
from numerbay_desktop.devnet.world import DevnetWorld, start_anvil, world_key

CLI = [sys.executable, "-m", "numerbay_desktop.cli"]
CODECS = Codecs()


def call(world: DevnetWorld, to: str, codec: Any, function: str, *args: Any) -> Any:
    return codec.decode_one(function, world.rpc.eth_call(to, codec.encode(function, *args)))


def event_topic(codec: Any, name: str) -> str:
    entry = next(e for e in codec.abi if e.get("type") == "event" and e["name"] == name)
    types = ",".join(collapse_if_tuple(dict(i)) for i in entry["inputs"])
    return "0x" + keccak(text=f"{name}({types})").hex()


def logs(world: DevnetWorld, name: str, addresses: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = world.rpc.call("eth_getLogs", [{
        "fromBlock": "0x0", "toBlock": "latest", "address": addresses,
        "topics": [event_topic(CODECS.vault, name)],
    }])
    return found


def test_every_demo_vault_is_registered_with_a_settled_history(devnet_world: DevnetWorld) -> None:
    world = devnet_world
    factory = world.deployment.factory
    assert call(world, factory, CODECS.factory, "vault_count") == 12
    vaults = world.ctx.live()
    assert len(vaults) == 12
    infos = vault_infos(world.ctx, vaults)
    ladders = set()
    for vault, info in zip(vaults, infos, strict=True):
        assert info["registered"], vault.role.model.name
        assert info["applied_count"] >= 30, (vault.role.model.name, info["applied_count"])
        assert info["stake_count"] > info["applied_count"]  # younger rounds still at stake
        assert info["total_assets"] > 0 and info["index_ray"] > 0
        model_id = abs_codec.model_id_bytes32(vault.model_id)
        registered = call(world, factory, CODECS.factory, "vault_of_model", model_id)
        assert to_checksum_address(registered) == vault.address
        tiers, commitments = CODECS.lens.decode("schedule", world.rpc.eth_call(
            world.deployment.lens, CODECS.lens.encode("schedule", vault.address)))
        assert [tuple(t) for t in tiers] == [
            (m * 10**18, fixed, profit) for m, fixed, profit in vault.role.terms.tiers
        ] or vault is vaults[1]  # vault 1 lowered its fees mid-history
        assert len(commitments) == len(vault.role.terms.commitments)
        ladders.add(vault.role.terms.tiers)
    assert len(ladders) == 12
    assert {len(v.role.terms.tiers) for v in vaults} == {1, 2, 3, 4}
    assert {len(v.role.terms.commitments) for v in vaults} == {1, 2, 3}


def test_history_has_stakers_exits_claims_and_fees(devnet_world: DevnetWorld) -> None:
    world = devnet_world
    addresses = [v.address for v in world.ctx.live() if v.address]
    deposits = logs(world, "Deposit", addresses)
    assert len(deposits) >= 40
    assert len(logs(world, "RoundSettled", addresses)) >= 12 * 30
    assert logs(world, "ExitRequested", addresses)
    assert logs(world, "ExitFulfilled", addresses)
    assert logs(world, "Claimed", addresses)
    assert logs(world, "ScheduleActivated", addresses)
    # Demo stakers put part of their NMR to work and kept the rest.
    for index in DEMO_STAKER_INDICES:
        balance = call(world, world.deployment.nmr, CODECS.nmr, "balanceOf",
                       address_of(world.config.mnemonic, index))
        assert 0 < balance < NMR_PER_ACCOUNT


def test_numerai_answers_for_the_owner_keys(devnet_world: DevnetWorld) -> None:
    world = devnet_world
    key = world.api_keys()[0]
    assert key["owner"] == address_of(world.config.mnemonic, 0)
    query = '{ v3StakeConfig(tournamentId: 8) { address nmrAddress } }'
    request = urllib.request.Request(
        str(world.server.url if world.server else ""), method="POST",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Token {key['public_id']}${key['secret']}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = json.loads(response.read())
    assert reply["data"]["v3StakeConfig"]["address"] == world.deployment.staking
    assert reply["data"]["v3StakeConfig"]["nmrAddress"] == world.deployment.nmr


def test_advance_plays_the_owners_round_work_and_rolls_back(devnet: DevnetWorld) -> None:
    world = devnet
    before = {v["address"]: v for v in world.vault_summaries()}
    start_time, start_round = world.chain_time(), world.current_round()
    reports = world.advance(2)
    assert [r["round"] for r in reports] == [start_round + 1, start_round + 2]
    assert all(r["resolved"] == 1 and r["settled"] >= 10 for r in reports)
    assert world.chain_time() >= start_time + 86_400
    after = {v["address"]: v for v in world.vault_summaries()}
    assert sum(after[a]["staked"] - before[a]["staked"] for a in before) >= 20
    assert sum(after[a]["applied"] - before[a]["applied"] for a in before) >= 20
    snap = world.snapshot()
    world.advance(1)
    world.restore(snap)
    assert {v["address"]: v for v in world.vault_summaries()} == after
    assert world.current_round() == start_round + 2


def test_cached_world_restores_the_simulator_and_plays_on(
    devnet_world: DevnetWorld, devnet_cache_dir: Path
) -> None:
    key = world_key(devnet_world.config)
    meta = state_cache.lookup(devnet_cache_dir, key)
    assert meta is not None
    decoded = state_cache.decode_simulator(meta["simulator"], type(devnet_world.desk.snapshot()))
    assert state_cache.encode_simulator(decoded) == meta["simulator"]
    anvil = start_anvil(devnet_world.config, load_state=state_cache.state_path(
        devnet_cache_dir, key))
    warm = DevnetWorld.attach(anvil, devnet_world.config, meta)
    try:
        assert warm.chain_time() > int(meta["simulator"]["resolve_times"][
            str(max(meta["simulator"]["resolved"]))])
        before = {v["address"]: v for v in warm.vault_summaries()}
        report = warm.advance(1)[0]
        assert report["resolved"] == 1 and report["settled"] >= 10
        after = {v["address"]: v for v in warm.vault_summaries()}
        assert sum(after[a]["applied"] - before[a]["applied"] for a in before) >= 10
    finally:
        warm.stop()


def test_devnet_up_serves_the_world_and_advance_and_mint_reach_it(
    devnet_world: DevnetWorld, devnet_cache_dir: Path, tmp_path: Path
) -> None:
    launcher = subprocess.Popen(
        [*CLI, "--data-dir", str(tmp_path), "devnet", "up", "--cache-dir", str(devnet_cache_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert launcher.stdout is not None
        line = launcher.stdout.readline()
        assert line, launcher.stderr.read() if launcher.stderr else ""
        world = json.loads(line)
        assert world["world"] == "cached"
        assert set(world["contracts"]) >= {"nmr", "staking", "factory", "lens", "admin",
                                           "multicall3"}
        assert world["vaults"] == [v.address for v in devnet_world.ctx.vaults]
        assert len(world["accounts"]) == 5 and world["numerai_url"].startswith("http://127.0.0.1")
        assert {k["owner"] for k in world["numerai_api_keys"]} >= {world["accounts"][0]["address"]}
        current = tmp_path / "devnet" / "current.json"
        assert json.loads(current.read_text()) == world
        env_args = ["--data-dir", str(tmp_path), "devnet"]
        advanced = subprocess.run([*CLI, *env_args, "advance", "--days", "1"],
                                  capture_output=True, text=True, timeout=300)
        assert advanced.returncode == 0, advanced.stderr
        assert json.loads(advanced.stdout)["days"][0]["staked"] >= 10
        receiver = "0x000000000000000000000000000000000000dEaD"
        minted = subprocess.run([*CLI, *env_args, "mint", "--to", receiver, "--amount", "12.5"],
                                capture_output=True, text=True, timeout=120)
        assert minted.returncode == 0, minted.stderr
        nmr = world["contracts"]["nmr"]
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [
            {"to": nmr, "data": CODECS.nmr.encode("balanceOf", receiver)}, "latest"]})
        with urllib.request.urlopen(urllib.request.Request(
                world["rpc_url"], data=body.encode(),
                headers={"Content-Type": "application/json"}), timeout=30) as response:
            assert int(json.loads(response.read())["result"], 16) == 12_500_000_000_000_000_000
        bad = subprocess.run([*CLI, *env_args, "mint", "--to", "nope", "--amount", "1"],
                             capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
    finally:
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(30) == 0
    assert not (tmp_path / "devnet" / "current.json").exists()


@pytest.mark.parametrize("verb", [["advance", "--days", "1"], ["mint", "--to", "0x0", "--amount",
                                                                "1"]])
def test_commands_without_a_running_world_are_one_sentence(tmp_path: Path, verb: list[str]) -> None:
    result = subprocess.run([*CLI, "--data-dir", str(tmp_path), "devnet", *verb],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "No devnet is running" in result.stderr and "Traceback" not in result.stderr


def test_the_cache_keeps_only_the_newest_worlds(tmp_path: Path) -> None:
    import os

    for age, key in enumerate(["new", "old", "older"]):
        state_cache.state_path(tmp_path, key).write_text("{}")
        meta = state_cache.meta_path(tmp_path, key)
        meta.write_text("{}")
        os.utime(meta, (1_000_000 - age, 1_000_000 - age))
    state_cache.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "new.json", "new.meta.json", "old.json", "old.meta.json"]
