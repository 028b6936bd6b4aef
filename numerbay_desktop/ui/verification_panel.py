"""Where each figure of the model page comes from: the chain call (and its block), the event,
or the Numerai field, so anyone can check it with their own node or API key.

    figures = sourced_figures(data)          # list[SourcedFigure] (no Qt)
    panel = VerificationPanel()
    panel.show_figures(figures, source_legend(data))   # the addresses the sources name
    panel.source_of("Total assets")   # "VaultLens.vault_info(vault).total_assets at block 470"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.units import format_nmr
from numerbay_desktop.services.model_stats import SOURCES
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.pages.model import ModelData

RAY = 10**27


@dataclass(frozen=True)
class SourcedFigure:
    label: str
    value: str
    source: str


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: float | None, places: int = 4) -> str:
    return "—" if value is None else f"{value:+.{places}f}"


def sourced_figures(data: ModelData) -> list[SourcedFigure]:
    """Every figure the page shows, with the call, event or field it came from."""
    detail, history = data.detail, data.history
    info, block = detail.info, detail.block_number
    call = "VaultLens.vault_info(vault)"

    def chain(label: str, value: str, field: str) -> SourcedFigure:
        return SourcedFigure(label, value, f"{call}.{field} at block {block}")

    out = [
        chain("Total assets", format_nmr(int(info['total_assets'])), "total_assets"),
        chain("Not staked (idle)", format_nmr(int(info['idle'])), "idle"),
        chain("At stake", format_nmr(int(info['at_stake'])), "at_stake"),
        chain("Exposed value", format_nmr(int(info['exposed_value'])),
              "exposed_value"),
        chain("Index", f"{int(info['index_ray']) / RAY:.6f}", "index_ray (G[S], 10²⁷ = 1)"),
        chain("Rounds staked / applied", f"{info['stake_count']} / {info['applied_count']}",
              "stake_count, applied_count"),
        chain("Capacity", format_nmr(int(info['capacity'])), "capacity"),
        chain("State", data.state_text, "paused, shut_down, stalled"),
        chain("Exits due / claimable", f"{format_nmr(int(info['exits_due']), None)} / "
              f"{format_nmr(int(info['claimable_total']), None)}",
              "exits_due, claimable_total"),
        SourcedFigure("Fee ladder and commitments",
                      f"{len(detail.tiers)} tiers, {len(detail.commitments)} commitments",
                      f"VaultLens.schedule(vault) at block {block}"),
        SourcedFigure("Pending schedule change",
                      _when(detail.pending.eta) if detail.pending else "none",
                      f"VaultLens.pending_schedule(vault).eta at block {block}"),
        SourcedFigure("Exit queue", f"{len(detail.exit_queue)} waiting",
                      "NumerBayVault(vault).queue_at(queue_head + i), then "
                      f"VaultLens.lot(vault, id) at block {block}"),
    ]
    settled = history.settled
    span = (f"blocks {settled[0].block_number}–{settled[-1].block_number}" if settled
            else "none yet")
    out.append(SourcedFigure(
        "Vault charts", f"{len(settled)} settled rounds",
        f"RoundSettled events of the vault (eth_getLogs up to block {history.block_number}), "
        f"{span}: index_ray, return_ray, principal, exposed_value"))
    if settled:
        last = settled[-1]
        out.append(SourcedFigure(
            "Last round's return", f"{last.return_ray * 100 / RAY:+.2f} % (round {last.round_id})",
            f"RoundSettled(seq {last.seq}).return_ray, block {last.block_number}, "
            f"tx {last.tx_hash}"))
    stats = data.stats
    fetched = f" (fetched {_when(data.numerai_fetched_at)})" if data.numerai_fetched_at else ""
    model = "the model"
    if stats is not None:
        out += [
            SourcedFigure("CORR reputation", _pct(stats.corr_rep), SOURCES["corr_rep"] + fetched),
            SourcedFigure("MMC reputation", _pct(stats.mmc_rep), SOURCES["mmc_rep"] + fetched),
            SourcedFigure("Submission coverage",
                          "—" if stats.coverage is None else f"{float(stats.coverage):.0%}",
                          f"Numerai submissionScores.roundNumber of {model} against rounds"
                          f".number{fetched}"),
            SourcedFigure("Consistency",
                          "—" if stats.consistency is None else f"{stats.consistency:.0f} / 100",
                          SOURCES["consistency"]),
            SourcedFigure("Per-round scores chart", f"{len(stats.payout_scores)} rounds",
                          f"Numerai submissionScores of {model}: 0.5 × v2_corr20 + 2 × mmc "
                          f"per resolved round{fetched}"),
        ]
    else:
        out.append(SourcedFigure("Numerai track record", "not loaded",
                                 data.numerai_error or "No Numerai API is connected."))
    return out


def source_legend(data: ModelData) -> str:
    """The addresses and ids the sources name (vault, lens, Numerai model)."""
    parts = [f"vault = {data.detail.vault}", f"VaultLens = {data.lens}"]
    if data.numerai_model_id:
        parts.append(f"Numerai model id = {data.numerai_model_id}")
    return " · ".join(parts)


def card_table_style() -> str:
    """Tables inside cards: the card's background, a thin rule under muted headers, room
    around each cell (the model page's fee, commitment and exit tables use it too)."""
    p = current_palette()
    return (
        f"QTableWidget {{ background: {p.surface}; border: none; }}"
        "QTableWidget::item { padding: 4px 6px; border: none; }"
        f"QHeaderView::section {{ background: {p.surface}; color: {p.text_muted}; "
        f"border: none; border-bottom: 1px solid {p.border}; padding: 4px 6px; "
        "font-weight: 600; }"
    )


class VerificationPanel(QFrame):
    """A card listing each figure, its value and its source (selectable, to copy)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        title = QLabel(self.tr("Verify these figures"))
        title.setObjectName("SectionTitle")
        intro = QLabel(self.tr(
            "Each figure on this page and the call, event or Numerai field it came from. "
            "Ask your own node or Numerai the same question to check it."))
        intro.setProperty("role", "muted")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("VerifyTable")
        self.table.setHorizontalHeaderLabels([self.tr("Figure"), self.tr("Value"),
                                              self.tr("Source")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setFrameShape(QFrame.Shape.NoFrame)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setStyleSheet(card_table_style())
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        self.legend = QLabel()
        self.legend.setProperty("role", "mono")
        self.legend.setWordWrap(True)
        self.legend.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        layout.addWidget(self.legend)
        layout.addWidget(self.table)
        self._figures: list[SourcedFigure] = []

    def show_figures(self, figures: Sequence[SourcedFigure], legend: str = "") -> None:
        self._figures = list(figures)
        self.legend.setText(legend)
        self.legend.setVisible(bool(legend))
        self.table.setRowCount(len(self._figures))
        for row, figure in enumerate(self._figures):
            for column, text in enumerate((figure.label, figure.value, figure.source)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.table.resizeRowsToContents()
        self._fit_height()

    def _fit_height(self) -> None:
        """The whole table without its own scroll bar (the page scrolls)."""
        rows = sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(rows + self.table.horizontalHeader().height() + 4)

    def refresh_theme(self) -> None:
        self.table.setStyleSheet(card_table_style())

    def figures(self) -> list[SourcedFigure]:
        return list(self._figures)

    def source_of(self, label: str) -> str:
        return next(f.source for f in self._figures if f.label == label)
