"""`numerbay tx request|sign|broadcast`: offline signing from the command line.

* `request` builds an unsigned request envelope with no network at all (nonce, gas and fees
  are given), summarised from the bundled ABIs.
* `sign` runs on the offline machine: it re-derives every hash, decodes every call itself,
  prints what will be signed with the risk findings, and signs with a keystore account. It
  opens no socket.
* `broadcast` checks the node's chain id first, then sends the raw transactions in nonce
  order and waits for their receipts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from numerbay_desktop.core.errors import InvalidInput, NumerbayError

if TYPE_CHECKING:
    from numerbay_desktop.wallet.calldata import AbiRegistry

MAINNET_NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"


class BroadcastError(NumerbayError):
    """The node refused or never confirmed a transaction."""


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tx = nouns.add_parser("tx", help="build, sign offline and broadcast transactions")
    verbs = tx.add_subparsers(dest="verb", metavar="VERB", required=True)

    request = verbs.add_parser("request", help="build an unsigned request (no network)")
    request.add_argument("--from", dest="sender", required=True, metavar="ADDRESS")
    request.add_argument("--to", required=True, metavar="ADDRESS")
    request.add_argument("--value", default="0",
                         help="ETH to send ('1.5' or '1.5 ETH'), or NMR to transfer ('10 NMR')")
    request.add_argument("--data", default="0x", metavar="HEX", help="calldata")
    request.add_argument("--nonce", type=int, required=True)
    request.add_argument("--chain-id", type=int, required=True)
    request.add_argument("--gas", type=int, required=True)
    request.add_argument("--max-fee-gwei")
    request.add_argument("--priority-fee-gwei")
    request.add_argument("--gas-price-gwei", help="a legacy (pre-EIP-1559) transaction instead")
    request.add_argument("--nmr-address", help="the NMR token (default: mainnet's on chain 1)")
    request.add_argument("--ttl-hours", type=int, default=24, help="validity (max 168)")
    request.add_argument("--out", required=True, metavar="REQ.json")
    request.set_defaults(handler=tx_request)

    sign = verbs.add_parser("sign", help="sign a request with a keystore account (offline)")
    sign.add_argument("request_file", metavar="REQ.json")
    sign.add_argument("--account", required=True, metavar="NAME")
    sign.add_argument("--out", required=True, metavar="SIGNED.json")
    sign.add_argument("--password-file", metavar="FILE")
    sign.add_argument("--yes", action="store_true", help="sign without asking to confirm")
    sign.add_argument("--nmr-address", help="the NMR token, to name it in summaries (devnets)")
    sign.add_argument("--allow-summary-mismatch", action="store_true",
                      help="sign even if the request's summary differs from its data")
    sign.set_defaults(handler=tx_sign)

    broadcast = verbs.add_parser("broadcast", help="send signed transactions to a node")
    broadcast.add_argument("signed_file", metavar="SIGNED.json")
    broadcast.add_argument("--rpc-url", required=True)
    broadcast.add_argument("--request", metavar="REQ.json",
                           help="the request it answers, to verify the signatures against")
    broadcast.add_argument("--timeout", type=float, default=120.0,
                           help="seconds to wait for each receipt (0: do not wait)")
    broadcast.set_defaults(handler=tx_broadcast)


# --------------------------------------------------------------------------- registry


def build_registry(data_dir: Path, chain_id: int, nmr_address: str | None = None) -> AbiRegistry:
    """The ABIs both sides use for summaries: bundled artifacts, ERC-20, and named contracts."""
    from numerbay_desktop.resource_paths import bundled_abis
    from numerbay_desktop.wallet.calldata import ERC20_ABI, AbiRegistry, ContractInfo

    abis = bundled_abis()
    named: dict[str, ContractInfo] = {}
    nmr = nmr_address or (MAINNET_NMR if chain_id == 1 else None)
    devnet = _devnet_contracts(data_dir, chain_id)
    nmr = nmr or devnet.get("nmr")
    if nmr:
        named[nmr] = ContractInfo("NMR", abis.get("MockNMR", ERC20_ABI), "NMR", 18)
    for key, artifact in (("staking", "LocalAtomicStaking"), ("factory", "VaultFactory")):
        if devnet.get(key) and artifact in abis:
            named[devnet[key]] = ContractInfo(artifact, abis[artifact])
    return AbiRegistry.build(named, extra_abis=abis.values())


def _devnet_contracts(data_dir: Path, chain_id: int) -> dict[str, str]:
    path = Path(data_dir) / "devnet" / "current.json"
    try:
        world = json.loads(path.read_text(encoding="utf-8"))
        if world.get("chain_id") != chain_id:
            return {}
        return {k: v for k, v in world.get("contracts", {}).items() if isinstance(v, str)}
    except (OSError, ValueError, AttributeError):
        return {}


# --------------------------------------------------------------------------- request


def tx_request(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from numerbay_desktop.core.units import parse_amount, parse_gwei
    from numerbay_desktop.wallet.offline import build_request, transaction_item
    from numerbay_desktop.wallet.signer import TxFields, checksum

    to = checksum(args.to, "--to address")
    data = _hex_arg(args.data)
    amount_text, _, unit = args.value.strip().partition(" ")
    unit = unit.strip().upper() or "ETH"
    if unit not in ("ETH", "NMR"):
        raise InvalidInput("--value takes an amount in ETH ('1.5') or NMR ('10 NMR').")
    amount = parse_amount(amount_text)
    registry = build_registry(Path(args.data_dir), args.chain_id, args.nmr_address)
    value = amount
    if unit == "NMR":
        if data:
            raise InvalidInput("An NMR transfer builds its own data; do not also give --data.")
        nmr = next((a for a, c in registry.contracts.items() if c.name == "NMR"), None)
        if nmr is None:
            raise InvalidInput("Give --nmr-address: the NMR token of this chain is not known.")
        data = bytes.fromhex("a9059cbb") + bytes(12) + bytes.fromhex(to[2:]) + amount.to_bytes(
            32, "big"
        )
        to, value = nmr, 0
    if args.gas_price_gwei is not None:
        fees: dict[str, int] = {"gas_price": parse_gwei(args.gas_price_gwei)}
    elif args.max_fee_gwei is not None and args.priority_fee_gwei is not None:
        fees = {
            "max_fee_per_gas": parse_gwei(args.max_fee_gwei),
            "max_priority_fee_per_gas": parse_gwei(args.priority_fee_gwei),
        }
    else:
        raise InvalidInput("Give --max-fee-gwei and --priority-fee-gwei (or --gas-price-gwei).")
    fields = TxFields(args.chain_id, args.nonce, to, value, data, args.gas, **fees)
    sender = checksum(args.sender, "--from address")
    request = build_request(
        sender, [transaction_item(fields, sender, registry)], chain_id=args.chain_id,
        ttl=timedelta(hours=args.ttl_hours),
    )
    _write(Path(args.out), request.to_json())
    print(f"Wrote an unsigned request for {sender} to {args.out}:")
    for item in request.items:
        print(f"  {item.summary}")
    return 0


# --------------------------------------------------------------------------- sign


def tx_sign(args: argparse.Namespace) -> int:
    from numerbay_desktop.commands.secrets_input import ask_password
    from numerbay_desktop.wallet.accounts import AccountRegistry
    from numerbay_desktop.wallet.keystore import wipe
    from numerbay_desktop.wallet.offline import TxItem, parse_request, review_request, sign_request

    accounts = AccountRegistry(Path(args.data_dir))
    record = accounts.get(args.account)
    text = _read(Path(args.request_file))
    request = parse_request(text, expected_account=record.address)
    registry = build_registry(Path(args.data_dir), request.chain_id, args.nmr_address)
    reviews = review_request(request, registry, known_addresses=frozenset(
        accounts.known_addresses()
    ))
    print(f"Request {request.request_id} for {request.account} on chain {request.chain_id}:")
    for review in reviews:
        print(f"\n  {review.index + 1}. {review.own_summary}")
        if isinstance(review.item, TxItem):
            for name, value in review.item.fields.display():
                print(f"       {name}: {value}")
        if not review.summary_matches:
            print(f"     ! The request claimed: {review.item.summary}")
        for finding in review.findings:
            print(f"     [{finding.severity.name}] {finding.message}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput("Confirm signing with --yes when no terminal is attached.")
        if input("\nSign all of the above? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Not signed.")
            return 1
    password = ask_password(args.password_file)
    key = accounts.unlock(args.account, password)
    try:
        response = sign_request(
            request, key, registry, allow_summary_mismatch=args.allow_summary_mismatch
        )
    finally:
        wipe(key)
    _write(Path(args.out), response.to_json())
    print(f"\nSigned {len(response.items)} item(s); wrote {args.out}")
    return 0


# --------------------------------------------------------------------------- broadcast


def tx_broadcast(args: argparse.Namespace) -> int:
    from web3 import Web3
    from web3.exceptions import TimeExhausted, Web3Exception

    from numerbay_desktop.wallet.offline import parse_request, parse_response
    from numerbay_desktop.wallet.signer import decode_signed

    document = _load_json(Path(args.signed_file))
    raws = _raw_transactions(document)
    if args.request:
        request = parse_request(_read(Path(args.request)))
        parse_response(json.dumps(document), request)
    decoded = [decode_signed(raw) for raw in raws]
    if not decoded:
        raise InvalidInput("The signed file holds no transactions to broadcast.")
    chains = {d.fields.chain_id for d in decoded}
    web3 = Web3(Web3.HTTPProvider(args.rpc_url, request_kwargs={"timeout": 30}))
    try:
        node_chain = int(web3.eth.chain_id)
    except (Web3Exception, OSError, ValueError) as error:
        raise BroadcastError(
            f"The node at {args.rpc_url} did not answer ({type(error).__name__})."
        ) from None
    if chains != {node_chain}:
        raise BroadcastError(
            f"The node is on chain {node_chain}, but the transactions are for chain "
            f"{', '.join(map(str, sorted(chains)))}; nothing was sent."
        )
    for tx in sorted(decoded, key=lambda d: d.fields.nonce):
        try:
            web3.eth.send_raw_transaction(tx.raw_transaction)
        except (Web3Exception, ValueError) as error:
            message = str(error)
            if "already known" not in message and "nonce too low" not in message:
                raise BroadcastError(f"The node refused transaction 0x{tx.tx_hash.hex()}: "
                                     f"{message[:200]}") from None
        print(f"Sent 0x{tx.tx_hash.hex()} (nonce {tx.fields.nonce})")
        if args.timeout > 0:
            try:
                receipt = web3.eth.wait_for_transaction_receipt(tx.tx_hash, timeout=args.timeout)
            except TimeExhausted:
                raise BroadcastError(
                    f"0x{tx.tx_hash.hex()} was not mined within {args.timeout:.0f} s."
                ) from None
            status = "succeeded" if receipt["status"] == 1 else "REVERTED"
            print(f"  included in block {receipt['blockNumber']}: {status}")
            if receipt["status"] != 1:
                raise BroadcastError(f"Transaction 0x{tx.tx_hash.hex()} reverted on chain.")
    return 0


def _raw_transactions(document: Any) -> list[bytes]:
    if not isinstance(document, dict) or document.get("format") != "numerbay/sign-response":
        raise InvalidInput("This file is not a NumerBay signed response.")
    items = document.get("items")
    if not isinstance(items, list):
        raise InvalidInput("The signed response has no items.")
    raws = []
    for item in items:
        if isinstance(item, dict) and item.get("kind") == "transaction":
            raws.append(_hex_arg(str(item.get("raw_transaction", ""))))
    return raws


# --------------------------------------------------------------------------- files


def _hex_arg(text: str) -> bytes:
    cleaned = text.strip()
    if not cleaned.startswith("0x"):
        raise InvalidInput("Hex data starts with 0x.")
    try:
        return bytes.fromhex(cleaned[2:])
    except ValueError:
        raise InvalidInput("The hex data has a character that is not hex.") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"{path} cannot be read.") from None


def _load_json(path: Path) -> Any:
    try:
        return json.loads(_read(path))
    except ValueError:
        raise InvalidInput(f"{path} is not valid JSON.") from None


def _write(path: Path, text: str) -> None:
    from numerbay_desktop.store.atomic import write_text_atomic

    write_text_atomic(path, text, mode=0o644)
