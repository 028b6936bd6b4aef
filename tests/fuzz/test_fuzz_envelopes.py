"""Offline envelopes (wallet/offline.py, wallet/envelope_fields.py) over generated requests.

tests/unit/test_offline.py mutates one fixed request; here hypothesis builds the requests
themselves (any mix of EIP-1559 and legacy transactions, messages and typed data, any
amounts, nonces, chains and calldata), so the properties cover the envelope format rather
than one example:

- round trip: `parse_request(build(...).to_json()) == request`, and its JSON is identical;
- sealed mutation: any edit of the JSON is refused with `EnvelopeError` or changes nothing
  the request means (the envelope hash seals it);
- resealed mutation (an attacker who recomputes the envelope hash): refused, or the parsed
  request says exactly what the edited JSON says (field for field, addresses in any case);
- responses: a signed response survives the round trip, and a mutated one is refused or
  carries the very same signatures.
Only `EnvelopeError` may escape any parser.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import assume
from hypothesis import strategies as st

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.calldata import ERC20_ABI, AbiRegistry, ContractInfo
from numerbay_desktop.wallet.offline import (
    EnvelopeError,
    SignRequest,
    build_request,
    message_item,
    parse_request,
    parse_response,
    sign_request,
    transaction_item,
    typed_data_item,
)
from numerbay_desktop.wallet.signer import TxFields
from tests.fuzz.fuzz_campaign import hypothesis_pair, random_pair

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ACCOUNT = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REGISTRY = AbiRegistry.build({NMR: ContractInfo("NMR", ERC20_ABI, "NMR", 18)})
UINT256 = st.one_of(st.integers(0, 2**256 - 1), st.sampled_from([0, 1, 2**255, 2**256 - 1]))
ADDRESSES = st.one_of(
    st.just(NMR), st.binary(min_size=20, max_size=20).map(to_checksum_address)
)


def _approve(spender: str, amount: int) -> bytes:
    return bytes.fromhex("095ea7b3") + bytes(12) + bytes.fromhex(spender[2:]) + amount.to_bytes(
        32, "big"
    )


@st.composite
def transactions(draw: st.DrawFn, chain_id: int, nonce: int) -> TxFields:
    to = draw(st.one_of(ADDRESSES, st.none()))
    data = draw(st.one_of(
        st.binary(max_size=100),
        st.builds(_approve, ADDRESSES, UINT256),
    ))
    if draw(st.booleans()):
        fees: dict[str, int] = {"gas_price": draw(UINT256)}
    else:
        cap = draw(UINT256)
        fees = {"max_fee_per_gas": cap, "max_priority_fee_per_gas": draw(st.integers(0, cap))}
    return TxFields(chain_id, nonce, to, draw(UINT256), data, draw(st.integers(0, 2**64 - 1)),
                    **fees)


TYPED = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
        ],
        "Stake": [{"name": "amount", "type": "uint256"}, {"name": "note", "type": "string"}],
    },
    "primaryType": "Stake",
}


@st.composite
def requests(draw: st.DrawFn) -> SignRequest:
    chain_id = draw(st.sampled_from([1, 11155111, 31337, 2**64 - 1]))
    nonce = draw(st.integers(0, 2**64 - 40))
    items: list[Any] = []
    for kind in draw(st.lists(st.sampled_from(["tx", "message", "typed"]), min_size=1,
                              max_size=5)):
        if kind == "tx":
            fields = draw(transactions(chain_id, nonce))
            nonce += 1
            items.append(transaction_item(fields, ACCOUNT, REGISTRY))
        elif kind == "message":
            text = draw(st.one_of(st.text(max_size=80), st.binary(max_size=80)))
            items.append(message_item(ACCOUNT, text))
        else:
            typed = {
                **TYPED,
                "domain": {"name": draw(st.text(max_size=20)), "chainId": chain_id},
                "message": {"amount": draw(UINT256), "note": draw(st.text(max_size=30))},
            }
            items.append(typed_data_item(ACCOUNT, typed))
    ttl = timedelta(seconds=draw(st.integers(1, 7 * 86_400)))
    age = timedelta(seconds=draw(st.integers(-500, 7 * 86_400)))
    request = build_request(ACCOUNT, items, chain_id=chain_id, now=NOW - age, ttl=ttl)
    assume(request.expires_at > NOW)
    return request


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**260), st.text(max_size=20),
    st.sampled_from(["0x", "0x00", "1e3", "-1", "2026-11-25T12:00:00Z", "٢٠٢٦", ACCOUNT.lower(),
                     NMR.upper(), "0X" + NMR[2:], " 1", "01", str(2**256)]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(),
                                                          max_size=2),
)


def _mutate(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    document = copy.deepcopy(document)
    if not path:
        return value if action == "replace" else document
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last]["zz"] = value
    elif action == "case" and isinstance(parent[last], str):
        parent[last] = parent[last].swapcase()
    elif action == "bump" and type(parent[last]) is int:
        parent[last] += 1
    else:
        parent[last] = value
    return document


def _reseal(document: Any) -> Any:
    """What an attacker who knows the format does after an edit: recompute the seal."""
    if isinstance(document, dict) and "envelope_hash" in document:
        body = {k: v for k, v in document.items() if k != "envelope_hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        document = {**body, "envelope_hash": "0x" + bytes(keccak(canonical.encode())).hex()}
    return document


def _meaning(value: Any) -> Any:
    """JSON with hex text in one letter case: the only freedom an accepted edit may have."""
    if isinstance(value, dict):
        return {k: _meaning(v) for k, v in value.items() if k != "envelope_hash"}
    if isinstance(value, list):
        return [_meaning(v) for v in value]
    if isinstance(value, str) and value[:2].lower() == "0x":
        return value.lower()
    return value


def _parse(text: str) -> SignRequest | None:
    try:
        return parse_request(text, now=NOW)
    except EnvelopeError as error:
        assert str(error)
        return None


def round_trip_property(request: SignRequest) -> None:
    """What this app writes, it reads back unchanged."""
    text = request.to_json()
    parsed = parse_request(text, now=NOW, expected_chain_id=request.chain_id,
                           expected_account=ACCOUNT.lower())
    assert parsed == request
    assert parsed.to_json() == text
    assert parsed.digest() == request.digest()


mutation_strategies = {
    "request": requests(),
    "choice": st.integers(0, 10**6),
    "action": st.sampled_from(["delete", "replace", "add", "case", "bump"]),
    "value": LEAVES,
    "reseal": st.booleans(),
}


def mutation_property(request: SignRequest, choice: int, action: str, value: Any,
                      reseal: bool) -> None:
    """An edited envelope is refused or means exactly what its text says."""
    document = request.to_dict()
    paths = _paths(document)
    mutated = _mutate(document, paths[choice % len(paths)], action, value)
    if reseal:
        mutated = _reseal(mutated)
    parsed = _parse(json.dumps(mutated))
    if parsed is None:
        return
    if not reseal:
        assert parsed == request  # sealed: only a meaningless edit (letter case) gets through
    assert _meaning(parsed.to_dict()) == _meaning(mutated)
    assert _parse(parsed.to_json()) == parsed


test_round_trip_quick, test_fuzz_round_trip = hypothesis_pair(
    "envelopes", 25, 2_500, {"request": requests()}, round_trip_property
)
test_mutation_quick, test_fuzz_mutation = hypothesis_pair(
    "envelopes", 40, 6_000, mutation_strategies, mutation_property
)

# A few signed requests to answer; signing is the slow part, so they are made once.
_SIGNED: list[tuple[SignRequest, dict[str, Any]]] = []


def _signed(rng: random.Random) -> tuple[SignRequest, dict[str, Any]]:
    if len(_SIGNED) < 4:
        fees = {"max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
        items: list[Any] = [
            transaction_item(TxFields(1, 5 + len(_SIGNED), NMR, 0,
                                      _approve(ACCOUNT, rng.randrange(2**256)), 60_000, **fees),
                             ACCOUNT, REGISTRY),
            message_item(ACCOUNT, rng.randbytes(rng.randrange(1, 40))),
            typed_data_item(ACCOUNT, {**TYPED, "domain": {"name": "x", "chainId": 1},
                                      "message": {"amount": rng.randrange(100), "note": "n"}}),
        ]
        request = build_request(ACCOUNT, items[: rng.randrange(1, 4)], chain_id=1, now=NOW)
        _SIGNED.append((request, sign_request(request, KEY, REGISTRY, now=NOW).to_dict()))
    return rng.choice(_SIGNED)


def response_mutation_case(rng: random.Random) -> None:
    """A response with one edit is refused, or carries exactly the original signatures."""
    request, response = _signed(rng)
    paths = _paths(response)
    path = paths[rng.randrange(len(paths))]
    action = rng.choice(["delete", "replace", "add", "case", "bump", "flip"])
    value = rng.choice([None, 0, "", "0x", "0x" + "00" * 65, [], {}, ACCOUNT, 2**64])
    if action == "flip":
        mutated = copy.deepcopy(response)
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        if path and isinstance(parent[path[-1]], str) and parent[path[-1]]:
            text = parent[path[-1]]
            i = rng.randrange(len(text))
            parent[path[-1]] = text[:i] + rng.choice("0123456789abcdefxZ") + text[i + 1 :]
    else:
        mutated = _mutate(response, path, action, value)
    try:
        parsed = parse_response(json.dumps(mutated), request)
    except EnvelopeError as error:
        assert str(error)
        return
    original = parse_response(json.dumps(response), request)
    assert parsed.items == original.items
    assert parsed.request_hash == request.digest()


test_response_mutation_quick, test_fuzz_response_mutation = random_pair(
    "envelopes", 40, 3_000, response_mutation_case
)


def raw_bytes_case(rng: random.Random) -> None:
    """Bytes that are almost an envelope: truncations, splices and byte flips of real ones."""
    request, response = _signed(rng)
    for text in (request.to_json(), json.dumps(response)):
        data = bytearray(text.encode())
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        cut = bytes(data[: rng.randrange(len(data) + 1)]) if rng.random() < 0.3 else bytes(data)
        for parse in (parse_request, parse_response):
            try:
                if parse is parse_request:
                    parse_request(cut, now=NOW)
                else:
                    parse_response(cut, request)
            except EnvelopeError:
                continue
            except InvalidInput as error:  # pragma: no cover - the failure we look for
                raise AssertionError(f"undocumented refusal type {type(error)}") from error


test_raw_bytes_quick, test_fuzz_raw_bytes = random_pair("envelopes", 40, 3_000, raw_bytes_case)
