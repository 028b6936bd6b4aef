"""Lots whose commitment has ended: `roll` moves them onto the current schedule's terms
(the same commitment length when it still exists, else the first option), in transactions
of at most 50 lots.

    lots = OwnerLots(); lots.show_view(view)
    lots.roll_button.click()                       # action_requested(intents, what)
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.services.vault_admin import roll_intents
from numerbay_desktop.services.vault_admin_reads import OwnerView
from numerbay_desktop.ui.fee_ladder_editor import format_pct
from numerbay_desktop.ui.owner_commitments import format_days
from numerbay_desktop.ui.owner_overview import nmr, when

HEADERS = ("Lot", "Staker", "Value", "Commitment", "Lock ended", "Its fees", "After a roll")


def _fees(fixed_bps: int, profit_bps: int) -> str:
    return f"{format_pct(fixed_bps)} % a year · {format_pct(profit_bps)} % of profit"


class OwnerLots(QWidget):
    action_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: OwnerView | None = None
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.roll_button = QPushButton("Roll lots…")
        self.roll_button.setObjectName("PrimaryButton")
        self.roll_button.clicked.connect(self._roll)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.roll_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.spacer = QWidget()
        layout.addWidget(self.spacer, 1)

    def show_view(self, view: OwnerView) -> None:
        self.view = view
        lots = view.rollable
        self.table.setRowCount(len(lots))
        for r, lot in enumerate(lots):
            texts = (str(lot.lot_id), lot.owner[:8] + "…" + lot.owner[-4:], nmr(lot.value),
                     f"{format_days(lot.commitment_duration)} days", when(lot.unlock_time)[:11],
                     _fees(lot.fixed_fee_bps, lot.profit_share_bps),
                     _fees(*view.terms_now(lot)[:2]))
            for c, text in enumerate(texts):
                self.table.setItem(r, c, QTableWidgetItem(text))
        blocked = view.roll_blocked
        self.table.setVisible(bool(lots))
        self.spacer.setVisible(not lots)
        if not lots:
            self.note.setText("Nothing to roll: every lot whose lock has ended already has "
                              "today's terms. After a schedule change, such lots appear here "
                              "to move onto the new terms.")
        else:
            self.note.setText(
                f"{len(lots)} lots finished their commitment. Rolling charges the fees they "
                "owe, then gives them today's terms for the same commitment length (their "
                "unlock date stays)."
                + (f"\n{blocked}" if blocked else ""))
        self.roll_button.setText(f"Roll {len(lots)} lots…" if lots else "Roll lots…")
        self.roll_button.setEnabled(bool(lots) and blocked is None)

    def _roll(self) -> None:
        if self.view is not None and self.view.rollable:
            ids = [lot.lot_id for lot in self.view.rollable]
            self.action_requested.emit(roll_intents(self.view.detail.vault, ids),
                                       f"Roll {len(ids)} lots")
