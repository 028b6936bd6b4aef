"""The marketplace page on the devnet world (real anvil, real vaults, the local Numerai):
the rows equal the service's, sorting orders by value, search and toggles filter, a refresh
after a day of the world updates rows in place (no reset, selection kept), the cache paints
a new page before any network, and Enter on a row selects its vault."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.core.units import format_amount, format_nmr
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.models import visible_rows
from numerbay_desktop.services.refresh import MarketRefresher
from numerbay_desktop.store.cache import Cache
from numerbay_desktop.ui.marketplace_model import COLUMN_INDEX, SORT_ROLE
from numerbay_desktop.ui.pages.marketplace import MarketplacePage
from numerbay_desktop.ui.theme import apply_theme, current_palette

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _until(condition: Any, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def _column(page: MarketplacePage, key: str, role: int = SORT_ROLE) -> list[Any]:
    column = COLUMN_INDEX[key]
    return [page.proxy.index(i, column).data(role) for i in range(page.proxy.rowCount())]


async def test_marketplace_page_on_the_devnet(devnet: Any, qapp: QApplication,
                                              tmp_path: Path) -> None:
    apply_theme(qapp, "light")
    info = devnet.describe()
    cache = Cache(tmp_path / "cache.sqlite3")
    numerai = NumeraiClient(info["numerai_url"], timeout=20)
    page = MarketplacePage()
    page.resize(1180, 700)
    page.show()
    async with ChainClient(devnet_from_world(info)) as client:
        market = MarketplaceService(client, numerai, cache)
        page.set_services(market)
        assert page.opening is not None
        await page.opening
        await _until(lambda: page.applied >= 1)
        snapshot = page.snapshot
        assert snapshot is not None and not snapshot.from_cache
        assert page.market_view.isVisible() and not page.empty_state.isVisible()  # type: ignore[union-attr]
        assert f"block {snapshot.block_number:,}" in page.source_label.text()

        # The demo vaults, each equal to the service's row, its figures formatted from it.
        page.candidates_toggle.setChecked(True)
        shown = page.shown_rows()
        assert sorted(str(r.vault) for r in shown) == sorted(info["vaults"])
        expected = visible_rows(snapshot, include_candidates=True)
        assert {r.key: r for r in shown} == {r.key: r for r in expected}
        for i, row in enumerate(shown):
            assert row.capacity_left is not None
            tip = page.proxy.index(i, COLUMN_INDEX["capacity_left"]).data(
                Qt.ItemDataRole.ToolTipRole)
            assert tip == format_nmr(row.capacity_left, None)
            assert page.cell_text(i, "capacity_left") == format_amount(row.capacity_left, places=0)
            assert page.cell_text(i, "stakers") == str(row.stakers)
            text = page.cell_text(i, "return_3m")
            if row.return_3m is None:
                assert text == "—"
                tip = page.proxy.index(i, COLUMN_INDEX["return_3m"]).data(
                    Qt.ItemDataRole.ToolTipRole)
                assert "Not enough history" in tip
            else:
                assert abs(float(text.rstrip("%")) - float(row.return_3m) * 100) <= 0.05
        assert any(len(r.sparkline) > 1 for r in shown)

        # Sorting orders by the value, not the text.
        column = COLUMN_INDEX["capacity_left"]
        page.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        values = [float(r.capacity_left or 0) for r in page.shown_rows()]
        assert values == sorted(values)
        page.table.sortByColumn(COLUMN_INDEX["return_3m"], Qt.SortOrder.DescendingOrder)
        returns = _column(page, "return_3m")
        assert returns == sorted(returns, reverse=True)

        # Search filters by model name.
        needle = shown[0].model_name[:4].lower()
        page.search.setText(needle)
        assert 0 < page.proxy.rowCount() <= len(shown)
        assert all(needle in r.model_name.lower() for r in page.shown_rows())
        assert page.proxy.rowCount() == sum(needle in r.model_name.lower() for r in shown)
        page.search.clear()

        # Numerai models without a vault: added, greyed.
        models = [r for r in snapshot.rows if r.kind == "model"]
        assert models, "the local Numerai lists models without a vault"
        page.models_toggle.setChecked(True)
        assert page.proxy.rowCount() == len(shown) + len(models)
        faint = QColor(current_palette().text_faint)
        for i, row in enumerate(page.shown_rows()):
            colour = page.proxy.index(i, 0).data(Qt.ItemDataRole.ForegroundRole)
            assert (colour == faint) == row.greyed
        page.models_toggle.setChecked(False)

        # A day of the world, then Refresh: rows change in place, the selection stays.
        page.table.selectRow(0)
        selected = page.shown_rows()[0].key
        events: dict[str, int] = {"reset": 0, "inserted": 0, "removed": 0, "changed": 0}
        page.model.modelReset.connect(lambda: events.__setitem__("reset", events["reset"] + 1))
        page.model.rowsInserted.connect(
            lambda *_: events.__setitem__("inserted", events["inserted"] + 1))
        page.model.rowsRemoved.connect(
            lambda *_: events.__setitem__("removed", events["removed"] + 1))
        page.model.dataChanged.connect(
            lambda *_: events.__setitem__("changed", events["changed"] + 1))
        await asyncio.to_thread(devnet.advance, 1)
        page.refresh()
        assert page._refreshing is not None
        await page._refreshing
        later = page.snapshot
        assert later is not None and later.block_number > snapshot.block_number
        assert events["reset"] == events["inserted"] == events["removed"] == 0
        assert events["changed"] >= 1
        assert {r.key: r for r in page.shown_rows()} == {
            r.key: r for r in visible_rows(later, include_candidates=True)}
        current = page.table.selectionModel().selectedRows()
        assert len(current) == 1
        assert page.proxy.index(current[0].row(), 0).data(Qt.ItemDataRole.UserRole + 1).key == (
            selected)

        # Enter on a vault row selects it.
        chosen: list[str] = []
        page.vault_selected.connect(chosen.append)
        page.table.setCurrentIndex(page.proxy.index(current[0].row(), 0))
        QTest.keyClick(page.table, Qt.Key.Key_Return)
        assert chosen == [selected]
        await page.close_services()

        # The next page opens from the cache before any network read.
        second = MarketplacePage()
        second_market = MarketplaceService(client, numerai, cache)
        second.set_services(second_market, lambda m: MarketRefresher(m))
        assert second.opening is not None
        await second.opening
        assert second.snapshot is not None and second.snapshot.from_cache
        assert second.snapshot.rows == later.rows
        assert "refreshing" in second.source_label.text()
        await second.close_services()
    numerai.close()
    page.close()
    page.deleteLater()
