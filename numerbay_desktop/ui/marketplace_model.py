"""The marketplace's table: rows formatted once (off the GUI thread), applied incrementally.

    cells = await asyncio.to_thread(prepare_rows, snapshot.rows, model.by_key())  # no Qt
    await model.apply_in_slices(cells)   # or model.apply(cells): removals, changed cells,
                                         # appended rows, one re-sort
    proxy = MarketProxy(); proxy.setSourceModel(model)   # filters by kind/name (in C++)

The model is a QStandardItemModel: each cell's text, tooltip, colour, alignment and sort
values live in Qt's items, so a repaint (~7 roles per visible cell) never calls into Python.
Each cell keeps its display text and its sort value (a float, or the lower-case name), so
sorting compares values, never the text ("9%" vs "10%"); a missing value sorts last in
either direction. `ROW_ROLE` gives the `MarketRow` (held by the row's first cell),
`SPARK_ROLE` the sparkline's points (the sparkline cell).
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel

from numerbay_desktop.core.analytics import DEFINITIONS, as_percent
from numerbay_desktop.core.units import format_amount, format_nmr
from numerbay_desktop.services.models import MarketRow
from numerbay_desktop.ui.theme import current_palette

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
SPARK_ROLE = Qt.ItemDataRole.UserRole + 3
SORT_ASCENDING_ROLE = Qt.ItemDataRole.UserRole + 4  # as SORT_ROLE, missing = +inf
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5  # "<kind>\x1f<lower-case name>" on column 0
MISSING = float("-inf")  # sorts below every number
DASH = "—"
# Work per slice of `apply_in_slices` (each slice ~2-4 ms of GUI-thread time here, plus the
# repaint it causes, ~6 ms).
SLICE_ROWS = 60  # changed rows
SLICE_INSERTS = 25  # new rows (12 items each)
SLICE_REMOVALS = 10
SLICE_PAUSE_S = 0.001
DAY = 86_400

Index = QModelIndex | QPersistentModelIndex
_DONE = object()  # the end of `_steps`
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tooltip: str
    numeric: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("model", "Model", "The Numerai model the vault stakes on. Candidates (not yet "
           "registered by a first round stake) are marked; greyed rows are Numerai models "
           "without a vault.", numeric=False),
    Column("return_3m", "3 mo", "3-month return of the vault's index: "
           + DEFINITIONS["return_3m"]),
    Column("return_1y", "1 yr", "1-year return of the vault's index: " + DEFINITIONS["return_1y"]),
    Column("corr_rep", "CORR", "Numerai's CORR reputation (v2Leaderboard.corr20V2Rep)."),
    Column("mmc_rep", "MMC", "Numerai's MMC reputation (v2Leaderboard.mmcRep)."),
    Column("sparkline", "Index", "The vault's index per settled round (RoundSettled events), "
           "scaled to its own range: the growth of 1 NMR staked at the start."),
    Column("capacity_left", "Room", "NMR the vault can still take: capacity − total "
           "assets (VaultLens.vault_info)."),
    Column("fees", "Fees %", "Fixed fee % per year · % of profit, lowest to highest over every "
           "tier and commitment, after each commitment's discount (VaultLens.schedule)."),
    Column("commitments", "Commit", "Commitment options: how long a deposit stays, each with "
           "a fee discount (VaultLens.schedule).", numeric=False),
    Column("stakers", "Stakers", "Accounts with an open lot (Deposit, DepositCancelled and "
           "ExitFulfilled events)."),
    Column("consistency", "Consistency", "0–100. " + DEFINITIONS["consistency"]),
    Column("diversification", "Diversify", DEFINITIONS["diversification"]),
)
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}


@dataclass(frozen=True)
class Cell:
    text: str
    sort: float | str
    tooltip: str = ""
    tone: str = ""  # "", "up", "down" (coloured) or "faint"


@dataclass(frozen=True)
class PreparedRow:
    """One formatted row; equal rows are not repainted."""

    key: str
    kind: str
    name: str  # lower case, for the search
    cells: tuple[Cell, ...]
    sparkline: tuple[float, ...]
    row: MarketRow

    def same_as(self, other: PreparedRow) -> bool:
        return self.cells == other.cells and self.sparkline == other.sparkline


def _percent(value: Fraction | None, months: str, history_s: int) -> Cell:
    if value is None:
        days = history_s // DAY
        return Cell(DASH, MISSING, f"Not enough history for a {months} return yet "
                    f"({days} days of settled rounds).", "faint")
    shown = as_percent(value, 1)
    text = f"{shown:+}%" if shown else "0.0%"
    return Cell(text, float(value), f"{as_percent(value, 4):+}%",
                "up" if value > 0 else "down" if value < 0 else "")


def _score(value: float | None, places: int = 4, signed: bool = True) -> Cell:
    if value is None:
        return Cell(DASH, MISSING, "Numerai has no figure for this model.", "faint")
    shown = round(value, places) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0.000"
    text = f"{shown:+.{places}f}" if signed and shown else f"{shown:.{places}f}"
    return Cell(text, float(value), f"{value:.6g}")


def _bps(value: int, sign: bool = True) -> str:
    text = f"{(Decimal(value) / 100).normalize():f}"
    return text + "%" if sign else text


def _span(low: int, high: int, sign: bool = True) -> str:
    return _bps(low, sign) if low == high else f"{_bps(low, False)}–{_bps(high, sign)}"


def _fees(row: MarketRow) -> Cell:
    fr = row.fee_range
    if fr is None:
        return Cell(DASH, MISSING, "No fee schedule.", "faint")
    fixed = _span(fr.fixed_min_bps, fr.fixed_max_bps, False)
    text = f"{fixed} · {_span(fr.profit_min_bps, fr.profit_max_bps, False)}"
    tiers = "\n".join(
        f"from {format_nmr(t.min_stake, 0)}: {_bps(t.fixed_fee_bps)}/yr fixed, "
        f"{_bps(t.profit_share_bps)} of profit" for t in row.tiers
    )
    return Cell(text, fr.fixed_min_bps + fr.profit_min_bps / 10_000,
                f"Fixed fee % per year · % of profit\n{tiers}")


def _duration(seconds: int) -> str:
    days = seconds // DAY
    return f"{days // 30} mo" if days >= 60 and days % 30 == 0 else f"{days} d"


def _commitments(row: MarketRow) -> Cell:
    if row.kind == "model":
        return Cell(DASH, MISSING, "", "faint")
    options = [c for c in row.commitments if c.duration > 0]
    if not options:
        return Cell("none", 0.0, "No commitment options: deposits may leave once active.")
    shortest = min(options, key=lambda c: c.duration)
    longest = max(options, key=lambda c: c.duration)
    text = _duration(shortest.duration)
    if longest is not shortest:
        text += f"–{_duration(longest.duration)}"
    tip = "\n".join(f"{_duration(c.duration)}: fees −{_bps(c.discount_bps)}" for c in options)
    return Cell(text, float(max(c.duration for c in options)), tip)


def _chain_int(value: int | None, nmr: bool = False) -> Cell:
    if value is None:
        return Cell(DASH, MISSING, "", "faint")
    if nmr:  # whole NMR in the cell, the exact amount in the tooltip
        return Cell(format_amount(value, places=0), float(value), format_nmr(value, None))
    return Cell(str(value), float(value))


def prepare_row(row: MarketRow) -> PreparedRow:
    """Format one row (pure Python, safe in a worker thread)."""
    stats = row.stats
    label = row.model_name
    tip = row.vault or "No vault yet: a Numerai model on the leaderboard."
    if row.kind == "candidate":
        label += "  · candidate"
        tip += "\nCandidate: created by the factory, not yet registered by a first round stake."
    spark_tip = (f"{row.settled_rounds} settled rounds" if row.sparkline
                 else "No settled round yet.")
    if row.return_since_start is not None:
        spark_tip += f"; {as_percent(row.return_since_start, 2):+}% since the first stake"
    consistency = stats.consistency if stats is not None else None
    cells = (
        Cell(label, row.model_name.lower(), tip, "faint" if row.greyed else ""),
        _percent(row.return_3m, "3-month", row.history_seconds),
        _percent(row.return_1y, "1-year", row.history_seconds),
        _score(stats.corr_rep if stats else None, 3),
        _score(stats.mmc_rep if stats else None, 3),
        Cell("", float(row.return_since_start) if row.return_since_start is not None else MISSING,
             spark_tip),
        _chain_int(row.capacity_left, nmr=True),
        _fees(row),
        _commitments(row),
        _chain_int(row.stakers),
        _score(consistency, 0, signed=False),
        _score(row.diversification, 2, signed=False)
        if row.diversification is not None or row.kind == "model"
        else Cell(DASH, MISSING, "Hold a vault first: diversification compares with your "
                  "portfolio.", "faint"),
    )
    return PreparedRow(row.key, row.kind, row.model_name.lower(), cells, row.sparkline, row)


def prepare_rows(
    rows: Sequence[MarketRow], previous: Mapping[str, PreparedRow] | None = None
) -> list[PreparedRow]:
    """Format `rows`, reusing `previous` (by key) for rows that did not change: a refresh
    formats only what moved."""
    if not previous:
        out = [prepare_row(r) for r in rows]
        _prerender(out)
        return out
    out, fresh = [], []
    for row in rows:
        known = previous.get(row.key)
        if known is not None and known.row == row:
            out.append(known)
        else:
            fresh.append(prepare_row(row))
            out.append(fresh[-1])
    _prerender(fresh)
    return out


# Views that can draw ahead what the new rows will need (the sparkline delegate renders its
# images here), called from `prepare_rows` so that work stays off the GUI thread.
_prerenderers: list[weakref.WeakMethod[Callable[[Sequence[PreparedRow]], None]]] = []


def add_prerenderer(method: Callable[[Sequence[PreparedRow]], None]) -> None:
    """Register a bound method to run (in the formatting thread) on freshly formatted rows;
    held weakly, so a view that is gone drops out."""
    _prerenderers.append(weakref.WeakMethod(method))  # type: ignore[arg-type]


def _prerender(rows: Sequence[PreparedRow]) -> None:
    if not rows:
        return
    for ref in list(_prerenderers):
        method = ref()
        if method is None:
            with contextlib.suppress(ValueError):
                _prerenderers.remove(ref)
            continue
        try:
            method(rows)
        except Exception:  # drawing ahead is an optimisation: the paint draws what is missing
            log.exception("pre-rendering marketplace rows failed")


class MarketTableModel(QStandardItemModel):
    """The rows of the last snapshot, held in Qt's own item storage and updated in place by
    `apply`. A repaint asks ~7 roles of every visible cell: answered in C++, no `data()`
    call enters Python (that crossing cost more than the painting itself)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        for i, column in enumerate(COLUMNS):
            header = QStandardItem(column.title)
            header.setToolTip(column.tooltip)
            header.setData(_ALIGNMENTS[i], _ALIGNMENT)
            self.setHorizontalHeaderItem(i, header)
        self._rows: dict[str, PreparedRow] = {}
        self._items: dict[str, list[QStandardItem]] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.filter_moved = False
        self.last_apply_s = 0.0

    # -- reading ----------------------------------------------------------------------------
    def prepared(self, row: int) -> PreparedRow:
        item = self.item(row, 0)
        return self._rows[item.data(_ROW).key]

    def keys(self) -> list[str]:
        """The keys in the model's (sorted) order."""
        return [self.item(i, 0).data(_ROW).key for i in range(self.rowCount())]

    def by_key(self) -> dict[str, PreparedRow]:
        return dict(self._rows)

    # -- updating ---------------------------------------------------------------------------
    def apply(self, rows: Sequence[PreparedRow]) -> tuple[int, int, int]:
        """Make the model hold `rows`: removed rows leave, changed cells repaint (only the
        cells whose text, value or colour moved), new ones are appended, then one re-sort.
        Returns (added, removed, changed rows). Views keep their selection (persistent
        indexes follow)."""
        started = time.perf_counter()
        counts = [0, 0, 0]
        for _ in self._steps(rows, counts):
            pass
        self.last_apply_s = time.perf_counter() - started
        return counts[0], counts[1], counts[2]

    async def apply_in_slices(self, rows: Sequence[PreparedRow]) -> tuple[int, int, int]:
        """`apply`, handing the event loop back between slices of SLICE_ROWS rows (the view
        repaints and input is handled in between). The model is whole after every slice;
        call one at a time. `last_apply_s` is the GUI-thread CPU time of the longest slice."""
        import asyncio

        counts = [0, 0, 0]
        longest = 0.0
        steps = self._steps(rows, counts)
        while True:
            started = time.thread_time()
            done = next(steps, _DONE) is _DONE
            longest = max(longest, time.thread_time() - started)
            if done:
                break
            # A timer's wait, not sleep(0): Qt runs every ready callback of one pass before
            # due timers, so sleep(0) would chain the slices (and their repaints) into one stall.
            await asyncio.sleep(SLICE_PAUSE_S)
        self.last_apply_s = longest
        return counts[0], counts[1], counts[2]

    def _steps(self, rows: Sequence[PreparedRow], counts: list[int]) -> Iterator[None]:
        """`apply` as slices: yields whenever a slice's work is done (counts: added, removed,
        changed)."""
        fresh = {r.key: r for r in rows}
        gone = [key for key in self._rows if key not in fresh]
        for n, key in enumerate(gone, 1):
            self.removeRow(self._items.pop(key)[0].row())
            del self._rows[key]
            if n % SLICE_REMOVALS == 0:
                yield
        counts[1] = len(gone)
        changed_columns: set[int] = set()
        self.filter_moved = False  # a kind or name changed: the proxy must filter again
        pending = [(key, new) for key, new in fresh.items()
                   if key in self._rows and new is not self._rows[key]]
        for start in range(0, len(pending), SLICE_ROWS):
            touched: list[QStandardItem] = []
            self.blockSignals(True)  # one dataChanged per changed cell below, not one per role
            try:
                for key, new in pending[start:start + SLICE_ROWS]:
                    old = self._rows[key]
                    self._rows[key] = new
                    items = self._items[key]
                    if new.row is not old.row:  # ROW_ROLE gives the newest row (no repaint)
                        items[0].setData(new.row, _ROW)
                    if new.same_as(old):
                        continue
                    columns = _update_items(items, old, new)
                    touched.extend(items[c] for c in columns)
                    changed_columns.update(columns)
                    counts[2] += 1
                    if new.kind != old.kind or new.name != old.name:
                        self.filter_moved = True
            finally:
                self.blockSignals(False)
            # Qt emits these (C++): `dataChanged.emit` from Python leaks a reference to True
            # per call in PySide6 6.12 (CPython aborts when it runs out); and one cell's
            # signal repaints that cell only when it is on screen.
            for item in touched:
                item.emitDataChanged()
            if touched:
                yield
        added = [r for r in rows if r.key not in self._rows]
        for n, row in enumerate(added, 1):
            items = _make_items(row)
            self._rows[row.key] = row
            self._items[row.key] = items
            self.appendRow(items)
            if n % SLICE_INSERTS == 0:
                yield
        counts[0] = len(added)
        if self._sort is not None and (
            added or gone or self._sort[0] in changed_columns or self._sort[0] == _NAME_COLUMN
        ):
            yield  # the re-sort relayouts and repaints the whole view: a slice of its own
            self._resort(by_name=False)

    def recolour(self) -> None:
        """Re-resolve the tones' colours after a theme change."""
        for key, items in self._items.items():  # only cells with a tone have a colour
            prepared = self._rows[key]
            for item, cell in zip(items, prepared.cells, strict=True):
                if cell.tone or prepared.row.greyed:
                    item.setData(_foreground(prepared, cell), _FOREGROUND)

    # -- sorting ----------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by `column`'s value (in C++, on the stored sort values: never the
        text, "9%" vs "10%"). Missing values stay last in either direction; ties go by name."""
        self._sort = (column, order) if 0 <= column < len(COLUMNS) else None
        self._resort()

    def _resort(self, by_name: bool = True) -> None:
        # A refresh re-sorts in one pass (`by_name=False`): ties keep their order from the
        # last full sort, and rows new since then follow the others of their value.
        if self._sort is None or self.rowCount() < 2:
            return
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        if column != _NAME_COLUMN and by_name:  # ties by name: Qt's sort is stable
            self.setSortRole(_SORT_ASC)
            super().sort(_NAME_COLUMN, Qt.SortOrder.AscendingOrder)
        # Missing is -inf in SORT_ROLE and +inf in the ascending role: last either way.
        self.setSortRole(_SORT if descending else _SORT_ASC)
        super().sort(column, order)


def _foreground(prepared: PreparedRow, cell: Cell) -> QColor | None:
    tone = "faint" if prepared.row.greyed else cell.tone
    return _colour(tone) if tone else None


def _fill(item: QStandardItem, prepared: PreparedRow, cell: Cell,
          before: Cell | None = None, recolour: bool = True) -> None:
    """Write `cell` into `item`: every role, or only those that differ from `before`."""
    if before is None or cell.text != before.text:
        item.setData(cell.text, _DISPLAY)
    if before is None or cell.sort != before.sort:
        item.setData(cell.sort, _SORT)
        item.setData(_ascending(cell.sort), _SORT_ASC)
    if before is None or cell.tooltip != before.tooltip:
        item.setData(cell.tooltip or None, _TOOLTIP)
    if recolour or before is None or cell.tone != before.tone:
        item.setData(_foreground(prepared, cell), _FOREGROUND)


def _make_items(prepared: PreparedRow) -> list[QStandardItem]:
    items = []
    for column, cell in enumerate(prepared.cells):
        item = QStandardItem()
        item.setEditable(False)
        item.setData(_ALIGNMENTS[column], _ALIGNMENT)
        _fill(item, prepared, cell)
        items.append(item)
    items[0].setData(prepared.row, _ROW)
    items[_SPARK_COLUMN].setData(prepared.sparkline, _SPARK)
    items[0].setData(f"{prepared.kind}\x1f{prepared.name}", _FILTER)
    return items


def _update_items(items: list[QStandardItem], old: PreparedRow, new: PreparedRow) -> list[int]:
    """Write what changed from `old` to `new` into the row's items; the changed columns."""
    changed = []
    greyed = old.row.greyed != new.row.greyed
    for column, (item, before, after) in enumerate(zip(items, old.cells, new.cells,
                                                       strict=True)):
        if before != after or greyed:
            _fill(item, new, after, before, greyed)
            changed.append(column)
    if old.sparkline != new.sparkline:
        items[_SPARK_COLUMN].setData(new.sparkline, _SPARK)
        changed.append(_SPARK_COLUMN)
    if old.kind != new.kind or old.name != new.name:
        items[0].setData(f"{new.kind}\x1f{new.name}", _FILTER)
        changed.append(0)
    return changed


def _ascending(value: float | str) -> float | str:
    return float("inf") if value == MISSING else value


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_SORT, _ROW, _SPARK = int(SORT_ROLE), int(ROW_ROLE), int(SPARK_ROLE)
_SORT_ASC, _FILTER = int(SORT_ASCENDING_ROLE), int(FILTER_ROLE)
_NAME_COLUMN = COLUMN_INDEX["model"]
_SPARK_COLUMN = COLUMN_INDEX["sparkline"]
_colours: dict[tuple[str, str], QColor] = {}


def _colour(tone: str) -> QColor:
    """The QColor of a tone in the current theme (made once per theme)."""
    palette = current_palette()
    colour = _colours.get((palette.name, tone))
    if colour is None:
        name = {"faint": palette.text_faint, "up": palette.success, "down": palette.danger}[tone]
        colour = _colours[(palette.name, tone)] = QColor(name)
    return colour


def _alignment(column: Column) -> int:
    flag = Qt.AlignmentFlag
    return int((flag.AlignRight if column.numeric else flag.AlignLeft) | flag.AlignVCenter)


_ALIGNMENTS = tuple(_alignment(c) for c in COLUMNS)


class MarketProxy(QSortFilterProxyModel):
    """Shows registered vaults, plus candidates and greyed models when their toggles are on,
    whose name contains the search text. The filter is a regular expression over FILTER_ROLE
    ("<kind>\\x1f<lower-case name>"), so Qt filters in C++ without calling into Python per
    row; sorting is the source model's (by value)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        # The source sorts itself, and a row's kind and name rarely change (when they do the
        # source's dataChanged for column 0 is enough to re-filter it once, see apply).
        self.setDynamicSortFilter(False)
        self._search = ""
        self._kinds = {"vault"}
        self._set_pattern()

    def _set_pattern(self) -> None:
        kinds = "|".join(sorted(self._kinds))
        search = QRegularExpression.escape(self._search)
        self.setFilterRegularExpression(QRegularExpression(f"^(?:{kinds})\x1f.*{search}"))

    def set_search(self, text: str) -> None:
        self._search = text.strip().lower()
        self._set_pattern()

    def refilter(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_shown(self, *, candidates: bool, models: bool) -> None:
        kinds = {"vault"} | ({"candidate"} if candidates else set()) | (
            {"model"} if models else set())
        if kinds != self._kinds:
            self._kinds = kinds
            self._set_pattern()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in the source model (fast, by value); the proxy keeps its order."""
        model = self.sourceModel()
        assert isinstance(model, MarketTableModel)
        model.sort(column, order)
