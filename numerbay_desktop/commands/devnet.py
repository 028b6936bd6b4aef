"""`numerbay devnet ...`: the local sandbox chain and its demo world.

`devnet up` starts anvil on 127.0.0.1 with the demo world (contracts, 12 demo vaults with
about 90 days of history, the local Numerai's GraphQL API on the chain's clock and a control
endpoint), prints one JSON line describing it, writes the same to <data dir>/devnet/current.json
and serves until SIGINT or SIGTERM. The world is built once and reused from anvil's state dump
in <data dir>/devnet/cache (or --cache-dir). `--bare` starts a plain anvil only (fast).
anvil dies with the launcher even if it is killed with SIGKILL.

`devnet advance --days N` and `devnet mint --to ADDRESS --amount NMR` ask the running world
(found through current.json) over its control endpoint; `devnet status` prints current.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput
from numerbay_desktop.store.atomic import write_text_atomic


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    devnet = nouns.add_parser("devnet", help="the local sandbox chain with play money")
    verbs = devnet.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", help="start the devnet world and serve until interrupted")
    up.add_argument("--port", type=_port, default=0, help="RPC port on 127.0.0.1 (0: a free one)")
    up.add_argument("--chain-id", type=int, default=31337)
    up.add_argument("--accounts", type=_account_count, default=5, help="demo accounts to print")
    up.add_argument("--bare", action="store_true", help="a plain anvil: no contracts, no world")
    up.add_argument("--seed", type=int, default=0, help="the demo world's seed")
    up.add_argument("--days", type=_days, default=None, help="days of history (default 90)")
    up.add_argument("--cache-dir", type=Path, default=None,
                    help="where built worlds are kept (default: <data dir>/devnet/cache)")
    up.add_argument("--rebuild", action="store_true", help="build the world even if cached")
    up.set_defaults(handler=devnet_up)
    status = verbs.add_parser("status", help="print the running devnet's JSON, if any")
    status.set_defaults(handler=devnet_status)
    advance = verbs.add_parser("advance", help="move the running world forward in time")
    span = advance.add_mutually_exclusive_group(required=True)
    span.add_argument("--days", type=_days, help="days to play (one round opens each day)")
    span.add_argument("--rounds", type=_days, help="rounds to play (the same: rounds are daily)")
    advance.set_defaults(handler=devnet_advance)
    mint = verbs.add_parser("mint", help="mint play NMR to an address on the running devnet")
    mint.add_argument("--to", required=True, help="the receiving address")
    mint.add_argument("--amount", required=True, help="NMR, e.g. 250 or 12.5")
    mint.set_defaults(handler=devnet_mint)


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


def _days(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 1 <= value <= 400:
        raise argparse.ArgumentTypeError("choose between 1 and 400 days")
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


def _serve(state_file: Path, world: dict[str, Any], alive: Any, stop: threading.Event) -> None:
    line = json.dumps(world)
    write_text_atomic(state_file, line + "\n")
    print(line, flush=True)
    while not stop.wait(0.5):
        if not alive():
            raise ConfigurationError("anvil stopped unexpectedly; the devnet is down.")


def devnet_up(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def abort(*_: object) -> None:  # while starting: unwind (anvil is stopped on the way out)
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, abort)
    state_file = current_file(args.data_dir)
    if args.bare:
        return _up_bare(args, state_file, stop)
    return _up_world(args, state_file, stop)


def _serving(stop: threading.Event) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())


def _up_bare(args: argparse.Namespace, state_file: Path, stop: threading.Event) -> int:
    from numerbay_desktop.devnet.anvil import Anvil

    node = Anvil.start(port=args.port, chain_id=args.chain_id, accounts=max(args.accounts, 10))
    try:
        _serving(stop)
        world: dict[str, Any] = {
            "rpc_url": node.rpc_url,
            "chain_id": node.chain_id,
            "mnemonic": node.mnemonic,
            "accounts": demo_accounts(node.mnemonic, args.accounts),
        }
        _serve(state_file, world, node.is_running, stop)
    finally:
        node.stop()
        with contextlib.suppress(FileNotFoundError):
            state_file.unlink()
    return 0


def _up_world(args: argparse.Namespace, state_file: Path, stop: threading.Event) -> int:
    from numerbay_desktop.devnet.control import ControlServer
    from numerbay_desktop.devnet.state_cache import default_cache_dir, lookup
    from numerbay_desktop.devnet.world import DevnetWorld, WorldConfig, world_key

    config = WorldConfig(seed=args.seed, chain_id=args.chain_id,
                         **({"days": args.days} if args.days else {}))
    cache_dir = args.cache_dir or default_cache_dir(args.data_dir)
    if args.rebuild or lookup(cache_dir, world_key(config)) is None:
        print(f"numerbay: building the devnet world ({config.days} days of history); "
              "later starts reuse it.", file=sys.stderr, flush=True)
    world = DevnetWorld.open(config, cache_dir, port=args.port, use_cache=not args.rebuild)
    control: ControlServer | None = None
    try:
        world.start_numerai()
        control = ControlServer(world)
        control.start()
        _serving(stop)
        description = world.describe(control_url=control.url)
        description["accounts"] = description["accounts"][: args.accounts]
        _serve(state_file, description, world.anvil.is_running, stop)
    finally:
        if control is not None:
            control.stop()
        world.stop()
        with contextlib.suppress(FileNotFoundError):
            state_file.unlink()
    return 0


def _running(args: argparse.Namespace) -> dict[str, Any]:
    state_file = current_file(args.data_dir)
    try:
        world: dict[str, Any] = json.loads(state_file.read_text())
    except (OSError, ValueError):
        raise ConfigurationError(
            "No devnet is running for this data folder (start one with `numerbay devnet up`)."
        ) from None
    if not world.get("control_url"):
        raise ConfigurationError(
            "The running devnet is bare (started with --bare): it has no world to move."
        )
    return world


def devnet_status(args: argparse.Namespace) -> int:
    state_file = current_file(args.data_dir)
    if not state_file.exists():
        print("No devnet is running for this data folder (start one with `numerbay devnet up`).",
              file=sys.stderr)
        return 1
    print(state_file.read_text().strip())
    return 0


def devnet_advance(args: argparse.Namespace) -> int:
    world = _running(args)
    from numerbay_desktop.devnet.control import request

    days = args.days or args.rounds
    result = request(world["control_url"], "POST", "/devnet/advance", {"days": days})
    print(json.dumps(result))
    return 0


def devnet_mint(args: argparse.Namespace) -> int:
    try:
        amount = Decimal(args.amount)
    except InvalidOperation:
        raise InvalidInput(f"{args.amount!r} is not an NMR amount (e.g. 250 or 12.5).") from None
    wei = amount * 10**18
    if not amount.is_finite() or amount <= 0 or wei != wei.to_integral_value():
        raise InvalidInput("The amount must be positive NMR with at most 18 decimals.")
    world = _running(args)
    from numerbay_desktop.devnet.control import request

    result = request(world["control_url"], "POST", "/devnet/mint",
                     {"to": args.to, "amount_wei": str(int(wei))})
    print(json.dumps(result))
    return 0
