"""`numerbay devnet ...`: the local sandbox chain.

`devnet up` starts anvil on 127.0.0.1, prints one JSON line describing the running world
(the app and scripts read it), writes the same to <data dir>/devnet/current.json, and serves
until SIGINT or SIGTERM. anvil dies with it even if this process is killed with SIGKILL.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from numerbay_desktop.core.errors import ConfigurationError
from numerbay_desktop.store.atomic import write_text_atomic


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    devnet = nouns.add_parser("devnet", help="the local sandbox chain with play money")
    verbs = devnet.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", help="start the devnet and serve until interrupted")
    up.add_argument("--port", type=_port, default=0, help="RPC port on 127.0.0.1 (0: a free one)")
    up.add_argument("--chain-id", type=int, default=31337)
    up.add_argument("--accounts", type=_account_count, default=5, help="demo accounts to print")
    up.set_defaults(handler=devnet_up)
    status = verbs.add_parser("status", help="print the running devnet's JSON, if any")
    status.set_defaults(handler=devnet_status)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535)")
    return value


def _account_count(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError("choose between 1 and 50 accounts")
    return value


def current_file(data_dir: Path) -> Path:
    return data_dir / "devnet" / "current.json"


def demo_accounts(mnemonic: str, count: int) -> list[dict[str, str]]:
    """The first `count` BIP44 accounts of the devnet mnemonic (play money only)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    accounts = []
    for index in range(count):
        account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
        accounts.append({"address": account.address, "private_key": "0x" + account.key.hex()})
    return accounts


def devnet_up(args: argparse.Namespace) -> int:
    from numerbay_desktop.devnet.anvil import Anvil

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    node = Anvil.start(port=args.port, chain_id=args.chain_id, accounts=max(args.accounts, 10))
    state_file = current_file(args.data_dir)
    try:
        world: dict[str, Any] = {
            "rpc_url": node.rpc_url,
            "chain_id": node.chain_id,
            "mnemonic": node.mnemonic,
            "accounts": demo_accounts(node.mnemonic, args.accounts),
        }
        line = json.dumps(world)
        write_text_atomic(state_file, line + "\n")
        print(line, flush=True)
        while not stop.wait(0.5):
            if not node.is_running():
                raise ConfigurationError("anvil stopped unexpectedly; the devnet is down.")
    finally:
        node.stop()
        with contextlib.suppress(FileNotFoundError):
            state_file.unlink()
    return 0


def devnet_status(args: argparse.Namespace) -> int:
    state_file = current_file(args.data_dir)
    if not state_file.exists():
        print("No devnet is running for this data folder (start one with `numerbay devnet up`).",
              file=sys.stderr)
        return 1
    print(state_file.read_text().strip())
    return 0
