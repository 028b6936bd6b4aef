"""`numerbay simulator serve`: the local Numerai (tournament data, and staking with a chain).

Prints one JSON line {"numerai_url", "api_keys": [...], "seed", "staking", ...} and serves on
127.0.0.1 until SIGINT or SIGTERM. With `--rpc-url` and `--staking` it also answers the v3
staking fields from the deployed LocalAtomicStaking, following the chain's clock; the
authorization-signer and operator keys (devnet keys only) come from options or from
NUMERBAY_NUMERAI_SIGNER_KEY / NUMERBAY_NUMERAI_OPERATOR_KEY.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import signal
import sys
import threading

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput

log = logging.getLogger(__name__)
SIGNER_ENV = "NUMERBAY_NUMERAI_SIGNER_KEY"
OPERATOR_ENV = "NUMERBAY_NUMERAI_OPERATOR_KEY"
TICK_SECONDS = 2.0


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulator = nouns.add_parser("simulator", help="the local Numerai API (synthetic tournament)")
    verbs = simulator.add_subparsers(dest="verb", metavar="VERB", required=True)
    serve = verbs.add_parser("serve", help="serve the local Numerai until interrupted")
    serve.add_argument("--seed", type=int, default=0, help="the tournament's seed (default 0)")
    serve.add_argument("--port", type=int, default=0, help="port on the host (0: a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    serve.add_argument("--models", type=int, default=40, help="simulated models (default 40)")
    serve.add_argument("--accounts", type=int, default=15, help="demo accounts (default 15)")
    serve.add_argument("--rpc-url", help="JSON-RPC URL of the local chain (enables staking)")
    serve.add_argument("--staking", metavar="ADDRESS", help="the LocalAtomicStaking address")
    serve.add_argument("--signer-key", help=f"authorization signer key (hex; or ${SIGNER_ENV})")
    serve.add_argument("--operator-key", help=f"round operator key (hex; or ${OPERATOR_ENV})")
    serve.set_defaults(handler=simulator_serve)


def _key(value: str | None, env: str, what: str) -> bytes:
    text = value or os.environ.get(env, "")
    try:
        key = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InvalidInput(f"Give the {what} key as 64 hex digits (--{what}-key or ${env}).")
    return key


def _check_args(args: argparse.Namespace) -> None:
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        raise InvalidInput("The simulator only listens on a loopback address such as 127.0.0.1.")
    if not 0 <= args.port <= 65535:
        raise InvalidInput(f"{args.port} is not a port number (0 to 65535).")
    if not 1 <= args.models <= 5000 or not 1 <= args.accounts <= args.models:
        raise InvalidInput("Choose 1 to 5000 models and 1 account or more, at most one per model.")
    if bool(args.rpc_url) != bool(args.staking):
        raise InvalidInput("Staking needs both --rpc-url and --staking.")


def simulator_serve(args: argparse.Namespace) -> int:
    _check_args(args)
    from numerbay_desktop.devnet.local_numerai.service import LocalNumerai
    from numerbay_desktop.devnet.local_numerai.tournament import Tournament

    tournament = Tournament(seed=args.seed, n_models=args.models, n_accounts=args.accounts)
    if args.rpc_url:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(args.rpc_url, request_kwargs={"timeout": 30}))
        if not w3.is_connected():
            raise ConfigurationError(f"No JSON-RPC node answers at {args.rpc_url}.")
        numerai = LocalNumerai.on_chain(
            w3,
            args.staking,
            _key(args.signer_key, SIGNER_ENV, "signer"),
            _key(args.operator_key, OPERATOR_ENV, "operator"),
            tournament=tournament,
            host=args.host,
            port=args.port,
        )
    else:
        numerai = LocalNumerai(tournament=tournament, host=args.host, port=args.port)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with numerai:
        line = {
            "numerai_url": numerai.url,
            "seed": args.seed,
            "models": len(tournament.models),
            "staking": numerai.desk is not None,
            "api_keys": numerai.api_keys(),
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        while not stop.wait(TICK_SECONDS):
            if numerai.desk is None:
                continue
            try:  # rounds open and resolve on time even when nobody asks
                numerai.tick()
            except Exception as error:  # keep serving; the next tick retries
                log.warning("the round driver could not catch up: %s", error)
    return 0
