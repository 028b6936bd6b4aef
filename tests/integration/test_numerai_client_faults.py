"""The Numerai client against a misbehaving API: the right typed error, in time, never a hang."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.errors import (
    NumeraiAuthError,
    NumeraiBadResponse,
    NumeraiQueryError,
    NumeraiRateLimited,
    NumeraiUnavailable,
)

SECRET = "S3CRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSE"
TIMEOUT = 1.0


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    status = 200
    body = b"{}"
    headers: dict[str, str] = {}  # noqa: RUF012 - set per test
    requests_seen = 0


class Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def do_POST(self) -> None:
        self.server.requests_seen += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.server.status)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    server = FaultServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def client_for(url: str) -> NumeraiClient:
    return NumeraiClient(url, public_id="PUBLICID", secret=SECRET, timeout=TIMEOUT)


def url_of(server: FaultServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def answer(server: FaultServer, status: int, body: object, **headers: str) -> None:
    server.status = status
    server.body = body if isinstance(body, bytes) else json.dumps(body).encode()
    server.headers = headers


async def expect(error: type[NumerbayError], client: NumeraiClient, auth: bool = False) -> str:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        if auth:
            await client.stake_config()
        else:
            await client.current_round()
    assert time.monotonic() - started < TIMEOUT + 3
    message = str(caught.value)
    assert SECRET not in message and message.endswith((".", ")"))
    return message


@pytest.mark.asyncio
async def test_server_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = await expect(NumeraiUnavailable, client_for(f"http://127.0.0.1:{port}"))
    assert "reached" in message


@pytest.mark.asyncio
async def test_server_that_never_answers() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        client = client_for(f"http://127.0.0.1:{port}")
        message = await expect(NumeraiUnavailable, client, auth=True)
        assert "in time" in message


@pytest.mark.asyncio
async def test_server_errors_are_not_retried_with_long_sleeps(fault: FaultServer) -> None:
    answer(fault, 500, b"Internal Server Error")
    message = await expect(NumeraiUnavailable, client_for(url_of(fault)))
    assert "HTTP 500" in message and fault.requests_seen == 1
    answer(fault, 503, b"")
    await expect(NumeraiUnavailable, client_for(url_of(fault)))


@pytest.mark.asyncio
async def test_garbage_and_wrong_shapes(fault: FaultServer) -> None:
    client = client_for(url_of(fault))
    answer(fault, 200, b"<html>not json{")
    assert "not JSON" in await expect(NumeraiBadResponse, client)
    answer(fault, 200, {"data": None})
    await expect(NumeraiBadResponse, client)
    answer(fault, 200, {"data": {"rounds": "many"}})
    await expect(NumeraiBadResponse, client)
    answer(fault, 200, {"data": {"v3StakeConfig": {"address": "not an address"}}})
    assert "cannot read" in await expect(NumeraiBadResponse, client, auth=True)
    answer(fault, 200, [1, 2, 3])
    await expect(NumeraiBadResponse, client)
    answer(fault, 404, b"no such page")
    await expect(NumeraiBadResponse, client)


@pytest.mark.asyncio
async def test_graphql_errors(fault: FaultServer) -> None:
    client = client_for(url_of(fault))
    refusal = {"errors": [{"message": "Round 7 is not open", "path": ["x"]}], "data": None}
    answer(fault, 200, refusal)
    assert "Round 7 is not open" in await expect(NumeraiQueryError, client)
    answer(fault, 200, {"errors": [{"message": "You must be authenticated to do this"}]})
    await expect(NumeraiAuthError, client, auth=True)
    answer(fault, 401, {"errors": [{"message": "nope"}]})
    await expect(NumeraiAuthError, client)
    answer(fault, 200, {"errors": [{"message": f"bad token PUBLICID${SECRET}"}]})
    assert "***" in await expect(NumeraiAuthError, client)


@pytest.mark.asyncio
async def test_rate_limited(fault: FaultServer) -> None:
    answer(fault, 429, {"errors": [{"message": "Too many requests"}]}, **{"Retry-After": "7"})
    with pytest.raises(NumeraiRateLimited) as caught:
        await client_for(url_of(fault)).current_round()
    assert caught.value.retry_after == 7.0


@pytest.mark.asyncio
async def test_auth_needed_without_a_key(fault: FaultServer) -> None:
    client = NumeraiClient(url_of(fault), timeout=TIMEOUT)
    assert not client.has_key
    with pytest.raises(NumeraiAuthError, match="API key"):
        await client.account()
    assert fault.requests_seen == 0  # refused before anything was sent


@pytest.mark.asyncio
async def test_a_bad_row_is_dropped_not_shown(fault: FaultServer) -> None:
    good = {"username": "a", "rank": 1, "nmrStaked": "12.50", "corr20V2Rep": 0.01}
    bad = {"username": "b", "rank": "first", "nmrStaked": "lots"}
    answer(fault, 200, {"data": {"v2Leaderboard": [good, bad]}})
    rows = await client_for(url_of(fault)).leaderboard()
    assert [row.username for row in rows] == ["a"]
    assert str(rows[0].nmr_staked) == "12.50"


@pytest.mark.asyncio
async def test_a_trickling_server_cannot_hold_the_caller() -> None:
    """Bytes that keep coming (each before the read timeout) still end at the client's timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{")
            while not stop.wait(0.3):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(NumeraiUnavailable, match="in time"):
            await client_for(f"http://127.0.0.1:{port}").current_round()
        assert time.monotonic() - started < TIMEOUT + 3
    finally:
        stop.set()
        listener.close()
        thread.join(5)


@pytest.mark.asyncio
async def test_a_tampered_stake_authorization_is_refused(fault: FaultServer) -> None:
    from decimal import Decimal

    from eth_account import Account

    signer, impostor = Account.from_key(b"\x01" * 32), Account.from_key(b"\x02" * 32)
    digest = b"\x07" * 32
    staker = "0x" + "ab" * 20
    submission = "6c5ddc1e-5a25-4a1a-9f5e-0c1b5d2d7a01"

    def served(key: bytes, **changes: str) -> dict[str, object]:
        record = {
            "authorizationSigner": signer.address, "authorizationDigest": "0x" + digest.hex(),
            "chainId": "31337", "deadline": "1900000000", "maxAmount": str(5 * 10**18),
            "modelId": "0x" + "00" * 32, "nmrAddress": "0x" + "11" * 20, "nonce": "0",
            "roundId": "1433",
            "signature": "0x" + bytes(Account.unsafe_sign_hash(digest, key).signature).hex(),
            "staker": staker, "stakingAddress": "0x" + "22" * 20, "submissionId": submission,
            "submissionHash": "0x" + "33" * 32, "tournamentId": "8",
        }
        return {"data": {"v3StakeAuth": {**record, **changes}}}

    client = client_for(url_of(fault))
    answer(fault, 200, served(b"\x01" * 32))
    auth = await client.stake_auth(submission, staker, Decimal(5))
    assert auth.max_amount_wei == 5 * 10**18 and not auth.matches_local_encoding()
    answer(fault, 200, served(b"\x01" * 32, staker="0x" + "cd" * 20))
    with pytest.raises(NumeraiBadResponse, match="does not match the request"):
        await client.stake_auth(submission, staker, Decimal(5))
    answer(fault, 200, served(b"\x01" * 32))
    with pytest.raises(NumeraiBadResponse, match="does not match the request"):
        await client.stake_auth(submission, staker, Decimal(4))  # more than was asked
    answer(fault, 200, served(impostor.key))
    with pytest.raises(NumeraiBadResponse, match="signature"):
        await client.stake_auth(submission, staker, Decimal(5))
