"""JSON-RPC's hex strings as Python values, with one error for a node that sends anything else."""

from __future__ import annotations

from typing import Any

from numerbay_desktop.chain.errors import BadResponse


def hex_quantity(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a"; "0x" is read as 0, as some nodes send it)."""
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return int(value, 16) if len(value) > 2 else 0
        except ValueError:
            pass
    raise BadResponse("The node gave a number that is not hex.")


def hex_data(value: Any) -> bytes:
    """JSON-RPC data ("0x…", an even number of hex digits)."""
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise BadResponse("The node gave data that is not hex.")
