"""Who may deposit and how much: pause deposits, capacity, minimum deposit, and the
allowlist (paste many addresses; bad ones are listed with why; changes go out in
`set_allowed` batches of at most 50 addresses per transaction).

    access = OwnerAccess()
    access.show_view(view)
    access.paste.setPlainText(text); access.check()     # access.parsed: valid / bad
    access.allow_button.click()                         # action_requested(intents, what)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.vault_admin import (
    MAX_BATCH,
    ParsedAddresses,
    allowlist_intents,
    nmr_to_wei,
    parse_addresses,
    set_allowlist_enabled_intent,
    set_capacity_intent,
    set_min_deposit_intent,
    set_paused_intent,
)
from numerbay_desktop.services.vault_admin_reads import OwnerView
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.fee_ladder_editor import format_nmr
from numerbay_desktop.ui.theme import current_palette

MAX_BAD_SHOWN = 8
ALIGN_TOP = Qt.AlignmentFlag.AlignTop


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


def _card() -> tuple[QFrame, QVBoxLayout]:
    return cards.card(margins=(16, 12, 16, 12))


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionTitle")
    return label


class OwnerAccess(QWidget):
    action_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: OwnerView | None = None
        self.parsed = ParsedAddresses()

        deposits, box = _card()
        self.pause_state = _muted()
        self.pause_button = QPushButton()
        self.pause_button.clicked.connect(self._toggle_pause)
        self.capacity_edit = QLineEdit()
        self.capacity_button = QPushButton("Set…")
        self.capacity_button.clicked.connect(self._set_capacity)
        self.min_edit = QLineEdit()
        self.min_button = QPushButton("Set…")
        self.min_button.clicked.connect(self._set_min)
        self.limits_problem = QLabel()
        self.limits_problem.setObjectName("ProblemsLabel")
        self.limits_problem.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(_title("Deposits"))
        head.addSpacing(12)
        head.addWidget(self.pause_state, 1)
        head.addWidget(self.pause_button)
        amounts = QHBoxLayout()
        amounts.setSpacing(8)
        for title, edit, button in (("Capacity (NMR)", self.capacity_edit, self.capacity_button),
                                    ("Minimum deposit (NMR)", self.min_edit, self.min_button)):
            edit.setFixedWidth(150)
            amounts.addWidget(_muted(title))
            amounts.addWidget(edit)
            amounts.addWidget(button)
            amounts.addSpacing(24)
        amounts.addStretch(1)
        box.addLayout(head)
        box.addLayout(amounts)
        box.addWidget(self.limits_problem)

        allow, abox = _card()
        self.allowlist_state = _muted()
        self.allowlist_button = QPushButton()
        self.allowlist_button.clicked.connect(self._toggle_allowlist)
        head2 = QHBoxLayout()
        head2.addWidget(_title("Allowlist"))
        head2.addSpacing(12)
        head2.addWidget(self.allowlist_state, 1)
        head2.addWidget(self.allowlist_button)
        self.allowed_title = _muted("Allowed now")
        self.allowed_list = QListWidget()
        self.paste = QPlainTextEdit()
        self.paste.setPlaceholderText("Paste addresses: one per line, or separated by commas "
                                      "or spaces. Each is checked (EIP-55 checksum) before "
                                      "anything is sent.")
        self.paste.textChanged.connect(self.check)
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.allow_button = QPushButton("Allow these…")
        self.allow_button.setObjectName("PrimaryButton")
        self.remove_button = QPushButton("Remove these…")
        self.allow_button.clicked.connect(lambda: self._change(True))
        self.remove_button.clicked.connect(lambda: self._change(False))
        listed = QVBoxLayout()
        listed.addWidget(self.allowed_title)
        listed.addWidget(self.allowed_list, 1)
        pasted = QVBoxLayout()
        pasted.addWidget(_muted("Add or remove"))
        pasted.addWidget(self.paste, 1)
        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addLayout(listed, 2)
        columns.addLayout(pasted, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_label, 1)
        buttons.addWidget(self.remove_button, 0, ALIGN_TOP)
        buttons.addWidget(self.allow_button, 0, ALIGN_TOP)
        abox.addLayout(head2)
        abox.addLayout(columns, 1)
        abox.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(deposits)
        layout.addWidget(allow, 1)
        self.check()

    def show_view(self, view: OwnerView) -> None:
        self.view = view
        info = view.info
        paused = bool(info["paused"])
        self.pause_state.setText("New deposits are paused; exits and claims go on." if paused
                                 else "The vault accepts new deposits.")
        self.pause_button.setText("Accept deposits again…" if paused else "Pause deposits…")
        self.capacity_edit.setText(format_nmr(int(info["capacity"])))
        self.min_edit.setText(format_nmr(int(info["min_deposit"])))
        enabled = view.allowlist_enabled
        self.allowlist_state.setText(
            (f"Only the {len(view.allowed)} allowed addresses may deposit." if enabled else
             "Anyone may deposit. Turn the allowlist on to choose who may.")
            + f" Changes go out in transactions of at most {MAX_BATCH} addresses.")
        self.allowlist_button.setText("Let anyone deposit…" if enabled else
                                      "Only allowed addresses…")
        self.allowed_list.clear()
        self.allowed_list.addItems(list(view.allowed) or ["(nobody allowed yet)"])
        self.allowed_title.setText(f"Allowed now ({len(view.allowed)})")
        self.limits_problem.clear()
        self.check()

    # -- allowlist --------------------------------------------------------------------------
    def check(self) -> ParsedAddresses:
        """Parse the pasted text and say what would change."""
        self.parsed = parse_addresses(self.paste.toPlainText())
        allowed = set(self.view.allowed) if self.view is not None else set()
        new = [a for a in self.parsed.valid if a not in allowed]
        known = len(self.parsed.valid) - len(new)
        parts = []
        if self.parsed.valid:
            parts.append(f"{len(self.parsed.valid)} valid ({len(new)} new, {known} already "
                         "allowed)")
        if self.parsed.duplicates:
            parts.append(f"{self.parsed.duplicates} repeated")
        text = "; ".join(parts)
        if self.parsed.bad:
            shown = self.parsed.bad[:MAX_BAD_SHOWN]
            more = len(self.parsed.bad) - len(shown)
            text += ("\n" if text else "") + f"{len(self.parsed.bad)} refused:\n" + "\n".join(
                f"  {_short(token)}: {why}" for token, why in shown) + (
                f"\n  … and {more} more" if more else "")
        colour = current_palette().danger if self.parsed.bad else current_palette().text_muted
        self.check_label.setStyleSheet(f"color: {colour};")
        self.check_label.setText(text)
        ok = self.view is not None and not self.parsed.bad
        self.allow_button.setEnabled(ok and bool(new))
        self.remove_button.setEnabled(ok and known > 0)
        return self.parsed

    def _change(self, allowed: bool) -> None:
        if self.view is None or self.parsed.bad:
            return
        current = set(self.view.allowed)
        if allowed:
            accounts = [a for a in self.parsed.valid if a not in current]
            intents = allowlist_intents(self.view.detail.vault, add=accounts)
        else:
            accounts = [a for a in self.parsed.valid if a in current]
            intents = allowlist_intents(self.view.detail.vault, remove=accounts)
        if intents:
            verb = "Allow" if allowed else "Remove"
            self.action_requested.emit(intents, f"{verb} {len(accounts)} addresses")

    def _toggle_allowlist(self) -> None:
        if self.view is not None:
            self.action_requested.emit([set_allowlist_enabled_intent(
                self.view.detail.vault, not self.view.allowlist_enabled)], "Allowlist")

    # -- deposits ---------------------------------------------------------------------------
    def _toggle_pause(self) -> None:
        if self.view is not None:
            paused = not bool(self.view.info["paused"])
            self.action_requested.emit([set_paused_intent(self.view.detail.vault, paused)],
                                       "Pause deposits" if paused else "Accept deposits")

    def _set_capacity(self) -> None:
        self._set(self.capacity_edit, "Capacity", set_capacity_intent)

    def _set_min(self) -> None:
        self._set(self.min_edit, "Minimum deposit", set_min_deposit_intent)

    def _set(self, edit: QLineEdit, what: str, build: object) -> None:
        if self.view is None:
            return
        try:
            intent = build(self.view.detail.vault, nmr_to_wei(edit.text(), what))  # type: ignore[operator]
        except InvalidInput as error:
            self.limits_problem.setText(str(error))
            return
        self.limits_problem.clear()
        self.action_requested.emit([intent], f"Set the {what.lower()}")


def _short(token: str) -> str:
    return token if len(token) <= 24 else token[:12] + "…" + token[-8:]
