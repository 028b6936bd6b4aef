"""Parts of the staking form: the fee step chart, the scenario table and the plain-words text.

Amounts arrive as integer wei and leave as text; floats only become chart coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from numerbay_desktop.core import fees
from numerbay_desktop.core.units import format_amount
from numerbay_desktop.core.vault_math import RAY
from numerbay_desktop.ui.theme import current_palette

WEI = 10**18
DAY = 86_400
def pct(bps: int) -> str:
    text = f"{Decimal(bps) / 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def nmr(wei: int, places: int = 2) -> str:
    return format_amount(wei, places=places, symbol="NMR", round_half_even=True)


def usd(wei: int, price: Decimal | None) -> str:
    """" ($12.34)" when Numerai gave a price, else nothing."""
    if price is None:
        return ""
    value = (Decimal(wei) / WEI * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    sign = "-" if value < 0 else ""
    return f" ({sign}${abs(value):,.2f})"


def date_text(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%d %b %Y")


def duration_text(seconds: int) -> str:
    if seconds == 0:
        return "no lock"
    days = seconds / DAY
    return f"{days:.0f} days" if seconds % DAY == 0 else f"{days:.1f} days"


def commitment_label(duration: int, discount_bps: int) -> str:
    lock = "No lock-in" if duration == 0 else f"Locked {duration_text(duration)}"
    off = f" — {pct(discount_bps)} off both fees" if discount_bps else " — no discount"
    return lock + off


def exit_words(unlock_time: int, now: int) -> str:
    when = ("right away once it is active" if unlock_time <= now
            else f"from {date_text(unlock_time)}, once it is active")
    return (f"You may ask to leave {when}. Leaving is not instant: Numerai rounds resolve "
            "in about 1–3 months, so your NMR stays in the rounds it already joined, and at "
            "risk, until they resolve; then it is paid out and you claim it.")


def growth_text(growth_ray: int) -> str:
    change = Decimal(growth_ray - RAY) / RAY * 100
    return f"{change:+.1f}%"


class FeeChart(pg.PlotWidget):  # type: ignore[misc]
    """Fixed fee and profit share (%) against the amount deposited, a marker at the amount."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(190)
        self.setMouseEnabled(x=False, y=False)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.fixed_line = pg.PlotDataItem([0, 1], [0], stepMode="center",
                                          name="Fixed fee (% a year)")
        self.profit_line = pg.PlotDataItem([0, 1], [0], stepMode="center",
                                           name="Profit share (%)")
        self.legend = item.addLegend(offset=(-8, 4))
        self.addItem(self.fixed_line)
        self.addItem(self.profit_line)
        self.marker = pg.InfiniteLine(pos=0, angle=90, movable=False)
        self.addItem(self.marker)
        item.setLabel("bottom", "Your deposit (NMR)")
        item.setLabel("left", "%")
        self.refresh_theme()

    def refresh_theme(self) -> None:
        palette = current_palette()
        self.setBackground(palette.surface)
        item = self.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.15)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.border))
            axis.setTextPen(pg.mkPen(palette.text_muted))
        self.legend.setLabelTextColor(palette.text_muted)
        self.fixed_line.setPen(pg.mkPen(palette.accent, width=2.4))
        self.profit_line.setPen(pg.mkPen(palette.warning, width=2.4))
        self.marker.setPen(pg.mkPen(palette.success, width=2, style=Qt.PenStyle.DashLine))

    def show_steps(self, steps: Sequence[fees.CurveStep], amount: int) -> None:
        last = steps[-1].start if steps else 0
        end = max(last * 3 // 2, amount * 13 // 10, 100 * WEI)
        edges, fixed, profit = fees.curve_xy(steps, end)
        self.fixed_line.setData(edges, fixed, stepMode="center")
        self.profit_line.setData(edges, profit, stepMode="center")
        self.marker.setValue(amount / WEI)
        top = max([*fixed, *profit, 1.0])
        self.setXRange(0, end / WEI, padding=0.02)
        self.setYRange(0, top * 1.25, padding=0)


SCENARIO_COLUMNS = ("Year", "Vault return", "You keep", "Owner earns", "vs holding")


class ScenarioTable(QTableWidget):
    def __init__(self) -> None:
        super().__init__(3, len(SCENARIO_COLUMNS))
        self.setHorizontalHeaderLabels(list(SCENARIO_COLUMNS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(28)
        self.setFixedHeight(28 * 3 + header.sizeHint().height() + 4)

    def show_rows(self, rows: Sequence[fees.Scenario], price: Decimal | None) -> None:
        self.clearContents()
        palette = current_palette()
        for r, row in enumerate(rows):
            cells = (row.name.capitalize(), growth_text(row.growth_ray),
                     nmr(row.staker_keeps),
                     nmr(row.owner_earns), ("+" if row.vs_holding > 0 else "")
                     + nmr(row.vs_holding))
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if c == 2 and price is not None:
                    cell.setToolTip(usd(row.staker_keeps, price).strip(" ()"))
                align = Qt.AlignmentFlag.AlignVCenter
                align |= Qt.AlignmentFlag.AlignLeft if c == 0 else Qt.AlignmentFlag.AlignRight
                cell.setTextAlignment(align)
                if c == 4:
                    colour = palette.success if row.vs_holding >= 0 else palette.danger
                    cell.setForeground(pg.mkColor(colour))
                self.setItem(r, c, cell)
