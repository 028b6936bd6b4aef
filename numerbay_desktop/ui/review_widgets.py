"""The parts of the review dialog: one card per call, the risk findings, the fee chooser.

Display only: the widgets read the review model (`chain/txreview.py`) and report what the
user picked; `review_dialog.py` joins them, re-prices through the pipeline and decides
whether the confirm button may be pressed. Amounts are integer wei; text goes through
`core/units.py` (no float anywhere). Colours come from the theme's palette at build time.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.chain.fees import PRESET_NAMES, FeeChoice, FeePresets
from numerbay_desktop.chain.txreview import Argument, CallReview
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.risk import Finding, Severity, short_address
from numerbay_desktop.core.units import format_amount, format_gwei, parse_gwei
from numerbay_desktop.ui.theme import Palette

SEVERITY_NAMES = {Severity.DANGER: "danger", Severity.WARNING: "warning", Severity.INFO: "info"}
# shown through tr()
SEVERITY_TITLES = {Severity.DANGER: "Danger", Severity.WARNING: "Warning", Severity.INFO: "Note"}
MAX_GAS_LIMIT = 30_000_000  # a mainnet block's gas limit: no transaction can use more
ETH_PLACES = 6


# The fee presets' names as shown (chain/fees.py PRESET_NAMES, and a custom fee).
FEE_NAMES = (QT_TRANSLATE_NOOP("Review", "Low"), QT_TRANSLATE_NOOP("Review", "Market"),
             QT_TRANSLATE_NOOP("Review", "Aggressive"), QT_TRANSLATE_NOOP("Review", "Custom"))


def tr(text: str) -> str:
    """Translatable text (Qt Linguist context "Review")."""
    return QCoreApplication.translate("Review", text)


def review_stylesheet(palette: Palette) -> str:
    """The dialog's own rules (severity colours, the middle segment) on top of the theme."""
    def tint(hex_colour: str, alpha: float) -> str:
        red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return f"rgba({red}, {green}, {blue}, {alpha})"

    rules = [
        f"QDialog#ReviewDialog {{ background: {palette.window}; }}",
        "QPushButton#SegmentButton[segment=\"middle\"] { border-left: none; }",
        "QPushButton#SegmentButton { padding: 8px 4px; text-align: center; }",
        f"QLabel#CallIndex {{ background: {palette.accent_soft}; color: {palette.accent}; "
        "border-radius: 11px; font-weight: 700; min-width: 22px; max-width: 22px; "
        "min-height: 22px; max-height: 22px; qproperty-alignment: AlignCenter; }",
        "QLabel#CallTitle { font-size: 12.5pt; font-weight: 700; }",
        "QLabel#MaxCost { font-size: 15pt; font-weight: 700; }",
        f"QLabel#MaxCostCaption {{ color: {palette.text_muted}; font-size: 9pt; }}",
        f"QLabel#FieldError {{ color: {palette.danger}; font-size: 9pt; }}",
        f"QLabel#FieldNote {{ color: {palette.warning}; font-size: 9pt; }}",
        f"QLabel#SimulationOk {{ color: {palette.success}; font-weight: 600; }}",
        f"QLabel#SimulationFailed {{ color: {palette.danger}; }}",
        f"QFrame#ReviewFooter {{ background: {palette.surface}; "
        f"border-top: 1px solid {palette.border}; }}",
        "QFrame#ReviewFooter QLabel, QFrame#ReviewFooter QCheckBox { background: transparent; }",
        f"QCheckBox#Acknowledge {{ color: {palette.danger}; font-weight: 600; spacing: 8px; }}",
        f"QCheckBox::indicator {{ width: 16px; height: 16px; border-radius: 4px; "
        f"border: 1.5px solid {palette.text_faint}; background: {palette.surface}; }}",
        f"QCheckBox::indicator:checked {{ background: {palette.accent}; "
        f"border-color: {palette.accent}; image: url({check_mark(palette.on_accent)}); }}",
        f"QPushButton#PrimaryButton:disabled {{ background: {palette.surface_alt}; "
        f"color: {palette.text_faint}; border-color: {palette.border}; }}",
        f"QToolButton#AdvancedToggle {{ border: none; color: {palette.accent}; "
        "font-weight: 600; padding: 2px 0; background: transparent; }",
    ]
    for severity, colour in ((Severity.DANGER, palette.danger),
                             (Severity.WARNING, palette.warning), (Severity.INFO, palette.accent)):
        name = SEVERITY_NAMES[severity]
        rules += [
            f"QFrame#FindingRow[severity=\"{name}\"] {{ background: {tint(colour, 0.10)}; "
            f"border: 1px solid {tint(colour, 0.35)}; border-left: 4px solid {colour}; "
            "border-radius: 8px; }",
            f"QFrame#FindingRow[severity=\"{name}\"] QLabel#FindingTitle {{ color: {colour}; "
            "font-weight: 700; background: transparent; }",
        ]
    rules.append("QFrame#FindingRow QLabel { background: transparent; }")
    return "\n".join(rules)


def check_mark(colour: str) -> str:
    """A tick drawn in `colour`, as a file a stylesheet can name (Qt draws no tick once the
    indicator is styled)."""
    folder = Path(tempfile.gettempdir()) / "numerbay-ui"
    path = folder / f"check-{colour.lstrip('#').lower()}.svg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">'
            f'<path d="M3.5 8.5l3 3 6-7" fill="none" stroke="{colour}" stroke-width="2.2" '
            'stroke-linecap="round" stroke-linejoin="round"/></svg>', encoding="utf-8")
    return path.as_posix()


def eth_up(wei: int, places: int = ETH_PLACES) -> str:
    """ETH rounded UP to `places` (a maximum cost must never be understated)."""
    unit = 10 ** (18 - places)
    return format_amount(-(-wei // unit) * unit, places=places, symbol="ETH")


def eth_places(wei: int, significant: int = 3) -> int:
    """Decimal places that show about `significant` digits of `wei` as ETH (6 to 12)."""
    return min(12, max(ETH_PLACES, 18 - (len(str(abs(wei))) - significant)))


def eth_about(wei: int, places: int | None = None) -> str:
    """An estimate with about 3 significant digits, never shown as zero when it is not."""
    places = eth_places(wei) if places is None else places
    unit = 10 ** (18 - places)
    if 0 < wei < unit:
        return f"< {format_amount(unit, places=places, symbol='ETH')}"
    return format_amount(wei, places=places, symbol="ETH", round_half_even=True)


def plain_words(identifier: str) -> str:
    """`request_exit` / `transferFrom` -> "Request exit" / "Transfer from"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", identifier).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:].lower() if spaced else identifier


def call_title(call: CallReview) -> str:
    if call.to is None:
        return tr("Deploy a contract")
    if call.function is None:
        return tr("Send ETH") if call.summary.startswith("Send ") else tr("Unknown function")
    return plain_words(call.function)


def _address_label(address: str, name: str | None) -> QLabel:
    text = f"{name} · {short_address(address)}" if name else short_address(address)
    label = QLabel(text)
    label.setToolTip(address)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _argument_label(argument: Argument) -> QLabel:
    if argument.abi_type == "address" and isinstance(argument.value, str):
        address = argument.display.split(" ", 1)[0]
        name = argument.display[len(address):].strip()[1:-1] or None
        return _address_label(address, name)
    label = QLabel(argument.display)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if argument.display.startswith("unlimited"):
        label.setStyleSheet("font-weight: 700;")
    return label


class CallCard(QFrame):
    """One transaction of the batch: what it does, on which contract, with what."""

    def __init__(self, call: CallReview, count: int, *, show_gas: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.call = call
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)

        header = QHBoxLayout()
        header.setSpacing(10)
        if count > 1:
            badge = QLabel(str(call.index + 1))
            badge.setObjectName("CallIndex")
            header.addWidget(badge)
        self.title = QLabel(call_title(call))
        self.title.setObjectName("CallTitle")
        self.title.setToolTip(call.summary)
        header.addWidget(self.title)
        header.addStretch(1)
        if call.to is not None:
            plain_transfer = call.function is None and call.summary.startswith("Send ")
            where = QLabel(tr("to") if plain_transfer else tr("on"))
            where.setProperty("role", "muted")
            header.addWidget(where)
            self.contract = _address_label(call.to, call.to_name)
            self.contract.setStyleSheet("font-weight: 600;")
            header.addWidget(self.contract)
            copy = QToolButton()
            copy.setText(tr("Copy"))
            copy.setToolTip(tr("Copy {0}").format(call.to))
            copy.setAutoRaise(True)
            copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(call.to or ""))
            header.addWidget(copy)
        layout.addLayout(header)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        rows: list[tuple[str, QWidget]] = [
            (plain_words(argument.name), _argument_label(argument)) for argument in call.arguments
        ]
        if call.function is None and call.to is not None and call.summary.startswith("Call "):
            rows.append((tr("Function"), QLabel(call.summary.split(" on ")[0][5:])))
        rows.append((tr("Sends"), QLabel(call.value_display)))
        self.gas = QLabel()
        if show_gas:
            rows.append((tr("Gas"), self.gas))
            self.show_gas(call)
        for row, (name, widget) in enumerate(rows):
            caption = QLabel(name)
            caption.setProperty("role", "muted")
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, row, 1)
        layout.addLayout(grid)


    def show_gas(self, call: CallReview) -> None:
        """The gas limit in force (the advanced fields may change it)."""
        self.call = call
        self.gas.setText(tr("limit {0} · the simulation used {1}").format(
            f"{call.gas_limit:,}", f"{call.gas_used:,}"))


class FindingsList(QWidget):
    """The risk findings, most serious first, each coloured by severity."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.rows: list[QFrame] = []

    def show_findings(self, findings: Sequence[tuple[int, Finding]], count: int) -> None:
        for row in self.rows:
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for index, finding in findings:
            self.rows.append(self._row(index, finding, count))
            self._layout.addWidget(self.rows[-1])
        self.setVisible(bool(self.rows))

    def _row(self, index: int, finding: Finding, count: int) -> QFrame:
        row = QFrame()
        row.setObjectName("FindingRow")
        row.setProperty("severity", SEVERITY_NAMES[finding.severity])
        row.setProperty("code", finding.code)
        layout = QVBoxLayout(row)
        layout.setContentsMargins(14, 9, 12, 10)
        layout.setSpacing(3)
        title = tr(SEVERITY_TITLES[finding.severity])
        if count > 1 and finding.code != "insufficient_funds":
            title += " · " + tr("transaction {0}").format(index + 1)
        heading = QLabel(title)
        heading.setObjectName("FindingTitle")
        message = QLabel(finding.message)
        message.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(message)
        return row


@dataclass(frozen=True, slots=True)
class AdvancedValues:
    """What the advanced fields hold once valid: fees and gas limits in wei / gas units."""

    max_fee: int
    priority_fee: int
    gas_limits: tuple[int, ...]


class FeeChooser(QWidget):
    """Three presets as a segmented control, and an "Advanced" expander with the max fee,
    priority fee (gwei) and gas limits. Emits `preset_chosen(name)` or `custom_changed()`."""

    preset_chosen = Signal(str)
    custom_changed = Signal()

    def __init__(self, presets: FeePresets, gas_used: Sequence[int], gas_limits: Sequence[int],
                 values: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presets = presets
        self.gas_used = tuple(gas_used)
        self.values = tuple(values)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        segments = QHBoxLayout()
        segments.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for position, name in enumerate(PRESET_NAMES):
            button = QPushButton(self._preset_text(presets.get(name)))
            button.setObjectName("SegmentButton")
            button.setProperty("segment", ("first", "middle", "last")[position])
            button.setCheckable(True)
            button.setToolTip(self._preset_tip(presets.get(name)))
            button.clicked.connect(lambda _=False, n=name: self._on_preset(n))
            self.group.addButton(button)
            self.buttons[name] = button
            segments.addWidget(button, 1)
        layout.addLayout(segments)
        self.summary = QLabel()  # the fee in force, in words (set by the dialog)
        self.summary.setProperty("role", "muted")
        layout.addWidget(self.summary)

        self.toggle = QToolButton()
        self.toggle.setObjectName("AdvancedToggle")
        self.toggle.setText(tr("Advanced"))
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self._on_toggle)
        layout.addWidget(self.toggle)

        self.advanced = QFrame()
        grid = QGridLayout(self.advanced)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.max_fee_edit = QLineEdit()
        self.priority_edit = QLineEdit()
        self.gas_edits = [QLineEdit() for _ in self.gas_used]
        fields: list[tuple[str, QLineEdit]] = [
            (tr("Max fee (gwei)"), self.max_fee_edit),
            (tr("Priority fee (gwei)"), self.priority_edit)]
        several = len(self.gas_edits) > 1
        fields += [
            (tr("Gas limit, transaction {0}").format(i + 1) if several else tr("Gas limit"), edit)
            for i, edit in enumerate(self.gas_edits)
        ]
        self.errors: dict[QLineEdit, QLabel] = {}
        for row, (caption, edit) in enumerate(fields):
            label = QLabel(caption)
            label.setProperty("role", "muted")
            error = QLabel()
            error.setObjectName("FieldError")
            error.setWordWrap(True)
            error.hide()
            self.errors[edit] = error
            grid.addWidget(label, row * 2, 0)
            grid.addWidget(edit, row * 2, 1)
            grid.addWidget(error, row * 2 + 1, 1)
            edit.textEdited.connect(lambda _text: self.custom_changed.emit())
        self.base_fee_note = QLabel()
        self.base_fee_note.setObjectName("FieldNote")
        self.base_fee_note.setWordWrap(True)
        self.base_fee_note.hide()
        grid.addWidget(self.base_fee_note, len(fields) * 2, 1)
        self.advanced.hide()
        layout.addWidget(self.advanced)
        for edit, limit in zip(self.gas_edits, gas_limits, strict=True):
            edit.setText(f"{limit:,}")

    # ----------------------------------------------------------------- presets

    def _estimate(self, fee: FeeChoice) -> int:
        """Likely fee cost: gas the simulation used × (base fee + tip), capped by the max fee."""
        price = min(fee.max_fee_per_gas, self.presets.base_fee + fee.max_priority_fee_per_gas)
        return sum(self.gas_used) * price

    def _preset_text(self, fee: FeeChoice) -> str:
        likely, most = self._estimate(fee), fee.max_fee_per_gas * sum(self.gas_used)
        places = eth_places(likely)
        return (f"{tr(plain_words(fee.name))}\n"
                + tr("max {0}").format(format_gwei(fee.max_fee_per_gas))
                + f"\n{eth_about(likely, places)[:-4]}–{eth_up(most, places)}")

    def _preset_tip(self, fee: FeeChoice) -> str:
        return tr("Max fee {0}, priority fee {1}.\nLikely fee {2}; at most {3} for the gas "
                  "the simulation used.").format(
            format_gwei(fee.max_fee_per_gas, None),
            format_gwei(fee.max_priority_fee_per_gas, None),
            eth_about(self._estimate(fee)), eth_up(fee.max_fee_per_gas * sum(self.gas_used)))

    def show_fee(self, fee: FeeChoice, gas_limits: Sequence[int]) -> None:
        """Reflect the fee and gas limits in force: the preset checked (none for custom or a
        replacement's fee), and, unless the user is editing custom fields, the fields."""
        button = self.buttons.get(fee.name)
        if button is not None:
            button.setChecked(True)
        else:
            self.group.setExclusive(False)
            for other in self.buttons.values():
                other.setChecked(False)
            self.group.setExclusive(True)
        if button is not None or not self.toggle.isChecked():
            self.max_fee_edit.setText(_gwei_text(fee.max_fee_per_gas))
            self.priority_edit.setText(_gwei_text(fee.max_priority_fee_per_gas))
            for edit, limit in zip(self.gas_edits, gas_limits, strict=True):
                edit.setText(f"{limit:,}")
            for error in self.errors.values():
                error.hide()
        self._note_base_fee(fee.max_fee_per_gas)

    def _on_preset(self, name: str) -> None:
        self.preset_chosen.emit(name)

    def _on_toggle(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # ----------------------------------------------------------------- advanced fields

    def read_advanced(self) -> AdvancedValues | None:
        """The fields' values, or None with an inline message under each wrong field."""
        problems: dict[QLineEdit, str] = {}
        max_fee = self._gwei(self.max_fee_edit, problems)
        priority = self._gwei(self.priority_edit, problems)
        if max_fee is not None and max_fee == 0:
            problems[self.max_fee_edit] = tr("The max fee must be above zero.")
        if max_fee is not None and priority is not None and priority > max_fee \
                and self.max_fee_edit not in problems:
            problems[self.priority_edit] = tr("The priority fee cannot be higher than the max fee.")
        limits = [self._gas(edit, used, problems)
                  for edit, used in zip(self.gas_edits, self.gas_used, strict=True)]
        for edit, error in self.errors.items():
            error.setText(problems.get(edit, ""))
            error.setVisible(edit in problems)
        if problems or max_fee is None or priority is None or None in limits:
            self.base_fee_note.hide()
            return None
        self._note_base_fee(max_fee)
        return AdvancedValues(max_fee, priority, tuple(limit for limit in limits if limit))

    def valid_gas_limits(self) -> tuple[int, ...] | None:
        """The gas limits in the fields when every one is acceptable, else None."""
        problems: dict[QLineEdit, str] = {}
        limits = [self._gas(edit, used, problems)
                  for edit, used in zip(self.gas_edits, self.gas_used, strict=True)]
        return None if problems else tuple(limit for limit in limits if limit is not None)

    def _note_base_fee(self, max_fee: int) -> None:
        below = max_fee < self.presets.base_fee
        self.base_fee_note.setText(
            tr("This is below the next block's base fee ({0}): the transaction will wait until "
               "fees fall.").format(format_gwei(self.presets.base_fee)) if below else "")
        self.base_fee_note.setVisible(below and self.toggle.isChecked())

    @staticmethod
    def _gwei(edit: QLineEdit, problems: dict[QLineEdit, str]) -> int | None:
        try:
            return parse_gwei(edit.text())
        except InvalidInput as error:
            message = str(error).replace("number of tokens", "fee in gwei")
            problems[edit] = message.replace("tokens", "gwei").replace("amount", "fee")
            return None

    @staticmethod
    def _gas(edit: QLineEdit, used: int, problems: dict[QLineEdit, str]) -> int | None:
        limit = _whole(edit.text())
        if limit is None:
            problems[edit] = tr("Enter the gas limit as a whole number, for example 120000.")
        elif limit < used:
            problems[edit] = tr("At least {0}: the simulation used that much, so less would "
                                 "run out of gas.").format(f"{used:,}")
        elif limit > MAX_GAS_LIMIT:
            problems[edit] = tr("At most {0}, a whole block's gas.").format(f"{MAX_GAS_LIMIT:,}")
        else:
            return limit
        return None


def _whole(text: str) -> int | None:
    cleaned = text.strip().replace(",", "")
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 12 else None


def _gwei_text(wei: int) -> str:
    return format_amount(wei, decimals=9, thousands=False)
