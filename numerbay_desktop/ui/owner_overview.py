"""A vault at a glance for its owner: assets (idle and at stake), stakers, open rounds, the
exit queue and the fees earned, with the one action that belongs here: claim the fees.

    overview = OwnerOverview()
    overview.show_view(view)                       # services.vault_admin_reads.OwnerView
    overview.action_requested.connect(page.act)    # (intents, what)
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.units import format_nmr
from numerbay_desktop.services.vault_admin import claim_fees_intent
from numerbay_desktop.services.vault_admin_reads import OwnerView


def nmr(wei: int) -> str:
    return format_nmr(wei, places=2)


def when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%d %b %Y %H:%M UTC")


class StatCard(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        caption = QLabel(title.upper())
        caption.setProperty("role", "faint")
        self.value = QLabel("—")
        self.value.setObjectName("SectionTitle")
        self.detail = QLabel("")
        self.detail.setProperty("role", "muted")
        self.detail.setWordWrap(True)
        layout.addWidget(caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def set(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class OwnerOverview(QWidget):
    action_requested = Signal(object, str)  # (list[TxIntent], what)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault: str | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.cards = {key: StatCard(title) for key, title in (
            ("assets", "Total assets"), ("stakers", "Stakers"), ("stake", "Idle · at stake"),
            ("rounds", "Open rounds"), ("queue", "Exit queue"), ("fees", "Fees earned"))}
        grid = QGridLayout()
        grid.setSpacing(12)
        for i, card in enumerate(self.cards.values()):
            grid.addWidget(card, i // 3, i % 3)
        self.claim_button = QPushButton("Claim fees…")
        self.claim_button.setObjectName("PrimaryButton")
        self.claim_button.clicked.connect(self._claim)
        self.claim_note = QLabel()
        self.claim_note.setProperty("role", "muted")
        self.claim_note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.claim_note, 1)
        row.addWidget(self.claim_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addLayout(row)
        layout.addStretch(1)

    def show_view(self, view: OwnerView) -> None:
        info = view.info
        self.vault = view.detail.vault
        states = []
        states.append("Registered with Numerai" if info["registered"] else
                      "Candidate: its first round stake registers it (Round work)")
        if info["paused"]:
            states.append("deposits paused")
        if info["shut_down"]:
            states.append("shut down")
        if info["stalled"]:
            states.append("stalled: settle the oldest round")
        self.status.setText(" · ".join(states) + f" · block {view.detail.block_number}, "
                            f"{when(view.chain_time)}")
        capacity = int(info["capacity"])
        total = int(info["total_assets"])
        self.cards["assets"].set(nmr(total), f"capacity {nmr(capacity)}")
        self.cards["stakers"].set(str(view.stakers), f"{len(view.lots)} open lots")
        self.cards["stake"].set(f"{nmr(int(info['idle']))}",
                                f"at stake {nmr(int(info['at_stake']))}")
        self.cards["rounds"].set(str(view.open_rounds),
                                 f"{int(info['stake_count'])} rounds staked in all")
        queue_value = sum(q.value for q in view.detail.exit_queue)
        self.cards["queue"].set(str(int(info["queue_length"])),
                                f"{nmr(queue_value)} waiting, {nmr(int(info['exits_due']))} due")
        self.cards["fees"].set(nmr(int(info["fees_owed"])),
                               f"owed · claimable now {nmr(view.claimable_fees)} · "
                               f"claimed so far {nmr(view.fees_claimed)}")
        self.claim_button.setEnabled(view.claimable_fees > 0)
        self.claim_note.setText(
            "Fees owed are paid from idle NMR not reserved for exits and claims; the protocol "
            "keeps its cut when you claim." if view.claimable_fees else
            "No fees can be claimed now (none owed, or the idle NMR is reserved for exits).")

    def _claim(self) -> None:
        if self.vault is not None:
            self.action_requested.emit([claim_fees_intent(self.vault)], "Claim fees")
