"""The fee schedule as its owner manages it: the current ladder and commitments, a pending
proposal shown as a diff against them with its ETA, cancel and activate, and a dialog to
propose a change (the same editors as the wizard, checked against the factory's bounds).

    panel = OwnerSchedule()
    panel.show_view(view)                          # services.vault_admin_reads.OwnerView
    panel.action_requested.connect(page.act)       # (intents, what)
    panel.propose(tiers, commitments)              # what the dialog's OK does
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import (
    activate_schedule_intent,
    cancel_schedule_intent,
    propose_schedule_intent,
)
from numerbay_desktop.services.vault_admin_reads import OwnerView
from numerbay_desktop.ui.fee_ladder_editor import FeeLadderEditor, tier_text
from numerbay_desktop.ui.owner_commitments import CommitmentEditor, commitment_text
from numerbay_desktop.ui.owner_overview import when
from numerbay_desktop.ui.theme import current_palette

DiffRow = tuple[str, str, str, bool]  # what, current, proposed, changed


def _tier_text(tier: TierTerms | None) -> str:
    return "—" if tier is None else tier_text(tier)


def _commitment_text(option: CommitmentOption | None) -> str:
    return "—" if option is None else commitment_text(option)


def schedule_diff(
    tiers: Sequence[TierTerms], commitments: Sequence[CommitmentOption],
    new_tiers: Sequence[TierTerms] | None = None,
    new_commitments: Sequence[CommitmentOption] | None = None,
) -> list[DiffRow]:
    """One row per tier and commitment (by position): current text, proposed text (empty
    without a proposal) and whether it changes."""
    rows: list[DiffRow] = []
    proposal = new_tiers is not None and new_commitments is not None
    for i in range(max(len(tiers), len(new_tiers or ()))):
        old = tiers[i] if i < len(tiers) else None
        new = new_tiers[i] if new_tiers is not None and i < len(new_tiers) else None
        rows.append((f"Tier {i + 1}", _tier_text(old), _tier_text(new) if proposal else "",
                     proposal and old != new))
    for i in range(max(len(commitments), len(new_commitments or ()))):
        old_c = commitments[i] if i < len(commitments) else None
        new_c = (new_commitments[i] if new_commitments is not None
                 and i < len(new_commitments) else None)
        rows.append((f"Commitment {i + 1}", _commitment_text(old_c),
                     _commitment_text(new_c) if proposal else "", proposal and old_c != new_c))
    return rows


class ProposeDialog(QDialog):
    """Edit the ladder and commitments, starting from the current ones."""

    def __init__(self, tiers: Sequence[TierTerms], commitments: Sequence[CommitmentOption],
                 delay_days: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Propose a new fee schedule")
        self.resize(860, 640)
        self.ladder = FeeLadderEditor()
        self.ladder.set_tiers(tiers)
        self.commitments = CommitmentEditor()
        self.commitments.set_commitments(commitments)
        note = QLabel(f"Stakers are told at once; the new schedule can be activated after "
                      f"{delay_days} days, so anyone who disagrees can leave first. Lots keep "
                      "the lower of their own terms and the new ones.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton("Propose…",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("PrimaryButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()
        columns.setSpacing(20)
        left = QVBoxLayout()
        title = QLabel("Fee ladder")
        title.setObjectName("SectionTitle")
        left.addWidget(title)
        left.addWidget(self.ladder, 1)
        right = QVBoxLayout()
        title2 = QLabel("Commitments")
        title2.setObjectName("SectionTitle")
        right.addWidget(title2)
        right.addWidget(self.commitments, 1)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        for editor in (self.ladder, self.commitments):
            editor.changed.connect(self._check)
        self._check()

    def _check(self) -> None:
        self.ok_button.setEnabled(self.ladder.tiers() is not None
                                  and self.commitments.commitments() is not None)


class OwnerSchedule(QWidget):
    action_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: OwnerView | None = None
        self.dialog: ProposeDialog | None = None
        self.eta_label = QLabel()
        self.eta_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["", "Current", "Proposed"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.propose_button = QPushButton("Propose a change…")
        self.cancel_button = QPushButton("Cancel the proposal…")
        self.activate_button = QPushButton("Activate…")
        self.activate_button.setObjectName("PrimaryButton")
        self.propose_button.clicked.connect(self.open_propose_dialog)
        self.cancel_button.clicked.connect(self._cancel)
        self.activate_button.clicked.connect(self._activate)
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.activate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.eta_label)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def show_view(self, view: OwnerView) -> None:
        self.view = view
        detail = view.detail
        pending = detail.pending
        rows = schedule_diff(detail.tiers, detail.commitments,
                             pending.tiers if pending else None,
                             pending.commitments if pending else None)
        self.table.setColumnHidden(2, pending is None)
        self.table.setRowCount(len(rows))
        accent = QColor(current_palette().accent)
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (what, old, new, changed) in enumerate(rows):
            for c, text in enumerate((what, old, new)):
                item = QTableWidgetItem(text)
                if changed and c == 2:
                    item.setForeground(QBrush(accent))
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        self.table.verticalHeader().setDefaultSectionSize(30)
        frame = 2 * self.table.frameWidth() + self.table.horizontalHeader().height()
        self.table.setFixedHeight(frame + 30 * len(rows) + 2)
        delay_days = view.schedule_delay // 86_400
        if pending is None:
            self.eta_label.setText(
                f"No change proposed. A proposal can be activated {delay_days} days after it "
                "is made, so stakers can leave first.")
        else:
            ready = view.chain_time >= pending.eta
            wait = max(0, pending.eta - view.chain_time)
            self.eta_label.setText(
                f"Proposed change: highlighted rows differ. Activation possible from "
                f"{when(pending.eta)}"
                + (" — now." if ready else
                   f" (in {wait // 86_400} days {wait % 86_400 // 3600} h)."))
        self.cancel_button.setEnabled(pending is not None)
        ready_now = pending is not None and view.chain_time >= pending.eta
        self.activate_button.setEnabled(ready_now)
        self.activate_button.setText("Activate…" if ready_now or pending is None else
                                     f"Activate (from {when(pending.eta)[:11]})")
        self.propose_button.setEnabled(not view.info["shut_down"])

    def open_propose_dialog(self) -> ProposeDialog | None:
        if self.view is None:
            return None
        pending = self.view.detail.pending
        start = pending or self.view.detail
        self.dialog = ProposeDialog(start.tiers, start.commitments,
                                    self.view.schedule_delay // 86_400, self)
        self.dialog.accepted.connect(self._proposed)
        self.dialog.open()
        return self.dialog

    def _proposed(self) -> None:
        if self.dialog is None:
            return
        tiers, commitments = self.dialog.ladder.tiers(), self.dialog.commitments.commitments()
        if tiers is not None and commitments is not None:
            self.propose(tiers, commitments)

    def propose(self, tiers: Sequence[TierTerms],
                commitments: Sequence[CommitmentOption]) -> None:
        if self.view is not None:
            self.action_requested.emit(
                [propose_schedule_intent(self.view.detail.vault, tiers, commitments)],
                "Propose a new fee schedule")

    def _cancel(self) -> None:
        if self.view is not None:
            self.action_requested.emit([cancel_schedule_intent(self.view.detail.vault)],
                                       "Cancel the proposed schedule")

    def _activate(self) -> None:
        if self.view is not None:
            self.action_requested.emit([activate_schedule_intent(self.view.detail.vault)],
                                       "Activate the new schedule")

