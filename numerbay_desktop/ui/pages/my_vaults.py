"""My vaults: the vaults the active account owns, and running them.

    page.set_context(ctx)              # reloads on ctx.connected / active_account_changed
    await page.load_now()              # the owned vaults, the selected one's state
    page.select_vault(address)         # then `await page.load_task`
    page.show_round_work(address)      # the Round work tab (RoundCalendarPanel)
    wizard = page.open_wizard()        # the create-vault wizard
    page.act(intents, what)            # every write: run_transactions, then a reload
    await page.action_task             # tests set page.review_hook / page.unlock_hook

Tabs: Overview (state at a glance, claim fees), Fee schedule (diff of a proposal with its
ETA, propose / cancel / activate), Deposits & access (pause, capacity, minimum, allowlist),
Lots (roll lots whose commitment ended), Round work (the round calendar panel).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.ui.pages.base import EmptyState, Page

if TYPE_CHECKING:
    from numerbay_desktop.services.vault_admin_reads import OwnedVault, OwnerReads, OwnerView
    from numerbay_desktop.ui.app_context import AppContext
    from numerbay_desktop.ui.vault_wizard import VaultWizard

log = logging.getLogger(__name__)
NO_ACCOUNT, NO_VAULT, VAULTS = range(3)
TABS = ("Overview", "Fee schedule", "Deposits && access", "Lots", "Round work")
ROUND_WORK_TAB = 4
ROUND_PANEL_MIN_HEIGHT = 640  # the table, both action cards and the keeper note


def _centred(empty: EmptyState) -> QWidget:
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(empty, 3)
    row.addStretch(1)
    column.addStretch(1)
    column.addLayout(row)
    column.addStretch(2)
    return holder


class MyVaultsPage(Page):
    KEY = "my_vaults"
    TITLE = "My vaults"
    SUBTITLE = "Open your Numerai model to stakers and run its daily round work."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: AppContext | None = None
        self.owned: list[OwnedVault] = []
        self.view: OwnerView | None = None
        self.vault: str | None = None
        self.review_hook: Callable[[Any], object] | None = None
        self.unlock_hook: Callable[[Any], object] | None = None
        self.load_task: asyncio.Task[None] | None = None
        self.action_task: asyncio.Task[None] | None = None
        self.wizard: VaultWizard | None = None
        self.round_panel: Any = None
        self._reads: OwnerReads | None = None
        self._reads_client: object | None = None
        self._stale = True
        self._built = False
        self._generation = 0

        self.empty_state = EmptyState(
            "my_vaults",
            self.tr("You don't run a vault yet"),
            self.tr("If you have a Numerai model, a vault lets others stake on it and share "
                    "the profit. Here you will set its fees, commitments and capacity, and "
                    "stake and settle each round by hand or with a keeper."),
            self.tr("Add the Ethereum account that owns your model in Accounts; then create "
                    "your vault from here."),
            self.tr("Go to Accounts"),
        )
        self.empty_target = "accounts"
        self.empty_state.action_clicked.connect(self._empty_action)
        self.no_vault_state = EmptyState(
            "my_vaults",
            self.tr("This account runs no vault yet"),
            self.tr("Create a vault for one of your Numerai models: choose its fee ladder, "
                    "commitment options and capacity. It starts as a candidate and is listed "
                    "once its first round stake registers it."),
            self.tr("Create the vault from the account that owns the model on Numerai."),
            self.tr("Create a vault"),
        )
        self.no_vault_state.action_clicked.connect(self.open_wizard)
        self.stack = QStackedWidget()
        self.stack.addWidget(_centred(self.empty_state))
        self.stack.addWidget(_centred(self.no_vault_state))
        self.body = QWidget()
        self.stack.addWidget(self.body)
        self.content.addWidget(self.stack, 1)

    # -- building (the body's widgets load with the first vaults) -------------------------
    def _build_body(self) -> None:
        if self._built:
            return
        self._built = True
        from numerbay_desktop.ui.owner_access import OwnerAccess
        from numerbay_desktop.ui.owner_lots import OwnerLots
        from numerbay_desktop.ui.owner_overview import OwnerOverview
        from numerbay_desktop.ui.owner_schedule import OwnerSchedule

        self.picker = QComboBox()
        self.picker.setMinimumWidth(300)
        self.picker.currentIndexChanged.connect(self._picked)
        self.source = QLabel()
        self.source.setProperty("role", "faint")
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.reload)
        self.create_button = QPushButton(self.tr("Create a vault…"))
        self.create_button.clicked.connect(self.open_wizard)
        bar = QHBoxLayout()
        bar.setSpacing(10)
        vault_label = QLabel(self.tr("Vault"))
        vault_label.setProperty("role", "muted")
        bar.addWidget(vault_label)
        bar.addWidget(self.picker)
        bar.addWidget(self.source, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.create_button)

        self.overview = OwnerOverview()
        self.schedule = OwnerSchedule()
        self.access = OwnerAccess()
        self.lots = OwnerLots()
        self.round_holder = QWidget()
        self.round_box = QVBoxLayout(self.round_holder)
        self.round_box.setContentsMargins(0, 8, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for widget, title in zip((self.overview, self.schedule, self.access, self.lots,
                                  self.round_holder), TABS, strict=True):
            self.tabs.addTab(widget, self.tr(title))
        for widget in (self.overview, self.schedule, self.access, self.lots):
            widget.action_requested.connect(self.act)
        self.tabs.currentChanged.connect(self._tab_changed)
        from numerbay_desktop.ui.owner_terms_table import owner_css

        self.body.setStyleSheet(owner_css())
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

    # -- context ------------------------------------------------------------------------------
    def set_context(self, ctx: AppContext) -> None:
        self.ctx = ctx
        ctx.connected.connect(self._mark_stale)
        ctx.active_account_changed.connect(self._mark_stale)
        self._mark_stale()

    def _mark_stale(self, *_: object) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.ctx is not None and self.ctx.is_connected:
            self.reload()

    def reload(self) -> None:
        if self.ctx is None or not self.ctx.is_connected:
            return
        if self.load_task is not None and not self.load_task.done():
            self.load_task.cancel()
        from numerbay_desktop.ui.tasks import BackgroundOp

        self.load_task = BackgroundOp(self, self.load_now, "Reading your vaults").run()

    def _reader(self) -> OwnerReads:
        from numerbay_desktop.services.vault_admin_reads import OwnerReads

        assert self.ctx is not None
        client, _ = self.ctx.require_chain()
        if self._reads is None or self._reads_client is not client:
            self._reads, self._reads_client = OwnerReads(client), client
        return self._reads

    async def load_now(self) -> None:
        """Read the active account's vaults and the selected one's state, and show them
        (a newer load started meanwhile wins: this one then shows nothing)."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        account = self.ctx.active_account if self.ctx is not None else None
        no_factory = self.ctx is not None and (self.ctx.network is None
                                               or self.ctx.network.factory is None)
        if account is None or self.ctx is None or not self.ctx.is_connected or no_factory:
            # the empty state says why (connect_network rewords it on a network without
            # a vault factory)
            self.stack.setCurrentIndex(NO_ACCOUNT)
            return
        reads = self._reader()
        owned = await reads.owned_vaults(account.address)
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self.owned = owned
        if not self.owned:
            self.view = None
            self.stack.setCurrentIndex(NO_VAULT)
            return
        self._build_body()
        for owned in self.owned:
            self.ctx.name_contract(owned.address, f"Vault of {owned.model_name}")
        addresses = [o.address for o in self.owned]
        if self.vault not in addresses:
            self.vault = addresses[0]
        self.picker.blockSignals(True)
        self.picker.clear()
        for owned in self.owned:
            state = "" if owned.info["registered"] else " (candidate)"
            self.picker.addItem(f"{owned.model_name}{state} · {owned.address[:8]}…"
                                f"{owned.address[-4:]}", owned.address)
        self.picker.setCurrentIndex(addresses.index(self.vault))
        self.picker.blockSignals(False)
        self.stack.setCurrentIndex(VAULTS)
        await self._load_vault()

    async def _load_vault(self) -> None:
        assert self.vault is not None
        view = await self._reader().load(self.vault)
        if not shiboken6.isValid(self) or view.detail.vault != self.vault:
            return  # closed, or another vault was picked meanwhile
        self.view = view
        self.source.setText(self.tr("{0} owned · block {1}").format(
            len(self.owned), view.detail.block_number))
        for widget in (self.overview, self.schedule, self.access, self.lots):
            widget.show_view(view)
        if self.tabs.currentIndex() == ROUND_WORK_TAB:
            self._show_round_work()

    # -- choosing a vault ---------------------------------------------------------------------
    def _picked(self, index: int) -> None:
        if 0 <= index < len(self.owned):
            self.select_vault(self.owned[index].address)

    def select_vault(self, address: str) -> None:
        """Show `address` (one of the owned vaults; a new one after a reload)."""
        from eth_utils.address import to_checksum_address

        from numerbay_desktop.ui.tasks import BackgroundOp

        self.vault = str(to_checksum_address(address))
        known = [o.address for o in self.owned]
        if self._built and self.vault in known:
            self.picker.blockSignals(True)
            self.picker.setCurrentIndex(known.index(self.vault))
            self.picker.blockSignals(False)
            self.load_task = BackgroundOp(self, self._load_vault, "Reading the vault").run()
        else:
            self.reload()

    def show_round_work(self, address: str) -> None:
        self._build_body()
        self.tabs.setCurrentIndex(ROUND_WORK_TAB)
        self.select_vault(address)

    def _tab_changed(self, index: int) -> None:
        if index == ROUND_WORK_TAB:
            self._show_round_work()

    def _show_round_work(self) -> None:
        """The round calendar panel, imported when first needed (it may not be installed)."""
        if self.round_panel is None:
            try:
                from numerbay_desktop.ui.round_calendar import RoundCalendarPanel
            except ImportError:
                note = QLabel(self.tr("Round work is not available in this build."))
                note.setProperty("role", "muted")
                self.round_box.addWidget(note)
                self.round_panel = False
                return
            from PySide6.QtWidgets import QFrame, QScrollArea

            self.round_panel = RoundCalendarPanel()
            if self.ctx is not None:
                self.round_panel.set_context(self.ctx)
            # The panel needs more height than the tab has: it scrolls rather than squashes.
            self.round_panel.setMinimumHeight(max(ROUND_PANEL_MIN_HEIGHT,
                                                  self.round_panel.minimumSizeHint().height()))
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(self.round_panel)
            self.round_box.addWidget(scroll, 1)
        if self.round_panel and self.vault is not None \
                and getattr(self.round_panel, "vault", None) != self.vault:
            self.round_panel.show_vault(self.vault)

    # -- writes -------------------------------------------------------------------------------
    def act(self, intents: list[Any], what: str) -> None:
        """Review and send `intents` (one batch), then read the vault again."""
        from numerbay_desktop.ui.tasks import keep

        self.action_task = keep(asyncio.get_running_loop().create_task(
            self._act(intents, what)))

    async def _act(self, intents: list[Any], what: str) -> None:
        from numerbay_desktop.ui.errors_dialog import report_failure
        from numerbay_desktop.ui.tx_runner import run_transactions

        assert self.ctx is not None
        try:
            outcome = await run_transactions(self, self.ctx, intents, what=what,
                                             on_review=self.review_hook,
                                             on_unlock=self.unlock_hook)
        except Exception as error:
            report_failure(error, context=what, parent=self)
            return
        if outcome is not None and outcome.exported is None:
            await self._load_vault()

    # -- the wizard ---------------------------------------------------------------------------
    def open_wizard(self) -> VaultWizard | None:
        from numerbay_desktop.ui.vault_wizard import VaultWizard

        if self.ctx is None:
            return None
        self.wizard = VaultWizard(self.ctx, self.window())
        self.wizard.created.connect(self._created)
        self.wizard.first_stake_requested.connect(self.show_round_work)
        self.wizard.open()
        if self.ctx.is_connected:
            self.wizard.load_models()  # tests await wizard.models_task
        return self.wizard

    def _created(self, address: str) -> None:
        self.vault = address
        self.reload()

    def refresh_theme(self) -> None:
        from PySide6.QtCore import Qt

        super().refresh_theme()
        self.no_vault_state.refresh_theme()
        if self._built:
            from numerbay_desktop.ui.owner_terms_table import owner_css

            self.body.setStyleSheet(owner_css())
        if self.no_vault_state.action is not None:
            self.no_vault_state.action.setCursor(Qt.CursorShape.PointingHandCursor)
