"""The review dialog every transaction passes through before anything is signed.

Pages never sign a `Prepared` they built themselves: they hand it (or the `Draft`) to
`review_transactions`, and sign only what comes back in the accepted `ReviewDecision`::

    decision = await review_transactions(self, pipeline, draft, can_sign=record.can_sign,
                                         account=record.name)
    if decision is None:
        return                                    # cancelled, or the simulation reverted
    if decision.action == "sign":
        key = session_keys.key(record.name)       # ui/unlock.py; unlock first if needed
        sent = await pipeline.sign_and_send(decision.prepared, KeySigner(key))
    else:                                         # watch-only: offline signing page
        request = export_request(decision.prepared, registry)

The dialog shows each call decoded (contract name and address, the function in plain words,
arguments in human units), the fee presets plus advanced fields, the maximum cost, the
simulation's result and the risk findings coloured by severity. It does not sign: it
re-prices through the pipeline (`with_fee`, no new simulation) and returns the user's choice.
Confirming needs a successful simulation, valid fields, and, when a finding is DANGER, the
"I understand" box ticked.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.chain.fees import FeeChoice, custom_fee
from numerbay_desktop.chain.txflow import Draft, Prepared, TxPipeline, TxWouldRevert
from numerbay_desktop.chain.txreview import SimulationResult, TxReview, build_review
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.risk import Severity, short_address
from numerbay_desktop.ui.review_widgets import (
    CallCard,
    FeeChooser,
    FindingsList,
    eth_up,
    review_stylesheet,
)
from numerbay_desktop.ui.theme import current_palette

Action = Literal["sign", "export"]
# (prepared, preset name or custom fee or None to keep, gas limits or None to keep) -> re-priced
Repricer = Callable[[Prepared, "str | FeeChoice | None", "Sequence[int] | None"], Prepared]
_METHODS = {"eth_simulateV1": "eth_simulateV1", "eth_call": "eth_call",
            "state_override": QT_TRANSLATE_NOOP("ReviewDialog",
                                                "eth_call with the approval applied")}


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """What the user accepted: the only way a page gets a `Prepared` to sign or export."""

    action: Action
    prepared: Prepared
    acknowledged: tuple[str, ...] = ()  # codes of the DANGER findings the user accepted

    @property
    def fee(self) -> FeeChoice:
        return self.prepared.draft.fee

    @property
    def gas_limits(self) -> tuple[int, ...]:
        return tuple(tx.gas for tx in self.prepared.transactions)


def pipeline_repricer(pipeline: TxPipeline) -> Repricer:
    def reprice(prepared: Prepared, fee: str | FeeChoice | None,
                gas_limits: Sequence[int] | None) -> Prepared:
        return pipeline.with_fee(prepared, fee, gas_limits=gas_limits)
    return reprice


class ReviewDialog(QDialog):
    """Review of one batch. `decision()` is None until the user confirms."""

    def __init__(
        self,
        prepared: Prepared | None,
        *,
        reprice: Repricer | None = None,
        can_sign: bool = True,
        account: str = "",
        revert: TxWouldRevert | None = None,
        review: TxReview | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if prepared is None and (revert is None or review is None):
            raise ValueError("a review needs a Prepared, or a revert and its decoded review")
        self.setObjectName("ReviewDialog")
        self.setWindowTitle(self.tr("Review transaction"))
        self.setModal(True)
        self.setStyleSheet(review_stylesheet(current_palette()))
        self._prepared = prepared
        self._reprice = reprice
        self._revert = revert
        self._decision: ReviewDecision | None = None
        self._fee_problem: str | None = None
        self._danger_codes: tuple[str, ...] = ()
        self.action: Action = "sign" if can_sign else "export"
        shown = prepared.review if prepared is not None else review
        assert shown is not None
        self.review: TxReview = shown
        self._build(account)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter in a fee field must never confirm or cancel
        self._refresh()
        self._fit()

    @classmethod
    def for_revert(cls, pipeline: TxPipeline, draft: Draft, error: TxWouldRevert, *,
                   account: str = "", parent: QWidget | None = None) -> ReviewDialog:
        """A batch that fails in simulation: its calls decoded, the reason, no way to confirm."""
        count = len(draft.intents)
        simulation = SimulationResult("eth_call", (0,) * count, (0,) * count, (b"",) * count)
        review = build_review(
            network=pipeline.network, sender=draft.sender,
            calls=[(draft.first_nonce + i, t.to, t.data, t.value)
                   for i, t in enumerate(draft.intents)],
            fee=draft.fee, presets=draft.presets, simulation=simulation, names=pipeline.names,
            known_addresses=[draft.sender, *pipeline.known_addresses],
            trusted_contracts=pipeline.trusted_contracts, chain_id=draft.chain_id,
        )
        return cls(None, revert=error, review=review, account=account, parent=parent)

    # ----------------------------------------------------------------- the decision

    def decision(self) -> ReviewDecision | None:
        """The accepted choice, or None (cancelled, not yet confirmed, or not confirmable)."""
        return self._decision

    @property
    def prepared(self) -> Prepared | None:
        """The batch as currently priced (shown, not yet accepted)."""
        return self._prepared

    def can_confirm(self) -> bool:
        return self.confirm_button.isEnabled()

    # ----------------------------------------------------------------- layout

    def _fit(self) -> None:
        """As tall as the content (the fee section in view), within the screen."""
        wanted = self.body.sizeHint().height() + self.footer.sizeHint().height() + 8
        screen = (self.parentWidget() or self).screen()
        room = screen.availableGeometry().height() * 9 // 10 if screen is not None else 900
        self.resize(680, max(480, min(wanted, room)))

    def _build(self, account: str) -> None:
        review = self.review
        assert review is not None
        count = len(review.calls)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = self.body = QWidget()
        body.setObjectName("PageRoot")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        title = QLabel(self.tr("Review transaction") if count == 1
                       else self.tr("Review {0} transactions").format(count))
        title.setObjectName("PageTitle")
        who = f"{account} · {short_address(review.sender)}" if account else review.sender
        subtitle = QLabel(self.tr("From {0} on {1} (chain {2})").format(
            who, review.network_name, review.chain_id))
        subtitle.setObjectName("PageSubtitle")
        subtitle.setToolTip(review.sender)
        subtitle.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(subtitle)

        self.cards = [CallCard(call, count, show_gas=self._revert is None)
                      for call in review.calls]
        for card in self.cards:
            layout.addWidget(card)

        self.simulation_label = QLabel()
        self.simulation_label.setWordWrap(True)
        self.simulation_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._section(self.tr("Simulation")))
        layout.addWidget(self.simulation_label)

        self.findings_title = self._section(self.tr("Risks"))
        self.findings = FindingsList()
        layout.addWidget(self.findings_title)
        layout.addWidget(self.findings)

        self.fees: FeeChooser | None = None
        self.fee_error = QLabel()
        self.fee_error.setObjectName("FieldError")
        self.fee_error.setWordWrap(True)
        self.fee_error.hide()
        self.fee_note = QLabel()
        self.fee_note.setObjectName("FieldNote")
        self.fee_note.setWordWrap(True)
        self.fee_note.hide()
        if self._revert is None:
            layout.addWidget(self._section(self.tr("Network fee")))
            self.fees = FeeChooser(review.presets, review.simulation.gas_used,
                                   review.simulation.gas_limits, [c.value for c in review.calls])
            self.fees.setEnabled(self._reprice is not None)  # no pipeline: the fee is fixed
            self.fees.preset_chosen.connect(self._choose_preset)
            self.fees.custom_changed.connect(self._custom_changed)
            layout.addWidget(self.fees)
            layout.addWidget(self.fee_error)
            layout.addWidget(self.fee_note)
        layout.addStretch(1)
        self.footer = self._footer()
        outer.addWidget(self.footer)

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("SectionTitle")
        return label

    def _footer(self) -> QFrame:
        footer = QFrame()
        footer.setObjectName("ReviewFooter")
        layout = QVBoxLayout(footer)
        layout.setContentsMargins(24, 12, 24, 14)
        layout.setSpacing(10)
        self.acknowledge = QCheckBox(
            self.tr("I understand the dangers listed above and still want to go ahead."))
        self.acknowledge.setObjectName("Acknowledge")
        self.acknowledge.toggled.connect(lambda _checked: self._update_confirm())
        layout.addWidget(self.acknowledge)

        row = QHBoxLayout()
        self.cost_box = QWidget()
        costs = QVBoxLayout(self.cost_box)
        costs.setContentsMargins(0, 0, 0, 0)
        costs.setSpacing(0)
        caption = QLabel(self.tr("Maximum cost (gas limit × max fee + value)"))
        caption.setObjectName("MaxCostCaption")
        self.max_cost_label = QLabel()
        self.max_cost_label.setObjectName("MaxCost")
        costs.addWidget(caption)
        costs.addWidget(self.max_cost_label)
        row.addWidget(self.cost_box)
        row.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        label = (self.tr("Sign and send") if self.action == "sign"
                 else self.tr("Export for offline signing"))
        self.confirm_button = QPushButton(label)
        self.confirm_button.setObjectName("PrimaryButton")
        self.confirm_button.clicked.connect(self._confirm)
        row.addWidget(self.cancel_button)
        row.addWidget(self.confirm_button)
        layout.addLayout(row)
        return footer

    # ----------------------------------------------------------------- state

    def _refresh(self) -> None:
        """Show the current review: simulation, findings, fee, maximum cost."""
        review = self._prepared.review if self._prepared is not None else self.review
        assert review is not None
        self.review = review
        if self._revert is not None:
            which = (self.tr("it fails") if len(review.calls) == 1
                     else self.tr("transaction {0} fails").format(self._revert.index + 1))
            reason = self._revert.reason or self.tr("no reason given")
            self.simulation_label.setObjectName("SimulationFailed")
            self.simulation_label.setText(
                self.tr("<b>✕ Simulated: {0}</b> with “{1}”.<br>Nothing can be signed: change "
                        "the amount or the action and try again.").format(
                    which, html.escape(reason)))
        else:
            method = self.tr(_METHODS.get(review.simulation.method, review.simulation.method))
            used = sum(review.simulation.gas_used)
            self.simulation_label.setObjectName("SimulationOk")
            self.simulation_label.setText(
                self.tr("✓ Simulated: succeeds ({0}, {1} gas used).").format(method, f"{used:,}"))
        self.simulation_label.style().unpolish(self.simulation_label)
        self.simulation_label.style().polish(self.simulation_label)

        findings = review.findings
        self.findings.show_findings(findings, len(review.calls))
        self.findings_title.setVisible(bool(findings))
        danger = tuple(sorted({f.code for _, f in findings if f.severity is Severity.DANGER}))
        if danger != self._danger_codes:
            self.acknowledge.setChecked(False)
            self._danger_codes = danger
        self.acknowledge.setVisible(bool(danger) and self._revert is None)

        self.cost_box.setVisible(self._revert is None)
        if self._revert is None:
            self.max_cost_label.setText(eth_up(review.max_cost))
            self.max_cost_label.setToolTip(
                self.tr("{0}: {1}. The network usually charges less; this is the most it can "
                        "take.").format(review.max_cost_display, review.fee_display))
        if self.fees is not None:
            self.fees.show_fee(review.fee, review.simulation.gas_limits)
            name, _, rest = review.fee_display.partition(": ")
            self.fees.summary.setText(self.tr("In use: {0} fee, {1}.").format(name, rest))
            for card, call in zip(self.cards, review.calls, strict=True):
                card.show_gas(call)
        self._update_confirm()

    def _update_confirm(self) -> None:
        ok = (self._revert is None and self._prepared is not None and self._fee_problem is None
              and (not self._danger_codes or self.acknowledge.isChecked()))
        self.confirm_button.setEnabled(ok)

    def _apply(self, fee: str | FeeChoice | None, gas_limits: Sequence[int] | None) -> None:
        if self._prepared is None or self._reprice is None:
            return
        try:
            self._prepared = self._reprice(self._prepared, fee, gas_limits)
        except InvalidInput as error:
            self._set_fee_problem(str(error))
            return
        self._set_fee_problem(None)
        self._refresh()

    def _set_fee_problem(self, problem: str | None) -> None:
        self.fee_note.hide()
        self._fee_problem = problem
        self.fee_error.setText(problem or "")
        self.fee_error.setVisible(bool(problem) and problem != _FIELDS_INVALID)
        self._update_confirm()

    def _choose_preset(self, name: str) -> None:
        """A preset the pipeline refuses (a replacement must outbid the original by 12.5%)
        leaves the fee in force, and says why."""
        assert self.fees is not None and self._prepared is not None
        if self._reprice is None:
            return
        try:
            self._prepared = self._reprice(self._prepared, name, self.fees.valid_gas_limits())
        except InvalidInput as error:
            self._refresh()
            self.fee_note.setText(
                self.tr("{0} The {1} fee stays.").format(error, self.review.fee.name))
            self.fee_note.show()
            return
        self._set_fee_problem(None)
        self._refresh()

    def _custom_changed(self) -> None:
        assert self.fees is not None
        values = self.fees.read_advanced()
        if values is None:
            self._set_fee_problem(_FIELDS_INVALID)
            return
        self._apply(custom_fee(values.max_fee, values.priority_fee), values.gas_limits)

    def _confirm(self) -> None:
        self._update_confirm()
        if not self.confirm_button.isEnabled() or self._prepared is None:
            return
        self._decision = ReviewDecision(self.action, self._prepared, self._danger_codes)
        self.accept()


_FIELDS_INVALID = "Correct the highlighted fields."


async def show_dialog(dialog: QDialog) -> int:
    """Open `dialog` window-modally and wait for its result without a nested event loop
    (`exec()` would spin one under the running qasync loop)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done
    finally:
        dialog.finished.disconnect(finished)


async def review_transactions(
    parent: QWidget | None,
    pipeline: TxPipeline,
    batch: Draft | Prepared,
    *,
    can_sign: bool,
    account: str = "",
    on_dialog: Callable[[ReviewDialog], object] | None = None,
) -> ReviewDecision | None:
    """Simulate (a Draft), show the review and return what the user accepted, or None.

    A batch that reverts in simulation is shown with its reason and cannot be confirmed.
    `on_dialog` sees the dialog once it is open (tests and the tour use it)."""
    if isinstance(batch, Draft):
        try:
            prepared = await pipeline.simulate(batch)
        except TxWouldRevert as error:
            failed = ReviewDialog.for_revert(pipeline, batch, error, account=account,
                                             parent=parent)
            await _run(failed, on_dialog)
            return None
    else:
        prepared = batch
    dialog = ReviewDialog(prepared, reprice=pipeline_repricer(pipeline), can_sign=can_sign,
                          account=account, parent=parent)
    await _run(dialog, on_dialog)
    return dialog.decision()


async def _run(dialog: ReviewDialog, on_dialog: Callable[[ReviewDialog], object] | None) -> None:
    if on_dialog is not None:
        asyncio.get_running_loop().call_soon(on_dialog, dialog)
    try:
        await show_dialog(dialog)
    finally:
        dialog.deleteLater()
