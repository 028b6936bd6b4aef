"""Strict readers for the fields of offline envelopes: every failure is an EnvelopeError."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.signer import checksum

MAX_ENVELOPE_BYTES = 1 << 20
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")


class EnvelopeError(InvalidInput):
    """A request or response file is refused; the message says why."""


def load_json(text: str | bytes) -> Any:
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    if not isinstance(text, bytes) or len(text) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError("The file is too large to be a signing envelope.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise EnvelopeError("The file is not valid JSON.") from None


def exact_keys(value: Any, keys: set[str], where: str) -> None:
    if not isinstance(value, dict):
        raise EnvelopeError(f"The {where} is not a JSON object.")
    extra, missing = set(value) - keys, keys - set(value)
    if missing:
        raise EnvelopeError(f"The {where} lacks {', '.join(sorted(missing))}.")
    if extra:
        names = ", ".join(sorted(map(str, extra)))
        raise EnvelopeError(f"The {where} has unexpected fields: {names}.")


def uint(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise EnvelopeError(f"The field {name} must be a whole number.")
    return value


def decimal(value: Any, name: str) -> int:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value) or int(value) >= 2**256:
        raise EnvelopeError(f"The field {name} must be a decimal string of a uint256.")
    return int(value)


def hex_bytes(value: Any, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * MAX_ENVELOPE_BYTES:
        raise EnvelopeError(f"The field {name} must be 0x-prefixed hex.")
    if not _HEX.fullmatch(value):
        raise EnvelopeError(f"The field {name} must be 0x-prefixed hex.")
    raw = bytes.fromhex(value[2:])
    if length is not None and len(raw) != length:
        raise EnvelopeError(f"The field {name} must be {length} bytes.")
    return raw


def checked_address(value: Any, name: str) -> str:
    try:
        return checksum(value, name)
    except InvalidInput as error:
        raise EnvelopeError(str(error)) from None


def summary_text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 4096:
        raise EnvelopeError("A summary must be text of at most 4096 characters.")
    return value


def timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
        raise EnvelopeError(f"The field {name} must be a UTC time like 2026-01-31T12:00:00Z.")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise EnvelopeError(f"The field {name} is not a real date.") from None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
