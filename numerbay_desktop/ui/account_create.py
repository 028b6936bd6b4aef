"""Create a new account: name and password, the recovery phrase shown once, then a backup check.

The phrase is generated here (`hd.generate_mnemonic`) and lives only in this dialog's memory.
The account is saved (`AccountRegistry.import_mnemonic`, address 0 of the phrase) only after
the user re-entered three words chosen at random by position, so nobody ends up with an
account whose phrase they never wrote down. The phrase is never logged.
"""

from __future__ import annotations

import secrets

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.ui.account_forms import (
    FormDialog,
    StrengthHint,
    add_name_field,
    caption,
    error_label,
    hint,
    name_problem,
    password_field,
    password_problem,
    show_error,
)
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.hd import generate_mnemonic, validate_mnemonic

CHECKED_WORDS = 3


class CreateAccountDialog(FormDialog):
    """Three steps: details, the phrase, the backup check. Emits `saved(AccountRecord)`."""

    def __init__(
        self,
        registry: AccountRegistry,
        parent: QWidget | None = None,
        *,
        demo_phrase: str | None = None,
    ) -> None:
        """`demo_phrase`: a known throwaway phrase instead of a fresh one (tour screenshots)."""
        super().__init__(registry, self.tr("Create an account"), parent)
        self.setMinimumWidth(560)
        self._demo_phrase = validate_mnemonic(demo_phrase) if demo_phrase else None
        self._words: list[str] = []
        self.positions: list[int] = []  # 1-based positions asked in the backup check

        self.steps = QStackedWidget()
        self.steps.addWidget(self._details_step())
        self.steps.addWidget(self._phrase_step())
        self.steps.addWidget(self._check_step())

        self.back_button = QPushButton(self.tr("Back"))
        self.back_button.clicked.connect(self.back)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.next_button = QPushButton(self.tr("Continue"))
        self.next_button.setObjectName("PrimaryButton")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        self.lock_while_busy(self.back_button, self.cancel_button, self.next_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        self.step_label = QLabel()
        self.step_label.setProperty("role", "faint")
        layout.addWidget(self.step_label)
        layout.addWidget(self.steps, 1)
        self.footer(layout)
        layout.addLayout(buttons)
        self._show_step(0)

    # -- steps ------------------------------------------------------------------------------
    def _details_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        title = QLabel(self.tr("A new account"))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        layout.addWidget(hint(self.tr(
            "The account's key is made on this computer and saved encrypted with your password."
        )))
        layout.addSpacing(8)
        self.name_field, self.name_error = add_name_field(layout, self.tr("Name"))
        layout.addSpacing(4)
        layout.addWidget(caption(self.tr("Recovery phrase length")))
        self.words_group = QButtonGroup(self)
        row = QHBoxLayout()
        row.setSpacing(0)
        for index, count in enumerate((12, 24)):
            button = QPushButton(self.tr("{0} words").format(count))
            button.setObjectName("SegmentButton")
            button.setProperty("segment", "first" if index == 0 else "last")
            button.setCheckable(True)
            button.setChecked(count == 12)
            self.words_group.addButton(button, count)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(4)
        layout.addWidget(caption(self.tr("Password")))
        self.password_field = password_field(self.tr("at least 8 characters"))
        self.strength = StrengthHint(self.password_field)
        layout.addWidget(self.password_field)
        layout.addWidget(self.strength)
        layout.addWidget(caption(self.tr("Password again")))
        self.again_field = password_field()
        self.password_error = error_label()
        layout.addWidget(self.again_field)
        layout.addWidget(self.password_error)
        layout.addStretch(1)
        return page

    def _phrase_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        title = QLabel(self.tr("Your recovery phrase"))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        warning = QLabel(self.tr(
            "Write these words on paper, in this order, and keep it somewhere safe. Anyone "
            "who has them can take everything in this account. They are shown only now: "
            "NumerBay does not keep them, and nobody can show them to you again."
        ))
        warning.setWordWrap(True)
        palette = current_palette()
        warning.setStyleSheet(
            f"background: {palette.banner_bg}; color: {palette.banner_text}; "
            f"border: 1px solid {palette.banner_border}; border-radius: 8px; padding: 10px;"
        )
        layout.addWidget(warning)
        self.grid_frame = QFrame()
        self.grid_frame.setObjectName("Card")
        self.grid = QGridLayout(self.grid_frame)
        self.grid.setContentsMargins(16, 14, 16, 14)
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(8)
        layout.addWidget(self.grid_frame)
        self.written_box = QCheckBox(self.tr("I have written down all the words, in order"))
        self.written_box.setStyleSheet(
            f"QCheckBox::indicator {{ width: 14px; height: 14px; border-radius: 3px;"
            f" border: 1px solid {palette.text_faint}; background: {palette.surface}; }}"
            f" QCheckBox::indicator:checked {{ background: {palette.accent};"
            f" border-color: {palette.accent}; }}"
        )
        self.written_box.toggled.connect(lambda _on: self._update_buttons())
        layout.addWidget(self.written_box)
        layout.addStretch(1)
        return page

    def _check_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        title = QLabel(self.tr("Check your backup"))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        layout.addWidget(hint(self.tr(
            "Type the words at these positions from your paper. The account is saved only "
            "when all three match."
        )))
        layout.addSpacing(6)
        self.check_fields: list[QLineEdit] = []
        self.check_captions: list[QLabel] = []
        self.check_errors: list[QLabel] = []
        for _ in range(CHECKED_WORDS):
            label = caption("")
            field = QLineEdit()
            error = error_label()
            self.check_captions.append(label)
            self.check_fields.append(field)
            self.check_errors.append(error)
            layout.addWidget(label)
            layout.addWidget(field)
            layout.addWidget(error)
        layout.addStretch(1)
        return page

    # -- navigation -------------------------------------------------------------------------
    def _show_step(self, index: int) -> None:
        self.steps.setCurrentIndex(index)
        self.step_label.setText(self.tr("Step {0} of 3").format(index + 1))
        self.next_button.setText(
            self.tr("Create account") if index == 2 else self.tr("Continue")
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self.steps.currentIndex()
        self.back_button.setVisible(index > 0)
        self.next_button.setEnabled(index != 1 or self.written_box.isChecked())

    def back(self) -> None:
        if self.steps.currentIndex() > 0 and not self.busy:
            self._show_step(self.steps.currentIndex() - 1)

    def next(self) -> None:
        index = self.steps.currentIndex()
        if index == 0:
            self._check_details()
        elif index == 1:
            self._choose_positions()
            self._show_step(2)
            self.check_fields[0].setFocus()
        else:
            self._check_backup()

    def _check_details(self) -> None:
        name = self.name_field.text().strip()
        bad_name = show_error(self.name_error, name_problem(name, self.registry))
        bad_password = show_error(
            self.password_error,
            password_problem(self.password_field.text(), self.again_field.text()),
        )
        if bad_name or bad_password:
            return
        if not self._words or len(self._words) != self.words_group.checkedId():
            self._set_phrase(self._demo_phrase or generate_mnemonic(self.words_group.checkedId()))
        self._show_step(1)

    def _set_phrase(self, phrase: str) -> None:
        self._words = phrase.split()
        self.written_box.setChecked(False)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        columns = 3 if len(self._words) == 12 else 4
        rows = (len(self._words) + columns - 1) // columns
        for position, word in enumerate(self._words, start=1):
            faint = current_palette().text_faint
            cell = QLabel(f"<span style='color:{faint}'>{position}.</span>&nbsp; <b>{word}</b>")
            cell.setObjectName("MnemonicWord")
            cell.setStyleSheet("font-size: 11pt; padding: 4px 2px;")
            # Column-major, as most paper backup cards number their words.
            self.grid.addWidget(cell, (position - 1) % rows, (position - 1) // rows)

    def _choose_positions(self) -> None:
        chosen = sorted(
            secrets.SystemRandom().sample(range(1, len(self._words) + 1), CHECKED_WORDS)
        )
        self.positions = chosen
        for position, label, field, error in zip(
            chosen, self.check_captions, self.check_fields, self.check_errors, strict=True
        ):
            label.setText(self.tr("Word #{0}").format(position))
            field.clear()
            show_error(error, None)

    def _check_backup(self) -> None:
        wrong = False
        for position, field, error in zip(
            self.positions, self.check_fields, self.check_errors, strict=True
        ):
            typed = field.text().strip().lower()
            if not typed:
                problem: str | None = self.tr("Type word #{0}.").format(position)
            elif typed != self._words[position - 1]:
                problem = self.tr(
                    "This is not word #{0} of your phrase; check your paper."
                ).format(position)
            else:
                problem = None
            wrong = show_error(error, problem) or wrong
        if wrong:
            return
        name = self.name_field.text().strip()
        password = self.password_field.text()
        phrase = " ".join(self._words)
        self.run_wallet_op(
            lambda: self.registry.import_mnemonic(name, phrase, password, index=0),
            self.tr("Saving the account"),
        )

    def words(self) -> list[str]:
        """The phrase on screen (for tests: it is never logged or stored)."""
        return list(self._words)

    def done(self, result: int) -> None:
        self._words = []
        self.password_field.clear()
        self.again_field.clear()
        super().done(result)
