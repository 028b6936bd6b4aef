"""Where the bundled resources are: beside the package, or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def contract_artifact(name: str) -> Path:
    """The compiled artifact of one contract: `resources/contracts/<name>.json`."""
    return resources_dir() / "contracts" / f"{name}.json"
