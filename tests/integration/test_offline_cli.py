"""`tx request` → `tx sign` in a process that cannot open internet sockets → `tx broadcast`.

The signing process installs an audit hook that refuses every AF_INET/AF_INET6 socket (and
name resolution) before the CLI is even imported, proves the guard works, then signs. The
broadcast goes to the session's real anvil and the transaction must land.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SIGNER_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil #1
SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
RECIPIENT = "0x000000000000000000000000000000000000bEEF"

NO_NETWORK = r"""
import socket, sys

def _guard(event, args):
    if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
        raise PermissionError("offline: internet sockets are disabled in this process")
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.connect"):
        raise PermissionError("offline: network access is disabled in this process")

sys.addaudithook(_guard)
for family in (socket.AF_INET, socket.AF_INET6):
    try:
        socket.socket(family, socket.SOCK_STREAM)
    except PermissionError:
        pass
    else:
        raise SystemExit("the network guard did not engage")
print("network guard engaged", file=sys.stderr)
from numerbay_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def numerbay(data_dir: Path, *args: str, offline: bool = False) -> subprocess.CompletedProcess[str]:
    prefix = ["-c", NO_NETWORK] if offline else ["-m", "numerbay_desktop.cli"]
    result = subprocess.run(
        [sys.executable, *prefix, "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_request_sign_offline_broadcast(anvil_snapshot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    anvil = anvil_snapshot
    online, offline = tmp_path / "online", tmp_path / "offline"
    password = tmp_path / "password"
    password.write_text("correct horse battery\n")
    secret = tmp_path / "key"
    secret.write_text(SIGNER_KEY + "\n")

    # Offline machine: holds the key. Online machine: watches the address.
    numerbay(offline, "accounts", "import", "cold", "--secret-file", str(secret),
             "--password-file", str(password), offline=True)
    numerbay(online, "accounts", "watch", "cold", SIGNER)

    nonce = int(str(anvil.rpc("eth_getTransactionCount", [SIGNER, "latest"])), 16)
    before = int(str(anvil.rpc("eth_getBalance", [RECIPIENT, "latest"])), 16)
    request_file, signed_file = tmp_path / "req.json", tmp_path / "signed.json"
    numerbay(online, "tx", "request", "--from", SIGNER, "--to", RECIPIENT, "--value", "1.5",
             "--nonce", str(nonce), "--chain-id", str(anvil.chain_id), "--gas", "21000",
             "--max-fee-gwei", "100", "--priority-fee-gwei", "1.5", "--out", str(request_file))
    request = json.loads(request_file.read_text())
    assert request["items"][0]["summary"] == f"Send 1.5 ETH to {RECIPIENT}"

    signed = numerbay(offline, "tx", "sign", str(request_file), "--account", "cold",
                      "--out", str(signed_file), "--password-file", str(password), "--yes",
                      offline=True)
    assert "network guard engaged" in signed.stderr
    assert "Send 1.5 ETH" in signed.stdout
    assert "[WARNING] You have never sent to" in signed.stdout  # the offline side's own review

    sent = numerbay(online, "tx", "broadcast", str(signed_file), "--rpc-url", anvil.rpc_url,
                    "--request", str(request_file), "--timeout", "30")
    assert "succeeded" in sent.stdout
    tx_hash = json.loads(signed_file.read_text())["items"][0]["tx_hash"]
    receipt = anvil.rpc("eth_getTransactionReceipt", [tx_hash])
    assert isinstance(receipt, dict) and receipt["status"] == "0x1"
    after = int(str(anvil.rpc("eth_getBalance", [RECIPIENT, "latest"])), 16)
    assert after - before == 15 * 10**17


def test_broadcast_refuses_wrong_chain(anvil, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from numerbay_desktop.wallet.calldata import AbiRegistry
    from numerbay_desktop.wallet.offline import build_request, sign_request, transaction_item
    from numerbay_desktop.wallet.signer import TxFields

    key = bytes.fromhex(SIGNER_KEY)
    registry = AbiRegistry.build()
    fields = TxFields(1, 0, RECIPIENT, 1, b"", 21000, 10**10, 10**9)
    request = build_request(SIGNER, [transaction_item(fields, SIGNER, registry)], chain_id=1)
    signed_file = tmp_path / "signed.json"
    signed_file.write_text(sign_request(request, key, registry).to_json())
    result = subprocess.run(
        [sys.executable, "-m", "numerbay_desktop.cli", "--data-dir", str(tmp_path / "d"), "tx",
         "broadcast", str(signed_file), "--rpc-url", anvil.rpc_url],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert result.returncode == 2
    assert "chain 31337" in result.stderr and "nothing was sent" in result.stderr


def test_nmr_transfer_request_names_the_token(tmp_path: Path) -> None:
    from numerbay_desktop.cli import main

    nmr = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"
    out = tmp_path / "req.json"
    code = main([
        "--data-dir", str(tmp_path / "d"), "tx", "request", "--from", SIGNER, "--to", RECIPIENT,
        "--value", "10 NMR", "--nonce", "0", "--chain-id", "1", "--gas", "80000",
        "--max-fee-gwei", "30", "--priority-fee-gwei", "1", "--out", str(out),
    ])
    assert code == 0
    item = json.loads(out.read_text())["items"][0]
    assert item["to"] == nmr and item["value"] == "0"
    assert item["summary"].startswith("Call transfer(")
    assert "10 NMR" in item["summary"] and f"on NMR ({nmr})" in item["summary"]
