"""Pieces of the round calendar panel: state colours and words, short NMR figures, local
times, the typed stake amount, and `RoundStrip`, the calendar's one-line overview (one
coloured square per round, oldest left, newest right; hover for the round)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QRectF, QSize
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.round_calendar import CalendarRow, RoundState, StakeProposal
from numerbay_desktop.ui.theme import current_palette

STATE_WORDS = {
    RoundState.OPEN: ("Open", "takes stakes; not staked by this vault"),
    RoundState.STAKED: ("Staked", "staked; the round still takes stakes"),
    RoundState.RESOLVING: ("Resolving", "staking closed; waiting for Numerai's result"),
    RoundState.RESOLVED: ("Resolved", "Numerai has the result; settle it"),
    RoundState.SETTLED: ("Settled", "the vault booked the result"),
}


BOUND_NAMES = {
    "target": "total assets / 64",
    "round_cap": "round cap",
    "at_stake_cap": "at-stake room",
    "free_idle": "idle after the exit reserve",
}


def nmr_short(wei: int) -> str:
    """`15,934.0376 NMR`: four decimals at most, grouped thousands (for tables)."""
    value = Decimal(wei).scaleb(-18).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{text} NMR"


def proposal_lines(proposal: StakeProposal) -> str:
    """The proposal in two short lines: what sets the amount, then the other limits."""
    binding = next(b for b in proposal.bounds if b.name == proposal.binding)
    others = " · ".join(f"{BOUND_NAMES[b.name]} {nmr_short(b.limit)}"
                        for b in proposal.bounds if b.name != proposal.binding)
    lines = [f"Proposed: {BOUND_NAMES[binding.name]} = {nmr_short(binding.limit)} (sets the "
             f"amount; rounded down to 0.0001 NMR).", f"Other limits: {others}."]
    if proposal.refusal:
        lines.append(proposal.refusal)
    return "\n".join(lines)


def state_colour(state: RoundState) -> str:
    palette = current_palette()
    dark = palette.name == "dark"
    return {
        RoundState.OPEN: palette.accent,
        RoundState.STAKED: "#A78BFA" if dark else "#7C3AED",
        RoundState.RESOLVING: palette.warning,
        RoundState.RESOLVED: "#22D3EE" if dark else "#0E7490",
        RoundState.SETTLED: palette.success,
    }[state]


def local_time(timestamp: int | None) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%a %d %b %H:%M")


def utc_offset_text() -> str:
    offset = datetime.now().astimezone().strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"


def parse_nmr(text: str) -> int:
    """Wei from an NMR amount typed by the user (InvalidInput when it is not one)."""
    try:
        value = Decimal(text.strip().replace(",", "").removesuffix("NMR").strip())
    except InvalidOperation:
        raise InvalidInput("Enter the stake as an NMR amount, e.g. 12.5.") from None
    wei = value.scaleb(18)
    if not value.is_finite() or value <= 0 or wei != wei.to_integral_value():
        raise InvalidInput("The stake must be a positive NMR amount with at most 18 decimals.")
    return int(wei)



class RoundStrip(QWidget):
    """The last rounds as coloured squares, oldest first: the calendar at a glance."""

    CELL = 14
    GAP = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CalendarRow] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_rows(self, rows: Sequence[CalendarRow]) -> None:
        self.rows = sorted(rows, key=lambda r: r.round_id)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.CELL * 40, self.CELL + 4)

    def _shown(self) -> list[CalendarRow]:
        fits = max(1, (self.width() + self.GAP) // (self.CELL + self.GAP))
        return self.rows[-fits:]

    def _cell_at(self, x: float) -> CalendarRow | None:
        index = int(x // (self.CELL + self.GAP))
        shown = self._shown()
        return shown[index] if 0 <= index < len(shown) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(0, 0, 0, 0))
        for index, row in enumerate(self._shown()):
            painter.setBrush(QColor(state_colour(row.state)))
            x = index * (self.CELL + self.GAP)
            painter.drawRoundedRect(QRectF(x, 2, self.CELL, self.CELL), 3, 3)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            row = self._cell_at(event.pos().x())
            if row is None:
                QToolTip.hideText()
            else:
                word, meaning = STATE_WORDS[row.state]
                QToolTip.showText(event.globalPos(), f"Round {row.round_id}: {word} ({meaning})",
                                  self)
            return True
        return super().event(event)
