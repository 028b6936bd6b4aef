"""The commitment options editor: how long a staker's deposit stays in (days; 0 = may leave
at any time) and the fee discount for it, checked against the factory's bounds as typed.

    editor = CommitmentEditor()
    editor.set_commitments([CommitmentOption(0, 0), CommitmentOption(90 * DAY, 2_000)])
    editor.commitments()     # list[CommitmentOption], or None while a value is refused
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import (
    DAY,
    MAX_COMMITMENTS,
    Problem,
    days_to_seconds,
    percent_to_bps,
    schedule_problems,
)
from numerbay_desktop.ui.fee_ladder_editor import format_pct
from numerbay_desktop.ui.owner_terms_table import TermsTable

COMMITMENT_FIELDS = ("commitments", "duration", "discount_bps")


def format_days(seconds: int) -> str:
    if seconds % DAY == 0:
        return str(seconds // DAY)
    return f"{Decimal(seconds) / DAY:.2f}"


def commitment_text(option: CommitmentOption) -> str:
    lock = "no lock" if option.duration == 0 else f"{format_days(option.duration)} days"
    return f"{lock}, {format_pct(option.discount_bps)} % off fees"


class CommitmentEditor(TermsTable):
    COLUMNS = (
        ("duration", "Locked for (days)", days_to_seconds, format_days),
        ("discount_bps", "Discount on fees (%)", percent_to_bps, format_pct),
    )
    MAX_ROWS = MAX_COMMITMENTS
    ADD_TEXT = "Add commitment"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table.setMinimumHeight(120)
        self.table.setMaximumHeight(190)
        note = QLabel(
            "0 days: stakers may leave whenever they like. A longer lock earns a discount on "
            "both the fixed fee and the profit share. Up to 4 options, each longer than the "
            "one before, at most 365 days. When a lock ends the staker may leave, or you may "
            "roll the lot onto the terms of the day (My vaults → Lots).")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.layout_.addWidget(note)
        self.layout_.addStretch(1)

    def set_commitments(self, commitments: Sequence[CommitmentOption]) -> None:
        self.set_rows([[c.duration, c.discount_bps] for c in commitments])

    def commitments(self) -> list[CommitmentOption] | None:
        return self.values()

    def suggested_row(self, last: list[str] | None) -> list[str]:
        if last is None:
            return ["0", "0"]
        try:
            previous = days_to_seconds(last[0], "") // DAY
        except InvalidInput:
            previous = 0
        return [str(min(365, max(30, previous * 2))), last[1]]

    def build_rows(self, rows: list[list[int]]) -> list[Any]:
        return [CommitmentOption(*row) for row in rows]

    def problems_of(self, values: list[Any]) -> list[Problem]:
        found = schedule_problems([TierTerms(0, 0, 0)], values)
        return [p for p in found if p.field in COMMITMENT_FIELDS]
