"""`--offline`: refuse every internet socket in this process, not merely leave them unused.

    from numerbay_desktop import offline_guard
    offline_guard.install()          # first thing, before anything else is imported

An audit hook (`sys.addaudithook`, PEP 578) sees every socket Python creates, connects or
binds, and every name lookup. AF_INET/AF_INET6 sockets and DNS lookups raise
`OfflineRefusal` (a PermissionError, so code that reports OSError says it in one sentence);
AF_UNIX stays allowed (Qt and asyncio's self-pipe use it). Each refused attempt is recorded
in `attempts()` so a test can prove a whole session tried nothing.

Audit hooks cannot be removed: once installed, the guard lasts as long as the process.
Stdlib only, so installing it imports nothing of ours and nothing that could open a socket.
Limit: sockets opened by C code that bypasses Python's socket module (Qt's own QtNetwork,
which the app does not use) are not seen.
"""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any

_REFUSED_FAMILIES = {int(socket.AF_INET): "AF_INET", int(socket.AF_INET6): "AF_INET6"}
_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
            "socket.getnameinfo"}
_lock = threading.Lock()
_attempts: list[str] = []
_installed = False


class OfflineRefusal(PermissionError):
    """A network connection was attempted in offline mode."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"Offline mode: NumerBay refused to open a network connection ({what}); "
            "use the online copy of the app for this."
        )


def _family(args: tuple[Any, ...], event: str) -> int | None:
    if event == "socket.__new__":
        # (sock, family, type, proto); family -1 means "from the fileno", read it from sock
        family = args[1] if len(args) > 1 else None
        if isinstance(family, int) and family >= 0:
            return family
    sock = args[0] if args else None
    family = getattr(sock, "family", None)
    return int(family) if family is not None else None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not event.startswith("socket."):
        return
    if event in _LOOKUPS:
        what = f"name lookup of {args[0]!r}" if args else "name lookup"
    elif event in ("socket.__new__", "socket.connect", "socket.bind"):
        family = _family(args, event)
        if family not in _REFUSED_FAMILIES:
            return
        action = {"socket.__new__": "socket", "socket.connect": "connect"}.get(event, "bind")
        what = f"{_REFUSED_FAMILIES[family]} {action}"
    else:
        return
    with _lock:
        _attempts.append(f"{what} from {_origin()}")
    raise OfflineRefusal(what)


def _origin() -> str:
    """Where the attempt came from: the innermost caller outside the socket module."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.endswith(("socket.py", __file__)):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "?"
    parts = frame.f_code.co_filename.replace("\\", "/").split("/")
    return f"{'/'.join(parts[-3:])}:{frame.f_lineno}"


def install() -> None:
    """Refuse internet sockets for the rest of this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    sys.addaudithook(_hook)


def installed() -> bool:
    return _installed


def attempts() -> list[str]:
    """Every refused attempt so far, in order, with its origin
    (e.g. "AF_INET socket from numerai/client.py:40")."""
    with _lock:
        return list(_attempts)
