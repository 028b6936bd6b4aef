"""Tour stop of the review dialog with risk findings: an unlimited NMR approval to an address
the account has never used (first-time recipient, unlimited approval), coloured by severity."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop

STRANGER = "0x1234567890AbcdEF1234567890aBcdef12345678"


async def review_unlimited(tour: Any) -> None:
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.txflow import TxIntent
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = await devnet_context(tour)
    ctx.set_active_account("Staker")
    nmr = ctx.network.nmr
    intent = TxIntent(nmr, ContractAbi.load("MockNMR").at(nmr).calldata(
        "approve", STRANGER, 2**256 - 1), label="Approve NMR")
    opened: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    tour.state["review_task"] = asyncio.ensure_future(run_transactions(
        tour.window, ctx, [intent], what="Approve", on_review=opened.set_result))
    tour.state["dialog"] = await asyncio.wait_for(opened, 60)


def close_review(tour: Any) -> None:
    tour.state.pop("dialog").reject()


STOPS = [
    tour_stop("review_devnet_risky_approval", review_unlimited,
              target=lambda tour: tour.state["dialog"], after=close_review),
]
