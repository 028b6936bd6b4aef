"""Where the bundled resources are: beside the package, or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def resources_dir() -> Path:
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def contract_artifact(name: str) -> Path:
    """The compiled artifact of one contract: `resources/contracts/<name>.json`."""
    return resources_dir() / "contracts" / f"{name}.json"


def bundled_abis() -> dict[str, list[dict[str, Any]]]:
    """Every bundled contract's ABI by contract name (unreadable artifacts are skipped)."""
    import json

    abis: dict[str, list[dict[str, Any]]] = {}
    for artifact in sorted((resources_dir() / "contracts").glob("*.json")):
        try:
            abi = json.loads(artifact.read_text(encoding="utf-8")).get("abi")
        except (OSError, ValueError):
            continue
        if isinstance(abi, list):
            abis[artifact.stem] = abi
    return abis
