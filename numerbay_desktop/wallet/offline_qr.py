"""Offline envelopes over QR: our envelopes as `ur:bytes`, and ERC-4527 for other wallets.

* Between two copies of this app, the whole request (with its summaries and expiry) and the
  whole response travel as a BC-UR `bytes` UR holding the envelope's compact JSON, split
  into as many animated QR frames as needed.
* For a hardware or mobile wallet that speaks ERC-4527, each item becomes an
  `eth-sign-request` (request id derived from the envelope's id and the item's position)
  and its `eth-signature` answers are turned back into a response, checked exactly like a
  file response.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cbor2
import rlp
from eth_utils.crypto import keccak

from numerbay_desktop.wallet.calldata import AbiRegistry
from numerbay_desktop.wallet.keystore import address_of_key
from numerbay_desktop.wallet.offline import (
    EnvelopeError,
    MessageItem,
    SignRequest,
    SignResponse,
    TxItem,
    parse_request,
    parse_response,
)
from numerbay_desktop.wallet.signer import (
    decode_unsigned,
    display_message,
    encode_signed,
    message_hash,
    serialize_unsigned,
    sign_message,
    sign_transaction,
    sign_typed_data,
    signing_hash,
    split_signature,
    typed_data_digest,
)
from numerbay_desktop.wallet.ur import (
    DATA_TYPE_LEGACY_TX,
    DATA_TYPE_PERSONAL_MESSAGE,
    DATA_TYPE_TYPED_DATA,
    DATA_TYPE_TYPED_TRANSACTION,
    DEFAULT_FRAGMENT_LEN,
    EthSignature,
    EthSignRequest,
    URError,
    decode_ur,
    encode_ur,
)

ORIGIN = "NumerBay Desktop"


def request_to_ur(
    request: SignRequest,
    *,
    max_fragment_len: int = DEFAULT_FRAGMENT_LEN,
    fountain_parts: int = 0,
) -> list[str]:
    """The request as UR text, one string per QR frame (loop them for an animated QR)."""
    return _json_to_ur(request.to_dict(), max_fragment_len, fountain_parts)


def response_to_ur(
    response: SignResponse,
    *,
    max_fragment_len: int = DEFAULT_FRAGMENT_LEN,
    fountain_parts: int = 0,
) -> list[str]:
    return _json_to_ur(response.to_dict(), max_fragment_len, fountain_parts)


def request_from_ur(parts: Iterable[str], **checks: Any) -> SignRequest:
    """Reassemble scanned parts (any order) and parse the request with `parse_request` checks."""
    return parse_request(_ur_to_json(parts), **checks)


def response_from_ur(parts: Iterable[str], request: SignRequest) -> SignResponse:
    return parse_response(_ur_to_json(parts), request)


def item_request_id(request: SignRequest, index: int) -> uuid.UUID:
    return uuid.uuid5(uuid.UUID(request.request_id), str(index))


def to_eth_sign_requests(request: SignRequest) -> list[EthSignRequest]:
    """One ERC-4527 eth-sign-request per item, for wallets that speak ERC-4527."""
    address = bytes.fromhex(request.account[2:])
    result = []
    for index, item in enumerate(request.items):
        if isinstance(item, TxItem):
            data = serialize_unsigned(item.fields)
            kind = DATA_TYPE_LEGACY_TX if item.fields.gas_price is not None else (
                DATA_TYPE_TYPED_TRANSACTION
            )
        elif isinstance(item, MessageItem):
            data, kind = item.message, DATA_TYPE_PERSONAL_MESSAGE
        else:
            data = json.dumps(item.typed_data, separators=(",", ":")).encode("utf-8")
            kind = DATA_TYPE_TYPED_DATA
        result.append(EthSignRequest(
            item_request_id(request, index), data, kind, request.chain_id, address=address,
            origin=ORIGIN,
        ))
    return result


def response_from_eth_signatures(
    request: SignRequest, signatures: Iterable[EthSignature], *, now: datetime | None = None
) -> SignResponse:
    """Turn ERC-4527 eth-signature answers into a response, verified like a file response."""
    by_id = {}
    for signature in signatures:
        if signature.request_id is None:
            raise EnvelopeError("An eth-signature carries no request id to match it to an item.")
        by_id[signature.request_id] = signature.signature
    items: list[dict[str, Any]] = []
    for index, item in enumerate(request.items):
        found = by_id.get(item_request_id(request, index))
        if found is None:
            raise EnvelopeError(f"No signature was scanned for item {index + 1}.")
        if isinstance(item, TxItem):
            v, r, s = split_signature(found)
            if item.fields.gas_price is not None and v > 1:
                v = (found[64] - 35 - 2 * item.fields.chain_id) % 2  # EIP-155 style v
            raw = encode_signed(item.fields, v, r, s)
            items.append({"kind": "transaction", "raw_transaction": "0x" + raw.hex(),
                          "tx_hash": "0x" + bytes(keccak(raw)).hex()})
        else:
            items.append({"kind": item.kind, "signature": "0x" + found.hex()})
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    document = {
        "format": "numerbay/sign-response", "version": 1, "request_id": request.request_id,
        "request_hash": "0x" + request.digest().hex(), "account": request.account,
        "signed_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "items": items,
    }
    return parse_response(json.dumps(document), request)


def _json_to_ur(document: dict[str, Any], max_fragment_len: int, fountain_parts: int) -> list[str]:
    payload = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return encode_ur("bytes", cbor2.dumps(payload), max_fragment_len=max_fragment_len,
                     fountain_parts=fountain_parts)


def _ur_to_json(parts: Iterable[str]) -> bytes:
    try:
        ur_type, message = decode_ur(parts)
    except URError as error:
        raise EnvelopeError(f"The QR code could not be read: {error}") from None
    if ur_type != "bytes":
        raise EnvelopeError(f"This QR code holds a '{ur_type}', not a NumerBay envelope.")
    try:
        payload = cbor2.loads(message)
    except Exception:  # cbor2 raises several types for hostile bytes
        raise EnvelopeError("The QR code's content is not valid CBOR.") from None
    if not isinstance(payload, bytes):
        raise EnvelopeError("The QR code does not hold an envelope.")
    return payload


# --------------------------------------------------------------------------- other wallets


@dataclass(frozen=True)
class ExternalReview:
    """What an ERC-4527 request from another wallet asks this (offline) copy to sign."""

    request: EthSignRequest
    kind: str  # "transaction", "message" or "typed_data"
    summary: str  # decoded here, from the sign-data itself
    details: list[tuple[str, str]]
    signing_hash: bytes


def review_eth_sign_request(
    request: EthSignRequest, registry: AbiRegistry, *, account: str
) -> ExternalReview:
    """Decode another wallet's eth-sign-request for display; refuses a different account."""
    if request.address is not None and request.address != bytes.fromhex(account[2:]):
        raise EnvelopeError("This request is for a different account than the one chosen.")
    data = request.sign_data
    if request.data_type in (DATA_TYPE_TYPED_TRANSACTION, DATA_TYPE_LEGACY_TX):
        fields = decode_unsigned(data)
        if request.chain_id is not None and request.chain_id != fields.chain_id:
            raise EnvelopeError("The request's chain id differs from the transaction's.")
        return ExternalReview(request, "transaction", registry.describe(fields), fields.display(),
                              signing_hash(fields))
    if request.data_type == DATA_TYPE_PERSONAL_MESSAGE:
        return ExternalReview(request, "message", f"Sign message: {display_message(data)}", [],
                              message_hash(data))
    try:
        typed = json.loads(data)
    except (ValueError, RecursionError):
        raise EnvelopeError("The typed data in this request is not JSON.") from None
    if not isinstance(typed, dict):
        raise EnvelopeError("The typed data in this request is not an object.")
    digest = typed_data_digest(typed)
    return ExternalReview(request, "typed_data", f"Sign {typed.get('primaryType', '?')}",
                          [("Domain", json.dumps(typed.get("domain"), sort_keys=True))], digest)


def sign_eth_sign_request(
    review: ExternalReview, private_key: bytes | bytearray, *, account: str
) -> EthSignature:
    """Sign what `review_eth_sign_request` showed; the answer is an ERC-4527 eth-signature."""
    if address_of_key(private_key) != account:
        raise EnvelopeError(f"This key does not belong to {account}.")
    if review.kind == "transaction":
        signed = sign_transaction(private_key, decode_unsigned(review.request.sign_data))
        signature = _vrs_bytes(signed.raw_transaction, signed.fields.gas_price is None)
    elif review.kind == "message":
        signature = sign_message(private_key, review.request.sign_data).signature
    else:
        signature = sign_typed_data(private_key, json.loads(review.request.sign_data)).signature
    return EthSignature(review.request.request_id, signature, ORIGIN)


def _vrs_bytes(raw: bytes, typed: bool) -> bytes:
    """r ‖ s ‖ v of a signed transaction, v as y-parity (typed) or 27 + parity (legacy)."""
    items = rlp.decode(raw[1:] if typed else raw)
    v, r, s = (int.from_bytes(x, "big") for x in items[-3:])
    parity = v if typed else (v - 35) % 2
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([parity if typed else 27 + parity])
