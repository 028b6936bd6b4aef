"""Joins the wallet to the transaction pipeline (chain/ and wallet/ are independent layers,
so the adapter lives here, above both).

- `KeySigner(private_key)`: a hot account as the pipeline's `TxSigner`.
- `export_request(prepared, registry)`: a prepared batch (consecutive nonces) as ONE unsigned
  request envelope (wallet.offline), so an offline signer crosses the air gap once.
- `signed_transactions(response_text, request)`: the raw signed transactions of a response,
  checked by wallet.offline against the request, for `TxPipeline.attach_signed`.
- `abi_registry(network)`: the ABIs both copies summarise calldata with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from numerbay_desktop.chain.networks import Network
from numerbay_desktop.chain.txflow import Prepared
from numerbay_desktop.chain.txsigned import UnsignedTx
from numerbay_desktop.resource_paths import bundled_abis
from numerbay_desktop.wallet.calldata import ERC20_ABI, AbiRegistry, ContractInfo
from numerbay_desktop.wallet.keystore import address_of_key
from numerbay_desktop.wallet.offline import (
    DEFAULT_TTL,
    EnvelopeError,
    SignRequest,
    build_request,
    parse_response,
    transaction_item,
)
from numerbay_desktop.wallet.signer import TxFields, sign_transaction


def tx_fields(tx: UnsignedTx) -> TxFields:
    return TxFields(
        chain_id=tx.chain_id, nonce=tx.nonce, to=tx.to, value=tx.value, data=tx.data,
        gas=tx.gas, max_fee_per_gas=tx.max_fee_per_gas,
        max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
    )


class KeySigner:
    """An unlocked hot account. The caller owns `private_key` and wipes it when done."""

    def __init__(self, private_key: bytes | bytearray) -> None:
        self._key = private_key
        self._address = address_of_key(private_key)

    @property
    def address(self) -> str:
        return self._address

    def sign_transaction(self, tx: UnsignedTx) -> bytes:
        return sign_transaction(self._key, tx_fields(tx)).raw_transaction


def abi_registry(network: Network, names: Mapping[str, str] | None = None) -> AbiRegistry:
    """Bundled ABIs and ERC-20, with the network's NMR named (and `names`: address → name)."""
    abis = bundled_abis()
    named: dict[str, ContractInfo] = {}
    if network.nmr:
        named[network.nmr] = ContractInfo("NMR", abis.get("MockNMR", ERC20_ABI), "NMR", 18)
    for address, name in (names or {}).items():
        abi = abis.get("NumerBayVault", []) + abis.get("VaultAdmin", [])
        named[address] = ContractInfo(name, abi)
    return AbiRegistry.build(named, extra_abis=abis.values())


def export_request(
    prepared: Prepared,
    registry: AbiRegistry,
    *,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> SignRequest:
    """The whole prepared batch as one unsigned request envelope."""
    items = [transaction_item(tx_fields(tx), prepared.sender, registry)
             for tx in prepared.transactions]
    return build_request(prepared.sender, list(items), chain_id=prepared.draft.chain_id,
                         now=now, ttl=ttl)


def signed_transactions(response_text: str | bytes, request: SignRequest) -> list[bytes]:
    """The raw signed transactions of a response, in the request's order."""
    response = parse_response(response_text, request)
    raws = [item.raw_transaction for item in response.items if item.kind == "transaction"]
    if any(raw is None for raw in raws) or not raws:
        raise EnvelopeError("The signed response holds no signed transactions.")
    return [raw for raw in raws if raw is not None]
