"""Tour stops of the shared transaction path: the review dialog of a real devnet approval."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tour_stops.devnet_session import devnet_context, tour_stop


async def review_approval(tour: Any) -> None:
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.txflow import TxIntent
    from numerbay_desktop.ui.tx_runner import run_transactions

    ctx = await devnet_context(tour)
    nmr = ctx.network.nmr
    intent = TxIntent(nmr, ContractAbi.load("MockNMR").at(nmr).calldata(
        "approve", ctx.network.factory, 250 * 10**18), label="Approve NMR")
    opened: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(run_transactions(
        tour.window, ctx, [intent], what="Approve", on_review=opened.set_result))
    tour.state["review_task"] = task
    tour.state["dialog"] = await asyncio.wait_for(opened, 60)


def close_review(tour: Any) -> None:
    tour.state.pop("dialog").reject()


STOPS = [
    tour_stop("review_devnet_approval", review_approval,
              target=lambda tour: tour.state["dialog"], after=close_review),
]
