"""The marketplace's table: rows formatted once (off the GUI thread), applied incrementally.

    cells = await asyncio.to_thread(prepare_rows, snapshot.rows)   # formatting, no Qt
    model.apply(cells)          # removals, dataChanged for changed rows, one insert at the end
    proxy = MarketProxy(); proxy.setSourceModel(model)   # sorts by value, filters by name/kind

Each cell keeps its display text and its sort value (a float, or the lower-case name), so
sorting compares values, never the text ("9%" vs "10%"). A missing value sorts below every
number. `ROW_ROLE` gives the `MarketRow` itself, `SPARK_ROLE` the sparkline's points.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from numerbay_desktop.core.analytics import DEFINITIONS, as_percent
from numerbay_desktop.core.units import format_amount, format_nmr
from numerbay_desktop.services.models import MarketRow
from numerbay_desktop.ui.theme import current_palette

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
SPARK_ROLE = Qt.ItemDataRole.UserRole + 3
MISSING = float("-inf")  # sorts below every number
DASH = "—"
MAX_RUNS = 16
DAY = 86_400

Index = QModelIndex | QPersistentModelIndex
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


class MarketTableModel(QAbstractTableModel):
    """The rows of the last snapshot, updated in place by `apply`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PreparedRow] = []
        self._position: dict[str, int] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.filter_moved = False
        self.last_apply_s = 0.0

    # -- reading ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def prepared(self, row: int) -> PreparedRow:
        return self._rows[row]

    def keys(self) -> list[str]:
        return [r.key for r in self._rows]

    def by_key(self) -> dict[str, PreparedRow]:
        return {r.key: r for r in self._rows}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Plain ints, checked before any lookup: a repaint asks ~10 roles of every cell and
        # most of them are not ours (comparing with the enum members costs more than this).
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        prepared = self._rows[index.row()]
        if role == _DISPLAY:
            return prepared.cells[index.column()].text
        if role == _FOREGROUND:
            tone = "faint" if prepared.row.greyed else prepared.cells[index.column()].tone
            return _colour(tone) if tone else None
        if role == _ALIGNMENT:
            return _ALIGNMENTS[index.column()]
        if role == _SORT:
            return prepared.cells[index.column()].sort
        if role == _TOOLTIP:
            return prepared.cells[index.column()].tooltip or None
        if role == _ROW:
            return prepared.row
        return prepared.sparkline  # SPARK_ROLE

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column)
        return None

    # -- updating ---------------------------------------------------------------------------
    def apply(self, rows: Sequence[PreparedRow]) -> tuple[int, int, int]:
        """Make the model hold `rows`: removed rows leave, changed ones repaint (one dataChanged
        per run of neighbours), new ones are inserted at the end. Returns (added, removed,
        changed). Views keep their selection (persistent indexes follow)."""
        started = time.perf_counter()
        fresh = {r.key: r for r in rows}
        gone = [i for i, r in enumerate(self._rows) if r.key not in fresh]
        for start, end in reversed(_runs(gone)):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._rows[start:end + 1]
            self.endRemoveRows()
        if gone:
            self._position = {r.key: i for i, r in enumerate(self._rows)}
        changed: list[int] = []
        self.filter_moved = False  # a kind or name changed: the proxy must filter again
        for i, old in enumerate(self._rows):
            new = fresh[old.key]
            if new is not old and not new.same_as(old):
                changed.append(i)
                if new.kind != old.kind or new.name != old.name:
                    self.filter_moved = True
            self._rows[i] = new
        last = len(COLUMNS) - 1
        runs = _runs(changed)
        if len(runs) > MAX_RUNS:  # one signal over the span beats hundreds of small ones
            runs = [(runs[0][0], runs[-1][1])]
        for start, end in runs:
            self.dataChanged.emit(self.index(start, 0), self.index(end, last))
        added = [r for r in rows if r.key not in self._position]
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            for offset, row in enumerate(added):
                self._rows.append(row)
                self._position[row.key] = first + offset
            self.endInsertRows()
        self._resort()
        self.last_apply_s = time.perf_counter() - started
        return len(added), len(gone), len(changed)


    # -- sorting ----------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by `column`'s value (Python's sort on the prepared values: the
        proxy sorting through `data()` would call into Python for every comparison)."""
        self._sort = (column, order) if 0 <= column < len(COLUMNS) else None
        self._resort()

    def _resort(self) -> None:
        if self._sort is None or len(self._rows) < 2:
            return
        column, order = self._sort
        # Keys made once and looked up by index (no lambda and double indexing per comparison:
        # this runs on the GUI thread after every refresh). Missing values stay last in either
        # direction; ties go by name.
        keys = [(r.cells[column].sort, r.name) for r in self._rows]
        present = [i for i, key in enumerate(keys) if key[0] != MISSING]
        missing = [i for i, key in enumerate(keys) if key[0] == MISSING]
        present.sort(key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        names = [key[1] for key in keys]
        missing.sort(key=names.__getitem__)
        ranked = present + missing
        if all(i == n for n, i in enumerate(ranked)):
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {old: new for new, old in enumerate(ranked)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(persistent, [
            self.index(new_row[i.row()], i.column()) if i.isValid() else QModelIndex()
            for i in persistent
        ])
        self._rows = [self._rows[i] for i in ranked]
        self._position = {r.key: i for i, r in enumerate(self._rows)}
        self.layoutChanged.emit()


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_SORT, _ROW, _SPARK = int(SORT_ROLE), int(ROW_ROLE), int(SPARK_ROLE)
_ROLES = frozenset((_DISPLAY, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _SORT, _ROW, _SPARK))
_colours: dict[tuple[str, str], QColor] = {}


def _colour(tone: str) -> QColor:
    """The QColor of a tone in the current theme (made once: paints ask for it per cell)."""
    palette = current_palette()
    colour = _colours.get((palette.name, tone))
    if colour is None:
        name = {"faint": palette.text_faint, "up": palette.success, "down": palette.danger}[tone]
        colour = _colours[(palette.name, tone)] = QColor(name)
    return colour


def _alignment(column: Column) -> int:
    flag = Qt.AlignmentFlag
    return int((flag.AlignRight if column.numeric else flag.AlignLeft) | flag.AlignVCenter)


def _runs(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


_ALIGNMENTS = tuple(_alignment(c) for c in COLUMNS)


class MarketProxy(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE`; shows registered vaults, plus candidates and greyed models when
    their toggles are on, whose name contains the search text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        # The source sorts itself, and a row's kind and name rarely change: re-filtering on
        # every dataChanged would call filterAcceptsRow for each changed row (see refilter).
        self.setDynamicSortFilter(False)
        self._search = ""
        self._kinds = {"vault"}

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._search = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def refilter(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_shown(self, *, candidates: bool, models: bool) -> None:
        kinds = {"vault"} | ({"candidate"} if candidates else set()) | (
            {"model"} if models else set())
        if kinds != self._kinds:
            self.beginFilterChange()
            self._kinds = kinds
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in the source model (fast, by value); the proxy keeps its order."""
        model = self.sourceModel()
        assert isinstance(model, MarketTableModel)
        model.sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, MarketTableModel)
        prepared = model.prepared(source_row)
        return prepared.kind in self._kinds and self._search in prepared.name
