"""The devnet world's cache: anvil's state dump plus what the simulator keeps in memory.

A world is a pure function of the contract artifacts, the seed, the history length, the
chain id, the mnemonic and the builder's version, so its cache key is the SHA-256 of those
(and of the anvil version, whose dump format may change). `<key>.json` is anvil's state (for
`anvil --load-state`, blocks, receipts and logs included); `<key>.meta.json` holds the
deployment, the vaults and the local Numerai's staking desk and round driver state (posted
claims with their proofs, resolve times, submission ids), which cannot be read back from the
chain. Both are written atomically, the state first, so a meta file always has its state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from numerbay_desktop.devnet.anvil import find_anvil_binary
from numerbay_desktop.devnet.deploy import CORE_ARTIFACTS, OPTIONAL_ARTIFACTS
from numerbay_desktop.devnet.local_numerai.round_driver import DriverSnapshot
from numerbay_desktop.devnet.local_numerai.staking_desk import Claim
from numerbay_desktop.devnet.node import NodeRpc
from numerbay_desktop.resource_paths import contract_artifact
from numerbay_desktop.store.atomic import write_bytes_atomic, write_text_atomic

META_VERSION = 1
KEEP_WORLDS = 3  # worlds kept in a cache folder (seeds or artifact versions)


def default_cache_dir(data_dir: Path) -> Path:
    return data_dir / "devnet" / "cache"


def anvil_version() -> str:
    try:
        binary = find_anvil_binary()
        result = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30
        )
        return result.stdout.strip()
    except Exception:  # an unknown version only means a cache miss later
        return "unknown"


def cache_key(parts: dict[str, Any]) -> str:
    """SHA-256 over the world's inputs and every contract artifact it deploys."""
    digest = hashlib.sha256()
    digest.update(json.dumps(parts, sort_keys=True).encode())
    digest.update(anvil_version().encode())
    for name in (*CORE_ARTIFACTS, *OPTIONAL_ARTIFACTS):
        path = contract_artifact(name)
        digest.update(name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
    return digest.hexdigest()


def state_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}.json"


def meta_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}.meta.json"


def lookup(cache_dir: Path, key: str) -> dict[str, Any] | None:
    """The cached meta of `key` when both files are there and readable, else None."""
    state, meta = state_path(cache_dir, key), meta_path(cache_dir, key)
    if not (state.is_file() and meta.is_file()):
        return None
    try:
        data: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("meta_version") == META_VERSION else None


def save(rpc: NodeRpc, cache_dir: Path, key: str, meta: dict[str, Any]) -> Path:
    """Dump anvil's state and write both cache files; returns the state file."""
    raw = rpc.call("anvil_dumpState")
    blob = bytes.fromhex(str(raw)[2:])
    with contextlib.suppress(OSError):  # anvil gzips the dump; older versions did not
        blob = gzip.decompress(blob)
    state = state_path(cache_dir, key)
    write_bytes_atomic(state, blob, mode=0o644)
    write_text_atomic(
        meta_path(cache_dir, key), json.dumps({**meta, "meta_version": META_VERSION}), mode=0o644
    )
    prune(cache_dir, keep=KEEP_WORLDS)
    return state


def prune(cache_dir: Path, keep: int) -> None:
    """Delete all but the `keep` newest worlds (each is tens of MB; old artifacts' worlds are
    never loaded again)."""
    metas = sorted(cache_dir.glob("*.meta.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in metas[keep:]:
        key = old.name.removesuffix(".meta.json")
        for path in (old, state_path(cache_dir, key)):
            with contextlib.suppress(OSError):
                path.unlink()


# ------------------------------------------------------------------ simulator state


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:])


def encode_simulator(snapshot: DriverSnapshot) -> dict[str, Any]:
    """The round driver's and staking desk's in-memory state as JSON."""
    desk = snapshot.desk
    claims: dict[str, list[dict[str, Any]]] = {}
    for round_id, posted in desk.claims.items():  # type: ignore[attr-defined]
        claims[str(round_id)] = [
            {
                **dataclasses.asdict(claim),
                "model_id": _hex(claim.model_id),
                "submission_hash": _hex(claim.submission_hash),
                "merkle_root": _hex(claim.merkle_root),
                "proof": [_hex(node) for node in claim.proof],
            }
            for claim in posted
        ]
    return {
        "opened": sorted(snapshot.opened),
        "resolved": sorted(snapshot.resolved),
        "claims": claims,
        "resolve_times": {str(k): v for k, v in desk.resolve_times.items()},  # type: ignore[attr-defined]
        "submissions": {_hex(k): v for k, v in desk.submissions.items()},  # type: ignore[attr-defined]
        "settled": [[r, s, _hex(m)] for r, s, m in sorted(desk.settled)],  # type: ignore[attr-defined]
    }


def decode_simulator(data: dict[str, Any], desk_state_type: type) -> DriverSnapshot:
    """Rebuild a `DriverSnapshot`; `desk_state_type` is `type(desk.snapshot())`."""
    claims = {
        int(round_id): tuple(
            Claim(
                round_id=int(c["round_id"]), staker=c["staker"], model_id=_bytes(c["model_id"]),
                numerai_model_id=c["numerai_model_id"], stake=int(c["stake"]),
                payout=int(c["payout"]), burn=int(c["burn"]),
                submission_hash=_bytes(c["submission_hash"]),
                proof=tuple(_bytes(node) for node in c["proof"]),
                merkle_root=_bytes(c["merkle_root"]),
            )
            for c in posted
        )
        for round_id, posted in data["claims"].items()
    }
    desk_state = desk_state_type(
        claims=claims,
        resolve_times={int(k): int(v) for k, v in data["resolve_times"].items()},
        submissions={_bytes(k): v for k, v in data["submissions"].items()},
        settled={(int(r), s, _bytes(m)) for r, s, m in data["settled"]},
    )
    return DriverSnapshot(
        opened=frozenset(int(r) for r in data["opened"]),
        resolved=frozenset(int(r) for r in data["resolved"]),
        desk=desk_state,
    )
