"""Offline envelopes: round trips, refusals with reasons, and fuzzing of every import path."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_utils.crypto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerbay_desktop.wallet.calldata import ERC20_ABI, AbiRegistry, ContractInfo
from numerbay_desktop.wallet.offline import (
    EnvelopeError,
    SignRequest,
    SummaryMismatch,
    build_request,
    message_item,
    parse_request,
    parse_response,
    review_request,
    sign_request,
    transaction_item,
    typed_data_item,
)
from numerbay_desktop.wallet.offline_qr import (
    request_from_ur,
    request_to_ur,
    response_from_eth_signatures,
    response_from_ur,
    response_to_ur,
    to_eth_sign_requests,
)
from numerbay_desktop.wallet.signer import TxFields, sign_message, sign_transaction
from numerbay_desktop.wallet.ur import EthSignature, parse_eth_sign_request

# `make fuzz` (NUMERBAY_FUZZ=1, marker fuzz) runs 10,000 cases per property; the default
# suite runs the same properties with a few hundred cases.
CAMPAIGN = 10_000 if os.environ.get("NUMERBAY_FUZZ") == "1" else 0
QUICK = 150

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
OTHER_KEY = bytes.fromhex("46" * 32)
ACCOUNT = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"
VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VAULT_ABI = [{
    "type": "function", "name": "deposit", "stateMutability": "nonpayable",
    "inputs": [{"name": "assets", "type": "uint256"}, {"name": "receiver", "type": "address"}],
    "outputs": [{"name": "", "type": "uint256"}],
}]
REGISTRY = AbiRegistry.build({
    NMR: ContractInfo("NMR", ERC20_ABI, "NMR", 18),
    VAULT: ContractInfo("Vault alpha", VAULT_ABI),
})
TYPED = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
        ],
        "Stake": [{"name": "amount", "type": "uint256"}],
    },
    "primaryType": "Stake",
    "domain": {"name": "NumerBay", "chainId": 1},
    "message": {"amount": 5},
}


def _approve(spender: str, amount: int) -> bytes:
    return bytes.fromhex("095ea7b3") + bytes(12) + bytes.fromhex(spender[2:]) + amount.to_bytes(
        32, "big"
    )


def _deposit(amount: int, receiver: str) -> bytes:
    from eth_abi.abi import encode
    from eth_utils.abi import function_signature_to_4byte_selector

    return function_signature_to_4byte_selector("deposit(uint256,address)") + encode(
        ["uint256", "address"], [amount, receiver]
    )


def make_request(*, legacy: bool = False) -> SignRequest:
    fees: dict[str, Any] = (
        {"gas_price": 20 * 10**9} if legacy
        else {"max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
    )
    approve = TxFields(1, 7, NMR, 0, _approve(VAULT, 25 * 10**18), 60_000, **fees)
    deposit = TxFields(1, 8, VAULT, 0, _deposit(25 * 10**18, ACCOUNT), 250_000, **fees)
    items = [
        transaction_item(approve, ACCOUNT, REGISTRY),
        transaction_item(deposit, ACCOUNT, REGISTRY),
        message_item(ACCOUNT, "I agree to the vault terms"),
        typed_data_item(ACCOUNT, TYPED),
    ]
    return build_request(ACCOUNT, items, chain_id=1, now=NOW)


REQUEST = make_request()
REQUEST_JSON = REQUEST.to_json()
RESPONSE = sign_request(REQUEST, KEY, REGISTRY, now=NOW)
RESPONSE_JSON = RESPONSE.to_json()


def test_round_trip_approval_plus_deposit() -> None:
    parsed = parse_request(REQUEST_JSON, now=NOW, expected_chain_id=1, expected_account=ACCOUNT)
    assert parsed == REQUEST
    reviews = review_request(parsed, REGISTRY)
    assert all(r.summary_matches for r in reviews)
    assert reviews[0].own_summary == (
        "Call approve(spender=0x5FbDB2315678afecb367f032d93F642f64180aa3, amount=25 NMR) on NMR "
        "(0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671), sending 0 ETH"
    )
    assert "Call deposit(assets=25000000000000000000" in reviews[1].own_summary
    assert "Vault alpha" in reviews[1].own_summary
    response = parse_response(RESPONSE_JSON, parsed)
    kinds = [i.kind for i in response.items]
    assert kinds == ["transaction", "transaction", "message", "typed_data"]
    expected = sign_transaction(KEY, parsed.transactions()[0].fields)
    assert response.items[0].raw_transaction == expected.raw_transaction


def test_legacy_request_round_trip() -> None:
    request = make_request(legacy=True)
    response = sign_request(request, KEY, REGISTRY, now=NOW)
    assert parse_response(response.to_json(), parse_request(request.to_json(), now=NOW))


def test_lying_summary_is_flagged_and_refused() -> None:
    # A naive edit breaks the envelope hash.
    document = json.loads(REQUEST_JSON)
    document["items"][0]["summary"] = "Call approve(spender=..., amount=1 NMR)"
    with pytest.raises(EnvelopeError, match="changed after it was made"):
        parse_request(json.dumps(document), now=NOW)
    # A careful liar re-seals the envelope: the offline decoding still catches the lie.
    liar = dataclasses.replace(REQUEST.items[0], summary="Call approve(amount=1 NMR) on NMR")
    forged = dataclasses.replace(REQUEST, items=(liar, *REQUEST.items[1:]))
    request = parse_request(forged.to_json(), now=NOW)
    review = review_request(request, REGISTRY)[0]
    assert not review.summary_matches
    assert review.findings[0].code == "summary_mismatch"
    with pytest.raises(SummaryMismatch, match="25 NMR"):
        sign_request(request, KEY, REGISTRY, now=NOW)
    # A response to the tampered request does not answer the original one.
    response = sign_request(request, KEY, REGISTRY, now=NOW, allow_summary_mismatch=True)
    with pytest.raises(EnvelopeError, match="different version"):
        parse_response(response.to_json(), REQUEST)


def test_unknown_abi_offline_is_flagged() -> None:
    bare = AbiRegistry.build()
    reviews = review_request(REQUEST, bare)
    assert reviews[0].summary_matches is False  # no NMR name/decimals offline
    assert "unknown function" in reviews[1].own_summary
    assert "unknown_selector" in [f.code for f in reviews[1].findings]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["items"][0].update(value="1"), "signing hash does not match"),
        (lambda d: d["items"][1].update(nonce=9), "signing hash does not match"),
        (lambda d: d.update(chain_id=5), "another chain"),
        (lambda d: d["items"][0].update(extra=1), "unexpected fields"),
        (lambda d: d.pop("request_id"), "lacks request_id"),
        (lambda d: d.update(version=2), "known version"),
        (lambda d: d.update(expires_at="2026-11-25T11:00:00Z"), "validity period"),
        (lambda d: d.update(created_at="2026-11-26T12:00:00Z"), "validity period"),
        (lambda d: d["items"][0].update(value=0), "decimal string"),
        (lambda d: d["items"][0].update(to="0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46672"), "EIP-55"),
        (lambda d: d["items"].reverse(), "signing hash|consecutive|another chain|kind"),
        (lambda d: d.update(items=[]), "between 1 and"),
    ],
)
def test_tampered_requests_are_refused_with_reason(mutate: Any, reason: str) -> None:
    document = json.loads(REQUEST_JSON)
    mutate(document)
    with pytest.raises(EnvelopeError, match="changed after it was made|" + reason):
        parse_request(json.dumps(document), now=NOW)
    # Re-sealed, the deeper check names the real problem.
    document.pop("envelope_hash", None)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    document["envelope_hash"] = "0x" + bytes(keccak(canonical)).hex()
    with pytest.raises(EnvelopeError, match=reason):
        parse_request(json.dumps(document), now=NOW)


def test_stale_future_wrong_chain_wrong_account_wrong_key() -> None:
    with pytest.raises(EnvelopeError, match="expired"):
        parse_request(REQUEST_JSON, now=NOW + timedelta(days=2))
    with pytest.raises(EnvelopeError, match="future"):
        parse_request(REQUEST_JSON, now=NOW - timedelta(hours=1))
    with pytest.raises(EnvelopeError, match="not chain 11155111"):
        parse_request(REQUEST_JSON, now=NOW, expected_chain_id=11155111)
    with pytest.raises(EnvelopeError, match="not this one"):
        parse_request(REQUEST_JSON, now=NOW, expected_account=VAULT)
    with pytest.raises(EnvelopeError, match="does not belong"):
        sign_request(REQUEST, OTHER_KEY, REGISTRY, now=NOW)
    with pytest.raises(EnvelopeError, match="expired"):
        sign_request(REQUEST, KEY, REGISTRY, now=NOW + timedelta(days=1))
    with pytest.raises(EnvelopeError, match="consecutive nonces"):
        build_request(ACCOUNT, [
            transaction_item(TxFields(1, 1, VAULT, 0, b"", 21000, 2, 1), ACCOUNT, REGISTRY),
            transaction_item(TxFields(1, 3, VAULT, 0, b"", 21000, 2, 1), ACCOUNT, REGISTRY),
        ], chain_id=1, now=NOW)


def test_tampered_responses_are_refused() -> None:
    other = make_request()
    with pytest.raises(EnvelopeError, match="different request"):
        parse_response(RESPONSE_JSON, other)
    document = json.loads(RESPONSE_JSON)
    # A transaction signed by another key, for the same fields.
    foreign = sign_transaction(OTHER_KEY, REQUEST.transactions()[0].fields)
    document["items"][0]["raw_transaction"] = "0x" + foreign.raw_transaction.hex()
    document["items"][0]["tx_hash"] = "0x" + foreign.tx_hash.hex()
    with pytest.raises(EnvelopeError, match="another key"):
        parse_response(json.dumps(document), REQUEST)
    document = json.loads(RESPONSE_JSON)
    swapped = document["items"][0]
    document["items"][0] = document["items"][1]
    document["items"][1] = swapped
    with pytest.raises(EnvelopeError, match="differs from the request"):
        parse_response(json.dumps(document), REQUEST)
    document = json.loads(RESPONSE_JSON)
    document["items"][2]["signature"] = "0x" + sign_message(OTHER_KEY, "x").signature.hex()
    with pytest.raises(EnvelopeError, match="does not recover"):
        parse_response(json.dumps(document), REQUEST)


def test_ur_transport_of_envelopes() -> None:
    parts = request_to_ur(REQUEST, max_fragment_len=120)
    assert len(parts) > 5
    assert request_from_ur(reversed(parts), now=NOW) == REQUEST
    back = response_from_ur(response_to_ur(RESPONSE)[::-1], REQUEST)
    assert back.items == RESPONSE.items
    # With fountain parts, a scan that missed pure frames still completes.
    looped = request_to_ur(REQUEST, max_fragment_len=120, fountain_parts=3 * len(parts))
    assert request_from_ur(looped[2:], now=NOW) == REQUEST


def test_erc4527_round_trip() -> None:
    requests = to_eth_sign_requests(REQUEST)
    assert [r.data_type for r in requests] == [4, 4, 3, 2]
    signatures = []
    for sign_request_ur, item in zip(requests, REQUEST.items, strict=True):
        decoded = parse_eth_sign_request(sign_request_ur.to_cbor())
        assert decoded == sign_request_ur
        assert decoded.address is not None and decoded.address.hex() == ACCOUNT[2:].lower()
        # What a hardware wallet would do: sign the hash of the sign-data.
        from eth_keys.datatypes import PrivateKey

        signature = PrivateKey(KEY).sign_msg_hash(item.signing_hash)
        sig = signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes(
            [27 + signature.v]
        )
        signatures.append(EthSignature(decoded.request_id, sig, "hardware"))
    response = response_from_eth_signatures(REQUEST, signatures[::-1], now=NOW)
    assert [i.raw_transaction for i in response.items[:2]] == [
        i.raw_transaction for i in RESPONSE.items[:2]
    ]
    with pytest.raises(EnvelopeError, match="No signature"):
        response_from_eth_signatures(REQUEST, signatures[:2], now=NOW)


# --------------------------------------------------------------------------- fuzzing

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**260),
    st.text(max_size=30),
    st.sampled_from(["0x", "0x00", "1", "0", ACCOUNT, NMR.lower(), "2026-11-25T12:00:00Z"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


REQUEST_DICT = json.loads(REQUEST_JSON)
REQUEST_PATHS = _paths(REQUEST_DICT)[1:]
RESPONSE_DICT = json.loads(RESPONSE_JSON)
RESPONSE_PATHS = _paths(RESPONSE_DICT)[1:]


def _mutate(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    document = copy.deepcopy(document)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "flip" and isinstance(parent[last], str) and parent[last]:
        text = parent[last]
        position = len(text) // 2
        replacement = "1" if text[position] != "1" else "2"
        parent[last] = text[:position] + replacement + text[position + 1 :]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last]["zz"] = value
    else:
        parent[last] = value
    return document


def _twice(strategies: dict[str, Any], prop: Any) -> tuple[Any, Any]:
    """The property as a quick default test and as a 10,000-case `fuzz` campaign."""
    common = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}
    quick = settings(max_examples=QUICK, **common)(given(**strategies)(prop))
    campaign = settings(max_examples=max(CAMPAIGN, 1), **common)(given(**strategies)(prop))
    return quick, pytest.mark.fuzz(campaign)


mutation = {
    "action": st.sampled_from(["delete", "replace", "flip", "add"]),
    "value": json_value,
}


def tampered_request_property(path: Any, action: str, value: Any) -> None:
    mutated = _mutate(REQUEST_DICT, path, action, value)
    try:
        parsed = parse_request(json.dumps(mutated), now=NOW)
    except EnvelopeError:
        return
    # Accepted: only an edit without meaning (e.g. an address's letter case) can be.
    assert parsed == REQUEST


test_tampered_request_quick, test_fuzz_tampered_request = _twice(
    {"path": st.sampled_from(REQUEST_PATHS), **mutation}, tampered_request_property
)


def tampered_response_property(path: Any, action: str, value: Any) -> None:
    mutated = _mutate(RESPONSE_DICT, path, action, value)
    try:
        parsed = parse_response(json.dumps(mutated), REQUEST)
    except EnvelopeError:
        return
    assert parsed.items == RESPONSE.items


test_tampered_response_quick, test_fuzz_tampered_response = _twice(
    {"path": st.sampled_from(RESPONSE_PATHS), **mutation}, tampered_response_property
)


def garbage_property(blob: Any) -> None:
    for call in (
        lambda: parse_request(blob, now=NOW),
        lambda: parse_response(blob, REQUEST),
    ):
        try:
            call()
        except EnvelopeError:
            continue
        pytest.fail("garbage was accepted")


test_garbage_quick, test_fuzz_garbage = _twice(
    {"blob": st.one_of(json_value.map(json.dumps), st.text(max_size=200), st.binary(max_size=200))},
    garbage_property,
)

UR_PARTS = request_to_ur(REQUEST, max_fragment_len=150)


def tampered_ur_property(order: list[int], victim: int, position: int, letter: str) -> None:
    parts = [UR_PARTS[i] for i in order]
    text = parts[victim]
    position %= len(text)
    parts[victim] = text[:position] + letter + text[position + 1 :]
    try:
        parsed = request_from_ur(parts, now=NOW)
    except EnvelopeError:
        return
    assert parsed == REQUEST  # only a no-op edit can be accepted


test_tampered_ur_quick, test_fuzz_tampered_ur = _twice(
    {
        "order": st.permutations(list(range(len(UR_PARTS)))),
        "victim": st.integers(min_value=0, max_value=len(UR_PARTS) - 1),
        "position": st.integers(min_value=0, max_value=10_000),
        "letter": st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-/:"),
    },
    tampered_ur_property,
)


def test_signing_another_wallets_erc4527_requests() -> None:
    """The offline copy as the signer for a watch-only wallet that speaks ERC-4527."""
    import uuid

    from numerbay_desktop.wallet.offline_qr import review_eth_sign_request, sign_eth_sign_request
    from numerbay_desktop.wallet.signer import (
        decode_signed,
        encode_signed,
        recover_message,
        recover_typed_data,
        serialize_unsigned,
        split_signature,
    )
    from numerbay_desktop.wallet.ur import EthSignRequest, decode_ur, parse_eth_signature

    address = bytes.fromhex(ACCOUNT[2:])
    for fields in (REQUEST.transactions()[0].fields,
                   TxFields(1, 3, VAULT, 5, b"", 21000, gas_price=10**10)):
        kind = 1 if fields.gas_price is not None else 4
        incoming = EthSignRequest(uuid.uuid4(), serialize_unsigned(fields), kind, 1,
                                  address=address, origin="MetaMask")
        scanned = parse_eth_sign_request(decode_ur(incoming.to_ur(max_fragment_len=60))[1])
        review = review_eth_sign_request(scanned, REGISTRY, account=ACCOUNT)
        assert review.kind == "transaction" and review.summary == REGISTRY.describe(fields)
        answer = parse_eth_signature(decode_ur(sign_eth_sign_request(
            review, KEY, account=ACCOUNT).to_ur())[1])
        assert answer.request_id == incoming.request_id
        v, r, s = split_signature(answer.signature)
        # The other wallet rebuilds the transaction from its request and the signature.
        rebuilt = decode_signed(encode_signed(fields, v, r, s))
        assert rebuilt.sender == ACCOUNT and rebuilt.fields == fields

    message = EthSignRequest(uuid.uuid4(), b"hello", 3, None, address=address)
    review = review_eth_sign_request(message, REGISTRY, account=ACCOUNT)
    assert review.summary == "Sign message: hello"
    signature = sign_eth_sign_request(review, KEY, account=ACCOUNT).signature
    assert recover_message(b"hello", signature) == ACCOUNT
    typed = EthSignRequest(uuid.uuid4(), json.dumps(TYPED).encode(), 2, 1, address=address)
    review = review_eth_sign_request(typed, REGISTRY, account=ACCOUNT)
    signature = sign_eth_sign_request(review, KEY, account=ACCOUNT).signature
    assert recover_typed_data(TYPED, signature) == ACCOUNT
    with pytest.raises(EnvelopeError, match="different account"):
        review_eth_sign_request(typed, REGISTRY, account=VAULT)
    with pytest.raises(EnvelopeError, match="does not belong"):
        sign_eth_sign_request(review, OTHER_KEY, account=ACCOUNT)
