"""Background refresh of the marketplace: open from the cache at once, refresh behind it.

    refresher = MarketRefresher(market, on_update=page.show, on_error=page.show_error,
                                holdings=lambda: portfolio_holdings)
    first = await refresher.open()    # the cached snapshot (or None), painted at once;
                                      # a refresh starts in the background
    await refresher.refresh_now()     # a user's "refresh": joins one already running
    refresher.start(interval_s=60)    # periodic refreshes until stop()
    await refresher.stop()

No Qt here: callbacks run on the event loop that runs the refreshes (qasync's in the app).
Only one refresh runs at a time; every task is strongly referenced and awaited on stop, and
a failure reaches `on_error` (never an unobserved task exception).
"""

from __future__ import annotations

import asyncio
import logging
import typing
from collections.abc import Callable, Mapping

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.models import MarketSnapshot, RefreshResult

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 5.0
MAX_BACKOFF_S = 600.0


class MarketRefresher:
    def __init__(
        self,
        market: MarketplaceService,
        *,
        on_update: Callable[[RefreshResult], None] | None = None,
        on_error: Callable[[NumerbayError], None] | None = None,
        holdings: Callable[[], Mapping[str, int]] | None = None,
    ) -> None:
        self.market = market
        self.on_update = on_update
        self.on_error = on_error
        self.holdings = holdings
        self.latest: MarketSnapshot | None = None
        self.last_error: NumerbayError | None = None
        self._running: asyncio.Task[RefreshResult] | None = None
        self._periodic: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[object]] = set()

    async def open(self, *, refresh: bool = True) -> MarketSnapshot | None:
        """The cached snapshot, without the network (decoded in a worker thread); starts a
        background refresh unless `refresh` is False."""
        self.latest = await self.market.cached_async()
        if refresh:
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(
                self._quiet_refresh()
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return self.latest

    async def refresh_now(self) -> RefreshResult:
        """Refresh, or wait for the refresh already running; raises what it raised."""
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().create_task(self._refresh())
        return await asyncio.shield(self._running)

    async def _refresh(self) -> RefreshResult:
        holdings = self.holdings() if self.holdings is not None else None
        try:
            result = await self.market.refresh(holdings=holdings)
        except NumerbayError as error:
            self.last_error = error
            if self.on_error is not None:
                self.on_error(error)
            raise
        self.latest = result.snapshot
        self.last_error = None
        if self.on_update is not None:
            self.on_update(result)
        return result

    async def _quiet_refresh(self) -> None:
        try:
            await self.refresh_now()
        except NumerbayError:
            pass  # already reported through on_error
        except Exception:  # a bug: log it rather than lose it in a task
            log.exception("marketplace refresh failed")

    def start(self, interval_s: float = 60.0) -> None:
        """Refresh every `interval_s` (longer after failures, up to 10 minutes)."""
        if self._periodic is not None and not self._periodic.done():
            return
        interval = max(MIN_INTERVAL_S, interval_s)
        self._periodic = asyncio.get_running_loop().create_task(self._loop(interval))

    async def _loop(self, interval: float) -> None:
        delay = interval
        while True:
            await asyncio.sleep(delay)
            try:
                await self.refresh_now()
                delay = interval
            except NumerbayError:
                delay = min(MAX_BACKOFF_S, delay * 2)
            except Exception:
                log.exception("marketplace refresh failed")
                delay = min(MAX_BACKOFF_S, delay * 2)

    async def stop(self) -> None:
        """Cancel the periodic refresh and wait for every task of this refresher."""
        tasks: list[asyncio.Future[object]] = [*self._background]
        if self._periodic is not None:
            tasks.append(typing.cast("asyncio.Future[object]", self._periodic))
        if self._running is not None:
            tasks.append(typing.cast("asyncio.Future[object]", self._running))
        for pending in tasks:
            pending.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._periodic = self._running = None
        self._background.clear()
