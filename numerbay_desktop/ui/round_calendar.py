"""Round work of one vault: the calendar of its rounds, "Stake this round" and "Settle".

    panel = RoundCalendarPanel()
    panel.set_context(ctx)               # the app's AppContext
    panel.show_vault("0x...")            # loads in the background (panel.load_task)

The calendar lists the open round and every staked round, newest first, coloured by state
(open, staked, resolving, resolved, settled) with a legend; times are local. Staking fetches
Numerai's `v3StakeAuth` with the owner's saved API key (scope web3_staking) for the editable
proposed amount (total assets / 64 within the vault's bounds), checks that our own EIP-712
encoding gives the served digest and that the staking contract's signer signed it, and only
then sends `stake_round` through the review dialog (`run_transactions`). Settling fetches the
proofs (`v3StakeClaims`, checked against the chain's Merkle roots) and sends `settle_round`,
or `sync_round` for positions Numerai finalized itself. Buttons run `panel.action_task`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.round_calendar import (
    CalendarRow,
    RoundState,
    StakeProposal,
    nmr_text,
    propose_stake,
)
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.round_calendar_parts import (
    STATE_WORDS,
    RoundStrip,
    local_time,
    nmr_short,
    parse_nmr,
    proposal_lines,
    state_colour,
    utc_offset_text,
)
from numerbay_desktop.ui.tasks import keep
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.services.round_work import RoundWorkService, VaultState
    from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog
    from numerbay_desktop.wallet.accounts import AccountRecord
    from numerbay_desktop.wallet.api_keys import ApiKeyStore

COLUMNS = ("Round", "State", "Stake", "Staking closes", "Resolves", "Result", "Next step")
VERIFIED = "✓ Authorization verified: digest and signer match."


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    return cards.card(title)


def _label(text: str = "", role: str | None = None) -> QLabel:
    return cards.label(text, role, wrap=True, selectable=True)


class RoundCalendarPanel(QWidget):
    """The round calendar and round work of one vault (embedded in My vaults)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: Any = None
        self.vault: str | None = None
        self.state: VaultState | None = None
        self.rows: list[CalendarRow] = []
        self.proposal: StakeProposal | None = None
        self.key_store: ApiKeyStore | None = None  # default: the data folder's
        self.key_dialog: ApiKeyDialog | None = None
        self.load_task: asyncio.Task[None] | None = None
        self.action_task: asyncio.Task[bool] | None = None
        # Tests (and the tour) confirm the review dialog through these hooks.
        self.on_review: Callable[[Any], object] | None = None
        self.on_unlock: Callable[[Any], object] | None = None
        self._keyed: NumeraiClient | None = None

        self.title = QLabel("Round work")
        self.title.setObjectName("SectionTitle")
        self.summary = _label("", "muted")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)

        self.legend = QHBoxLayout()
        self.legend.setSpacing(14)
        self.legend_labels: list[QLabel] = []
        for state in RoundState:
            word, meaning = STATE_WORDS[state]
            chip = QLabel()
            chip.setToolTip(f"{word}: {meaning}")
            chip.setProperty("state", state.value)
            self.legend_labels.append(chip)
            self.legend.addWidget(chip)
        self.legend.addStretch(1)
        self.times_note = QLabel(f"Times in your local time ({utc_offset_text()})")
        self.times_note.setProperty("role", "faint")
        self.legend.addWidget(self.times_note)

        self.strip = RoundStrip()
        self.strip.setToolTip("The last rounds, oldest left: hover a square for its round.")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(190)

        cards = QHBoxLayout()
        cards.setSpacing(12)
        cards.addWidget(self._stake_card(), 3)
        cards.addWidget(self._settle_card(), 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(self.legend)
        layout.addWidget(self.strip)
        layout.addWidget(self.table, 1)
        layout.addLayout(cards)
        layout.addWidget(self._headless_card())
        self.refresh_theme()
        self._enable(False)

    # -- building --------------------------------------------------------------------------
    def _stake_card(self) -> QFrame:
        card, layout = _card("Stake this round")
        self.stake_status = _label("Open a vault to see its open round.")
        self.amount_field = QLineEdit()
        self.amount_field.setPlaceholderText("NMR")
        self.amount_field.setMaximumWidth(180)
        self.amount_field.setToolTip("The proposed amount; you may change it before staking.")
        self.key_password = QLineEdit()
        self.key_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_password.setPlaceholderText("Password of the saved API key")
        self.key_password.hide()
        self.stake_button = QPushButton("Stake this round")
        self.stake_button.setObjectName("PrimaryButton")
        self.stake_button.clicked.connect(self._stake_clicked)
        self.key_button = QPushButton("API key…")
        self.key_button.setToolTip("Enter, check or remove your Numerai API key")
        self.key_button.clicked.connect(self.open_key_dialog)
        row = QHBoxLayout()
        row.addWidget(QLabel("Amount"))
        row.addWidget(self.amount_field)
        row.addWidget(QLabel("NMR"))
        row.addWidget(self.key_password, 1)
        row.addStretch(1)
        row.addWidget(self.key_button)
        row.addWidget(self.stake_button)
        self.proposal_text = _label("", "faint")
        self.stake_message = _label()
        layout.addWidget(self.stake_status)
        layout.addLayout(row)
        layout.addWidget(self.proposal_text)
        layout.addWidget(self.stake_message)
        layout.addStretch(1)
        return card

    def _settle_card(self) -> QFrame:
        card, layout = _card("Settle resolved rounds")
        self.settle_status = _label("Nothing loaded yet.")
        self.settle_button = QPushButton("Settle")
        self.settle_button.setObjectName("PrimaryButton")
        self.settle_button.clicked.connect(self._settle_clicked)
        self.settle_message = _label()
        row = QHBoxLayout()
        row.addWidget(self.settle_status, 1)
        row.addWidget(self.settle_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        layout.addWidget(_label("Numerai's proofs are checked against the staking contract "
                                "before anything is sent; rounds Numerai paid out itself "
                                "are synced.", "faint"))
        layout.addWidget(self.settle_message)
        layout.addStretch(1)
        return card

    def _headless_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("FirstStep")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        heading = QLabel("RUN THIS HEADLESSLY")
        heading.setObjectName("FirstStepLabel")
        self.keeper_command = _label("numerbay keeper run --vault ADDRESS", "mono")
        steps = _label(
            "On an always-on machine: create a hot account for the keeper there, set it as "
            "this vault's operator (set_operator, signed by the owner), save the API key with "
            "`numerbay numerai-key set`, then run the command every hour from cron with "
            "--once. Your owner key can stay offline; running it twice never stakes twice.",
            "muted")
        layout.addWidget(heading)
        layout.addWidget(self.keeper_command)
        layout.addWidget(steps)
        return card

    def refresh_theme(self) -> None:
        palette = current_palette()
        # The app's primary buttons keep their colour when disabled: say "not now" plainly.
        self.setStyleSheet(
            f"QPushButton#PrimaryButton:disabled {{ background: {palette.surface_alt}; "
            f"color: {palette.text_faint}; border-color: {palette.border}; }}")
        for chip in self.legend_labels:
            state = RoundState(str(chip.property("state")))
            word, _ = STATE_WORDS[state]
            chip.setText(f"<span style='color:{state_colour(state)}; font-size:13pt'>●</span>"
                         f"&nbsp;{word}")
        if self.rows:
            self._fill_table()
        self.strip.update()

    # -- context and loading ---------------------------------------------------------------
    def set_context(self, ctx: Any) -> None:
        self.ctx = ctx
        ctx.connected.connect(self._reconnected)

    def _reconnected(self) -> None:
        self._drop_keyed_client()
        self.reload()

    def show_vault(self, address: str) -> None:
        from numerbay_desktop.chain.networks import checksum_address

        self.vault = checksum_address(address, "vault address")
        self.title.setText(f"Round work · {self._vault_name()}")
        self.keeper_command.setText(f"numerbay keeper run --vault {self.vault}")
        self.reload()

    def _vault_name(self) -> str:
        assert self.vault is not None
        names = getattr(self.ctx, "vault_names", {}) or {}
        return str(names.get(self.vault) or f"{self.vault[:8]}…{self.vault[-6:]}")

    def reload(self) -> None:
        if self.vault is None or self.ctx is None or not self.ctx.is_connected:
            return
        self.load_task = keep(asyncio.ensure_future(self.load()))

    def _service(self, numerai: NumeraiClient | None = None) -> RoundWorkService:
        from numerbay_desktop.services.round_work import RoundWorkService

        client, pipeline = self.ctx.require_chain()
        return RoundWorkService(client, numerai or self.ctx.require_numerai(), pipeline)

    async def load(self) -> None:
        """Read the vault and its rounds, then show them (errors go into the summary)."""
        assert self.vault is not None
        self.summary.setText("Loading…")
        try:
            service = self._service()
            self.state = await service.read_vault(self.vault)
            self.rows = await service.calendar(self.vault)
        except NumerbayError as error:
            self.summary.setText(str(error))
            self._enable(False)
            return
        self.proposal = propose_stake(self.state.figures)
        self._show_loaded()

    def _show_loaded(self) -> None:
        assert self.state is not None and self.proposal is not None
        f = self.state.figures
        self.summary.setText(
            f"Total assets {nmr_short(f.total_assets)} · at stake {nmr_short(f.at_stake)} · "
            f"idle {nmr_short(f.idle)} · last staked round {f.last_round_id or '—'}")
        self._fill_table()
        self.strip.set_rows(self.rows)
        opened = next((r for r in self.rows if r.state is RoundState.OPEN), None)
        if opened is not None:
            self.stake_status.setText(
                f"Round {opened.round_id} takes stakes until {local_time(opened.close_time)}.")
            self.amount_field.setText(format(Decimal(self.proposal.amount).scaleb(-18)
                                             .normalize(), "f"))
            self.proposal_text.setText(proposal_lines(self.proposal))
        else:
            staked_now = next((r for r in self.rows if r.state is RoundState.STAKED), None)
            self.stake_status.setText(
                f"Round {staked_now.round_id} is staked; the next round opens tomorrow."
                if staked_now else "No round takes stakes right now.")
            self.proposal_text.setText("")
        self.stake_button.setEnabled(opened is not None)
        resolved = [r for r in self.rows if r.state is RoundState.RESOLVED]
        self.settle_status.setText(
            f"{len(resolved)} round{'s' if len(resolved) != 1 else ''} ready to settle "
            f"({', '.join(str(r.round_id) for r in resolved)})." if resolved
            else "Nothing to settle: no staked round is resolved and unsettled.")
        self.settle_button.setEnabled(bool(resolved))
        self.refresh_button.setEnabled(True)
        self.key_button.setEnabled(True)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            word, meaning = STATE_WORDS[row.state]
            if row.written_off:
                result = "written off"
            elif row.received is not None:
                gain = row.received - row.amount
                sign = "+" if gain >= 0 else "−"
                result = f"{nmr_short(row.received)} ({sign}{nmr_short(abs(gain))[:-4]})"
            else:
                result = "—"
            cells = (str(row.round_id), f"● {word}",
                     nmr_short(row.amount) if row.amount else "—",
                     local_time(row.close_time), local_time(row.resolve_time), result,
                     row.next_step)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setForeground(QColor(state_colour(row.state)))
                    item.setToolTip(meaning)
                if column in (0, 2, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(index, column, item)

    def _enable(self, on: bool) -> None:
        for button in (self.stake_button, self.settle_button, self.refresh_button):
            button.setEnabled(on)

    def _say(self, label: QLabel, text: str, tone: str | None = None) -> None:
        palette = current_palette()
        colour = {"error": palette.danger, "ok": palette.success}.get(tone or "", palette.text)
        label.setStyleSheet(f"color: {colour};")
        label.setText(text)

    # -- the owner's account and API key ---------------------------------------------------
    def _acting_account(self, *, owner_only: bool) -> AccountRecord | None:
        """The active account if it is the vault's owner or operator, else another account
        of this app that is; for settling (anyone may) the active one otherwise."""
        assert self.state is not None
        roles = {str(self.state.info["owner"]).lower(), str(self.state.info["operator"]).lower()}
        active = self.ctx.active_account
        if active is not None and active.address.lower() in roles:
            return active  # type: ignore[no-any-return]
        for record in self.ctx.registry.accounts():
            if record.address.lower() in roles:
                return record  # type: ignore[no-any-return]
        return None if owner_only else active

    def store(self) -> ApiKeyStore:
        if self.key_store is None:
            from numerbay_desktop.wallet.api_keys import ApiKeyStore

            self.key_store = ApiKeyStore(self.ctx.data_dir)
        return self.key_store

    def open_key_dialog(self) -> ApiKeyDialog:
        from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog

        self.key_dialog = ApiKeyDialog(self.store(), getattr(self.ctx, "numerai_url", None),
                                       parent=self.window())
        self.key_dialog.saved.connect(lambda _info: self._drop_keyed_client())
        self.key_dialog.removed.connect(self._drop_keyed_client)
        self.key_dialog.open()
        return self.key_dialog

    def close_clients(self) -> None:
        """Close the keyed Numerai client (its worker threads); call when the panel goes."""
        self._drop_keyed_client()

    def _drop_keyed_client(self) -> None:
        if self._keyed is not None:
            self._keyed.close()
            self._keyed = None

    async def _keyed_numerai(self, message: QLabel) -> NumeraiClient | None:
        """A Numerai client with the owner's saved key, or None (the label says why)."""
        if self._keyed is not None:
            return self._keyed
        from numerbay_desktop.numerai.client import NumeraiClient
        from numerbay_desktop.ui.api_key_dialog import DEFAULT_PROFILE

        store = self.store()
        if not store.exists(DEFAULT_PROFILE):
            self._say(message, "No Numerai API key is saved: enter it with “API key…” (it "
                      "needs the web3_staking scope).", "error")
            return None
        password = None
        if store.needs_password(DEFAULT_PROFILE):
            self.key_password.show()
            password = self.key_password.text()
            if not password:
                self._say(message, "Enter the password of your saved Numerai API key.",
                          "error")
                return None
        key = await asyncio.to_thread(store.load, DEFAULT_PROFILE, password)
        self.key_password.clear()
        self.key_password.hide()
        public_id, secret = key.credentials()
        self._keyed = NumeraiClient(self.ctx.numerai_url, public_id=public_id, secret=secret)
        del secret
        return self._keyed

    # -- staking ---------------------------------------------------------------------------
    def _stake_clicked(self) -> None:
        if self.action_task is None or self.action_task.done():
            self.action_task = keep(asyncio.ensure_future(self.stake_round()))

    async def stake_round(self) -> bool:
        """Authorize, verify and send the open round's stake; True when it was mined."""
        from numerbay_desktop.services.round_work import ActionResult
        from numerbay_desktop.ui.tx_runner import run_transactions

        if self.vault is None or self.state is None:
            return False
        message = self.stake_message
        self.stake_button.setEnabled(False)
        try:
            amount = parse_nmr(self.amount_field.text())
            sender = self._acting_account(owner_only=True)
            if sender is None:
                self._say(message, f"Only the vault's owner ({self.state.info['owner']}) or "
                          "operator can stake: add or choose that account.", "error")
                return False
            numerai = await self._keyed_numerai(message)
            if numerai is None:
                return False
            self._say(message, "Asking Numerai for the round's authorization…")
            plan = await self._service(numerai).prepare_stake(
                self.vault, sender.address, amount, simulate=False)
            if isinstance(plan, ActionResult):
                self._say(message, plan.message, "error")
                return False
            self._say(message, VERIFIED + " Review the stake to send it.", "ok")
            outcome = await run_transactions(
                self, self.ctx, [plan.intent], account=sender,
                what=f"Stake {nmr_text(plan.amount)} on round {plan.round_id}",
                on_review=self.on_review, on_unlock=self.on_unlock)
            if outcome is None:
                self._say(message, VERIFIED + " Not sent: the review was cancelled.")
                return False
            self._say(message, f"{VERIFIED} Staked {nmr_text(plan.amount)} on round "
                      f"{plan.round_id}.", "ok")
            return True
        except NumerbayError as error:
            self._say(message, f"✗ {error}", "error")
            return False
        finally:
            self.stake_button.setEnabled(True)
            await self.load()

    # -- settling --------------------------------------------------------------------------
    def _settle_clicked(self) -> None:
        if self.action_task is None or self.action_task.done():
            self.action_task = keep(asyncio.ensure_future(self.settle_rounds()))

    async def settle_rounds(self) -> bool:
        """Settle (or sync) every resolved round with Numerai's checked proofs."""
        from numerbay_desktop.ui.tx_runner import run_transactions

        if self.vault is None or self.state is None:
            return False
        message = self.settle_message
        self.settle_button.setEnabled(False)
        try:
            sender = self._acting_account(owner_only=False)
            if sender is None:
                self._say(message, "Add an account to send the settlement from.", "error")
                return False
            numerai = await self._keyed_numerai(message)
            if numerai is None:
                return False
            self._say(message, "Fetching Numerai's proofs…")
            steps = await self._service(numerai).settlement_steps(self.vault)
            if not steps:
                self._say(message, "Nothing to settle: Numerai has no proof for a resolved "
                          "round of this vault yet.")
                return False
            rounds = ", ".join(str(s.round_id) for s in steps)
            outcome = await run_transactions(
                self, self.ctx, [s.intent for s in steps], account=sender,
                what=f"Settle round{'s' if len(steps) > 1 else ''} {rounds}",
                on_review=self.on_review, on_unlock=self.on_unlock)
            if outcome is None:
                self._say(message, "Not sent: the review was cancelled.")
                return False
            self._say(message, "\n".join(s.what + "." for s in steps), "ok")
            return True
        except NumerbayError as error:
            self._say(message, f"✗ {error}", "error")
            return False
        finally:
            await self.load()
