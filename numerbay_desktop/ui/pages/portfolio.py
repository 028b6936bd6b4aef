"""Portfolio: the user's stakes, their value, profit and loss, fees and unlock dates.

    page.set_context(ctx)            # reloads on ctx.connected and ctx.active_account_changed
    await page.load_now()            # read the active account's portfolio and show it
    page.groups[vault].step_button(lot_id).click()   # an exit step, through run_transactions
    await page.action_task           # the step's review, signing and the reload after it
    await page.export_csv(path)      # deposits, exits, fees and values (a file dialog if None)

Tests set `page.review_hook` / `page.unlock_hook` (passed to run_transactions as on_review /
on_unlock). Every figure comes from `services.portfolio_view` (lens and events at one block);
the line under the account picker says which block and chain time they are from.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.ui import cards
from numerbay_desktop.ui.pages.base import EmptyState, Page

if TYPE_CHECKING:
    from numerbay_desktop.services.portfolio_view import PortfolioReader, PortfolioView
    from numerbay_desktop.services.rebalance_plan import PlanStep
    from numerbay_desktop.ui.app_context import AppContext
    from numerbay_desktop.ui.portfolio_alerts import AlertList
    from numerbay_desktop.ui.portfolio_charts import AllocationBars, ValueChart
    from numerbay_desktop.ui.portfolio_lots import TotalsStrip, VaultGroup
    from numerbay_desktop.ui.portfolio_rebalance import RebalancePanel

STEP_WHAT = {
    "request_exit": "Request exit of lot {lot} in {name}",
    "cancel_deposit": "Cancel deposit (lot {lot}) in {name}",
    "fulfil": "Fulfil exits in {name}",
    "claim": "Claim NMR from {name}",
}


class PortfolioPage(Page):
    KEY = "portfolio"
    TITLE = "Portfolio"
    SUBTITLE = "What you have staked, what it is worth now, and when you can take it out."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: AppContext | None = None
        self.view: PortfolioView | None = None
        self.review_hook: Callable[[Any], object] | None = None
        self.unlock_hook: Callable[[Any], object] | None = None
        self.load_task: asyncio.Task[None] | None = None
        self.action_task: asyncio.Task[None] | None = None
        self.groups: dict[str, VaultGroup] = {}
        self._reader: PortfolioReader | None = None
        self._reader_client: object | None = None
        self._generation = 0
        self._built = False

        self.toolbar = QWidget()
        bar = QHBoxLayout(self.toolbar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(10)
        who = QLabel(self.tr("Account"))
        who.setProperty("role", "muted")
        self.account_picker = QComboBox()
        self.account_picker.setMinimumWidth(220)
        self.account_picker.currentIndexChanged.connect(self._picked)
        self.source = QLabel()
        self.source.setProperty("role", "faint")
        self.source.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.setToolTip(self.tr(
            "Save your deposits, exits, fees and current values as a CSV file for your records."))
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.export_button.setEnabled(False)
        self.rebalance_button = QPushButton(self.tr("Rebalance…"))
        self.rebalance_button.setToolTip(self.tr(
            "Plan the exits and deposits that move your stakes toward target weights."))
        self.rebalance_button.clicked.connect(self.toggle_rebalance)
        self.rebalance_button.setEnabled(False)
        bar.addWidget(who)
        bar.addWidget(self.account_picker)
        bar.addWidget(self.source, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.rebalance_button)
        bar.addWidget(self.export_button)
        self.toolbar.hide()
        self.content.addWidget(self.toolbar)

        # The empty state (not connected, or no stakes) and the portfolio take turns.
        self.empty_holder = QWidget()
        holder = QVBoxLayout(self.empty_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        empty = EmptyState(
            "portfolio",
            self.tr("You have no stakes yet"),
            self.tr(
                "Your stakes will appear here, grouped by vault: their value after fees, "
                "profit and loss, the fees you pay, and the date each one unlocks. A chart "
                "follows your portfolio's value round by round."
            ),
            self.tr(
                "Pick a model in the Marketplace and preview exactly what you would pay "
                "before you stake anything."
            ),
            self.tr("Browse the marketplace"),
        )
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(empty, 3)
        row.addStretch(1)
        holder.addStretch(1)
        holder.addLayout(row)
        holder.addStretch(2)
        self.empty_state = empty
        self.empty_target = "marketplace"
        empty.action_clicked.connect(self._empty_action)
        self.content.addWidget(self.empty_holder, 1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._style_scroll()
        self.body = QWidget()
        self.body.setObjectName("PageRoot")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 8, 0)
        self.body_layout.setSpacing(14)
        self.scroll_area.setWidget(self.body)
        self.scroll_area.hide()
        self.content.addWidget(self.scroll_area, 1)

    # -- context and loading -------------------------------------------------------------
    def set_context(self, ctx: AppContext) -> None:
        if self.ctx is ctx:
            return
        self.ctx = ctx
        ctx.connected.connect(self.reload)
        ctx.active_account_changed.connect(self._account_changed)
        self.toolbar.show()
        self._fill_accounts()
        if ctx.is_connected:
            self.reload()

    def showEvent(self, event: Any) -> None:  # Qt's name
        super().showEvent(event)
        if self.ctx is not None:
            self._fill_accounts()  # accounts may have been added on the Accounts page

    def _fill_accounts(self) -> None:
        assert self.ctx is not None
        active = self.ctx.active_account
        picker = self.account_picker
        picker.blockSignals(True)
        picker.clear()
        for record in self.ctx.registry.accounts():
            suffix = "" if record.can_sign else self.tr(" (watch-only)")
            picker.addItem(f"{record.name}{suffix}", record.name)
            if active is not None and record.name == active.name:
                picker.setCurrentIndex(picker.count() - 1)
        picker.blockSignals(False)

    def _picked(self, index: int) -> None:
        name = self.account_picker.itemData(index)
        if self.ctx is None or not name:
            return
        active = self.ctx.active_account
        if active is None or active.name != name:
            self.ctx.set_active_account(str(name))  # emits active_account_changed: reload

    def _account_changed(self, _name: str) -> None:
        self._fill_accounts()
        self.reload()

    def _reader_for(self) -> PortfolioReader:
        from numerbay_desktop.services.portfolio_view import PortfolioReader

        assert self.ctx is not None
        client, _ = self.ctx.require_chain()
        if self._reader is None or self._reader_client is not client:
            self._reader = PortfolioReader(client, self.ctx.cache, self.ctx.numerai)
            self._reader_client = client
        return self._reader

    def reload(self) -> asyncio.Task[None] | None:
        """Read the active account's portfolio in the background and show it."""
        from numerbay_desktop.ui.tasks import BackgroundOp

        ctx = self.ctx
        if ctx is None or not ctx.is_connected or ctx.network is None:
            self._show_empty(self.tr("Not connected: start the devnet or set a node in "
                                     "Settings to see your stakes."))
            return None
        if ctx.network.factory is None:
            self._show_empty(self.tr("No vault factory is known on {n}.").format(
                n=ctx.network.name))
            return None
        record = ctx.active_account
        if record is None:
            self._show_empty(self.tr("No account yet: add one on the Accounts page."))
            return None
        self._generation += 1
        generation = self._generation
        self.source.setText(self.tr("Reading {name}'s stakes…").format(name=record.name))
        reader = self._reader_for()
        address = record.address

        async def read() -> PortfolioView:
            return await reader.load(address)

        label = self.tr("Reading your portfolio…")
        op: BackgroundOp[PortfolioView] = BackgroundOp(self, read, label)
        op.success(lambda view: self._loaded(view, generation)).failure(self._failed)
        self.load_task = op.run()
        return self.load_task

    async def load_now(self) -> None:
        task = self.reload()
        if task is not None:
            await task

    def _failed(self, error: BaseException) -> None:
        from numerbay_desktop.ui.errors_dialog import user_message

        self.source.setText(self.tr("Could not read the portfolio: {e}").format(
            e=user_message(error)))

    def _show_empty(self, note: str) -> None:
        self.view = None
        self.export_button.setEnabled(False)
        self.rebalance_button.setEnabled(False)
        self.source.setText(note)
        self.scroll_area.hide()
        self.empty_holder.show()

    # -- showing ----------------------------------------------------------------------------
    def _ensure_built(self) -> None:
        if self._built:
            return
        from numerbay_desktop.ui.portfolio_alerts import AlertList
        from numerbay_desktop.ui.portfolio_charts import AllocationBars, ValueChart
        from numerbay_desktop.ui.portfolio_lots import TotalsStrip
        from numerbay_desktop.ui.portfolio_rebalance import RebalancePanel

        self.rebalance: RebalancePanel = RebalancePanel()
        self.rebalance.step_clicked.connect(self._plan_step)
        self.rebalance.hide()
        self.totals: TotalsStrip = TotalsStrip()
        self.alerts: AlertList = AlertList()
        self.alerts.vault_clicked.connect(self._open_vault)
        self.chart: ValueChart = ValueChart()
        self.allocation: AllocationBars = AllocationBars()
        charts = QHBoxLayout()
        charts.setSpacing(14)
        charts.addWidget(_card(self.tr("Portfolio value"), self.chart), 3)
        charts.addWidget(_card(self.tr("Allocation by vault"), self.allocation), 2)
        self.lots_title = QLabel(self.tr("Your lots, by vault"))
        self.lots_title.setObjectName("SectionTitle")
        lots_hint = QLabel(self.tr(
            "Value is after the fees owed so far; P&L counts NMR already paid back. Click a "
            "vault's name to open its model page."))
        lots_hint.setProperty("role", "faint")
        lots_hint.setWordWrap(True)
        self.groups_box = QVBoxLayout()
        self.groups_box.setSpacing(12)
        self.body_layout.addWidget(self.rebalance)
        self.body_layout.addWidget(self.totals)
        self.body_layout.addWidget(self.alerts)
        self.body_layout.addLayout(charts)
        self.body_layout.addWidget(self.lots_title)
        self.body_layout.addWidget(lots_hint)
        self.body_layout.addLayout(self.groups_box)
        self.body_layout.addStretch(1)
        self._built = True

    def _loaded(self, view: PortfolioView, generation: int) -> None:
        if generation != self._generation:
            return  # a newer read (another account) is on its way
        self.show_view(view)

    def show_view(self, view: PortfolioView) -> None:
        from fractions import Fraction

        from numerbay_desktop.ui.portfolio_lots import VaultGroup

        self.view = view
        p = view.portfolio
        when = datetime.fromtimestamp(p.chain_time, tz=UTC).strftime("%d %b %Y %H:%M UTC")
        self.source.setText(self.tr("{a}…{b} · block {n} · {t}").format(
            a=p.account[:6], b=p.account[-4:], n=p.block_number, t=when))
        self.source.setToolTip(self.tr(
            "Read at block {n} (chain time {t}) from the vault lens and your vault events; "
            "account {a}.").format(n=p.block_number, t=when, a=p.account))
        if not p.lots:
            self._show_empty(self.source.text())
            return
        self._ensure_built()
        self.export_button.setEnabled(True)
        self.rebalance_button.setEnabled(bool(p.vault_infos))
        self.empty_holder.hide()
        self.scroll_area.show()
        self.totals.show_totals(view)
        self.alerts.show_alerts(view)
        if not self.rebalance.isHidden():
            self.rebalance.show_view(view)
        self.chart.show_points(view.history)
        held = p.holdings
        self.allocation.show_allocation([
            (view.name(v), Fraction(share), held.get(v, 0)) for v, share in p.allocation.items()
        ])
        for group in self.groups.values():
            group.deleteLater()
        self.groups = {}
        # Vaults with open lots first (largest value first), then those with only closed lots.
        order = sorted(p.positions, key=lambda pos: (-pos.totals.value, view.name(pos.vault)))
        for position in order:
            group = VaultGroup(view, position)
            group.vault_clicked.connect(self._open_vault)
            group.step_clicked.connect(self._step)
            group.claim_clicked.connect(lambda vault: self._step("claim", vault, 0))
            self.groups_box.addWidget(group)
            self.groups[position.vault] = group

    def _style_scroll(self) -> None:
        from numerbay_desktop.ui.theme import current_palette

        p = current_palette()
        self.scroll_area.setStyleSheet(
            "QScrollArea { background: transparent; }"
            "QScrollBar:vertical { background: transparent; width: 8px; margin: 0; }"
            f"QScrollBar::handle:vertical {{ background: {p.border}; border-radius: 4px;"
            " min-height: 32px; }"
            f"QScrollBar::handle:vertical:hover {{ background: {p.text_faint}; }}"
            "QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }"
            "QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: none; }")

    def refresh_theme(self) -> None:
        super().refresh_theme()
        self._style_scroll()
        if self._built:
            self.chart.refresh_theme()
            self.allocation.refresh_theme()
            self.alerts.refresh_theme()
            if self.view is not None:
                self.show_view(self.view)

    # -- actions -------------------------------------------------------------------------
    def _open_vault(self, address: str) -> None:
        if self.ctx is not None:
            self.ctx.vault_opened.emit(address)

    def _step(self, kind: str, vault: str, lot_id: int) -> asyncio.Task[None] | None:
        """Review and send one exit step; the portfolio reloads once it is mined."""
        from numerbay_desktop.services.exits import exit_intent

        if self.view is None:
            return None
        view = self.view
        name = view.name(vault)
        info = view.portfolio.vault_infos.get(vault) or {}
        intent = exit_intent(kind, vault, lot_id=lot_id, name=name,
                             count=int(info.get("queue_length", 1)),
                             amount=view.portfolio.claimable.get(vault, 0))

        async def intents() -> list[Any]:
            return [intent]

        return self._send(intents, STEP_WHAT[kind].format(lot=lot_id, name=name), vault, name)

    def _plan_step(self, step: PlanStep) -> asyncio.Task[None] | None:
        """One step of the rebalancing plan: its own review and signature."""
        from numerbay_desktop.services.rebalance_plan import step_intents

        if self.ctx is None:
            return None
        client, _ = self.ctx.require_chain()
        account = self.ctx.require_account().address

        async def intents() -> list[Any]:
            return await step_intents(step, client, account)

        return self._send(intents, step.text.split(" (")[0], step.vault, step.name)

    def _send(self, build: Callable[[], Awaitable[list[Any]]], what: str, vault: str,
              name: str) -> asyncio.Task[None] | None:
        from numerbay_desktop.ui.tasks import BackgroundOp
        from numerbay_desktop.ui.tx_runner import run_transactions

        if self.ctx is None:
            return None
        ctx = self.ctx

        async def act() -> bool:
            ctx.name_contract(vault, f"Vault of {name}")
            outcome = await run_transactions(self, ctx, await build(), what=what,
                                             on_review=self.review_hook,
                                             on_unlock=self.unlock_hook)
            if outcome is None or outcome.exported:
                return False
            await self.load_now()
            return True

        op: BackgroundOp[bool] = BackgroundOp(self, act, what)
        self.action_task = op.run()
        return self.action_task

    def toggle_rebalance(self) -> None:
        """Show (or hide) the rebalancing plan at the top of the portfolio."""
        if not self._built or self.view is None:
            return
        visible = self.rebalance.isHidden()
        self.rebalance.setVisible(visible)
        if visible:
            self.rebalance.show_view(self.view)
            self.scroll_area.verticalScrollBar().setValue(0)

    def export_csv(self, path: Path | None = None) -> asyncio.Task[None] | None:
        """Save the CSV of the shown portfolio to `path` (asked with a file dialog if None)."""
        from numerbay_desktop.ui.tasks import BackgroundOp

        view = self.view
        if view is None or self.ctx is None:
            return None
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            day = datetime.fromtimestamp(view.portfolio.chain_time, tz=UTC).strftime("%Y-%m-%d")
            suggested = str(Path.home() / f"numerbay-portfolio-{view.account[:8]}-{day}.csv")
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export your portfolio"), suggested, self.tr("CSV files (*.csv)"))
            if not chosen:
                return None
            path = Path(chosen)
        reader = self._reader_for()
        target = path

        async def export() -> Path:
            from numerbay_desktop.store.atomic import write_text_atomic

            rows = await reader.csv_rows(view)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            await asyncio.to_thread(write_text_atomic, target, buffer.getvalue())
            return target

        def done(saved: Path) -> None:
            if self.ctx is not None:
                self.ctx.notice.emit(self.tr("Portfolio exported to {p}").format(p=saved))

        op: BackgroundOp[Path] = BackgroundOp(self, export, self.tr("Exporting…"))
        return op.success(done).run()


def _card(title: str, widget: QWidget) -> QFrame:
    frame, layout = cards.card(title)
    layout.addWidget(widget, 1)
    return frame
