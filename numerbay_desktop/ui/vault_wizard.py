"""The create-vault wizard: the model, the fee ladder, the commitment options, the limits,
the review of the factory call, and the way to the first round stake.

    wizard = VaultWizard(ctx, parent)
    wizard.created.connect(page.select_vault)            # the new vault's address
    wizard.first_stake_requested.connect(page.show_round_work)
    wizard.show()
    address = await wizard.create_vault(on_review=...)         # tests; the button does the same

Every value is checked against the factory's bounds as it is typed (services/vault_admin.py):
Next stays enabled, but a step with a refused value says why and does not move on.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import (
    DAY,
    NMR,
    Problem,
    VaultParams,
    create_vault_intent,
    days_to_seconds,
    nmr_to_wei,
    params_problems,
    percent_to_bps,
)
from numerbay_desktop.ui.fee_ladder_editor import FeeLadderEditor, format_nmr, format_pct
from numerbay_desktop.ui.owner_commitments import CommitmentEditor, commitment_text
from numerbay_desktop.ui.owner_terms_table import owner_css
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.ui.vault_wizard_steps import (
    DoneStep,
    LimitsStep,
    ModelStep,
    ReviewStep,
    load_owner_models,
)

if TYPE_CHECKING:
    from numerbay_desktop.ui.app_context import AppContext

log = logging.getLogger(__name__)

STEPS = ("Model", "Fee ladder", "Commitments", "Limits", "Review", "Done")
STEP_HINTS = (
    "Which of your Numerai models the vault stakes on.",
    "What stakers pay, by the size of their stake. Larger stakes usually pay less.",
    "How long stakers may lock their deposit in, and the fee discount for it.",
    "How much the vault takes in and how much it may put at stake.",
    "Check the vault's terms; creating it is one transaction to the factory.",
    "",
)
DEFAULT_TIERS = (TierTerms(0, 200, 2_000), TierTerms(1_000 * NMR, 150, 1_500))
DEFAULT_COMMITMENTS = (CommitmentOption(0, 0), CommitmentOption(90 * DAY, 2_000))
LIMIT_PARSERS: dict[str, Callable[[str, str], int]] = {
    "capacity": nmr_to_wei, "min_deposit": nmr_to_wei, "max_round_bps": percent_to_bps,
    "max_at_stake_bps": percent_to_bps, "schedule_delay": days_to_seconds,
    "max_settle_delay": days_to_seconds,
}
MODEL, LADDER, COMMITMENTS, LIMITS, REVIEW, DONE = range(6)


class VaultWizard(QDialog):
    created = Signal(str)  # the new vault's address
    first_stake_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Create a vault")
        self.setStyleSheet(owner_css())
        self.resize(960, 660)
        self.address: str | None = None
        self.models_task: asyncio.Task[None] | None = None
        self._busy = False

        self.model_step = ModelStep()
        self.ladder = FeeLadderEditor()
        self.ladder.set_tiers(DEFAULT_TIERS)
        self.commitments = CommitmentEditor()
        self.commitments.set_commitments(DEFAULT_COMMITMENTS)
        self.limits = LimitsStep()
        self.review = ReviewStep()
        self.done_step = DoneStep()
        self.stack = QStackedWidget()
        for widget in (self.model_step, self.ladder, self.commitments, self.limits,
                       self.review, self.done_step):
            self.stack.addWidget(widget)

        self.step_labels = [QLabel(f"{i + 1}  {name}") for i, name in enumerate(STEPS)]
        steps = QFrame()
        steps.setObjectName("Card")
        steps.setFixedWidth(190)
        steps_box = QVBoxLayout(steps)
        steps_box.setContentsMargins(18, 18, 18, 18)
        steps_box.setSpacing(12)
        for label in self.step_labels:
            steps_box.addWidget(label)
        steps_box.addStretch(1)

        self.title = QLabel()
        self.title.setObjectName("SectionTitle")
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.back_button = QPushButton("Back")
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("PrimaryButton")
        self.create_button = QPushButton("Create vault…")
        self.create_button.setObjectName("PrimaryButton")
        self.close_button = QPushButton("Cancel")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.go_next)
        self.create_button.clicked.connect(self._create_clicked)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.create_button)

        right = QVBoxLayout()
        right.setSpacing(6)
        right.addWidget(self.title)
        right.addWidget(self.hint)
        right.addSpacing(8)
        right.addWidget(self.stack, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 16)
        layout.setSpacing(20)
        layout.addWidget(steps)
        layout.addLayout(right, 1)

        self.model_step.load_button.clicked.connect(self.load_models)
        self.done_step.first_stake_requested.connect(self._first_stake)
        self.done_step.open_requested.connect(self._open_vault)
        for editor in (self.model_step, self.ladder, self.commitments, self.limits):
            editor.changed.connect(self._refresh_problems)
        self.go_to(MODEL)

    # -- navigation -------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def go_to(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        self.title.setText(STEPS[step] if step != DONE else "")
        self.hint.setText(STEP_HINTS[step])
        self.hint.setVisible(bool(STEP_HINTS[step]))
        palette = current_palette()
        for i, (label, name) in enumerate(zip(self.step_labels, STEPS, strict=True)):
            done = i < step
            label.setText(f"{'✓' if done else i + 1}  {name}")
            colour = palette.accent if i == step else (palette.text if done
                                                       else palette.text_faint)
            weight = 700 if i == step else 400
            label.setStyleSheet(f"color: {colour}; font-weight: {weight};")
        self.back_button.setVisible(MODEL < step < DONE)
        self.next_button.setVisible(step < REVIEW)
        self.create_button.setVisible(step == REVIEW)
        self.close_button.setText("Close" if step == DONE else "Cancel")
        self.status.clear()
        if step == REVIEW:
            self._fill_review()
        self._refresh_problems()

    def back(self) -> None:
        if MODEL < self.step < DONE:
            self.go_to(self.step - 1)

    def go_next(self) -> bool:
        """Move on when this step's values are accepted; else say why and stay."""
        if self.step == MODEL and not self.model_step.id_edit.text().strip():
            self._find_model_id()
            return False
        mine = self.step_problems(self.step)
        if mine:
            self.status.setText(f"Fix {len(mine)} value(s) first: {mine[0].reason}")
            return False
        self.go_to(self.step + 1)
        return True

    # -- values and problems ----------------------------------------------------------------
    def _limit_values(self) -> tuple[dict[str, int], list[Problem]]:
        values: dict[str, int] = {}
        bad: list[Problem] = []
        titles = {k: t for k, t, _ in self.limits_fields()}
        for key, parse in LIMIT_PARSERS.items():
            try:
                values[key] = parse(self.limits.text(key), titles[key])
            except InvalidInput as error:
                bad.append(Problem(key, str(error)))
                values[key] = -1
        return values, bad

    @staticmethod
    def limits_fields() -> tuple[tuple[str, str, str], ...]:
        from numerbay_desktop.ui.vault_wizard_steps import LIMIT_FIELDS

        return LIMIT_FIELDS

    def params(self) -> VaultParams | None:
        """The factory call's arguments, or None while any value is refused."""
        tiers, commitments = self.ladder.tiers(), self.commitments.commitments()
        values, bad = self._limit_values()
        if tiers is None or commitments is None or bad:
            return None
        params = self._params(tiers, commitments, values)
        return None if params_problems(params) else params

    def _params(self, tiers: list[TierTerms], commitments: list[CommitmentOption],
                values: dict[str, int]) -> VaultParams:
        return VaultParams(
            model_name=self.model_step.name_edit.text().strip(),
            numerai_model_id=self.model_step.id_edit.text().strip(),
            tiers=tuple(tiers), commitments=tuple(commitments), **values)

    def problems(self) -> list[Problem]:
        """Every refused value of every step, with its reason."""
        values, bad = self._limit_values()
        found = self.ladder.problems() + self.commitments.problems() + bad
        params = self._params(self.ladder.tiers() or [TierTerms(0, 0, 0)],
                              self.commitments.commitments() or [CommitmentOption(0, 0)],
                              values)
        own = [p for p in params_problems(params)
               if p.field not in {b.field for b in bad}
               and p.field not in ("tiers", "min_stake", "fixed_fee_bps", "profit_share_bps",
                                   "commitments", "duration", "discount_bps")]
        return found + own

    def step_problems(self, step: int) -> list[Problem]:
        if step == LADDER:
            return self.ladder.problems()
        if step == COMMITMENTS:
            return self.commitments.problems()
        fields = {MODEL: ("model_name", "model_id"),
                  LIMITS: tuple(LIMIT_PARSERS)}.get(step)
        if fields is None:
            return self.problems() if step == REVIEW else []
        return [p for p in self.problems() if p.field in fields]

    def _refresh_problems(self) -> None:
        problems = self.problems()
        self.model_step.show_problems(problems if self.model_step.name_edit.text() else [])
        self.limits.show_problems(problems)
        if self.step == REVIEW:
            self.review.problems_label.setText("\n".join(f"• {p.reason}" for p in problems))
            self.create_button.setEnabled(not problems and not self._busy)

    def _fill_review(self) -> None:
        params = self.params()
        if params is None:
            self.review.summary.setText("Some values are refused; go back and fix them.")
            return
        e = html.escape
        tiers = "".join(
            f"<tr><td>from {e(format_nmr(t.min_stake))} NMR</td>"
            f"<td>&nbsp;&nbsp;{e(format_pct(t.fixed_fee_bps))} % a year</td>"
            f"<td>&nbsp;&nbsp;{e(format_pct(t.profit_share_bps))} % of profit</td></tr>"
            for t in params.tiers)
        commitments = " · ".join(commitment_text(c) for c in params.commitments)
        self.review.summary.setText(
            f"<b>Model</b> {e(params.model_name)} <span style='color:gray'>"
            f"({e(params.numerai_model_id)})</span><br><br>"
            f"<b>Fee ladder</b><table>{tiers}</table><br>"
            f"<b>Commitments</b> {e(commitments)}<br><br>"
            f"<b>Capacity</b> {e(format_nmr(params.capacity))} NMR · <b>minimum deposit</b> "
            f"{e(format_nmr(params.min_deposit))} NMR<br>"
            f"<b>Round stake</b> at most {e(format_pct(params.max_round_bps))} % of assets · "
            f"<b>at stake</b> at most {e(format_pct(params.max_at_stake_bps))} %<br>"
            f"<b>Notice before fee changes</b> {params.schedule_delay // DAY} days · "
            f"<b>settlement deadline</b> {params.max_settle_delay // DAY} days")

    # -- the model --------------------------------------------------------------------------
    def load_models(self) -> asyncio.Task[None]:
        """Ask Numerai for the owner's models in the background (`models_task`)."""
        from numerbay_desktop.ui.tasks import BackgroundOp

        self.model_step.source_label.setText("Asking Numerai for your models…")
        self.models_task = BackgroundOp(self, self.fetch_models, "Loading your models").failure(
            lambda error: self.model_step.source_label.setText(str(error))).run()
        return self.models_task

    async def fetch_models(self) -> None:
        models, source = await load_owner_models(self.ctx)
        if not shiboken6.isValid(self):
            return  # closed meanwhile
        self.model_step.set_models(models, source)

    def _find_model_id(self) -> None:
        from numerbay_desktop.ui.tasks import BackgroundOp

        name = self.model_step.name_edit.text().strip()
        if not name:
            self.status.setText("Pick or type your model's name first.")
            return
        self.status.setText(f"Looking up {name} on Numerai…")
        BackgroundOp(self, lambda: self.lookup_model_id(name), "Looking up the model").success(
            self._found).failure(lambda error: self.status.setText(str(error))).run()

    def _found(self, found: bool) -> None:
        if found and self.step == MODEL:
            self.go_next()  # the id was the only thing missing

    async def lookup_model_id(self, name: str) -> bool:
        """Fill the model id from Numerai's public profile of `name`; True when found."""
        profiles = await self.ctx.require_numerai().model_profiles([name])
        profile = profiles.get(name.lower())
        if profile is None:
            self.status.setText(f"Numerai has no model named {name}: check the spelling, or "
                                "paste its id.")
            return False
        self.model_step.id_edit.setText(profile.id)
        self.status.clear()
        self._refresh_problems()
        return True

    # -- creating ---------------------------------------------------------------------------
    def _create_clicked(self) -> None:
        from numerbay_desktop.ui.tasks import BackgroundOp

        BackgroundOp(self, self.create_vault, "Creating the vault").run()

    async def create_vault(
        self, *, on_review: Callable[[Any], object] | None = None
    ) -> str | None:
        """Review and send the factory call; the new vault's address, or None (cancelled)."""
        from numerbay_desktop.ui.tx_runner import run_transactions

        params = self.params()
        factory = self.ctx.network.factory if self.ctx.network is not None else None
        if params is None or factory is None:
            raise InvalidInput("The vault's terms are not complete, or no factory is known.")
        self._busy = True
        self.create_button.setEnabled(False)
        try:
            outcome = await run_transactions(
                self, self.ctx, [create_vault_intent(factory, params)],
                what=f"Create the vault of {params.model_name}", on_review=on_review)
        finally:
            self._busy = False
            self._refresh_problems()
        if outcome is None or outcome.exported is not None:
            return None
        address = vault_from_receipts(outcome.receipts, factory)
        if address is None:
            raise InvalidInput("The factory's receipt names no new vault.")
        self.address = address
        self.ctx.name_contract(address, f"Vault of {params.model_name}")
        self.done_step.show_vault(params.model_name, address)
        self.go_to(DONE)
        self.created.emit(address)
        return address

    def _first_stake(self) -> None:
        if self.address is not None:
            self.first_stake_requested.emit(self.address)
        self.accept()

    def _open_vault(self) -> None:
        if self.address is not None:
            self.ctx.vault_opened.emit(self.address)
        self.accept()


def vault_from_receipts(receipts: list[Any], factory: str) -> str | None:
    """The address in the factory's VaultCreated event (its first indexed topic)."""
    from eth_utils.address import to_checksum_address

    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.events import event_topic

    entry = next(e for e in ContractAbi.load("VaultFactory").events
                 if e["name"] == "VaultCreated")
    topic = "0x" + event_topic(entry).hex()
    for receipt in receipts:
        for log_entry in receipt.logs:
            topics = [str(t) if str(t).startswith("0x") else "0x" + str(t)
                      for t in log_entry.get("topics", [])]
            if (str(log_entry.get("address", "")).lower() == factory.lower() and topics
                    and topics[0].lower() == topic.lower()):
                return str(to_checksum_address("0x" + topics[1][-40:]))
    return None
