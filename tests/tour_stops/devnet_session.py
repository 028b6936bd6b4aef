"""The tour's one devnet session for the pages that need data: the app shell on the devnet
(as `numerbay-desktop --devnet`), its AppContext, and the demo accounts imported and unlocked.

    from tests.tour_stops.devnet_session import devnet_context
    ctx = await devnet_context(tour)          # started once, shared by every later stop
    ctx.set_active_account("Owner")           # demo index 0: owns three vaults
    tour.window.show_page("portfolio")

Accounts: "Staker" (demo index 2, active), "Staker-2" (3), "Owner" (0), "Watcher" (4,
watch-only). Stop objects: `from tests.tour import Stop` is NOT possible (tour.py runs as
__main__): stop modules define `STOPS` with `tour_stop(name, prepare, target=None,
after=None)` from here, which builds the running tour's Stop class.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

PASSWORD = "tour password 1"
ACCOUNTS = {"Staker": 2, "Staker-2": 3, "Owner": 0}
WATCHED_INDEX = 4


def tour_stop(name: str, prepare: Callable[..., Any], target: Callable[..., Any] | None = None,
              after: Callable[..., Any] | None = None) -> Any:
    stop_class = sys.modules["__main__"].Stop
    if target is None:
        return stop_class(name, prepare, after=after)
    return stop_class(name, prepare, target=target, after=after)


async def shell_context(tour: Any) -> Any:
    """The app shell on the devnet (started on first use) and its connected AppContext,
    without any account (the accounts stops photograph the empty registry)."""
    from numerbay_desktop.ui.shell import AppShell

    shell = tour.state.get("shell")
    if shell is None:
        shell = AppShell(tour.app, tour.window, tour.data_dir, devnet=True)
        tour.state["shell"] = shell
        if not await shell.start():
            raise RuntimeError("the devnet did not start; see the log in " + str(tour.data_dir))
    ctx = shell.context
    deadline = asyncio.get_running_loop().time() + 60
    while not ctx.is_connected:
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the app never connected to the devnet")
        await asyncio.sleep(0.1)
    return ctx


async def devnet_context(tour: Any) -> Any:
    """The shell's AppContext on the devnet, with the demo accounts (started on first use)."""
    ctx = tour.state.get("devnet_ctx")
    if ctx is not None:
        return ctx
    from numerbay_desktop.devnet.scenario import address_of, key_of
    from numerbay_desktop.wallet.keystore import ScryptParams

    ctx = await shell_context(tour)
    mnemonic = ctx.devnet_info["mnemonic"]
    ctx.registry.keystores.scrypt = ScryptParams(n=2**4, r=8, p=1, dklen=32)  # photos only
    have = {r.name for r in ctx.registry.accounts()}
    for name, index in ACCOUNTS.items():
        key = key_of(mnemonic, index)
        if name not in have:
            ctx.registry.import_private_key(name, key, PASSWORD)
        ctx.session.store(name, bytearray(bytes.fromhex(key.removeprefix("0x"))))
    if "Watcher" not in have:
        ctx.registry.watch("Watcher", address_of(mnemonic, WATCHED_INDEX))
    ctx.set_active_account("Staker")
    tour.window.page("accounts").reload()
    tour.state["devnet_ctx"] = ctx
    return ctx
