"""The compiled artifacts in resources/contracts match their sources and fit on chain.

Freshness is checked by hashing sources (no compilation): run `make contracts` after changing
a contract or a module it imports. Sizes are checked on a real anvil with default settings,
which enforces EIP-170 (24,576 bytes of code): each runtime (with its immutables) and each
blueprint (`FE7100` + initcode) is deployed as code.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EIP170_LIMIT = 24_576
# Vyper's blueprint preamble: deploys whatever follows it (length in bytes 1-2) as code.
_PREAMBLE = bytes.fromhex("3d81600a3d39f3")


def _load_compile_module() -> ModuleType:
    """contracts/compile.py is a script, not a package module: load it by path."""
    if "contracts_compile" in sys.modules:
        return sys.modules["contracts_compile"]
    path = REPO / "contracts" / "compile.py"
    spec = importlib.util.spec_from_file_location("contracts_compile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["contracts_compile"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


compile_module = _load_compile_module()


def _artifact(name: str) -> dict[str, Any]:
    return json.loads(compile_module.artifact_path(name).read_text(encoding="utf-8"))


def test_every_artifact_is_fresh() -> None:
    problems = compile_module.check_all()
    assert problems == {}, f"run `make contracts`: {problems}"


def test_staleness_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = next(iter(compile_module.CONTRACTS))
    artifact = _artifact(name)
    fake_artifacts = tmp_path / "artifacts"
    fake_artifacts.mkdir()
    monkeypatch.setattr(compile_module, "ARTIFACTS_DIR", fake_artifacts)
    assert compile_module.stale_reasons(name) == ["artifact missing"]

    changed_source = dict(artifact, source_sha256="0" * 64)
    (fake_artifacts / f"{name}.json").write_text(json.dumps(changed_source))
    assert compile_module.stale_reasons(name) == [f"{name}.vy changed"]

    import_key = next(iter(artifact["imports"]))
    changed_import = dict(artifact, imports={import_key: "0" * 64})
    (fake_artifacts / f"{name}.json").write_text(json.dumps(changed_import))
    assert compile_module.stale_reasons(name) == [f"import {import_key} changed"]


@pytest.fixture
def chain_url(anvil_snapshot: Any) -> str:
    """The session's anvil (default code size limit), rolled back after each test."""
    return str(anvil_snapshot.rpc_url)


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["result"]


def _deploy_code(url: str, code: bytes) -> int | None:
    """Deploy `code` as a contract's code; its on-chain size, or None if the chain refused."""
    initcode = b"\x61" + len(code).to_bytes(2, "big") + _PREAMBLE + code
    return _deploy(url, initcode)


def _deploy(url: str, initcode: bytes) -> int | None:
    sender = _rpc(url, "eth_accounts", [])[0]
    tx_hash = _rpc(
        url, "eth_sendTransaction",
        # 15M: under the per-transaction gas cap of recent hardforks (EIP-7825, 2**24).
        [{"from": sender, "data": "0x" + initcode.hex(), "gas": hex(15_000_000)}],
    )
    receipt = None
    for _ in range(100):
        receipt = _rpc(url, "eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            break
        time.sleep(0.05)
    assert receipt is not None, "anvil did not mine the deployment"
    if int(receipt["status"], 16) != 1:
        return None
    code = _rpc(url, "eth_getCode", [receipt["contractAddress"], "latest"])
    return (len(code) - 2) // 2


def test_anvil_enforces_eip170(chain_url: str) -> None:
    assert _deploy_code(chain_url, b"\x00" * EIP170_LIMIT) == EIP170_LIMIT
    assert _deploy_code(chain_url, b"\x00" * (EIP170_LIMIT + 1)) is None


@pytest.mark.parametrize("name", list(compile_module.CONTRACTS))
def test_runtime_fits_eip170(chain_url: str, name: str) -> None:
    artifact = _artifact(name)
    runtime = bytes.fromhex(artifact["bytecode_runtime"][2:])
    deployed = runtime + b"\x00" * artifact["immutables_bytes"]
    size = _deploy_code(chain_url, deployed)
    assert size == len(deployed), f"{name}: {len(deployed)} bytes of code exceed EIP-170"


@pytest.mark.parametrize(
    "name", [n for n, spec in compile_module.CONTRACTS.items() if spec.blueprint]
)
def test_blueprint_fits_eip170(chain_url: str, name: str) -> None:
    artifact = _artifact(name)
    blueprint = bytes.fromhex(artifact["blueprint_bytecode"][2:])
    on_chain = blueprint[10:]  # after vyper's 10-byte deployment preamble
    assert on_chain[:3] == b"\xfe\x71\x00"
    assert on_chain[3:] == bytes.fromhex(artifact["bytecode"][2:])
    size = _deploy(chain_url, blueprint)
    assert size == len(on_chain), f"{name}: blueprint of {len(on_chain)} bytes exceeds EIP-170"
