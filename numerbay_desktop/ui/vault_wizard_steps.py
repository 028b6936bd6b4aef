"""The steps of the create-vault wizard that are not the fee and commitment editors: the
model, the limits, the review of the factory call and what comes after.

Where the owner's models come from (`load_owner_models`): the Numerai API key stored for the
active account (or the "default" profile) when it opens without a password; on the devnet,
the play key of the demo owner of that address. Otherwise the owner types the model's name
and the wizard looks its id up in Numerai's public profiles.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.services.vault_admin import Problem
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.app_context import AppContext

log = logging.getLogger(__name__)
ALIGN_TOP = Qt.AlignmentFlag.AlignTop

CANDIDATE_TEXT = (
    "A new vault is a candidate: it is not listed for stakers until its first round stake "
    "registers it. That stake needs Numerai's authorization for this model, which only the "
    "model's real owner can get with their API key. Until then only you can deposit. Next "
    "step after creating: stake the first round from My vaults → Round work."
)


@dataclass(frozen=True)
class OwnerModel:
    name: str
    numerai_id: str
    vault: str | None = None  # the model's registered vault, if it has one


def _label(text: str, role: str | None = None, object_name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    if object_name:
        label.setObjectName(object_name)
    if object_name == "ProblemsLabel":
        label.setStyleSheet(f"color: {current_palette().danger};")
    return label


def candidate_notice() -> QFrame:
    """The plain word on candidates, in the app's first-step box."""
    notice = QFrame()
    notice.setObjectName("FirstStep")
    box = QVBoxLayout(notice)
    box.setContentsMargins(16, 12, 16, 12)
    box.addWidget(_label("A NEW VAULT IS A CANDIDATE", object_name="FirstStepLabel"))
    box.addWidget(_label(CANDIDATE_TEXT, object_name="FirstStepText"))
    return notice


async def load_owner_models(ctx: AppContext) -> tuple[list[OwnerModel], str]:
    """The active account's Numerai models, and where the key came from (for the page)."""
    from numerbay_desktop.numerai.client import NumeraiClient

    if ctx.numerai_url is None:
        return [], "No Numerai API is connected: type your model's name and id."
    record = ctx.require_account()
    key, locked = await asyncio.to_thread(_stored_key, ctx, record.name)
    where = "your stored Numerai API key"
    if key is None and ctx.devnet_info:
        for entry in ctx.devnet_info.get("numerai_api_keys", []):
            if str(entry.get("owner", "")).lower() == record.address.lower():
                key = (str(entry["public_id"]), str(entry["secret"]))
                where = "the devnet's play API key of this account"
    if key is None and locked:
        return [], ("Your Numerai API key is kept in a password-protected file: type your "
                    "model's name here (Round work asks for the password when it stakes).")
    if key is None:
        return [], ("No Numerai API key is stored for this account: type your model's name, "
                    "or add the key in Round work first.")
    client = NumeraiClient(ctx.numerai_url, public_id=key[0], secret=key[1])
    try:
        account = await client.account()
    finally:
        client.close()
    models = await _with_vaults(ctx, [OwnerModel(m.name, m.id) for m in account.models])
    return models, f"{len(models)} models of {account.username}, from {where}."


async def _with_vaults(ctx: AppContext, models: list[OwnerModel]) -> list[OwnerModel]:
    """Each model with its registered vault (the factory's vault_of_model), in one read."""
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.core.abs import model_id_bytes32

    if not models or ctx.client is None or ctx.network is None or not ctx.network.factory:
        return models
    factory = ContractAbi.load("VaultFactory").at(ctx.network.factory)
    _, values = await ctx.client.pin_and_read(
        [factory.read("vault_of_model", model_id_bytes32(m.numerai_id)) for m in models])
    out = []
    for model, value in zip(models, values, strict=True):
        vault = str(value) if isinstance(value, str) and int(value, 16) else None
        out.append(OwnerModel(model.name, model.numerai_id, vault))
    return out


def _stored_key(ctx: AppContext, account_name: str) -> tuple[tuple[str, str] | None, bool]:
    """The key saved for this account (or the "default" profile) when it opens without a
    password, and whether a password-protected one exists."""
    locked = False
    try:
        from numerbay_desktop.wallet.api_keys import ApiKeyStore

        store = ApiKeyStore(ctx.data_dir)
        for profile in (account_name, "default"):
            if not store.exists(profile):
                continue
            if store.needs_password(profile):
                locked = True
                continue
            key = store.load(profile)
            return (key.public_id, key.secret.reveal()), False
    except Exception as error:  # a broken keyring must not stop the wizard: type the model
        log.info("no stored Numerai key used: %s", type(error).__name__)
    return None, locked


class ModelStep(QWidget):
    """Pick one of the owner's models, or type its name (and id when Numerai is offline)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models: list[OwnerModel] = []
        self.model_combo = QComboBox()
        self.model_combo.setMinimumWidth(280)
        self.model_combo.currentIndexChanged.connect(self._picked)
        self.load_button = QPushButton("Load my models")
        self.source_label = _label("", "muted")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. my_model")
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("Numerai's model id (UUID); found from the name")
        self.name_edit.textEdited.connect(self._typed)
        self.id_edit.textEdited.connect(lambda _: self.changed.emit())
        self.problem_label = _label("", object_name="ProblemsLabel")
        self.vault_note = _label("", object_name="ProblemsLabel")
        self.vault_note.setVisible(False)

        pick = QHBoxLayout()
        pick.addWidget(self.model_combo, 1)
        pick.addWidget(self.load_button)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Your models", pick)
        form.addRow("", self.source_label)
        form.addRow("Model name", self.name_edit)
        form.addRow("Model id", self.id_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.vault_note)
        layout.addWidget(self.problem_label)
        layout.addStretch(1)
        layout.addWidget(candidate_notice())

    def set_models(self, models: list[OwnerModel], source: str) -> None:
        self.models = models
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItem("Choose a model…" if models else "No models loaded")
        for model in models:
            suffix = f" — has a vault ({model.vault[:8]}…)" if model.vault else ""
            self.model_combo.addItem(model.name + suffix, model.name)
        self.model_combo.blockSignals(False)
        self.source_label.setText(source)
        if len(models) == 1:
            self.model_combo.setCurrentIndex(1)

    def pick(self, name: str) -> None:
        index = self.model_combo.findData(name)
        if index < 0:
            raise ValueError(f"no model {name!r} loaded")
        self.model_combo.setCurrentIndex(index)

    def _picked(self, index: int) -> None:
        if 1 <= index <= len(self.models):
            model = self.models[index - 1]
            self.name_edit.setText(model.name)
            self.id_edit.setText(model.numerai_id)
            self.vault_note.setText(
                f"{model.name} already has a registered vault ({model.vault}). A second vault "
                "could never be registered while that one is live: manage it in My vaults."
                if model.vault else "")
            self.vault_note.setVisible(bool(model.vault))
            self.changed.emit()

    def _typed(self, _: str) -> None:
        self.id_edit.clear()  # a new name needs its own id
        self.vault_note.setVisible(False)
        self.model_combo.setCurrentIndex(0)
        self.changed.emit()

    def show_problems(self, problems: list[Problem]) -> None:
        mine = [p.reason for p in problems if p.field in ("model_name", "model_id")]
        self.problem_label.setText("\n".join(mine))
        self.problem_label.setVisible(bool(mine))


LIMIT_FIELDS = (
    ("capacity", "Capacity (NMR)", "The most NMR the vault accepts from all stakers."),
    ("min_deposit", "Minimum deposit (NMR)", "At least 1 NMR."),
    ("max_round_bps", "Largest round stake (% of assets)",
     "What one daily round may stake, at most 20 %; the round work proposes assets ÷ 64."),
    ("max_at_stake_bps", "Most at stake at once (%)",
     "Across all open rounds, at most 95 %; the rest stays idle for exits."),
    ("schedule_delay", "Notice before fee changes (days)",
     "Stakers' exit window: a new schedule waits this long (7 to 365 days)."),
    ("max_settle_delay", "Settlement deadline (days)",
     "A round not settled within this (150 to 3,650 days) lets anyone declare the vault "
     "stalled, unlocking every staker."),
)
LIMIT_DEFAULTS = {"capacity": "50000", "min_deposit": "10", "max_round_bps": "2",
                  "max_at_stake_bps": "50", "schedule_delay": "14", "max_settle_delay": "180"}


class LimitsStep(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        self.problem_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setVerticalSpacing(14)
        grid.setHorizontalSpacing(16)
        grid.setColumnStretch(2, 1)
        for row, (key, title, hint) in enumerate(LIMIT_FIELDS):
            edit = QLineEdit(LIMIT_DEFAULTS[key])
            edit.setFixedWidth(140)
            edit.textEdited.connect(lambda _: self.changed.emit())
            self.edits[key] = edit
            problem = _label("", object_name="ProblemsLabel")
            problem.setVisible(False)
            self.problem_labels[key] = problem
            notes = QVBoxLayout()
            notes.setSpacing(2)
            notes.addWidget(_label(hint, "muted"))
            notes.addWidget(problem)
            name = QLabel(title)
            name.setMinimumWidth(210)
            grid.addWidget(name, row, 0, ALIGN_TOP)
            grid.addWidget(edit, row, 1, ALIGN_TOP)
            grid.addLayout(notes, row, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addStretch(1)

    def text(self, key: str) -> str:
        return self.edits[key].text()

    def show_problems(self, problems: list[Problem]) -> None:
        for key, label in self.problem_labels.items():
            mine = [p.reason for p in problems if p.field == key]
            label.setText("\n".join(mine))
            label.setVisible(bool(mine))


class ReviewStep(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = _label("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        notice = candidate_notice()
        self.problems_label = _label("", object_name="ProblemsLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems_label)
        layout.addStretch(1)
        layout.addWidget(notice)


class DoneStep(QWidget):
    first_stake_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = _label("", object_name="EmptyTitle")
        self.address_label = _label("", "mono")
        self.address_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body = _label(CANDIDATE_TEXT, "muted")
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stake_button = QPushButton("Stake the first round")
        self.stake_button.setObjectName("PrimaryButton")
        self.open_button = QPushButton("Open the vault's page")
        self.stake_button.clicked.connect(self.first_stake_requested)
        self.open_button.clicked.connect(self.open_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.stake_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.headline)
        layout.addWidget(self.address_label)
        layout.addSpacing(8)
        layout.addWidget(body)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def show_vault(self, model_name: str, address: str) -> None:
        self.headline.setText(f"The vault of {model_name} is created")
        self.address_label.setText(address)
