"""The portfolio's rebalancing plan: a target weight per held vault (and NMR to add), the
plan's transactions listed, and a Review button on each (one review, one signature each).

    panel = RebalancePanel();  panel.show_view(view)
    panel.targets[vault].setValue(40);  panel.cash.setText("250")
    panel.plan_button.click()                 # panel.plan: services.rebalance_plan.PlanView
    panel.step_clicked.connect(...)           # (PlanStep): review and send that step
    panel.review_buttons[i]
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import parse_amount
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.services.portfolio_view import PortfolioView
    from numerbay_desktop.services.rebalance_plan import PlanStep, PlanView


class PercentField(QLineEdit):
    """A whole percent from 0 to 100, typed (the themed spin box arrows crowd the cell)."""

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(str(value), parent)
        self.setValidator(QIntValidator(0, 100, self))
        self.setFixedWidth(64)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def value(self) -> int:
        text = self.text().strip()
        return int(text) if text.isdigit() else 0

    def setValue(self, value: int) -> None:  # the QSpinBox name the tests and tour use
        self.setText(str(value))


class RebalancePanel(QFrame):
    step_clicked = Signal(object)  # PlanStep

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.view: PortfolioView | None = None
        self.plan: PlanView | None = None
        self.targets: dict[str, PercentField] = {}
        self.review_buttons: list[QPushButton] = []
        title = QLabel(self.tr("Rebalance: a plan toward target weights"))
        title.setObjectName("SectionTitle")
        hint = QLabel(self.tr(
            "Set the share you want in each vault (whole percents adding up to 100) and any "
            "NMR to add from your wallet. The plan asks unlocked lots to leave where a vault "
            "is above target and deposits where one is below; each step is reviewed and "
            "signed on its own. Exits pay out only after their rounds settle."))
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(4)
        self.cash = QLineEdit("0")
        self.cash.setMaximumWidth(140)
        self.sum_label = QLabel()
        self.sum_label.setProperty("role", "faint")
        self.plan_button = QPushButton(self.tr("Make the plan"))
        self.plan_button.setObjectName("PrimaryButton")
        self.plan_button.clicked.connect(self.make_plan)
        controls = QHBoxLayout()
        controls.setSpacing(10)
        controls.addWidget(QLabel(self.tr("NMR to add")))
        controls.addWidget(self.cash)
        controls.addWidget(self.sum_label, 1)
        controls.addWidget(self.plan_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.steps_box = QVBoxLayout()
        self.steps_box.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(self.grid)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addLayout(self.steps_box)

    def show_view(self, view: PortfolioView) -> None:
        from numerbay_desktop.services.rebalance_plan import current_targets

        self.view = view
        self.plan = None
        self._clear_steps()
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.targets = {}
        for column, heading in enumerate(("Vault", "Now", "Target %")):
            cell = QLabel(self.tr(heading))
            cell.setProperty("role", "faint")
            self.grid.addWidget(cell, 0, column)
        shares = view.portfolio.allocation
        for row, (vault, percent) in enumerate(current_targets(view).items(), start=1):
            spin = PercentField(percent)
            spin.textChanged.connect(self._sum_changed)
            self.targets[vault] = spin
            now = float(shares.get(vault, Fraction(0)) * 100)  # display only
            self.grid.addWidget(QLabel(view.name(vault)), row, 0)
            self.grid.addWidget(QLabel(f"{now:.1f}%"), row, 1)
            self.grid.addWidget(spin, row, 2)
        self.grid.setColumnStretch(0, 1)
        self.message.clear()
        self._sum_changed()

    def _sum_changed(self) -> None:
        total = sum(spin.value() for spin in self.targets.values())
        self.sum_label.setText(self.tr("Targets add up to {t}%").format(t=total))
        self.plan_button.setEnabled(total == 100 and bool(self.targets))

    def _clear_steps(self) -> None:
        while self.steps_box.count():
            item = self.steps_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.review_buttons = []

    def make_plan(self) -> None:
        from numerbay_desktop.services.rebalance_plan import make_plan

        if self.view is None:
            return
        self._clear_steps()
        p = current_palette()
        try:
            cash = parse_amount(self.cash.text().strip() or "0")
            targets = {v: Fraction(spin.value(), 100) for v, spin in self.targets.items()}
            self.plan = make_plan(self.view, targets, cash)
        except InvalidInput as error:
            self.plan = None
            self.message.setStyleSheet(f"color: {p.danger};")
            self.message.setText(str(error))
            return
        self.message.setStyleSheet(f"color: {p.text_muted};")
        if not self.plan.steps:
            self.message.setText(self.tr(
                "Nothing to do: no unlocked lot can leave and no deposit fits. ")
                + self.plan.drift_text)
            return
        self.message.setText(self.plan.drift_text + " " + self.tr(
            "{n} steps; review each one:").format(n=len(self.plan.steps)))
        for index, step in enumerate(self.plan.steps, start=1):
            self.steps_box.addWidget(self._step_row(index, step))

    def _step_row(self, index: int, step: PlanStep) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        text = QLabel(f"{index}. {step.text}")
        text.setWordWrap(True)
        button = QPushButton(self.tr("Review…"))
        button.clicked.connect(lambda: self.step_clicked.emit(step))
        self.review_buttons.append(button)
        layout.addWidget(text, 1)
        layout.addWidget(button)
        return row
