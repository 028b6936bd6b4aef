"""Offline signing envelopes: an unsigned request crosses the air gap, a signed response comes back.

Request (JSON, `format: numerbay/sign-request`, `version: 1`)::

    {request_id, created_at, expires_at, chain_id, account,
     items: [{kind: "transaction", chain_id, from, to, value, data, nonce, gas,
              max_fee_per_gas, max_priority_fee_per_gas | gas_price, summary, signing_hash},
             {kind: "message", from, message (0x-hex), summary, signing_hash},
             {kind: "typed_data", from, typed_data {...EIP-712...}, summary, signing_hash}]}

`envelope_hash` is keccak of the canonical JSON of everything else: it catches accidental
edits and corruption. It is not a signature (the online copy holds no key the offline one
trusts), so the real defence against a deliberate lie is that the offline side decodes every
item itself and flags a summary that differs, and the online side accepts only a response
bound to the exact request it made.

Transactions travel together in nonce order (an approval and the deposit it enables), so
the air gap is crossed once. Amounts are decimal strings (uint256 does not fit JSON numbers).

Response (`format: numerbay/sign-response`)::

    {request_id, request_hash, account, signed_at,
     items: [{kind: "transaction", raw_transaction, tx_hash} | {kind, signature}]}

Every import is strict: unknown keys, wrong types, a hash that does not recompute, a chain
or account that differs, an expired request, a response for another request, or a signature
from another key are refused with `EnvelopeError` saying why. Nothing else escapes.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.risk import Finding, Severity, review_transaction
from numerbay_desktop.wallet.calldata import AbiRegistry
from numerbay_desktop.wallet.envelope_fields import (
    EnvelopeError as EnvelopeError,  # re-exported: callers catch offline.EnvelopeError
)
from numerbay_desktop.wallet.envelope_fields import (
    checked_address,
    decimal,
    exact_keys,
    hex_bytes,
    iso,
    load_json,
    summary_text,
    timestamp,
    uint,
)
from numerbay_desktop.wallet.keystore import address_of_key
from numerbay_desktop.wallet.signer import (
    TxFields,
    checksum,
    decode_signed,
    display_message,
    message_hash,
    recover_message,
    recover_typed_data,
    sign_message,
    sign_transaction,
    sign_typed_data,
    signing_hash,
    typed_data_digest,
)

REQUEST_FORMAT = "numerbay/sign-request"
RESPONSE_FORMAT = "numerbay/sign-response"
VERSION = 1
MAX_ITEMS = 32
DEFAULT_TTL = timedelta(hours=24)
MAX_TTL = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=10)


class SummaryMismatch(EnvelopeError):
    """The request's own summary differs from what the offline copy decodes."""


@dataclass(frozen=True)
class TxItem:
    fields: TxFields
    sender: str
    summary: str
    kind: str = "transaction"

    @property
    def signing_hash(self) -> bytes:
        return signing_hash(self.fields)


@dataclass(frozen=True)
class MessageItem:
    sender: str
    message: bytes
    summary: str
    kind: str = "message"

    @property
    def signing_hash(self) -> bytes:
        return message_hash(self.message)


@dataclass(frozen=True)
class TypedDataItem:
    sender: str
    typed_data: dict[str, Any]
    summary: str
    kind: str = "typed_data"

    @property
    def signing_hash(self) -> bytes:
        return typed_data_digest(self.typed_data)


Item = TxItem | MessageItem | TypedDataItem


@dataclass(frozen=True)
class SignRequest:
    request_id: str
    created_at: datetime
    expires_at: datetime
    chain_id: int
    account: str
    items: tuple[Item, ...]

    def to_dict(self) -> dict[str, Any]:
        """The envelope, sealed with `envelope_hash` so an accidental edit is caught on import."""
        return {**self._body(), "envelope_hash": "0x" + self.digest().hex()}

    def _body(self) -> dict[str, Any]:
        return {
            "format": REQUEST_FORMAT,
            "version": VERSION,
            "request_id": self.request_id,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "chain_id": self.chain_id,
            "account": self.account,
            "items": [_item_to_dict(item) for item in self.items],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def digest(self) -> bytes:
        """keccak of the canonical JSON: what a response is bound to."""
        canonical = json.dumps(self._body(), sort_keys=True, separators=(",", ":"))
        return bytes(keccak(canonical.encode("utf-8")))

    def transactions(self) -> list[TxItem]:
        return [i for i in self.items if isinstance(i, TxItem)]


@dataclass(frozen=True)
class ItemReview:
    """What the offline copy itself makes of one item."""

    index: int
    item: Item
    own_summary: str
    summary_matches: bool
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class SignedItem:
    kind: str
    raw_transaction: bytes | None = None
    tx_hash: bytes | None = None
    signature: bytes | None = None


@dataclass(frozen=True)
class SignResponse:
    request_id: str
    request_hash: bytes
    account: str
    signed_at: datetime
    items: tuple[SignedItem, ...]

    def to_dict(self) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for item in self.items:
            if item.kind == "transaction":
                assert item.raw_transaction is not None and item.tx_hash is not None
                items.append({
                    "kind": "transaction",
                    "raw_transaction": "0x" + item.raw_transaction.hex(),
                    "tx_hash": "0x" + item.tx_hash.hex(),
                })
            else:
                assert item.signature is not None
                items.append({"kind": item.kind, "signature": "0x" + item.signature.hex()})
        return {
            "format": RESPONSE_FORMAT,
            "version": VERSION,
            "request_id": self.request_id,
            "request_hash": "0x" + self.request_hash.hex(),
            "account": self.account,
            "signed_at": iso(self.signed_at),
            "items": items,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- building


def build_request(
    account: str,
    items: list[Item],
    *,
    chain_id: int,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> SignRequest:
    """A request for `account`; transactions must be consecutive nonces in order."""
    created = (now or datetime.now(UTC)).replace(microsecond=0)
    request = SignRequest(
        str(uuid.uuid4()), created, created + ttl, chain_id, checksum(account, "account"),
        tuple(items),
    )
    _check_request(request, now=created)
    return request


def transaction_item(fields: TxFields, sender: str, registry: AbiRegistry) -> TxItem:
    """A transaction item whose summary comes from `registry` (the same text offline recomputes)."""
    fields = fields.validated()
    return TxItem(fields, checksum(sender, "sender"), registry.describe(fields))


def message_item(sender: str, message: bytes | str) -> MessageItem:
    raw = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    return MessageItem(checksum(sender, "sender"), raw, _message_summary(raw))


def typed_data_item(sender: str, typed_data: dict[str, Any]) -> TypedDataItem:
    typed_data_digest(typed_data)
    return TypedDataItem(checksum(sender, "sender"), typed_data, _typed_summary(typed_data))


# --------------------------------------------------------------------------- importing


def parse_request(
    text: str | bytes,
    *,
    now: datetime | None = None,
    expected_chain_id: int | None = None,
    expected_account: str | None = None,
) -> SignRequest:
    """Strictly parse and check a request; raises EnvelopeError (only) with the reason."""
    try:
        document = load_json(text)
        request = _request_from_dict(document)
        _check_request(request, now=now or datetime.now(UTC))
    except EnvelopeError:
        raise
    except InvalidInput as error:
        raise EnvelopeError(f"The request is invalid: {error}") from None
    if expected_chain_id is not None and request.chain_id != expected_chain_id:
        raise EnvelopeError(
            f"The request is for chain {request.chain_id}, not chain {expected_chain_id}."
        )
    if expected_account is not None and request.account != checksum(expected_account):
        raise EnvelopeError(f"The request is for account {request.account}, not this one.")
    return request


def review_request(
    request: SignRequest,
    registry: AbiRegistry,
    *,
    expected_chain_id: int | None = None,
    known_addresses: Iterable[str] = (),
) -> list[ItemReview]:
    """Decode every item ourselves; flag summary differences and risks."""
    known = list(known_addresses)
    reviews = []
    for index, item in enumerate(request.items):
        findings: list[Finding] = []
        if isinstance(item, TxItem):
            own = registry.describe(item.fields)
            if item.fields.to is not None:
                findings = review_transaction(
                    to=item.fields.to,
                    data=item.fields.data,
                    chain_id=item.fields.chain_id,
                    expected_chain_id=expected_chain_id or request.chain_id,
                    known_addresses=known,
                    known_selectors=registry.known_selectors(),
                    trusted_contracts=registry.contracts.keys(),
                )
        elif isinstance(item, MessageItem):
            own = _message_summary(item.message)
        else:
            own = _typed_summary(item.typed_data)
        matches = own == item.summary
        if not matches:
            findings.insert(0, Finding(
                "summary_mismatch", Severity.DANGER,
                "The request describes this item differently from what its data actually does. "
                "Do not sign it unless you understand the difference.",
            ))
        reviews.append(ItemReview(index, item, own, matches, findings))
    return reviews


def sign_request(
    request: SignRequest,
    private_key: bytes | bytearray,
    registry: AbiRegistry,
    *,
    now: datetime | None = None,
    allow_summary_mismatch: bool = False,
) -> SignResponse:
    """Sign every item with the request's account key; the caller wipes `private_key`."""
    moment = now or datetime.now(UTC)
    _check_request(request, now=moment)
    if address_of_key(private_key) != request.account:
        raise EnvelopeError(f"This key does not belong to {request.account}, the requested signer.")
    reviews = review_request(request, registry)
    if not allow_summary_mismatch:
        for review in reviews:
            if not review.summary_matches:
                raise SummaryMismatch(
                    f"Item {review.index + 1}'s summary does not match its data. The data "
                    f"actually does: {review.own_summary}"
                )
    signed: list[SignedItem] = []
    for item in request.items:
        if isinstance(item, TxItem):
            tx = sign_transaction(private_key, item.fields)
            signed.append(SignedItem("transaction", tx.raw_transaction, tx.tx_hash))
        elif isinstance(item, MessageItem):
            signature = sign_message(private_key, item.message).signature
            signed.append(SignedItem("message", signature=signature))
        else:
            signature = sign_typed_data(private_key, item.typed_data).signature
            signed.append(SignedItem("typed_data", signature=signature))
    return SignResponse(
        request.request_id, request.digest(), request.account, moment.replace(microsecond=0),
        tuple(signed),
    )


def parse_response(text: str | bytes, request: SignRequest) -> SignResponse:
    """Check a response against the request it answers; raises EnvelopeError with the reason."""
    try:
        return _parse_response(load_json(text), request)
    except EnvelopeError:
        raise
    except InvalidInput as error:
        raise EnvelopeError(f"The signed response is invalid: {error}") from None


def _parse_response(document: Any, request: SignRequest) -> SignResponse:
    exact_keys(document, {"format", "version", "request_id", "request_hash", "account",
                           "signed_at", "items"}, "response")
    if document["format"] != RESPONSE_FORMAT or document["version"] != VERSION:
        raise EnvelopeError("This file is not a NumerBay signed response of a known version.")
    if document["request_id"] != request.request_id:
        raise EnvelopeError("This signed response answers a different request.")
    if hex_bytes(document["request_hash"], "request_hash", 32) != request.digest():
        raise EnvelopeError("This signed response was made for a different version of the request.")
    if checked_address(document["account"], "account") != request.account:
        raise EnvelopeError("This signed response comes from a different account.")
    signed_at = timestamp(document["signed_at"], "signed_at")
    items = document["items"]
    if not isinstance(items, list) or len(items) != len(request.items):
        raise EnvelopeError("The signed response does not have one signature per requested item.")
    result = []
    for position, (raw_item, wanted) in enumerate(zip(items, request.items, strict=True), start=1):
        if isinstance(wanted, TxItem):
            exact_keys(raw_item, {"kind", "raw_transaction", "tx_hash"}, f"item {position}")
            if raw_item["kind"] != "transaction":
                raise EnvelopeError(f"Item {position} should be a signed transaction.")
            raw = hex_bytes(raw_item["raw_transaction"], "raw_transaction")
            decoded = decode_signed(raw)
            if decoded.fields != wanted.fields:
                raise EnvelopeError(f"Signed transaction {position} differs from the request.")
            if decoded.sender != request.account:
                raise EnvelopeError(f"Signed transaction {position} was signed by another key.")
            if hex_bytes(raw_item["tx_hash"], "tx_hash", 32) != decoded.tx_hash:
                raise EnvelopeError(f"Signed transaction {position}'s hash does not match.")
            result.append(SignedItem("transaction", raw, decoded.tx_hash))
        else:
            exact_keys(raw_item, {"kind", "signature"}, f"item {position}")
            if raw_item["kind"] != wanted.kind:
                raise EnvelopeError(f"Item {position} should be a {wanted.kind} signature.")
            signature = hex_bytes(raw_item["signature"], "signature", 65)
            if isinstance(wanted, MessageItem):
                signer = recover_message(wanted.message, signature)
            else:
                signer = recover_typed_data(wanted.typed_data, signature)
            if signer != request.account:
                raise EnvelopeError(f"Signature {position} does not recover to {request.account}.")
            result.append(SignedItem(wanted.kind, signature=signature))
    return SignResponse(request.request_id, request.digest(), request.account, signed_at,
                        tuple(result))


# --------------------------------------------------------------------------- checks


def _check_request(request: SignRequest, *, now: datetime) -> None:
    if not 1 <= len(request.items) <= MAX_ITEMS:
        raise EnvelopeError(f"A request holds between 1 and {MAX_ITEMS} items.")
    if request.expires_at <= request.created_at or (
        request.expires_at - request.created_at > MAX_TTL
    ):
        raise EnvelopeError("The request's validity period is not between now and 7 days.")
    if request.created_at > now + CLOCK_SKEW:
        raise EnvelopeError("The request is dated in the future; check both computers' clocks.")
    if now >= request.expires_at:
        raise EnvelopeError(
            f"The request expired at {iso(request.expires_at)}; make a fresh one online."
        )
    nonces = []
    for position, item in enumerate(request.items, start=1):
        if item.sender != request.account:
            raise EnvelopeError(f"Item {position} is from a different account than the request.")
        if isinstance(item, TxItem):
            if item.fields.chain_id != request.chain_id:
                raise EnvelopeError(
                    f"Transaction {position} is for another chain than the request."
                )
            nonces.append(item.fields.nonce)
    if any(b != a + 1 for a, b in itertools.pairwise(nonces)):
        raise EnvelopeError("The transactions must have consecutive nonces, in order.")


def _request_from_dict(document: Any) -> SignRequest:
    exact_keys(document, {"format", "version", "request_id", "created_at", "expires_at",
                           "chain_id", "account", "items", "envelope_hash"}, "request")
    if document["format"] != REQUEST_FORMAT or document["version"] != VERSION:
        raise EnvelopeError("This file is not a NumerBay signing request of a known version.")
    request_id = document["request_id"]
    try:
        if not isinstance(request_id, str) or str(uuid.UUID(request_id)) != request_id:
            raise ValueError
    except ValueError:
        raise EnvelopeError("The request id is not a UUID.") from None
    items = document["items"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise EnvelopeError(f"A request holds between 1 and {MAX_ITEMS} items.")
    parsed = tuple(_item_from_dict(raw, n) for n, raw in enumerate(items, start=1))
    request = SignRequest(
        request_id,
        timestamp(document["created_at"], "created_at"),
        timestamp(document["expires_at"], "expires_at"),
        uint(document["chain_id"], "chain_id"),
        checked_address(document["account"], "account"),
        parsed,
    )
    if hex_bytes(document["envelope_hash"], "envelope_hash", 32) != request.digest():
        raise EnvelopeError(
            "The request was changed after it was made (its envelope hash does not match)."
        )
    return request


def _item_from_dict(raw: Any, position: int) -> Item:
    where = f"item {position}"
    if not isinstance(raw, dict):
        raise EnvelopeError(f"{where.capitalize()} is not an object.")
    kind = raw.get("kind")
    common = {"kind", "from", "summary", "signing_hash"}
    if kind == "transaction":
        fee_keys = (
            {"gas_price"} if "gas_price" in raw else {"max_fee_per_gas", "max_priority_fee_per_gas"}
        )
        exact_keys(raw, common | {"chain_id", "to", "value", "data", "nonce", "gas"} | fee_keys,
                    where)
        to = raw["to"]
        fields = TxFields(
            chain_id=uint(raw["chain_id"], "chain_id"),
            nonce=uint(raw["nonce"], "nonce"),
            to=None if to is None else checked_address(to, "to"),
            value=decimal(raw["value"], "value"),
            data=hex_bytes(raw["data"], "data"),
            gas=uint(raw["gas"], "gas"),
            max_fee_per_gas=decimal(raw["max_fee_per_gas"], "max_fee_per_gas")
            if "max_fee_per_gas" in raw else None,
            max_priority_fee_per_gas=decimal(raw["max_priority_fee_per_gas"], "priority fee")
            if "max_priority_fee_per_gas" in raw else None,
            gas_price=decimal(raw["gas_price"], "gas_price") if "gas_price" in raw else None,
        ).validated()
        sender = checked_address(raw["from"], "from")
        item: Item = TxItem(fields, sender, summary_text(raw["summary"]))
    elif kind == "message":
        exact_keys(raw, common | {"message"}, where)
        item = MessageItem(
            checked_address(raw["from"], "from"),
            hex_bytes(raw["message"], "message"),
            summary_text(raw["summary"]),
        )
    elif kind == "typed_data":
        exact_keys(raw, common | {"typed_data"}, where)
        if not isinstance(raw["typed_data"], dict):
            raise EnvelopeError(f"{where.capitalize()}'s typed data is not an object.")
        item = TypedDataItem(checked_address(raw["from"], "from"), raw["typed_data"],
                             summary_text(raw["summary"]))
    else:
        raise EnvelopeError(f"{where.capitalize()} has an unknown kind.")
    if hex_bytes(raw["signing_hash"], "signing_hash", 32) != item.signing_hash:
        raise EnvelopeError(f"{where.capitalize()}'s signing hash does not match its contents.")
    return item


def _item_to_dict(item: Item) -> dict[str, Any]:
    base: dict[str, Any] = {"kind": item.kind, "from": item.sender, "summary": item.summary,
            "signing_hash": "0x" + item.signing_hash.hex()}
    if isinstance(item, TxItem):
        f = item.fields
        base.update({
            "chain_id": f.chain_id, "to": f.to, "value": str(f.value), "data": "0x" + f.data.hex(),
            "nonce": f.nonce, "gas": f.gas,
        })
        if f.gas_price is not None:
            base["gas_price"] = str(f.gas_price)
        else:
            base["max_fee_per_gas"] = str(f.max_fee_per_gas)
            base["max_priority_fee_per_gas"] = str(f.max_priority_fee_per_gas)
    elif isinstance(item, MessageItem):
        base["message"] = "0x" + item.message.hex()
    else:
        base["typed_data"] = item.typed_data
    return base


def _message_summary(raw: bytes) -> str:
    return f"Sign message: {display_message(raw)}"


def _typed_summary(typed_data: Mapping[str, Any]) -> str:
    domain = typed_data.get("domain", {})
    name = domain.get("name", "?") if isinstance(domain, Mapping) else "?"
    chain = domain.get("chainId", "?") if isinstance(domain, Mapping) else "?"
    return f"Sign {typed_data.get('primaryType', '?')} for {name} (chain {chain})"
