"""The portfolio's figures: the totals strip and one card per vault with its lots.

    strip = TotalsStrip();  strip.show_totals(view)
    group = VaultGroup(view, position)       # core.portfolio.VaultPosition
    group.vault_clicked.connect(...)         # the title: open the model page
    group.step_clicked.connect(...)          # (kind, vault, lot_id): an exit step's button
    group.claim_clicked.connect(...)         # (vault): claim the account's claimable NMR
    group.step_button(lot_id), group.claim_button

Every figure follows core.portfolio's definitions: value is net of accrued fees, P&L =
value + NMR returned − principal (every fee already out of it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.portfolio import Lot, LotState, Totals, VaultPosition
from numerbay_desktop.core.units import format_amount
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.services.exits import LotStep
    from numerbay_desktop.services.portfolio_view import PortfolioView
    from numerbay_desktop.services.positions import LotTerms

COLUMNS = ("Lot", "State", "Principal", "Value", "P&L", "Fees paid · owed", "Terms",
           "Unlocks", "")
HEADER_TIPS = {
    "Value": "What the lot is worth now, net of the fees owed so far.",
    "P&L": "Value + NMR already paid back − principal: every fee is already out of it.",
    "Fees paid · owed": "Fees charged out of the lot so far · fees owed, not yet charged.",
    "Terms": "The lot's fixed fee per year · the owner's share of its profit.",
    "Unlocks": "When the lot's commitment ends and it may ask to leave.",
}
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
STATE_WORDS = {
    LotState.PENDING: "pending", LotState.JOINED: "joined", LotState.ACTIVE: "active",
    LotState.EXITING: "exiting", LotState.FINAL: "final", LotState.CLOSED: "closed",
}


def nmr(wei: int, places: int = 2) -> str:
    return format_amount(wei, places=places)


def signed(wei: int) -> str:
    text = format_amount(abs(wei), places=2)
    return ("+" if wei >= 0 else "−") + text


def percent(part: int, whole: int) -> str:
    if whole == 0:
        return ""
    return f"{'+' if part >= 0 else '−'}{abs(part) * 100 / whole:.1f}%"  # display only


def bps_text(bps: int) -> str:
    return f"{(Decimal(bps) / 100).normalize():f}%"


def state_colours(state: LotState) -> str:
    p = current_palette()
    return {
        LotState.PENDING: p.warning, LotState.JOINED: p.success, LotState.ACTIVE: p.success,
        LotState.EXITING: p.accent, LotState.FINAL: p.accent, LotState.CLOSED: p.text_faint,
    }[state]


def _label(text: str, *, align: Qt.AlignmentFlag = LEFT, role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setAlignment(align)
    if role:
        label.setProperty("role", role)
    return label


class Figure(QWidget):
    """A caption over a big figure, with an optional line under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = _label(caption, role="faint")
        self.value = QLabel("—")
        self.value.setObjectName("FigureValue")
        self.note = _label("", role="faint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note)

    def set(self, value: str, note: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.note.setText(note)
        style = "font-size: 13pt; font-weight: 700;"
        self.value.setStyleSheet(style + (f" color: {colour};" if colour else ""))


class TotalsStrip(QFrame):
    """The portfolio's totals: value, principal, P&L, fees and claimable NMR."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.value = Figure(self.tr("Value (after fees)"))
        self.principal = Figure(self.tr("Principal"))
        self.pnl = Figure(self.tr("Profit / loss"))
        self.fees = Figure(self.tr("Fees paid · accrued"))
        self.claimable = Figure(self.tr("Ready to claim"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.setSpacing(12)
        for figure in (self.value, self.principal, self.pnl, self.fees, self.claimable):
            layout.addWidget(figure, 1)

    def show_totals(self, view: PortfolioView) -> None:
        t: Totals = view.portfolio.totals
        p = current_palette()
        self.value.set(f"{nmr(t.value)} NMR", self.tr("{n} open lots of {m}").format(
            n=t.open_lots, m=t.lots))
        self.principal.set(f"{nmr(t.principal)} NMR",
                           self.tr("{r} NMR paid back").format(r=nmr(t.returned)))
        self.pnl.set(f"{signed(t.pnl)} NMR", percent(t.pnl, t.principal),
                     p.success if t.pnl >= 0 else p.danger)
        self.fees.set(f"{nmr(t.fees_paid)} · {nmr(t.fees_accrued)}", self.tr("charged · owed"))
        claim = view.portfolio.claimable_total
        self.claimable.set(f"{nmr(claim)} NMR", self.tr("after fulfilled exits"),
                           p.accent if claim else None)


class VaultGroup(QFrame):
    """One vault's lots: a title that opens the model page, the lots, and their buttons."""

    vault_clicked = Signal(str)
    step_clicked = Signal(str, str, int)  # kind, vault, lot id
    claim_clicked = Signal(str)

    def __init__(self, view: PortfolioView, position: VaultPosition,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.vault = position.vault
        self.name = view.name(position.vault)
        self.buttons: dict[int, QPushButton] = {}
        self.reasons: dict[int, str] = {}
        p = current_palette()
        t = position.totals

        self.title = QPushButton(f"{self.name}  ›")
        self.title.setObjectName("GroupTitle")
        self.title.setToolTip(self.tr("Open the model page of this vault"))
        self.title.setCursor(Qt.CursorShape.PointingHandCursor)
        self.title.setStyleSheet(
            f"QPushButton#GroupTitle {{ background: transparent; border: none; padding: 0;"
            f" font-size: 12.5pt; font-weight: 700; color: {p.text}; text-align: left; }}"
            f" QPushButton#GroupTitle:hover {{ color: {p.accent}; }}")
        self.title.clicked.connect(lambda: self.vault_clicked.emit(self.vault))
        address = _label(f"{self.vault[:8]}…{self.vault[-6:]}", role="mono")
        address.setToolTip(self.vault)
        summary = _label(self.tr("{v} NMR · P&L {pnl} NMR ({pct})").format(
            v=nmr(t.value), pnl=signed(t.pnl), pct=percent(t.pnl, t.principal) or "—"),
            role="muted")
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(self.title)
        header.addWidget(address)
        header.addStretch(1)
        header.addWidget(summary)
        claim = view.portfolio.claimable.get(self.vault, 0)
        self.claim_button: QPushButton | None = None
        if claim:
            self.claim_button = QPushButton(self.tr("Claim {a} NMR").format(a=nmr(claim)))
            self.claim_button.setObjectName("PrimaryButton")
            self.claim_button.setToolTip(self.tr(
                "Send the NMR your fulfilled exits left in this vault to your wallet."))
            self.claim_button.clicked.connect(lambda: self.claim_clicked.emit(self.vault))
            header.addWidget(self.claim_button)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(4)
        for column, heading in enumerate(COLUMNS):
            cell = _label(self.tr(heading) if heading else "",
                          align=RIGHT if 2 <= column <= 5 else LEFT, role="faint")
            if heading in HEADER_TIPS:
                cell.setToolTip(self.tr(HEADER_TIPS[heading]))
            self.grid.addWidget(cell, 0, column)
        terms = {tm.lot_id: tm for tm in view.portfolio.terms if tm.vault == self.vault}
        row = 1
        for lot in position.lots:
            step = view.steps.get((lot.vault, lot.lot_id))
            row = self._add_lot(row, lot, terms.get(lot.lot_id), step)
        self.grid.setColumnStretch(6, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addLayout(self.grid)

    def _add_lot(self, row: int, lot: Lot, terms: LotTerms | None, step: LotStep | None) -> int:
        p = current_palette()
        colour = state_colours(lot.state)
        pill = _label(self.tr(STATE_WORDS[lot.state]))
        pill.setStyleSheet(f"color: {colour}; font-weight: 600;")
        pnl = _label(f"{signed(lot.pnl)}", align=RIGHT)
        pnl.setStyleSheet(f"color: {p.success if lot.pnl >= 0 else p.danger};")
        pnl.setToolTip(percent(lot.pnl, lot.principal))
        term_text = "—"
        if terms is not None:
            term_text = self.tr("{f}/yr · {s}").format(
                f=bps_text(terms.fixed_fee_bps), s=bps_text(terms.profit_share_bps))
        unlock = datetime.fromtimestamp(lot.unlock_time, tz=UTC).strftime("%d %b %Y")
        cells = [
            _label(f"#{lot.lot_id}"), pill,
            _label(nmr(lot.principal), align=RIGHT),
            _label(nmr(lot.value) if lot.state is not LotState.CLOSED else "—", align=RIGHT),
            pnl,
            _label(f"{nmr(lot.fees_paid)} · {nmr(lot.fees_accrued)}", align=RIGHT),
            _label(term_text, role="muted"),
            _label(unlock, role="muted"),
        ]
        for column, cell in enumerate(cells):
            self.grid.addWidget(cell, row, column)
        if step is not None and step.kind != "none":
            button = QPushButton(self.tr(step.label))
            button.setEnabled(step.enabled)
            button.setToolTip(step.reason)
            if step.enabled and step.kind != "request_exit":
                button.setObjectName("PrimaryButton")
            button.clicked.connect(
                lambda _=False, k=step.kind, i=lot.lot_id: self.step_clicked.emit(k, self.vault, i))
            self.buttons[lot.lot_id] = button
            self.reasons[lot.lot_id] = step.reason
            self.grid.addWidget(button, row, 8)
            # The reason under the row when it says something the button cannot: why it is
            # disabled, what an exit waits for, what a cancel gives back.
            if not step.enabled or step.kind != "request_exit":
                reason = _label(step.reason, role="faint")
                reason.setWordWrap(True)
                self.grid.addWidget(reason, row + 1, 1, 1, 7)
                return row + 2
        return row + 1

    def step_button(self, lot_id: int) -> QPushButton:
        return self.buttons[lot_id]
