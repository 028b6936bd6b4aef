"""When the owner goes quiet: what anyone may do for a vault, as plain buttons.

    actions = await check_quiet_actions(ctx, vault)     # list[QuietAction] (each: available?)
    panel = OwnerQuietPanel(); panel.set_context(ctx); panel.show_vault(vault)
    panel.acted.connect(page.reload)                    # after a mined action

The five actions are the vault's permissionless functions (contracts/SPEC.md):
`settle_round` (with Numerai's Merkle proof) or `sync_round` for a resolved round,
`apply(n)`, `fulfill(n)`, `write_off()` and `declare_stalled()`. Each is enabled only when
the chain says it would do something now: apply and fulfill are simulated (`eth_call`) and
must return a count above 0; write_off and declare_stalled must not revert; settle / sync
need a resolved round whose proof checks out against the staking contract's root (or a
position Numerai already paid). Every send goes through `run_transactions` (review, unlock,
sign, wait until mined).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from numerbay_desktop.chain.client import TxRequest
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.errors import CallReverted, ChainError
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui.tasks import BackgroundOp
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.app_context import AppContext

VAULT_ABI = ContractAbi.load("NumerBayVault")
APPLY_MAX = 64  # the vault caps apply(n) at 64
FULFILL_MAX = 50  # and fulfill(n) at 50
ZERO_SENDER = "0x0000000000000000000000000000000000000001"

EXPLANATIONS = {
    "settle": "Collect a resolved round's result from Numerai's staking contract (with "
              "Numerai's proof), or book one Numerai already paid out to the vault (sync).",
    "apply": "Apply recorded round results to everyone's share, in order, beyond the 8 a "
             "settlement applies by itself.",
    "fulfill": "Pay out final exit requests, oldest first, while the vault's idle NMR covers "
               "them; leavers can then claim.",
    "write_off": "Record the oldest round as lost when it was staked longer ago than the "
                 "vault's settle delay and its result never came, so the vault is not frozen.",
    "declare_stalled": "Mark the vault stalled when a round waits longer than the settle "
                       "delay: deposits and new stakes stop and every lot may leave.",
}
TITLES = {"settle": "Settle resolved rounds", "apply": "Apply recorded rounds",
          "fulfill": "Fulfil exits", "write_off": "Write off a lost round",
          "declare_stalled": "Declare the vault stalled"}
REASONS = {  # the vault's revert reasons, in plain words
    "nothing to write off": "No staked round waits for a result.",
    "already recorded": "The oldest round already has its result.",
    "too early": "The oldest round waiting is still within the vault's settle delay.",
    "already stalled": "The vault is already declared stalled.",
    "not stalled": "No round waits longer than the vault's settle delay.",
}


@dataclass(frozen=True)
class QuietAction:
    key: str  # settle, apply, fulfill, write_off, declare_stalled
    title: str
    explanation: str
    available: bool
    status: str  # why it is (not) available now, one line
    intents: tuple[TxIntent, ...] = field(default=())


def _reason(error: ChainError) -> str:
    reason = error.reason if isinstance(error, CallReverted) else None
    for key, text in REASONS.items():
        if reason and key in reason:
            return text
    return f"Not possible now ({reason or error})."


def _count(raw: bytes) -> int:
    return int.from_bytes(raw[:32], "big") if len(raw) >= 32 else 0


async def _simulate(ctx: AppContext, vault: str, sender: str, key: str,
                    data: bytes) -> QuietAction:
    client, _ = ctx.require_chain()
    title, explanation = TITLES[key], EXPLANATIONS[key]
    try:
        raw = await client.call(TxRequest(vault, data, sender=sender))
    except ChainError as error:
        return QuietAction(key, title, explanation, False, _reason(error))
    intent = (TxIntent(vault, data, label=title),)
    if key in ("apply", "fulfill"):
        count = _count(raw)
        if count == 0:
            idle = {"apply": "No recorded round waits to be applied.",
                    "fulfill": "No final exit is waiting, or idle NMR does not cover the next "
                               "one yet."}[key]
            return QuietAction(key, title, explanation, False, idle)
        noun = "round" if key == "apply" else "exit"
        return QuietAction(key, title, explanation, True,
                           f"{count} {noun}{'s' if count != 1 else ''} ready.", intent)
    return QuietAction(key, title, explanation, True, "Possible now.", intent)


async def _settle_action(ctx: AppContext, vault: str) -> QuietAction:
    """settle_round for each resolved round with a valid proof, sync_round for each position
    Numerai finalized itself; one batch for the review dialog."""
    from numerbay_desktop.services.round_work import RoundWorkService

    client, pipeline = ctx.require_chain()
    title, explanation = TITLES["settle"], EXPLANATIONS["settle"]
    work = RoundWorkService(client, ctx.numerai, pipeline)  # type: ignore[arg-type]
    state = await work.read_vault(vault)
    first = int(state.info["applied_count"]) + 1
    # The service's own reads of sequences and claims: one definition of "resolved".
    pending = [u for u in await work._sequences(state, first) if not u.facts.recorded]
    if not pending:
        return QuietAction("settle", title, explanation, False,
                           "Every staked round that resolved has its result.")
    # Numerai gives claim proofs to the model's own account only (v3StakeClaims needs its
    # API key); without them, a round becomes syncable once Numerai finalizes it (7 days).
    claims: dict[int, Any] = {}
    proof_note = " (no Numerai API to fetch proofs)"
    if ctx.numerai is not None:
        try:
            claims = await work._claims(state, pending)
            proof_note = ""
        except NumerbayError:
            proof_note = (": Numerai shares claim proofs only with the model's owner; once it "
                          "pays a round out itself (7 days after it resolves), sync it here")
    bound = VAULT_ABI.at(state.vault)
    intents: list[TxIntent] = []
    for u in pending:
        f = u.facts
        if f.position_settled:
            intents.append(TxIntent(state.vault, bound.calldata("sync_round", f.round_id),
                                    label=f"Sync round {f.round_id}"))
        elif f.round_id in claims:
            c = claims[f.round_id]
            proof = [bytes.fromhex(p[2:]) for p in c.proof]
            intents.append(TxIntent(state.vault, bound.calldata(
                "settle_round", f.round_id, c.payout_wei, c.burn_wei, proof),
                label=f"Settle round {f.round_id}"))
    if not intents:
        resolved = sum(1 for u in pending if u.facts.resolved)
        waiting = len(pending) - resolved
        text = (f"{waiting} staked round{'s' if waiting != 1 else ''} "
                f"wait{'s' if waiting == 1 else ''} for Numerai's result")
        if resolved:
            text = (f"{resolved} resolved round{'s' if resolved != 1 else ''} waiting"
                    f"{proof_note}; {text}")
        return QuietAction("settle", title, explanation, False, text + ".")
    rounds = ", ".join(i.label.split()[-1] for i in intents)
    return QuietAction("settle", title, explanation, True,
                       f"Ready: round{'s' if len(intents) != 1 else ''} {rounds}.",
                       tuple(intents))


async def check_quiet_actions(ctx: AppContext, vault: str) -> list[QuietAction]:
    """The five actions for `vault`, each with whether the chain allows it now."""
    record = ctx.active_account
    sender = record.address if record is not None else ZERO_SENDER
    bound = VAULT_ABI.at(vault)
    checks = [
        _settle_action(ctx, vault),
        _simulate(ctx, vault, sender, "apply", bound.calldata("apply", APPLY_MAX)),
        _simulate(ctx, vault, sender, "fulfill", bound.calldata("fulfill", FULFILL_MAX)),
        _simulate(ctx, vault, sender, "write_off", bound.calldata("write_off")),
        _simulate(ctx, vault, sender, "declare_stalled", bound.calldata("declare_stalled")),
    ]
    results = await asyncio.gather(*checks, return_exceptions=True)
    out: list[QuietAction] = []
    for key, result in zip(("settle", "apply", "fulfill", "write_off", "declare_stalled"),
                           results, strict=True):
        if isinstance(result, NumerbayError):
            out.append(QuietAction(key, TITLES[key], EXPLANATIONS[key], False,
                                   f"Could not check: {result}"))
        elif isinstance(result, BaseException):
            raise result
        else:
            out.append(result)
    return out


class OwnerQuietPanel(QFrame):
    """A card: one button and one line of explanation per action."""

    acted = Signal(str)  # the action's key, after its transactions were mined

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.ctx: AppContext | None = None
        self.vault: str | None = None
        self.quiet_actions: dict[str, QuietAction] = {}
        self.on_review: Any = None  # tests confirm the review dialog with this
        self.checking: asyncio.Task[None] | None = None
        self.running: asyncio.Task[Any] | None = None
        title = QLabel(self.tr("If the owner goes quiet"))
        title.setObjectName("SectionTitle")
        intro = QLabel(self.tr(
            "Anyone may do these for the vault; no owner is needed. Each is enabled only "
            "when the vault's state allows it, and you pay only the gas."))
        intro.setProperty("role", "muted")
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        self.buttons: dict[str, QPushButton] = {}
        self.status: dict[str, QLabel] = {}
        for row, key in enumerate(TITLES):
            button = QPushButton(self.tr(TITLES[key]))
            button.setEnabled(False)
            button.setMinimumWidth(210)
            button.clicked.connect(lambda _=False, k=key: self.run_action(k))
            text = QLabel(self.tr(EXPLANATIONS[key]))
            text.setWordWrap(True)
            status = QLabel(self.tr("Checking…"))
            status.setProperty("role", "faint")
            status.setWordWrap(True)
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(text)
            cell.addWidget(status)
            grid.addWidget(button, row, 0)
            grid.addLayout(cell, row, 1)
            self.buttons[key], self.status[key] = button, status
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(grid)

    def set_context(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def show_vault(self, vault: str) -> None:
        self.vault = vault
        self.refresh()

    def refresh(self) -> None:
        if self.ctx is None or self.vault is None or not self.ctx.is_connected:
            return
        for key, button in self.buttons.items():
            button.setEnabled(False)
            self.status[key].setText(self.tr("Checking…"))
        ctx, vault = self.ctx, self.vault
        async def check() -> list[QuietAction]:
            return await check_quiet_actions(ctx, vault)

        op: BackgroundOp[list[QuietAction]] = BackgroundOp(self, check,
                                                           "Checking what anyone may do")
        self.checking = op.success(self._show).failure(self._failed).run()

    def _show(self, actions: list[QuietAction]) -> None:
        self.quiet_actions = {a.key: a for a in actions}
        running = self.running is not None and not self.running.done()
        for action in actions:
            self.buttons[action.key].setEnabled(action.available and not running)
            self.status[action.key].setText(action.status)
            colour = current_palette().success if action.available else ""
            self.status[action.key].setStyleSheet(f"color: {colour};" if colour else "")

    def _failed(self, error: BaseException) -> None:
        for label in self.status.values():
            label.setText(self.tr("Could not check: ") + str(error))

    def run_action(self, key: str) -> None:
        action = self.quiet_actions.get(key)
        if action is None or not action.available or self.ctx is None:
            return
        ctx = self.ctx
        for button in self.buttons.values():
            button.setEnabled(False)
        self.status[key].setText(self.tr("Waiting for review…"))

        async def send() -> Any:
            from numerbay_desktop.ui.tx_runner import run_transactions

            review: Any = self.on_review
            return await run_transactions(self.window(), ctx, list(action.intents),
                                          what=action.title, on_review=review)

        def done(outcome: Any) -> None:
            self.status[key].setText(self.tr("Cancelled.") if outcome is None
                                     else self.tr("Done: mined."))
            if outcome is not None:
                self.acted.emit(key)
            self.refresh()

        def failed(error: BaseException) -> None:
            self.status[key].setText(str(error))
            self.refresh()

        self.running = BackgroundOp(self, send, action.title).success(done).failure(
            failed).run()

    def set_review_handler(self, handler: Any) -> None:
        """Tests: `lambda dialog: dialog.confirm_button.click()`."""
        self.on_review = handler


__all__ = ["EXPLANATIONS", "OwnerQuietPanel", "QuietAction",
           "check_quiet_actions"]
