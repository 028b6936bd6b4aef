"""The staking form: deposit NMR into a vault with a live preview of what it will cost.

    form = open_stake_form(parent, ctx, vault_address)   # shown; reads start at once
    await form.load_task                                  # tests: the first reads are in
    form.amount_edit.setText("250"); form.commitment_box.setCurrentIndex(1)
    done = await form.stake(on_review=lambda d: d.confirm_button.click())  # DepositDone | None

The preview (tier, effective fees after the commitment discount, unlock date, next-tier hint,
fee chart, scenario table) is `core.fees` on the vault's schedule as read through the lens,
equal to the lens's `preview_deposit` to the wei. Stake runs the exact NMR approval and the
deposit as one reviewed batch (`services.staking.deposit_intents`) through `run_transactions`,
then says which rounds the deposit joins, when it becomes active and from when it may leave.
An account that already holds lots here tops up with a new lot: its older lots that have
joined a round count towards the tier (the vault's rule).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core import fees
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import parse_amount
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.stake_form_parts import (
    FeeChart,
    ScenarioTable,
    commitment_label,
    date_text,
    exit_words,
    nmr,
    pct,
    usd,
)
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.services.staking import DepositDone, StakeSnapshot
    from numerbay_desktop.ui.app_context import AppContext

log = logging.getLogger(__name__)
GAS_DELAY_MS = 350
PREVIEW_ROWS = ("Tier", "Fixed fee", "Profit share", "Unlocks", "Joins", "Network fee")


def _label(text: str = "", role: str | None = None, wrap: bool = False) -> QLabel:
    return cards.label(text, role, wrap=wrap)


class StakeForm(QDialog):
    staked = Signal(object)  # DepositDone

    def __init__(self, ctx: AppContext, vault: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.vault = vault
        self.snap: StakeSnapshot | None = None
        self.quote: fees.FeePreview | None = None
        self.returns_ray: list[int] = []
        self.growths: tuple[int, int, int] | None = None  # weak, median, strong (ray)
        self.per_year = fees.DEFAULT_ROUNDS_PER_YEAR
        self.price: Decimal | None = None
        self.current_round: int | None = None
        self.deposit_done: DepositDone | None = None
        self.load_task: asyncio.Task[None] | None = None
        self._gas_generation = 0
        self._gas_task: asyncio.Task[None] | None = None
        self._closed = False
        self._busy = False
        self.setWindowTitle("Stake NMR")
        self.resize(1060, 700)
        self._build()
        self.gas_timer = QTimer(self)
        self.gas_timer.setSingleShot(True)
        self.gas_timer.setInterval(GAS_DELAY_MS)
        self.gas_timer.timeout.connect(self._start_gas_estimate)
        self.amount_edit.textChanged.connect(self.update_preview)
        self.commitment_box.currentIndexChanged.connect(self.update_preview)
        # another account chosen in the status bar: its balance, lots and tier basis
        ctx.active_account_changed.connect(self._account_changed)

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        palette = current_palette()
        self.title = _label("Stake NMR")
        self.title.setObjectName("SectionTitle")
        self.source_label = _label("Reading the vault…", "faint", wrap=True)
        self.balance_label = _label("", "muted", wrap=True)

        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("Amount in NMR, e.g. 250")
        self.max_button = QPushButton("Max")
        self.max_button.clicked.connect(self.use_max)
        self.usd_label = _label("", "muted")
        self.commitment_box = QComboBox()
        self.topup_label = _label("", "muted", wrap=True)
        self.topup_label.hide()

        card = QFrame()
        card.setObjectName("Card")
        grid = QGridLayout(card)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(7)
        self.values: dict[str, QLabel] = {}
        for row, name in enumerate(PREVIEW_ROWS):
            grid.addWidget(_label(name, "muted"), row, 0, Qt.AlignmentFlag.AlignTop)
            value = _label("—", wrap=True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = value
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(1, 1)

        self.hint_frame = QFrame()
        self.hint_frame.setObjectName("FirstStep")
        hint_box = QHBoxLayout(self.hint_frame)
        hint_box.setContentsMargins(12, 8, 8, 8)
        self.hint_label = _label("", wrap=True)
        self.hint_label.setObjectName("FirstStepText")
        self.hint_button = QPushButton("Use it")
        self.hint_button.clicked.connect(self.use_hint)
        hint_box.addWidget(self.hint_label, 1)
        hint_box.addWidget(self.hint_button)
        self.hint_frame.hide()

        self.problems_label = _label("", wrap=True)
        self.problems_label.setStyleSheet(f"color: {palette.danger};")
        self.problems_label.hide()
        self.exit_label = _label("", "muted", wrap=True)

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.max_button)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.title)
        left.addWidget(self.source_label)
        left.addWidget(self.balance_label)
        left.addSpacing(4)
        left.addWidget(_label("Amount", "muted"))
        left.addLayout(amount_row)
        left.addWidget(self.usd_label)
        left.addWidget(_label("Commitment", "muted"))
        left.addWidget(self.commitment_box)
        left.addWidget(self.topup_label)
        left.addSpacing(4)
        left.addWidget(card)
        left.addWidget(self.hint_frame)
        left.addWidget(self.problems_label)
        left.addWidget(self.exit_label)
        left.addStretch(1)

        self.chart = FeeChart()
        self.chart_note = _label("Larger deposits pay the terms of the highest tier they reach; "
                                 "the green line is your amount.", "faint", wrap=True)
        self.scenario_title = _label("A year from now")
        self.scenario_title.setObjectName("SectionTitle")
        self.scenarios = ScenarioTable()
        self.scenario_note = _label("", "faint", wrap=True)
        right = QVBoxLayout()
        right.setSpacing(6)
        right.addWidget(_label("Fees against the amount", "muted"))
        right.addWidget(self.chart, 1)
        right.addWidget(self.chart_note)
        right.addSpacing(6)
        right.addWidget(self.scenario_title)
        right.addWidget(self.scenarios)
        right.addWidget(self.scenario_note)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(490)
        columns.addWidget(left_widget)
        columns.addLayout(right, 1)

        self.result_label = _label("", wrap=True)
        self.result_label.setObjectName("FirstStepText")
        self.result_frame = QFrame()
        self.result_frame.setObjectName("FirstStep")
        result_box = QVBoxLayout(self.result_frame)
        result_box.setContentsMargins(14, 10, 14, 10)
        result_box.addWidget(self.result_label)
        self.result_frame.hide()

        self.progress = QProgressBar()
        self.progress.setObjectName("BusyBar")
        self.progress.setRange(0, 0)
        self.progress.setFixedWidth(120)
        self.progress.hide()
        self.status_label = _label("", "muted", wrap=True)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.reject)
        self.stake_button = QPushButton("Stake…")
        self.stake_button.setObjectName("PrimaryButton")
        self.stake_button.setEnabled(False)
        self.stake_button.clicked.connect(self._stake_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress)
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.stake_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addLayout(columns, 1)
        layout.addWidget(self.result_frame)
        layout.addLayout(buttons)

    # -- reads -------------------------------------------------------------------------------
    async def load(self) -> None:
        """The vault, the account's balance and lots, the vault's round history, NMR's price."""
        from numerbay_desktop.services.staking import StakingService
        from numerbay_desktop.services.vault_history import VaultHistoryService

        client, _ = self.ctx.require_chain()
        account = self.ctx.require_account()
        self.snap = await StakingService(client).load(self.vault, account.address)
        try:
            history = await VaultHistoryService(client, self.ctx.cache).load(self.vault)
            settled = history.settled
            self.returns_ray = [s.return_ray for s in settled]
            self.per_year = fees.rounds_per_year([s.timestamp for s in settled])
            self.growths = await asyncio.to_thread(fees.yearly_growths, self.returns_ray,
                                                   self.per_year)
        except Exception:  # the preview stands without the scenarios
            log.warning("vault history unavailable for the staking form", exc_info=True)
        if self.ctx.numerai is not None:
            try:
                self.price = await self.ctx.numerai.nmr_price_usd()
                self.current_round = (await self.ctx.numerai.current_round()).number
            except Exception:
                log.info("Numerai price or round unavailable", exc_info=True)
        if not self._closed:
            self._show_snapshot(account.name)

    def _account_changed(self, _name: str) -> None:
        if not self._busy and self.isVisible():
            self.reload()

    def _show_snapshot(self, account_name: str) -> None:
        snap = self.snap
        assert snap is not None
        self.ctx.name_contract(snap.vault, f"Vault of {snap.model_name}")
        held = list(snap.lots)
        self.title.setText(("Add to your stake in " if held else "Stake in ") + snap.model_name)
        self.source_label.setText(
            f"Vault {snap.vault[:8]}…{snap.vault[-6:]}, read at block {snap.block_number}; "
            "fees as VaultLens.preview_deposit computes them.")
        price = f" · NMR {usd(10**18, self.price).strip(' ()')}" if self.price else ""
        self.balance_label.setText(
            f"{html.escape(account_name)} holds {nmr(snap.balance)} · capacity left "
            f"{nmr(snap.room)} · minimum deposit {nmr(snap.min_deposit)}{price}")
        if held:
            total = sum(lot.principal for lot in held)
            self.topup_label.setText(
                f"You already hold {nmr(total)} here in {len(held)} "
                f"{'lot' if len(held) == 1 else 'lots'}. This deposit "
                f"becomes a new lot; {nmr(snap.existing_basis)} of them (lots that have joined "
                "a round) count towards its tier.")
            self.topup_label.show()
        chosen = self.commitment_box.currentIndex()
        self.commitment_box.blockSignals(True)
        self.commitment_box.clear()
        for c in snap.schedule.commitments:
            self.commitment_box.addItem(commitment_label(c.duration, c.discount_bps))
        self.commitment_box.setCurrentIndex(min(max(chosen, 0), self.commitment_box.count() - 1))
        self.commitment_box.blockSignals(False)
        self.update_preview()

    # -- preview -----------------------------------------------------------------------------
    def amount(self) -> int | None:
        text = self.amount_edit.text().strip()
        if not text:
            return 0
        try:
            return parse_amount(text)
        except InvalidInput:
            return None

    def update_preview(self) -> None:
        snap = self.snap
        if snap is None or self._busy or self._closed:
            return
        amount = self.amount()
        commitment_id = max(0, self.commitment_box.currentIndex())
        problems = ["Enter the amount as a number of NMR, for example 250 or 1,000.5."] \
            if amount is None else snap.problems(amount)
        amount = amount or 0
        quote = snap.preview(amount, commitment_id)
        self.quote = quote
        dollars = usd(amount, self.price).strip(" ()")
        self.usd_label.setText(f"≈ {dollars}" if dollars and amount else "")
        v = self.values
        v["Tier"].setText(f"Tier {quote.tier_id + 1} of {len(snap.schedule.tiers)} "
                          f"(from {nmr(snap.schedule.tiers[quote.tier_id].min_stake, 0)})")
        was = f" (was {pct(quote.tier_fixed_bps)})" if quote.discount_bps else ""
        v["Fixed fee"].setText(f"{pct(quote.fixed_bps)} a year{was} ≈ "
                               f"{nmr(quote.fixed_fee_per_year)}"
                               f"{usd(quote.fixed_fee_per_year, self.price)}")
        v["Fixed fee"].setToolTip("Charged on your lot's value while it is in the vault, "
                                  "after the commitment discount (rounded up, as the vault does).")
        pwas = f" (was {pct(quote.tier_profit_bps)})" if quote.discount_bps else ""
        v["Profit share"].setText(f"{pct(quote.profit_bps)} of gains{pwas}")
        v["Profit share"].setToolTip("Taken only from gains above your lot's high-water mark: "
                                     "after a loss, nothing until it is recovered.")
        v["Unlocks"].setText("at once (no lock-in)" if quote.duration == 0 else
                             f"{date_text(quote.unlock_time)} (locked "
                             f"{quote.duration // 86_400} days)")
        round_hint = f" · Numerai round {self.current_round} now" if self.current_round else ""
        v["Joins"].setText(f"the vault's next stake (#{quote.first_sequence}){round_hint}")
        self._show_hint(quote.next_tier if self.deposit_done is None else None)
        # an empty amount is not an error yet; everything else is said at once
        shown = [p for p in problems if amount or not p.startswith("Enter how much")]
        self.problems_label.setText("\n".join(shown))
        self.problems_label.setVisible(bool(shown))
        self.exit_label.setText(exit_words(quote.unlock_time, snap.chain_time))
        self.chart.show_steps(fees.fee_curve(snap.schedule, commitment_id, snap.existing_basis),
                              amount)
        rows = fees.scenarios_for(amount, quote.fixed_bps, quote.profit_bps, self.growths)
        self.scenarios.show_rows(rows, self.price)
        self.scenario_note.setText(
            f"Weak and strong are the 10% tails, drawn from this vault's {len(self.returns_ray)} "
            f"settled rounds (about {self.per_year} a year), after both fees. Holding keeps your "
            "NMR as it is. Past rounds do not promise future ones."
            if rows else "No settled rounds yet: nothing to draw a year from.")
        self.stake_button.setEnabled(not problems and amount > 0)
        v["Network fee"].setText("…" if not problems and amount > 0 else "—")
        self._gas_generation += 1
        if not problems and amount > 0:
            self.gas_timer.start()

    def _show_hint(self, hint: fees.NextTierHint | None) -> None:
        if hint is None or not hint.reachable:
            self.hint_frame.hide()
            return
        extra = (f" (fixed fee {pct(hint.fixed_bps)}, profit share {pct(hint.profit_bps)})")
        self.hint_label.setText(
            f"Add {nmr(hint.add)} to reach tier {hint.tier_id + 1} and save "
            f"{nmr(hint.yearly_saving)} a year{extra}.")
        self.hint_frame.show()

    def use_hint(self) -> None:
        if self.quote is not None and self.quote.next_tier is not None:
            total = self.quote.amount + self.quote.next_tier.add
            self.amount_edit.setText(nmr(total, 18).removesuffix(" NMR").rstrip("0").rstrip("."))

    def use_max(self) -> None:
        if self.snap is not None:
            self.amount_edit.setText(
                nmr(self.snap.max_amount, 18).removesuffix(" NMR").rstrip("0").rstrip("."))

    # -- gas ---------------------------------------------------------------------------------
    def _start_gas_estimate(self) -> None:
        from numerbay_desktop.ui.tasks import BackgroundOp

        if self._closed:
            return
        self._gas_task = BackgroundOp[None](
            self, self.estimate_gas, "Estimating the network fee").failure(self._gas_failed).run()

    async def estimate_gas(self) -> None:
        from numerbay_desktop.core.units import format_eth
        from numerbay_desktop.services.staking import deposit_intents, estimate_cost

        generation, snap, quote = self._gas_generation, self.snap, self.quote
        if snap is None or quote is None or quote.amount <= 0:
            return
        _, pipeline = self.ctx.require_chain()
        intents = deposit_intents(snap, quote.amount, quote.commitment_id, quote)
        cost = await estimate_cost(pipeline, snap.account, intents)
        if generation == self._gas_generation and not self._closed:
            steps = "approval + deposit" if len(intents) > 1 else "deposit"
            self.values["Network fee"].setText(
                f"≈ {format_eth(cost.expected_wei, 6)} · {steps}")
            self.values["Network fee"].setToolTip(
                f"{cost.gas:,} gas simulated; at most {format_eth(cost.max_wei, 6)} at the "
                "market preset's max fee.")

    def _gas_failed(self, error: BaseException) -> None:
        if not self._closed:
            self.values["Network fee"].setText(f"not estimated: {error}")

    def done(self, result: int) -> None:
        """Closing stops the pending estimate (nothing touches the widgets once gone)."""
        self._closed = True
        self.gas_timer.stop()
        if self._gas_task is not None and not self._gas_task.done():
            self._gas_task.cancel()
        super().done(result)

    # -- staking -----------------------------------------------------------------------------
    def _stake_clicked(self) -> None:
        from numerbay_desktop.ui.tasks import BackgroundOp

        BackgroundOp[Any](self, self.stake, "Staking").failure(self._stake_failed).run()

    def _stake_failed(self, error: BaseException) -> None:
        self._set_busy(False, f"The deposit did not go through: {error}")

    def _set_busy(self, busy: bool, status: str) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.status_label.setText(status)
        for widget in (self.stake_button, self.amount_edit, self.commitment_box, self.max_button):
            widget.setEnabled(not busy)
        if not busy:
            self.update_preview()

    async def stake(
        self, *, on_review: Callable[[Any], object] | None = None
    ) -> DepositDone | None:
        """Approve exactly the amount (if needed) and deposit, through the review dialog."""
        from numerbay_desktop.services.staking import (
            StakingService,
            deposit_from_receipts,
            deposit_intents,
        )
        from numerbay_desktop.ui.tx_runner import run_transactions

        amount, commitment_id = self.amount(), max(0, self.commitment_box.currentIndex())
        client, _ = self.ctx.require_chain()
        account = self.ctx.require_account()
        self._set_busy(True, "Checking the vault…")
        snap = await StakingService(client).load(self.vault, account.address)
        self.snap = snap
        problems = ["Enter a valid amount."] if amount is None else snap.problems(amount)
        if problems or amount is None:
            self._set_busy(False, problems[0])
            return None
        quote = snap.preview(amount, commitment_id)
        intents = deposit_intents(snap, amount, commitment_id, quote)
        self.status_label.setText("Review the transactions…")
        outcome = await run_transactions(
            self, self.ctx, intents, what=f"Deposit {nmr(amount, 4)} into {snap.model_name}",
            account=account, on_review=on_review)
        if outcome is None or outcome.exported is not None:
            self._set_busy(False, "Nothing was sent." if outcome is None else
                           "Exported for offline signing: the deposit happens once it is "
                           "signed and broadcast.")
            return None
        done = deposit_from_receipts(outcome.receipts, snap.vault)
        self.deposit_done = done
        self._set_busy(False, "Deposit confirmed.")
        if done is not None:
            self._show_result(done, quote)
            self.staked.emit(done)
            self.ctx.notice.emit(f"Deposited {nmr(done.assets, 4)} into {snap.model_name} "
                                 f"(lot {done.lot_id}).")
        self.reload()
        return done

    def reload(self) -> None:
        from numerbay_desktop.ui.tasks import BackgroundOp

        def failed(error: BaseException) -> None:
            self.source_label.setText(f"Could not read the vault: {error}")

        op = BackgroundOp[None](self, self.load, "Reading the vault").failure(failed)
        self.load_task = op.run()

    def _show_result(self, done: DepositDone, quote: fees.FeePreview) -> None:
        unlock = ("no lock-in" if quote.duration == 0
                  else f"locked until {date_text(done.unlock_time)}")
        self.result_label.setText(
            f"Deposited {nmr(done.assets)} as lot {done.lot_id} at {pct(done.fixed_bps)} a "
            f"year and {pct(done.profit_bps)} profit share ({unlock}). It joins the rounds the "
            f"vault stakes from now on, starting with its stake #{done.entry_seq + 1}; until "
            "then you may cancel it and get every NMR back. It becomes active once that first "
            "round resolves and is settled (Numerai rounds take about 1–3 months). You may ask "
            "to leave once it is active and unlocked; it then waits for the rounds it is in.")
        self.result_frame.show()
        self.exit_label.hide()  # the result says when it may leave; room for the preview
        self.close_button.setText("Close")
        self.stake_button.setText("Stake more…")


def open_stake_form(parent: QWidget | None, ctx: AppContext, vault_address: str) -> StakeForm:
    """Show the staking form for `vault_address` and start reading (`form.load_task`)."""
    # Not deleted on close: the review dialog of a watch-only batch is the form's child, and
    # what it exported lives on in the offline signing page (deleting it crashed at teardown).
    form = StakeForm(ctx, vault_address, parent)
    form.show()
    form.reload()
    return form
