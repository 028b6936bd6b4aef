"""`devnet_ctx`: the app's AppContext connected to the shared devnet world (rolled back after
each test), wired to a main window, with demo accounts imported and unlocked:

- "Staker" (demo index 2, active), "Staker-2" (index 3): 50,000 play NMR each, no vault.
- "Owner" (demo index 0): owns three vaults; its Numerai API key is `ctx.devnet_info
  ["numerai_api_keys"]` entry with owner_index 0.
- "Watcher": watch-only copy of demo index 4 (its batches go to the offline signing page).

Use it from async tests marked `@pytest.mark.asyncio(loop_scope="session")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from PySide6.QtCore import QCoreApplication

from numerbay_desktop.wallet.keystore import ScryptParams

TEST_PASSWORD = "correct horse battery staple"
# Quick keystores: the tests exercise the flows, not scrypt's cost (the wallet tests do).
LIGHT_SCRYPT = ScryptParams(n=2**4, r=8, p=1, dklen=32)
DEMO_ACCOUNTS = {"Staker": 2, "Staker-2": 3, "Owner": 0}
WATCHED_INDEX = 4


@pytest_asyncio.fixture(loop_scope="session")
async def devnet_ctx(devnet: Any, main_window: Any, isolated_data_dir: Path) -> AsyncIterator[Any]:
    from numerbay_desktop.chain.networks import devnet_from_world
    from numerbay_desktop.devnet.scenario import address_of, key_of
    from numerbay_desktop.ui.context_wiring import connect_network, make_context
    from numerbay_desktop.wallet.accounts import AccountRegistry

    info = devnet.describe()
    mnemonic = info["mnemonic"]
    registry = AccountRegistry(isolated_data_dir, scrypt=LIGHT_SCRYPT)
    ctx = make_context(main_window, isolated_data_dir, registry=registry)
    # pytest-asyncio ends each fixture step with qasync's stop(), which calls app.exit():
    # Qt's aboutToQuit would wipe the keys between the fixture and the test (the app quits once).
    QCoreApplication.instance().aboutToQuit.disconnect(ctx.session.lock_all)
    for name, index in DEMO_ACCOUNTS.items():
        key = key_of(mnemonic, index)
        registry.import_private_key(name, key, TEST_PASSWORD)
        ctx.session.store(name, bytearray(bytes.fromhex(key.removeprefix("0x"))))
    registry.watch("Watcher", address_of(mnemonic, WATCHED_INDEX))
    ctx.set_active_account("Staker")
    await connect_network(main_window, ctx, devnet_from_world(info),
                          numerai_url=info["numerai_url"], devnet_info=info,
                          with_marketplace=False)
    ctx.pipeline.poll_interval_s = 0.05
    try:
        yield ctx
    finally:
        await ctx.close()
        ctx.shutdown()
