"""`owner_ctx`: devnet_ctx for the owner pages' tests (My vaults, the create-vault wizard)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio


@pytest_asyncio.fixture(loop_scope="session")
async def owner_ctx(devnet_ctx: Any) -> AsyncIterator[Any]:
    """devnet_ctx, and after the test every page's background reads finish before the
    context closes (switching accounts makes other pages reload too)."""
    from numerbay_desktop.ui.tasks import running_tasks

    yield devnet_ctx
    pending = [task for task in running_tasks() if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=30)
