"""`numerbay keeper run --once`: two keeper processes at once, each with its own data folder,
both as the vault's operator; the vault stakes the open round exactly once, both exit 0 and
say what happened, and no secret reaches their logs; an account that is neither the vault's
owner nor its operator is refused (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from eth_account import Account

from numerbay_desktop.chain.events import decode_log, parse_log
from numerbay_desktop.devnet.node import Tx
from numerbay_desktop.devnet.round_work import round_time
from numerbay_desktop.devnet.scenario import address_of
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import ScryptParams

REPO = Path(__file__).resolve().parents[2]
CHEAP = ScryptParams(n=2**10, r=8, p=1)
PASSWORD = "operator password 1"
OPERATOR_KEY = "0x" + "5e" * 32


def staked_rounds(world: Any, vault: str, from_block: int) -> list[int]:
    logs = world.rpc.call("eth_getLogs", [{"address": vault, "fromBlock": hex(from_block),
                                           "toBlock": "latest"}])
    decoded = [decode_log(parse_log(raw), prefer=["NumerBayVault"]) for raw in logs]
    return [int(e.args["round_id"]) for e in decoded if e is not None and e.name == "RoundStaked"]


def keeper_folder(tmp_path: Path, name: str, api_token: str,
                  key: str = OPERATOR_KEY) -> tuple[Path, list[str]]:
    folder = tmp_path / name
    AccountRegistry(folder, scrypt=CHEAP).import_private_key("operator", key, PASSWORD)
    (folder / "password.txt").write_text(PASSWORD + "\n", encoding="utf-8")
    (folder / "numerai.key").write_text(api_token + "\n", encoding="utf-8")
    return folder, ["--account", "operator", "--password-file", str(folder / "password.txt"),
                    "--numerai-key-file", str(folder / "numerai.key")]


def test_two_keepers_at_once_stake_the_round_once(devnet: Any, tmp_path: Path) -> None:
    world = devnet
    number = world.current_round() + 1
    now = round_time(world.tournament, number)
    world.rpc.set_time(now)
    assert number in world.driver.tick(now).opened
    entry, vault = next(
        (e, a) for e in world.api_keys() for a in e["vaults"]
        if a and world.tournament.submitted(
            next(v for v in world.ctx.vaults if v.address == a).model_id, number))
    operator = str(Account.from_key(OPERATOR_KEY).address)
    world.rpc.call("anvil_setBalance", [operator, hex(10**20)])
    owner = address_of(world.config.mnemonic, entry["owner_index"])
    world.rpc.send([Tx(owner, vault, world.ctx.codecs.vault.encode("set_operator", operator),
                       "set the keeper as operator")])
    start_block = int(world.rpc.call("eth_blockNumber"), 16)

    token = f"{entry['public_id']}${entry['secret']}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMERBAY_NUMERAI_PUBLIC_ID", "NUMERBAY_NUMERAI_SECRET_KEY")}

    def keeper(name: str, key: str = OPERATOR_KEY) -> subprocess.Popen[str]:
        folder, extra = keeper_folder(tmp_path, name, token, key)
        command = [sys.executable, "-m", "numerbay_desktop.cli", "--data-dir", str(folder),
                   "keeper", "run", "--vault", vault, "--once", "--rpc-url",
                   world.anvil.rpc_url, "--numerai-url", world.server.url, *extra]
        return subprocess.Popen(
            command, cwd=REPO, env={**env, "NUMERBAY_DATA_DIR": str(folder)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    processes = [keeper("keeper-a"), keeper("keeper-b")]
    outputs = [p.communicate(timeout=300) for p in processes]
    logs = [out + err for out, err in outputs]
    for process, text in zip(processes, logs, strict=True):
        assert process.returncode == 0, text
        assert "stake: " in text and "one pass done" in text, text
        assert entry["secret"] not in text and PASSWORD not in text
        assert OPERATOR_KEY[2:] not in text

    assert staked_rounds(world, vault, start_block) == [number]
    # One says it staked; the other found it done (by its own check, a reverted simulation,
    # a refused send, or the very same signed transaction already on the node).
    stake_lines = [line for text in logs for line in text.splitlines() if "stake: " in line]
    assert len(stake_lines) == 2 and all(f"round {number}" in line.lower() for line in stake_lines)
    fresh = [line for line in stake_lines if "stake: Staked" in line and "already" not in line]
    if len(fresh) == 2:
        # Both signed the very same bytes and sent them at the same instant: one transaction.
        assert len({line.rsplit("transaction ", 1)[1] for line in fresh}) == 1, fresh
    else:
        assert len(fresh) == 1 and sum("already" in line for line in stake_lines) == 1, logs

    # An account that is neither owner nor operator is told so, and nothing is sent.
    stranger = keeper("stranger", "0x" + "6f" * 32)
    _, err = stranger.communicate(timeout=300)
    assert stranger.returncode == 2 and "neither the vault's owner nor its operator" in err, err
