"""Wallet timings: keystore unlock with the real scrypt cost, signing, envelope checks, QR frames.

`python tests/bench/run.py wallet` adds a "wallet" section to tests/artifacts/bench.json.
Unlocking is meant to be slow (it protects the key); the goal only keeps it usable.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ACCOUNT = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"

GOALS = {
    "wallet.unlock_s": ("<=", 5.0),
    "wallet.sign_tx_ms": ("<=", 100.0),
    "wallet.parse_request_ms": ("<=", 50.0),
}


def _median_ms(action: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 3)


def run() -> dict[str, dict[str, Any]]:
    from numerbay_desktop.wallet.calldata import ERC20_ABI, AbiRegistry, ContractInfo
    from numerbay_desktop.wallet.keystore import DEFAULT_SCRYPT, decrypt_keystore, encrypt_key
    from numerbay_desktop.wallet.offline import build_request, parse_request, transaction_item
    from numerbay_desktop.wallet.offline_qr import request_to_ur
    from numerbay_desktop.wallet.signer import TxFields, sign_transaction

    document = encrypt_key(KEY, "benchmark password", scrypt=DEFAULT_SCRYPT)
    start = time.perf_counter()
    decrypt_keystore(document, "benchmark password")
    unlock_s = time.perf_counter() - start

    registry = AbiRegistry.build({NMR: ContractInfo("NMR", ERC20_ABI, "NMR", 18)})
    approve = bytes.fromhex("095ea7b3") + bytes(12) + bytes.fromhex("ab" * 20) + (
        25 * 10**18
    ).to_bytes(32, "big")
    fields = TxFields(1, 7, NMR, 0, approve, 60_000, 30 * 10**9, 10**9)
    deposit = TxFields(1, 8, "0x" + "ab" * 20, 0, bytes(4 + 64), 250_000, 30 * 10**9, 10**9)
    request = build_request(
        ACCOUNT,
        [transaction_item(fields, ACCOUNT, registry), transaction_item(deposit, ACCOUNT, registry)],
        chain_id=1,
    )
    text = request.to_json()
    frames = request_to_ur(request)
    return {
        "wallet": {
            "unlock_s": round(unlock_s, 3),
            "scrypt_n": DEFAULT_SCRYPT.n,
            "sign_tx_ms": _median_ms(lambda: sign_transaction(KEY, fields), 50),
            "parse_request_ms": _median_ms(lambda: parse_request(text), 50),
            "request_bytes": len(text),
            "qr_frames_two_tx_request": len(frames),
        }
    }
