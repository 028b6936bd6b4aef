"""The model page: one vault and its Numerai model, for a staker deciding whether to stake.

    page.set_context(ctx)            # the window does this
    page.show_vault("0x…")           # ctx.vault_opened does this (marketplace double-click)
    await page.loading               # the background load (tests)

It shows the model's Numerai track record (per-round scores, CORR/MMC reputation, submission
coverage, consistency), the vault's own record from its RoundSettled events (index, return
per round, at stake vs idle), the fee ladder and commitments, a banner for a pending schedule
change with its ETA, the exit queue, what anyone may do if the owner goes quiet, and where
every figure came from (chain call and block, event, Numerai field). Everything loads in the
background: the chain reads are pinned at one block, the events are cached per vault.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.core.units import format_nmr
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.pages.base import Page
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.ui.verification_panel import card_table_style

if TYPE_CHECKING:
    from numerbay_desktop.services.models import ModelStats
    from numerbay_desktop.services.vault_detail import VaultDetail
    from numerbay_desktop.services.vault_history import VaultHistory
    from numerbay_desktop.ui.app_context import AppContext

RAY = 10**27
DAY = 86_400


@dataclass(frozen=True)
class ModelData:
    """Everything the page shows for one vault (chain part pinned at `detail.block_number`)."""

    detail: VaultDetail
    history: VaultHistory
    lens: str
    chain_time: int  # the block's timestamp
    numerai_model_id: str | None
    stats: ModelStats | None
    numerai_error: str | None
    numerai_fetched_at: float

    @property
    def state_text(self) -> str:
        info = self.detail.info
        if info["shut_down"]:
            return "Shut down"
        if info["stalled"]:
            return "Stalled"
        if info["paused"]:
            return "Paused (no new deposits)"
        if int(info["capacity"]) <= int(info["total_assets"]):
            return "Full"
        return "Open to stakers"

    @property
    def scores(self) -> list[tuple[int, float]]:
        return list(self.stats.payout_scores) if self.stats is not None else []


async def load_model(ctx: AppContext, vault: str) -> ModelData:
    """The vault's state, schedules and exit queue at one block, its events up to that block
    and Numerai's figures for its model, read together."""
    from eth_utils.address import to_checksum_address

    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.core.abs import numerai_model_id
    from numerbay_desktop.services.model_stats import fetch_stats
    from numerbay_desktop.services.vault_detail import VaultDetailService
    from numerbay_desktop.services.vault_history import VaultHistoryService

    client, _ = ctx.require_chain()
    vault = str(to_checksum_address(vault))
    factory = await client.read(ContractAbi.load("NumerBayVault").at(vault).read("factory"))
    lens = str(await client.read(ContractAbi.load("VaultFactory").at(str(factory)).read("lens")))
    detail = await VaultDetailService(client).load(vault, lens=lens)
    name = str(detail.info["model_name"])
    try:
        model_id: str | None = numerai_model_id(bytes(detail.info["model_id"]))
    except InvalidInput:
        model_id = None
    history_read = VaultHistoryService(client, ctx.cache).load(vault, block=detail.block_number)
    header_read = client.get_block(detail.block_number)
    if ctx.numerai is not None and model_id is not None:
        history, header, result = await asyncio.gather(
            history_read, header_read, fetch_stats(ctx.numerai, {name: model_id}))
        stats, error, fetched = result.stats.get(name.lower()), result.error, result.fetched_at
    else:
        history, header = await asyncio.gather(history_read, header_read)
        stats, fetched = None, 0.0
        error = ("No Numerai API is connected." if ctx.numerai is None
                 else "The vault's model id is not a Numerai model id.")
    ctx.name_contract(vault, f"Vault of {name}")
    return ModelData(detail, history, lens, header.timestamp, model_id, stats, error, fetched)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%d %b %Y %H:%M UTC")


def _bps(bps: int) -> str:
    return f"{bps / 100:.2f} %".replace(".00 %", " %")


def _duration(seconds: int) -> str:
    days = seconds // DAY
    if days == 0:
        return "none"
    if days % 365 == 0:
        return f"{days // 365} yr"
    if days % 30 == 0 and days >= 60:
        return f"{days // 30} mo"
    return f"{days} d"


def _nmr(wei: int) -> str:
    return format_nmr(wei, 2)


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    return cards.card(title, margins=(20, 16, 20, 16), spacing=10)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setShowGrid(False)
    table.setFrameShape(QFrame.Shape.NoFrame)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    table.verticalHeader().setDefaultSectionSize(30)
    table.setStyleSheet(card_table_style())
    return table


def _fill(table: QTableWidget, rows: list[list[str]], empty: str) -> None:
    table.setRowCount(max(1, len(rows)))
    if not rows:
        table.setSpan(0, 0, 1, table.columnCount())
        table.setItem(0, 0, QTableWidgetItem(empty))
    else:
        table.clearSpans()
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(r, c, item)
    shown = min(table.rowCount(), 8)
    table.setFixedHeight(table.horizontalHeader().sizeHint().height()
                         + shown * table.verticalHeader().defaultSectionSize() + 4)


class _Figure(QWidget):
    """A small tile: a caption above a figure."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption = QLabel(caption)
        self.caption.setProperty("role", "faint")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 12pt; font-weight: 600;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)


def _scroll_style() -> str:
    p = current_palette()
    return (
        "QScrollBar:vertical { background: transparent; width: 8px; margin: 0; }"
        f"QScrollBar::handle:vertical {{ background: {p.border}; border-radius: 4px;"
        " min-height: 40px; }"
        "QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }"
        "QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: none; }"
    )


class ModelPage(Page):
    KEY = "model"
    TITLE = "Model"
    SUBTITLE = "A model's Numerai record, its vault's results, fees and exits."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from numerbay_desktop.ui.model_charts import ScoresChart, VaultCharts
        from numerbay_desktop.ui.owner_quiet import OwnerQuietPanel
        from numerbay_desktop.ui.verification_panel import VerificationPanel

        self.ctx: AppContext | None = None
        self.vault: str | None = None
        self.data: ModelData | None = None
        self.loading: asyncio.Task[None] | None = None
        self._generation = 0
        self.title_label = self.findChild(QLabel, "PageTitle")
        self.subtitle_label = self.findChild(QLabel, "PageSubtitle")

        self.status_label = QLabel(self.tr("Open a vault from the marketplace to see it here."))
        self.status_label.setProperty("role", "muted")
        self.status_label.setWordWrap(True)
        self.content.addWidget(self.status_label)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 12, 8)
        column.setSpacing(14)
        column.addLayout(self._build_identity())
        self.banner = QLabel()
        self.banner.setObjectName("PendingBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        column.addWidget(self.banner)
        column.addLayout(self._build_figures())

        self.scores_chart = ScoresChart()
        self.vault_charts = VaultCharts()
        self.track_card = self._build_track_card()
        perf_card, perf = _card(self.tr("Vault performance"))
        perf.addWidget(self.vault_charts)
        perf.addStretch(1)
        pair = QHBoxLayout()
        pair.setSpacing(14)
        pair.addWidget(self.track_card, 1)
        pair.addWidget(perf_card, 1)
        column.addLayout(pair)

        fees_card, fees = _card(self.tr("Fees and commitments"))
        self.fees_card = fees_card
        self.tiers_table = _table([self.tr("From a stake of"), self.tr("Fixed fee / yr"),
                                   self.tr("Profit share")])
        self.commitments_table = _table([self.tr("Commitment"), self.tr("Fee discount")])
        fees_note = QLabel(self.tr(
            "The tier follows your total stake in this vault; a commitment keeps your NMR in "
            "for its length and lowers both fees by its discount."))
        fees_note.setProperty("role", "faint")
        fees_note.setWordWrap(True)
        fees.addWidget(self.tiers_table)
        fees.addWidget(self.commitments_table)
        fees.addWidget(fees_note)
        fees.addStretch(1)
        queue_card, queue = _card(self.tr("Exit queue"))
        self.queue_note = QLabel()
        self.queue_note.setProperty("role", "muted")
        self.queue_note.setWordWrap(True)
        self.queue_table = _table([self.tr("Lot"), self.tr("Staker"), self.tr("Status"),
                                   self.tr("Value")])  # in request order
        queue.addWidget(self.queue_note)
        queue.addWidget(self.queue_table)
        queue.addStretch(1)
        pair2 = QHBoxLayout()
        pair2.setSpacing(14)
        pair2.addWidget(fees_card, 1)
        pair2.addWidget(queue_card, 1)
        column.addLayout(pair2)

        self.quiet_panel = OwnerQuietPanel()
        self.quiet_panel.acted.connect(lambda _key: self.reload())
        column.addWidget(self.quiet_panel)
        self.verification = VerificationPanel()
        column.addWidget(self.verification)
        column.addStretch(1)

        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        # Cards wrap to the window's width; only the page scrolls, downwards.
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(body)
        self.scroller.setStyleSheet(_scroll_style())
        self.scroller.hide()
        self.content.addWidget(self.scroller, 1)
        self._style_banner()

    # -- building ---------------------------------------------------------------------------
    def _build_identity(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        self.state_label = QLabel()
        self.state_label.setObjectName("StatePill")
        self.address_label = QLabel()
        self.address_label.setProperty("role", "mono")
        self.copy_button = QPushButton(self.tr("Copy address"))
        self.copy_button.clicked.connect(self.copy_address)
        self.verify_button = QPushButton(self.tr("Verify figures"))
        self.verify_button.clicked.connect(self.show_verification)
        self.stake_button = QPushButton(self.tr("Stake…"))
        self.stake_button.setObjectName("PrimaryButton")
        self.stake_button.clicked.connect(self.open_stake_form)
        row.addWidget(self.state_label)
        row.addWidget(self.address_label)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        row.addWidget(self.stake_button)
        return row

    def _build_figures(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(24)
        self.tiles = {key: _Figure(self.tr(caption)) for key, caption in (
            ("total", "Total in the vault"), ("at_stake", "At stake now"),
            ("index", "Growth since start"), ("room", "Room left"),
            ("rounds", "Rounds settled"))}
        for tile in self.tiles.values():
            row.addWidget(tile)
        row.addStretch(1)
        self.source_label = QLabel()
        self.source_label.setProperty("role", "faint")
        self.source_label.setWordWrap(True)
        outer = QVBoxLayout()
        outer.setSpacing(6)
        outer.addLayout(row)
        outer.addWidget(self.source_label)
        wrapper = QHBoxLayout()
        wrapper.addLayout(outer)
        return wrapper

    def _build_track_card(self) -> QFrame:
        card, layout = _card(self.tr("Numerai track record"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.track_tiles = {key: _Figure(self.tr(caption)) for key, caption in (
            ("corr", "CORR rep"), ("mmc", "MMC rep"), ("coverage", "Rounds submitted"),
            ("consistency", "Consistency"))}
        for i, tile in enumerate(self.track_tiles.values()):
            grid.addWidget(tile, 0, i)
        layout.addLayout(grid)
        layout.addWidget(self.scores_chart)
        self.track_note = QLabel()
        self.track_note.setProperty("role", "faint")
        self.track_note.setWordWrap(True)
        layout.addWidget(self.track_note)
        layout.addStretch(1)
        return card

    def _style_banner(self) -> None:
        p = current_palette()
        self.banner.setStyleSheet(
            f"QLabel#PendingBanner {{ background: {p.banner_bg}; color: {p.banner_text}; "
            f"border: 1px solid {p.banner_border}; border-radius: 10px; padding: 10px 14px; }}")
        self.state_label.setStyleSheet(
            f"QLabel#StatePill {{ background: {p.accent_soft}; color: {p.accent}; "
            f"border-radius: 10px; padding: 3px 10px; font-weight: 600; }}")

    # -- context and loading ----------------------------------------------------------------
    def set_context(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.quiet_panel.set_context(ctx)
        ctx.connected.connect(self.reload)

    def show_vault(self, address: str) -> None:
        """Show the vault at `address` (loads in the background)."""
        self.vault = address
        self.data = None
        if self.title_label is not None:
            self.title_label.setText(self.tr("Model"))
        self.status_label.setText(self.tr("Loading vault ") + address +
                                  self.tr(" from the chain and Numerai…"))
        self.status_label.show()
        self.scroller.hide()
        self.reload()

    def reload(self) -> None:
        if self.vault is None:
            return
        if self.ctx is None or not self.ctx.is_connected:
            from numerbay_desktop.ui.app_context import NOT_CONNECTED

            self.status_label.setText(NOT_CONNECTED)  # connected → reload
            self.status_label.show()
            return
        from numerbay_desktop.ui.tasks import BackgroundOp

        self._generation += 1
        generation, ctx, vault = self._generation, self.ctx, self.vault
        async def load() -> ModelData:
            return await load_model(ctx, vault)

        op: BackgroundOp[ModelData] = BackgroundOp(self, load, "Loading the vault")
        op.success(lambda data: self._loaded(generation, data))
        op.failure(lambda error: self._failed(generation, error))
        self.loading = op.run()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        text = str(error) if isinstance(error, NumerbayError) else repr(error)
        self.status_label.setText(self.tr("Could not load this vault: ") + text)
        self.status_label.show()

    def _loaded(self, generation: int, data: ModelData) -> None:
        if generation != self._generation:
            return  # another vault was opened meanwhile
        self.data = data
        self.status_label.hide()
        self.scroller.show()
        self._show_identity(data)
        self._show_banner(data)
        self._show_figures(data)
        self._show_track(data)
        self.vault_charts.show_history(data.history)
        self._show_fees(data)
        self._show_queue(data)
        from numerbay_desktop.ui.verification_panel import source_legend, sourced_figures

        self.verification.show_figures(sourced_figures(data), source_legend(data))
        self.quiet_panel.show_vault(data.detail.vault)

    # -- sections ---------------------------------------------------------------------------
    def _show_identity(self, data: ModelData) -> None:
        info = data.detail.info
        if self.title_label is not None:
            self.title_label.setText(str(info["model_name"]))
        if self.subtitle_label is not None:
            self.subtitle_label.setText(self.tr("Vault run by ") + str(info["owner"]))
        self.state_label.setText(data.state_text)
        self.address_label.setText(data.detail.vault)
        self.stake_button.setEnabled(data.state_text in ("Open to stakers",))

    def _show_banner(self, data: ModelData) -> None:
        pending = data.detail.pending
        if pending is None:
            self.banner.hide()
            return
        days = max(0, pending.eta - data.chain_time) / DAY
        when = (f"in {days:.1f} days" if days >= 1 else "within a day") if days > 0 else "now"
        ladder = "; ".join(f"from {format_nmr(t.min_stake, 0)}: {_bps(t.fixed_fee_bps)} + "
                           f"{_bps(t.profit_share_bps)} of profit" for t in pending.tiers)
        self.banner.setText(self.tr(
            f"The owner proposed new fees, which anyone may activate from {_when(pending.eta)} "
            f"({when}): {ladder}. Lots already in the vault never pay more than the terms "
            "they were made with."))
        self.banner.show()

    def _show_figures(self, data: ModelData) -> None:
        info, history = data.detail.info, data.history
        total, at_stake = int(info["total_assets"]), int(info["at_stake"])
        self.tiles["total"].value.setText(_nmr(total))
        share = f" ({at_stake * 100 // total} %)" if total else ""
        self.tiles["at_stake"].value.setText(_nmr(at_stake) + share)
        growth = (int(info["index_ray"]) - RAY) * 100 / RAY
        self.tiles["index"].value.setText(f"{growth:+.2f} %")
        self.tiles["room"].value.setText(_nmr(max(0, int(info["capacity"]) - total)))
        self.tiles["rounds"].value.setText(str(len(history.settled)))
        numerai = (f"Numerai: fetched {_when(data.numerai_fetched_at)}"
                   if data.numerai_fetched_at else f"Numerai: {data.numerai_error}")
        self.source_label.setText(
            f"Chain: block {data.detail.block_number} at {_when(data.chain_time)} · {numerai} "
            "· sources of every figure: Verify figures")

    def _show_track(self, data: ModelData) -> None:
        stats = data.stats
        tiles = self.track_tiles

        def signed(value: float | None) -> str:
            return "—" if value is None else f"{value:+.4f}"

        tiles["corr"].value.setText(signed(stats.corr_rep if stats else None))
        tiles["mmc"].value.setText(signed(stats.mmc_rep if stats else None))
        coverage = stats.coverage if stats else None
        tiles["coverage"].value.setText("—" if coverage is None else f"{float(coverage):.0%}")
        score = stats.consistency if stats else None
        tiles["consistency"].value.setText("—" if score is None else f"{score:.0f}/100")
        self.scores_chart.show_scores(data.scores)
        if stats is None:
            self.track_note.setText(data.numerai_error or "")
        else:
            self.track_note.setText(self.tr(
                f"Payout score per resolved round (0.5 × CORR + 2 × MMC), "
                f"{len(data.scores)} rounds; rank {stats.rank or '—'} on Numerai."))

    def _show_fees(self, data: ModelData) -> None:
        detail = data.detail
        _fill(self.tiers_table, [
            [format_nmr(t.min_stake, 0), _bps(t.fixed_fee_bps), _bps(t.profit_share_bps)]
            for t in detail.tiers], self.tr("No fee tiers."))
        _fill(self.commitments_table, [
            [_duration(c.duration), _bps(c.discount_bps)] for c in detail.commitments],
            self.tr("No commitments: you may leave after any round."))

    def _show_queue(self, data: ModelData) -> None:
        detail = data.detail
        applied = int(detail.info["applied_count"])
        rows = []
        for q in detail.exit_queue:
            if q.final:
                status = "Final: to fulfil"
            else:
                left = max(0, q.exit_seq - applied)
                status = f"{left} round{'s' if left != 1 else ''} left"
            rows.append([str(q.lot_id), f"{q.owner[:6]}…{q.owner[-4:]}", status,
                         _nmr(q.value)])
        _fill(self.queue_table, rows, self.tr("Nobody is waiting to leave."))
        header = self.queue_table.horizontalHeader()
        for column in (0, 1, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        waiting = len(detail.exit_queue)
        more = " (the first 200 shown)" if detail.queue_truncated else ""
        self.queue_note.setText(self.tr(
            f"{waiting} exit request{'s' if waiting != 1 else ''} waiting{more}. A leaving lot "
            "stays at risk until the rounds it was staked in settle (1–3 months: the rounds "
            "left); then it is final and anyone may fulfil it."))

    # -- actions ----------------------------------------------------------------------------
    def copy_address(self) -> None:
        if self.data is None:
            return
        QApplication.clipboard().setText(self.data.detail.vault)
        if self.ctx is not None:
            self.ctx.notice.emit(self.tr("Vault address copied."))

    def show_verification(self) -> None:
        self.scroller.ensureWidgetVisible(self.verification, 0, 0)
        bar = self.scroller.verticalScrollBar()
        bar.setValue(min(bar.maximum(), self.verification.y()))

    def open_stake_form(self) -> Any:
        """The staking form for this vault (ui/stake_form.py, built by the staking form)."""
        if self.ctx is None or self.data is None:
            return None
        try:
            from numerbay_desktop.ui.stake_form import open_stake_form
        except ImportError:
            message = self.tr("The staking form is not part of this build yet.")
            self.status_label.setText(message)
            self.status_label.show()
            self.ctx.notice.emit(message)
            return None
        return open_stake_form(self, self.ctx, self.data.detail.vault)

    def refresh_theme(self) -> None:
        super().refresh_theme()
        self._style_banner()
        self.scroller.setStyleSheet(_scroll_style())
        self.scores_chart.refresh_theme()
        self.vault_charts.refresh_theme()
        self.verification.refresh_theme()
        for table in (self.tiers_table, self.commitments_table, self.queue_table):
            table.setStyleSheet(card_table_style())

    def chart_point_counts(self) -> dict[str, int]:
        """Points in each chart (tests compare them with the RoundSettled events)."""
        return {**self.vault_charts.point_counts(), "scores": self.scores_chart.point_count}
