"""An async client for the running devnet's control endpoint (see `devnet/control.py`).

    control = DevnetControl(info["control_url"])
    await control.mint(address, amount_wei)      # {"to", "amount_wei"}
    await control.advance(days=1)                # {"chain_time", "round", "days": [...]}

The endpoint only ever listens on 127.0.0.1, so any other host is refused before a request is
made. Failures are typed: `DevnetRefused` (the devnet answered with a reason, e.g. bad input)
and `DevnetUnreachable` (nothing answered); both are `DevnetControlError`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from numerbay_desktop.core.errors import InvalidInput, NumerbayError

WEI_PER_NMR = 10**18
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Advancing many days plays every day's rounds on the server: allow it time.
ADVANCE_TIMEOUT_S = 900.0
REQUEST_TIMEOUT_S = 30.0


class DevnetControlError(NumerbayError):
    """The devnet's control endpoint could not do what was asked."""


class DevnetRefused(DevnetControlError):
    """The devnet answered, and said no (its reason is the message)."""


class DevnetUnreachable(DevnetControlError):
    """Nothing answered at the control address (the devnet stopped?)."""


def nmr_to_wei(text: str) -> int:
    """An NMR amount typed by a user as exact integer wei; InvalidInput says what is wrong."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        raise InvalidInput("Enter an amount of NMR, for example 100 or 2.5.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"{text.strip()!r} is not a number of NMR.") from None
    if not amount.is_finite():
        raise InvalidInput("The amount must be a finite number of NMR.")
    if amount <= 0:
        raise InvalidInput("The amount must be more than zero.")
    wei = amount * WEI_PER_NMR
    if wei != wei.to_integral_value():
        raise InvalidInput("NMR has 18 decimal places; the amount has more than that.")
    if amount > Decimal(10) ** 12:
        raise InvalidInput("That is more NMR than the devnet will mint at once (at most 10¹²).")
    return int(wei)


def check_control_url(url: str) -> str:
    """The control URL without a trailing slash, if it is http on this computer."""
    parts = urlsplit(url.strip())
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS or parts.port is None:
        raise DevnetUnreachable(
            "The devnet's control address must be http://127.0.0.1:<port>; this one is not."
        )
    return url.strip().rstrip("/")


class DevnetControl:
    """Talks to one running devnet's control endpoint (nothing to close)."""

    def __init__(self, control_url: str) -> None:
        self.url = check_control_url(control_url)

    async def status(self) -> dict[str, Any]:
        """The world's JSON (holds demo keys: never log it)."""
        return await self._request("GET", "/devnet/status", None, REQUEST_TIMEOUT_S)

    async def mint(self, to: str, amount_wei: int) -> dict[str, Any]:
        """Mint `amount_wei` NMR (in wei) to `to`."""
        if amount_wei <= 0:
            raise InvalidInput("The amount must be more than zero.")
        body = {"to": to, "amount_wei": str(amount_wei)}
        return await self._request("POST", "/devnet/mint", body, REQUEST_TIMEOUT_S)

    async def advance(self, days: int) -> dict[str, Any]:
        """Move the world `days` days on (rounds are daily, so N rounds is N days); the
        owners' and stakers' round work for each day runs inside the devnet."""
        if not isinstance(days, int) or days < 1:
            raise InvalidInput("Advance by at least one whole day.")
        return await self._request("POST", "/devnet/advance", {"days": days}, ADVANCE_TIMEOUT_S)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None, timeout_s: float
    ) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        try:
            # A session per request: these are rare, local, and nothing is left to close.
            async with aiohttp.ClientSession() as session, session.request(
                method, self.url + path, json=body, timeout=timeout
            ) as response:
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    payload = None
                if not isinstance(payload, dict):
                    raise DevnetRefused(
                        f"The devnet gave an unusable answer (HTTP {response.status})."
                    )
                if response.status != 200:
                    reason = str(payload.get("error") or f"HTTP {response.status}")
                    raise DevnetRefused(f"The devnet refused: {reason}")
                return payload
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise DevnetUnreachable(
                "The devnet is not answering; it may have stopped. Restart the app with the devnet."
            ) from None
