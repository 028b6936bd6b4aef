"""Marketplace: every model that accepts stakers, to compare and pick from.

Without services the page shows its empty state (it adapts to the network). With them:

    page.set_services(market)                    # or set_services(market, refresher)
    await page.opening                           # the cached rows are painted (then a refresh)
    page.vault_selected.connect(open_model_page) # double-click / Enter / context menu

Rows open from the cache at once, then a background refresh replaces them in place. Each
snapshot is formatted in a worker thread (`prepare_rows`) and applied incrementally
(`MarketTableModel.apply`), so 1,000 rows update without stalling the event loop and the
selection stays where it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.models import MarketRow
from numerbay_desktop.ui.pages.base import EmptyState, Page
from numerbay_desktop.ui.theme import current_palette

# The services, asyncio and the task helper load only when services arrive: this page is
# built before the first paint, which must not wait for numerapi, pandas or aiohttp.
# The table's modules touch Qt's enum namespace (60-100 ms) at import: they load with the
# first services too, in the methods that build and read the table.
if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QMenu

    from numerbay_desktop.services.marketplace import MarketplaceService
    from numerbay_desktop.services.models import MarketSnapshot, RefreshResult
    from numerbay_desktop.services.refresh import MarketRefresher
    from numerbay_desktop.ui.marketplace_model import MarketProxy, MarketTableModel

    RefresherSource = MarketRefresher | Callable[[MarketplaceService], MarketRefresher]

# Column widths (px) that fit their figures at the app's font; the model name takes the rest.
# The widest text each column usually holds; its width is this (or its title) at the
# table's font, so the figures never elide.
SAMPLES = {
    "return_3m": "+99.9%", "return_1y": "+99.9%", "corr_rep": "+0.000", "mmc_rep": "+0.000",
    "sparkline": "0" * 7, "capacity_left": "999,999", "fees": "1.05–2.5 · 10.5–20",
    "commitments": "30 d–6 mo", "stakers": "1000", "consistency": "100",
    "diversification": "0.00",
}
CELL_PADDING = 22
MODEL_MIN_WIDTH = 120
ROW_HEIGHT = 34


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86_400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} days"


def source_line(snapshot: MarketSnapshot, now: float | None = None) -> str:
    """Where the figures come from: "Chain: block N at <time> · Numerai: fetched <age> ago"."""
    now = time.time() if now is None else now
    at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(snapshot.chain_time))
    parts = [f"Chain: block {snapshot.block_number:,} at {at}"]
    if snapshot.numerai_fetched_at is not None:
        parts.append(f"Numerai: fetched {_age(now - snapshot.numerai_fetched_at)} ago")
    elif snapshot.numerai_error is None:
        parts.append("Numerai: not connected")
    if snapshot.from_cache:
        parts.append(f"saved {_age(now - snapshot.fetched_at)} ago, refreshing")
    return " · ".join(parts)


class _MarketTable(QTableView):
    """The model column takes the width the figures leave, never less than MODEL_MIN_WIDTH
    (a narrow window scrolls sideways rather than eliding every name)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_model_column()

    def fit_model_column(self) -> None:
        from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX, COLUMNS

        model_column = COLUMN_INDEX["model"]
        others = sum(self.columnWidth(i) for i in range(len(COLUMNS))
                     if i != model_column and not self.isColumnHidden(i))
        self.setColumnWidth(model_column,
                            max(MODEL_MIN_WIDTH, self.viewport().width() - others))


class MarketplacePage(Page):
    KEY = "marketplace"
    TITLE = "Marketplace"
    SUBTITLE = "Models that accept stakers, with their track record, returns, fees and room left."

    vault_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # (headline, first step, button, target page) before and after a network connects.
        self._not_connected = (
            self.tr("No vaults to show yet"),
            self.tr(
                "Connect to a network. The devnet sandbox lets you try everything with "
                "play money; Ethereum mainnet uses your real NMR. Choose in Settings."
            ),
            self.tr("Choose a network"),
            "settings",
        )
        self._connected = (
            self.tr("No vaults on this network yet"),
            self.tr(
                "Vaults appear here as soon as model owners open them. Meanwhile, set up the "
                "account you will stake from."
            ),
            self.tr("Set up an account"),
            "accounts",
        )
        headline, first_step, button, target = self._not_connected
        self.set_empty_state(
            EmptyState(
                "marketplace",
                headline,
                self.tr(
                    "Here you will compare Numerai models you can stake on: how they have "
                    "scored round after round, what a vault earned its stakers, the fees at "
                    "each stake size, and how much room is left."
                ),
                first_step,
                button,
            ),
            target=target,
        )
        self.market: MarketplaceService | None = None
        self.refresher: MarketRefresher | None = None
        self.snapshot: MarketSnapshot | None = None
        self.opening: asyncio.Task[None] | None = None
        self.applied = 0  # snapshots painted so far (tests wait on it)
        self._pending: MarketSnapshot | None = None
        self._painter: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self.market_view: QWidget | None = None  # built with the first services
        self._ages = QTimer(self)
        self._ages.setInterval(15_000)
        self._ages.timeout.connect(self._show_source)

    # -- layout -----------------------------------------------------------------------------
    def _ensure_market_view(self) -> QWidget:
        from numerbay_desktop.ui.marketplace_model import MarketProxy, MarketTableModel

        if self.market_view is None:
            self.model: MarketTableModel = MarketTableModel(self)
            self.proxy: MarketProxy = MarketProxy(self)
            self.proxy.setSourceModel(self.model)
            self.market_view = self._build_market_view()
            self.market_view.hide()
            self.content.addWidget(self.market_view, 1)
        return self.market_view

    def _build_market_view(self) -> QWidget:
        view = QWidget()
        layout = QVBoxLayout(view)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        tools = QHBoxLayout()
        tools.setSpacing(14)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search models"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.setMaximumWidth(300)
        self.search.textChanged.connect(self.proxy.set_search)
        self.candidates_toggle = QCheckBox(self.tr("Show candidates"))
        self.candidates_toggle.setToolTip(self.tr(
            "Vaults created but not yet registered by a first round stake (marked)."))
        self.models_toggle = QCheckBox(self.tr("Show Numerai models without a vault"))
        self.models_toggle.setToolTip(self.tr(
            "Models on Numerai's leaderboard that nobody opened a vault for (greyed)."))
        for toggle in (self.candidates_toggle, self.models_toggle):
            toggle.toggled.connect(self._toggles_changed)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        tools.addWidget(self.search)
        tools.addWidget(self.candidates_toggle)
        tools.addWidget(self.models_toggle)
        tools.addStretch(1)
        tools.addWidget(self.refresh_button)
        layout.addLayout(tools)

        self.source_label = QLabel()
        self.source_label.setProperty("role", "faint")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.source_label)
        layout.addWidget(self.error_label)

        card = QFrame()
        card.setObjectName("Card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(1, 1, 1, 1)
        self.table = self._build_table()
        card_layout.addWidget(self.table)
        layout.addWidget(card, 1)
        return view

    def _build_table(self) -> _MarketTable:
        from PySide6.QtCore import Qt

        from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX
        from numerbay_desktop.ui.sparkline_delegate import SparklineDelegate

        table = _MarketTable()
        table.setObjectName("MarketTable")
        table.setModel(self.proxy)
        table.setItemDelegateForColumn(COLUMN_INDEX["sparkline"], SparklineDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setFrameShape(QFrame.Shape.NoFrame)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # At 1,180 px the right-hand columns are off screen: scroll to them smoothly.
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        rows.setDefaultSectionSize(ROW_HEIGHT)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(56)
        table.setSortingEnabled(True)
        table.sortByColumn(COLUMN_INDEX["return_3m"], Qt.SortOrder.DescendingOrder)
        table.activated.connect(self._activated)
        return table

    def _style_table(self) -> None:
        p = current_palette()
        self.table.setStyleSheet(
            f"QTableView#MarketTable {{ background: {p.surface}; "
            f"alternate-background-color: {p.window}; border: none; border-radius: 14px; "
            f"font-size: 9.5pt; "

            f"selection-background-color: {p.accent}; selection-color: {p.on_accent}; }}"
            f"QTableView#MarketTable::item {{ padding: 0 6px; border: none; }}"
            f"QHeaderView::section {{ background: {p.surface}; color: {p.text_muted}; "
            f"border: none; border-bottom: 1px solid {p.border}; padding: 8px 6px; "
            f"font-weight: 600; font-size: 9pt; }}"
            f"QTableCornerButton::section {{ background: {p.surface}; border: none; }}"
            "QScrollBar:horizontal { background: transparent; height: 10px; margin: 0 6px; }"
            f"QScrollBar::handle:horizontal {{ background: {p.border}; border-radius: 5px; "
            "min-width: 48px; }"
            f"QScrollBar::handle:horizontal:hover {{ background: {p.text_faint}; }}"
            "QScrollBar::add-line:horizontal, QScrollBar::sub-line:horizontal { width: 0; }"
            "QScrollBar::add-page:horizontal, QScrollBar::sub-page:horizontal "
            "{ background: none; }"
        )
        self.error_label.setStyleSheet(f"color: {p.warning};")
        self._size_columns()

    def _size_columns(self) -> None:
        from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX, COLUMNS

        table = self.table
        table.ensurePolished()
        table.horizontalHeader().ensurePolished()
        cells, titles = table.fontMetrics(), table.horizontalHeader().fontMetrics()
        for key, sample in SAMPLES.items():
            column = COLUMNS[COLUMN_INDEX[key]]
            table.setColumnWidth(COLUMN_INDEX[key], CELL_PADDING + max(
                cells.horizontalAdvance(sample), titles.horizontalAdvance(column.title) + 6))
        table.fit_model_column()

    def refresh_theme(self) -> None:
        super().refresh_theme()
        if self.market_view is None:
            return
        self._style_table()
        self.model.recolour()  # the cells hold their colours (Qt-side storage)
        self.table.viewport().update()

    # -- services ---------------------------------------------------------------------------
    def set_services(
        self, market: MarketplaceService, refresher: RefresherSource | None = None
    ) -> None:
        """Show `market`'s vaults. `refresher`: a MarketRefresher for it, or a function that
        makes one from `market` (default: a plain MarketRefresher). Starts opening (cache,
        then a background refresh) when an event loop runs; else call `await page.open()`."""
        import asyncio

        from numerbay_desktop.services.refresh import MarketRefresher
        from numerbay_desktop.ui.tasks import keep

        if refresher is None:
            made = MarketRefresher(market)
        elif isinstance(refresher, MarketRefresher):
            made = refresher
        else:
            made = refresher(market)
        made.on_update = self.show_result
        made.on_error = self.show_error
        self.market, self.refresher = market, made
        self._show_market()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.opening = keep(loop.create_task(self.open()))

    async def open(self) -> None:
        """Paint the cached rows (no network), then let the refresher refresh behind them."""
        assert self.refresher is not None, "set_services first"
        cached = await self.refresher.open()
        if cached is not None and self.snapshot is None:
            await self.show_snapshot(cached)

    def _show_market(self) -> None:
        if self.empty_state is not None:
            self.empty_state.hide()
        for i in range(self.content.count()):
            item = self.content.itemAt(i)
            if item is not None and item.spacerItem() is not None:
                self.content.setStretch(i, 0)
        self._ensure_market_view().show()
        self._style_table()
        self._ages.start()

    async def close_services(self) -> None:
        """Stop refreshing (the shell calls this on a network change or at exit)."""
        import asyncio

        self._ages.stop()
        if self.refresher is not None:
            await self.refresher.stop()
        for task in (self._painter, self._refreshing):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    # -- updates ----------------------------------------------------------------------------
    def show_result(self, result: RefreshResult) -> None:
        """The refresher's callback: paint the new snapshot (formatted off the GUI thread)."""
        self.error_label.hide()
        self._queue(result.snapshot)

    def _queue(self, snapshot: MarketSnapshot) -> None:
        import asyncio

        from numerbay_desktop.ui.tasks import keep

        self._pending = snapshot
        if self._painter is None or self._painter.done():
            self._painter = keep(asyncio.get_running_loop().create_task(self._paint_pending()))

    async def show_snapshot(self, snapshot: MarketSnapshot) -> None:
        """Paint `snapshot` and return once it is on screen."""
        import asyncio

        self._queue(snapshot)
        painter = self._painter
        if painter is not None:
            await asyncio.shield(painter)

    async def _paint_pending(self) -> None:
        import asyncio

        from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX, prepare_rows

        # Only the newest snapshot matters: one that arrives while formatting replaces it.
        while self._pending is not None:
            snapshot, self._pending = self._pending, None
            prepared = await asyncio.to_thread(prepare_rows, snapshot.rows, self.model.by_key())
            # In slices: a refresh of 1,000 rows never holds the event loop for long.
            await self.model.apply_in_slices(prepared)
            if self.model.filter_moved:
                self.proxy.refilter()
            await asyncio.sleep(0)  # let the view paint before the labels relayout
            # Diversification compares with the user's holdings: without any, it says nothing.
            hide = all(r.diversification is None for r in snapshot.rows if r.kind != "model")
            column = COLUMN_INDEX["diversification"]
            if hide != self.table.isColumnHidden(column):
                self.table.setColumnHidden(column, hide)
                self.table.fit_model_column()
            self.snapshot = snapshot
            self.applied += 1
            self._show_source()

    def show_error(self, error: NumerbayError) -> None:
        shown = "" if self.snapshot is None else " Showing the figures of the last refresh."
        self.error_label.setText(self.tr("Could not refresh: ") + str(error) + shown)
        self.error_label.show()

    def _show_source(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.source_label.setText(source_line(snapshot))
        if snapshot.numerai_error:
            self.error_label.setText(self.tr("Numerai: ") + snapshot.numerai_error)
            self.error_label.show()
        elif self.error_label.text().startswith("Numerai"):
            self.error_label.hide()

    def refresh(self) -> None:
        """The Refresh button: one refresh (joins one already running)."""
        import asyncio

        from numerbay_desktop.ui.tasks import keep

        if self.refresher is None or (self._refreshing and not self._refreshing.done()):
            return
        self._refreshing = keep(asyncio.get_running_loop().create_task(self._refresh()))

    async def _refresh(self) -> None:
        import asyncio

        assert self.refresher is not None
        self.refresh_button.setEnabled(False)
        self.refresh_button.setText(self.tr("Refreshing…"))
        try:
            await self.refresher.refresh_now()
            if self._painter is not None:
                await asyncio.shield(self._painter)
        except NumerbayError:
            pass  # shown through on_error
        finally:
            self.refresh_button.setEnabled(True)
            self.refresh_button.setText(self.tr("Refresh"))

    def _toggles_changed(self) -> None:
        self.proxy.set_shown(candidates=self.candidates_toggle.isChecked(),
                             models=self.models_toggle.isChecked())

    # -- reading (tests, other pages) -------------------------------------------------------
    def shown_rows(self) -> list[MarketRow]:
        """The rows in the table's order (after sorting and filtering)."""
        from numerbay_desktop.ui.marketplace_model import ROW_ROLE

        return [self.proxy.index(i, 0).data(ROW_ROLE) for i in range(self.proxy.rowCount())]

    def cell_text(self, row: int, key: str) -> str:
        from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX

        return str(self.proxy.index(row, COLUMN_INDEX[key]).data())

    def _activated(self, index: QModelIndex) -> None:
        from numerbay_desktop.ui.marketplace_model import ROW_ROLE

        row = index.siblingAtColumn(0).data(ROW_ROLE)  # the row is held by its first cell
        if isinstance(row, MarketRow) and row.vault is not None:
            self.vault_selected.emit(row.vault)

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The row's menu: open its model page, copy its vault address (None off the rows)."""
        from PySide6.QtWidgets import QApplication, QMenu

        from numerbay_desktop.ui.marketplace_model import ROW_ROLE

        row = index.siblingAtColumn(0).data(ROW_ROLE) if index.isValid() else None
        if not isinstance(row, MarketRow):
            return None
        menu = QMenu(self.table)
        open_page = menu.addAction(self.tr("Open model page"))
        open_page.setEnabled(row.vault is not None)
        open_page.triggered.connect(lambda: self._activated(index))
        copy = menu.addAction(self.tr("Copy vault address"))
        copy.setEnabled(row.vault is not None)
        copy.triggered.connect(lambda: QApplication.clipboard().setText(row.vault or ""))
        return menu

    def _context_menu(self, position: QPoint) -> None:
        menu = self.context_menu(self.table.indexAt(position))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(position))
            menu.deleteLater()

    def show_vaults_unavailable(self, sentence: str) -> None:
        """This network has no vault factory: say so plainly, and keep saying it."""
        self._unavailable = sentence
        empty = self.empty_state
        if empty is None:
            return
        empty.headline.setText(self.tr("No vaults on this network yet"))
        empty.body.setText(sentence)
        empty.first_step.setText(self.tr(
            "To try staking now, choose the devnet sandbox in Settings and restart the app."))
        if empty.action is not None:
            empty.action.setText(self.tr("Open Settings"))
        self.empty_target = "settings"

    def network_changed(self, network: str, chain_id: int | None) -> None:
        empty = self.empty_state
        if empty is None or empty.action is None or getattr(self, "_unavailable", None):
            return
        headline, first_step, button, target = (
            self._connected if chain_id is not None else self._not_connected
        )
        empty.headline.setText(headline)
        empty.first_step.setText(first_step)
        empty.action.setText(button)
        self.empty_target = target


__all__ = ["MarketplacePage", "source_line"]
