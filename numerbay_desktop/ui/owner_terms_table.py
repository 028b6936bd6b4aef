"""An editable table of schedule rows (fee tiers, commitment options) that checks every value
against the factory's bounds as it is typed: the cell turns red and the reason is listed below.

Subclasses set COLUMNS (header, parse text -> int, format int -> str), `MAX_ROWS`,
`build_rows` (ints per row -> the service's dataclasses) and `problems_of` (the factory rules).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
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

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.vault_admin import Problem
from numerbay_desktop.ui.theme import current_palette


def owner_css() -> str:
    """Local rules for the owner's widgets: a disabled primary button must look disabled (the
    app's stylesheet keeps its accent background), and problem text is red."""
    p = current_palette()
    return (f"QPushButton#PrimaryButton:disabled {{ background: {p.surface_alt}; "
            f"color: {p.text_faint}; border: 1px solid {p.border}; }}"
            f"QLabel#ProblemsLabel {{ color: {p.danger}; }}")


Column = tuple[str, str, Callable[[str, str], int], Callable[[int], str]]  # key, header, ...


class TermsTable(QWidget):
    changed = Signal()

    COLUMNS: Sequence[Column] = ()
    MAX_ROWS = 8
    ADD_TEXT = "Add"
    FIRST_ROW_LOCKED: str | None = None  # the key of a column fixed in the first row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([c[1] for c in self.COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.itemChanged.connect(self._edited)
        self.add_button = QPushButton(self.ADD_TEXT)
        self.remove_button = QPushButton("Remove selected")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_selected)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setObjectName("ProblemsLabel")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(8)
        self.layout_.addWidget(self.table, 1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.problems_label)
        self._filling = False
        self._problems: list[Problem] = []

    # -- rows -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Sequence[int]]) -> None:
        self._filling = True
        self.table.setRowCount(0)
        for values in rows:
            self._append([fmt(v) for (_, _, _, fmt), v in zip(self.COLUMNS, values,
                                                                strict=True)])
        self._filling = False
        self._edited()

    def _append(self, texts: Sequence[str]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row == 0 and self.COLUMNS[column][0] == self.FIRST_ROW_LOCKED:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip("The first row starts at 0, so every stake has terms.")
            self.table.setItem(row, column, item)

    def suggested_row(self, last: list[str] | None) -> list[str]:
        return [fmt(0) for (_, _, _, fmt) in self.COLUMNS]

    def add_row(self) -> None:
        if self.table.rowCount() >= self.MAX_ROWS:
            return
        last = ([self._text(self.table.rowCount() - 1, c) for c in range(len(self.COLUMNS))]
                if self.table.rowCount() else None)
        self._filling = True
        self._append(self.suggested_row(last))
        self._filling = False
        self._edited()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.rowCount():
            rows = [self.table.rowCount() - 1]
        for row in rows:
            if row == 0 and self.FIRST_ROW_LOCKED and self.table.rowCount() > 1:
                continue  # the 0 row stays; its neighbours go
            self.table.removeRow(row)
        self._edited()

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    # -- values and problems ----------------------------------------------------------------
    def raw_rows(self) -> tuple[list[list[int]], list[Problem]]:
        """The rows as ints, and the cells that do not parse (as problems)."""
        rows: list[list[int]] = []
        bad: list[Problem] = []
        for row in range(self.table.rowCount()):
            values: list[int] = []
            for column, (key, header, parse, _) in enumerate(self.COLUMNS):
                try:
                    values.append(parse(self._text(row, column), f"Row {row + 1}, {header}"))
                except InvalidInput as error:
                    bad.append(Problem(key, str(error), row))
                    values.append(-1)
            rows.append(values)
        return rows, bad

    def build_rows(self, rows: list[list[int]]) -> list[Any]:
        """The parsed rows as the service's dataclasses (each editor says which: tiers,
        commitments). An abstract hook: FeeLadderEditor and CommitmentEditor define it."""
        raise NotImplementedError

    def problems_of(self, values: list[Any]) -> list[Problem]:
        """The factory's bounds applied to `values` (abstract, as `build_rows`)."""
        raise NotImplementedError

    def values(self) -> list[Any] | None:
        """The rows as the service's dataclasses, or None while any value is refused."""
        rows, bad = self.raw_rows()
        if bad:
            return None
        values = self.build_rows(rows)
        return None if self.problems_of(values) else values

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def _edited(self, *_: object) -> None:
        if self._filling:
            return
        rows, bad = self.raw_rows()
        self._problems = bad + ([] if bad else self.problems_of(self.build_rows(rows)))
        self._paint(self._problems)
        self.add_button.setEnabled(self.table.rowCount() < self.MAX_ROWS)
        self.rows_changed(rows if not bad else None)
        self.changed.emit()

    def rows_changed(self, rows: list[list[int]] | None) -> None:
        """Hook for subclasses (the fee chart)."""

    def _paint(self, problems: list[Problem]) -> None:
        palette = current_palette()
        danger = QColor(palette.danger)
        tint = QColor(danger)
        tint.setAlpha(45)
        keys = [c[0] for c in self.COLUMNS]
        marked = {(p.row, keys.index(p.field)) for p in problems
                  if p.row is not None and p.field in keys}
        whole_rows = {p.row for p in problems if p.row is not None and p.field not in keys}
        self._filling = True
        for row in range(self.table.rowCount()):
            for column in range(len(keys)):
                item = self.table.item(row, column)
                if item is None:
                    continue
                bad = (row, column) in marked or row in whole_rows
                item.setBackground(QBrush(tint) if bad else QBrush())
        self._filling = False
        self.problems_label.setStyleSheet(f"color: {palette.danger};")
        self.problems_label.setText("\n".join(f"• {p.reason}" for p in problems))
        self.problems_label.setVisible(bool(problems))
