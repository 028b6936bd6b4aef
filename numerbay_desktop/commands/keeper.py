"""`numerbay keeper run --vault ADDRESS [--once]`: a vault's round work without a window.

Runs as the vault's operator (the owner sets it with the vault's `set_operator`, so the owner's
main key can stay offline): settles resolved rounds, syncs finalized ones, applies recorded
sequences, fulfils final exits, and stakes the open round with the proposed amount
(`services.round_work.RoundWorkService`). Every action is logged to stderr in plain words;
no key, password or API secret ever is.

Safe to run twice at the same moment (two processes, each with its own data folder): every
action checks the chain first, a loser's revert-at-simulation or refused send is reported as
"already done" once the chain shows it, and nothing is sent that simulation says reverts.

The Numerai API key (scope web3_staking): `--numerai-key-file F` (one line PUBLIC$SECRET),
else NUMERBAY_NUMERAI_PUBLIC_ID / NUMERBAY_NUMERAI_SECRET_KEY, else the key saved in this data
folder (`--numerai-profile`, the OS keyring or the encrypted file with
`--numerai-password-file`). Network: `--rpc-url` and `--numerai-url`, or the running devnet
of this data folder (devnet/current.json).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput, NumerbayError

if TYPE_CHECKING:
    from numerbay_desktop.chain.networks import Network
    from numerbay_desktop.wallet.api_key_types import NumeraiApiKey

ENV_PUBLIC_ID = "NUMERBAY_NUMERAI_PUBLIC_ID"
ENV_SECRET = "NUMERBAY_NUMERAI_SECRET_KEY"  # noqa: S105 - a variable name
DEFAULT_INTERVAL_S = 600.0

log = logging.getLogger("numerbay.keeper")


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keeper = nouns.add_parser("keeper", help="a vault's round work, headless (for cron)")
    verbs = keeper.add_subparsers(dest="verb", metavar="VERB", required=True)
    run = verbs.add_parser("run", help="settle, sync, apply, fulfil and stake the open round")
    run.add_argument("--vault", required=True, metavar="ADDRESS")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument("--account", metavar="NAME",
                     help="the operator's hot account (default: the only hot account)")
    run.add_argument("--password-file", metavar="FILE", help="the account's password")
    run.add_argument("--numerai-url", metavar="URL", help="Numerai's API (default: devnet's)")
    run.add_argument("--rpc-url", metavar="URL", help="an Ethereum node (default: devnet's)")
    run.add_argument("--chain-id", type=int, help="expected chain id (default: the node's)")
    run.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_S, metavar="S",
                     help="seconds between passes (default 600)")
    run.add_argument("--numerai-key-file", metavar="FILE", help="a file holding PUBLIC$SECRET")
    run.add_argument("--numerai-profile", default="default", metavar="NAME",
                     help="the saved Numerai API key to use (default: 'default')")
    run.add_argument("--numerai-password-file", metavar="FILE",
                     help="the password of a saved, file-encrypted Numerai API key")
    run.set_defaults(handler=keeper_run)


# --------------------------------------------------------------------------- setup


def _logger() -> logging.Logger:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s keeper[%(process)d] %(message)s", "%Y-%m-%dT%H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def _devnet_description(data_dir: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((data_dir / "devnet" / "current.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _node_chain_id(rpc_url: str) -> int:
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 - the user's node, http(s) checked
        rpc_url, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as reply:  # noqa: S310
            return int(json.loads(reply.read())["result"], 16)
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigurationError(f"The node at {rpc_url} does not answer eth_chainId.") from None


def resolve_endpoints(args: argparse.Namespace) -> tuple[Network, str | None]:
    """The network and Numerai's URL: from the arguments, else from this data folder's
    running devnet."""
    from numerbay_desktop.chain.networks import custom_network, devnet_from_world

    devnet = _devnet_description(Path(args.data_dir))
    if args.rpc_url:
        if not args.rpc_url.startswith(("http://", "https://")):
            raise InvalidInput("--rpc-url must start with http:// or https://.")
        chain_id = args.chain_id or _node_chain_id(args.rpc_url)
        network = custom_network(chain_id, [args.rpc_url])
        if devnet and devnet.get("rpc_url") == args.rpc_url:
            network = devnet_from_world(devnet)
    elif devnet:
        network = devnet_from_world(devnet)
    else:
        raise ConfigurationError("Give --rpc-url (no devnet runs for this data folder).")
    numerai_url = args.numerai_url or (devnet or {}).get("numerai_url")
    return network, numerai_url


def load_api_key(args: argparse.Namespace) -> NumeraiApiKey:
    from numerbay_desktop.commands.secrets_input import read_secret_file
    from numerbay_desktop.wallet.api_key_types import NumeraiApiKey

    if args.numerai_key_file:
        return NumeraiApiKey.from_token(read_secret_file(args.numerai_key_file,
                                                         "Numerai API key"))
    public_id, secret = os.environ.get(ENV_PUBLIC_ID), os.environ.get(ENV_SECRET)
    if public_id and secret:
        return NumeraiApiKey.parse(public_id, secret)
    from numerbay_desktop.wallet.api_keys import ApiKeyStore

    store = ApiKeyStore(Path(args.data_dir))
    if not store.exists(args.numerai_profile):
        raise ConfigurationError(
            f"No Numerai API key: give --numerai-key-file, set {ENV_PUBLIC_ID} and "
            f"{ENV_SECRET}, or save one in the app (profile '{args.numerai_profile}').")
    password = None
    if store.needs_password(args.numerai_profile):
        if not args.numerai_password_file:
            raise InvalidInput("The saved Numerai API key is encrypted: give "
                               "--numerai-password-file.")
        password = read_secret_file(args.numerai_password_file)
    return store.load(args.numerai_profile, password)


def unlock_account(args: argparse.Namespace) -> bytearray:
    from numerbay_desktop.commands.secrets_input import ask_password
    from numerbay_desktop.wallet.accounts import AccountRegistry

    registry = AccountRegistry(Path(args.data_dir))
    name = args.account
    if name is None:
        hot = [a for a in registry.accounts() if a.can_sign]
        if len(hot) != 1:
            raise InvalidInput("Name the operator's account with --account NAME "
                               f"({len(hot)} hot accounts here).")
        name = hot[0].name
    record = registry.get(name)
    log.info("operator account %s (%s)", record.name, record.address)
    return registry.unlock(name, ask_password(args.password_file,
                                              prompt=f"Password of {name}: "))


# --------------------------------------------------------------------------- run


def keeper_run(args: argparse.Namespace) -> int:
    import asyncio

    _logger()
    network, numerai_url = resolve_endpoints(args)
    if not numerai_url:
        raise ConfigurationError("Give --numerai-url (no devnet runs for this data folder).")
    if args.interval <= 0:
        raise InvalidInput("--interval must be a positive number of seconds.")
    api_key = load_api_key(args)
    key = unlock_account(args)
    try:
        return asyncio.run(_run(args, network, numerai_url, api_key, key))
    finally:
        from numerbay_desktop.wallet.keystore import wipe

        wipe(key)


async def _run(args: argparse.Namespace, network: Network, numerai_url: str,
               api_key: NumeraiApiKey, key: bytearray) -> int:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.networks import checksum_address
    from numerbay_desktop.chain.txflow import TxPipeline
    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.services.round_work import RoundWorkService
    from numerbay_desktop.services.tx_signing import KeySigner
    from numerbay_desktop.store.nonce_journal import NonceJournal

    vault = checksum_address(args.vault, "vault address")
    signer = KeySigner(key)
    public_id, secret = api_key.credentials()
    numerai = NumeraiClient(numerai_url, public_id=public_id, secret=secret)
    del secret
    journal = NonceJournal.open(Path(args.data_dir))
    try:
        async with ChainClient(network) as chain:
            await chain.connect()
            pipeline = TxPipeline(chain, journal, confirmations=1, poll_interval_s=0.5)
            for slot in await pipeline.recover(signer.address):
                log.info("resumed tracking %s (nonce %d) from the journal", slot.tx_hash,
                         slot.nonce)
            service = RoundWorkService(chain, numerai, pipeline)
            await _check_role(service, vault, signer.address)
            log.info("keeper for vault %s on %s", vault, network.name)
            while True:
                started = time.monotonic()
                try:
                    results = await service.run_once(vault, signer)
                except NumerbayError as error:
                    if args.once:
                        raise
                    log.warning("this pass stopped: %s", error)
                else:
                    for result in results:
                        log.info("%s: %s", result.action, result.message)
                    if not any(r.done for r in results):
                        log.info("nothing sent in this pass")
                if args.once:
                    log.info("one pass done; exiting")
                    return 0
                await _sleep(args.interval - (time.monotonic() - started))
    finally:
        numerai.close()
        journal.close()


async def _check_role(service: Any, vault: str, sender: str) -> None:
    state = await service.read_vault(vault)
    owner, operator = str(state.info["owner"]), str(state.info["operator"])
    if sender.lower() == owner.lower():
        log.info("running as the vault's owner")
    elif sender.lower() != operator.lower():
        raise InvalidInput(f"{sender} is neither the vault's owner nor its operator "
                           f"({operator}); the owner sets it with set_operator.")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(max(1.0, seconds))
