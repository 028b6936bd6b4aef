"""The round calendar's small pieces: typed stake amounts, short NMR figures, the proposal's
two lines, and the strip of rounds (one square per round, newest right)."""

from __future__ import annotations

from typing import Any

import pytest

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.round_calendar import (
    CalendarRow,
    RoundState,
    VaultFigures,
    propose_stake,
)
from numerbay_desktop.ui.round_calendar_parts import (
    RoundStrip,
    nmr_short,
    parse_nmr,
    proposal_lines,
)

WAD = 10**18


def test_typed_amounts_become_exact_wei() -> None:
    assert parse_nmr("12.5") == 12 * WAD + WAD // 2
    assert parse_nmr(" 1,000 NMR ") == 1000 * WAD
    assert parse_nmr("0.000000000000000001") == 1
    for bad in ("", "abc", "-3", "0", "1e-19", "NaN", "inf"):
        with pytest.raises(InvalidInput):
            parse_nmr(bad)


def test_short_figures_round_to_four_decimals_with_grouping() -> None:
    assert nmr_short(15_934_037_647_361_311_563_524) == "15,934.0376 NMR"
    assert nmr_short(250 * WAD) == "250 NMR"
    assert nmr_short(0) == "0 NMR"


def test_the_proposal_names_what_sets_the_amount() -> None:
    figures = VaultFigures(
        total_assets=6_400 * WAD, idle=6_400 * WAD, at_stake=0, exposed_value=6_400 * WAD,
        claimable_total=0, exits_due=0, fees_owed=0, exiting_units=0, index_ray=10**27,
        max_round_bps=100, max_at_stake_bps=10_000, last_round_id=0)
    first, second = proposal_lines(propose_stake(figures)).splitlines()
    assert first.startswith("Proposed: round cap = 64 NMR (sets the amount")  # 1% of 6,400
    assert "total assets / 64 100 NMR" in second and "idle after the exit reserve" in second


def test_the_strip_keeps_rounds_in_order_and_shows_the_newest(qtbot: Any) -> None:
    strip = RoundStrip()
    qtbot.addWidget(strip)
    strip.resize(10 * (RoundStrip.CELL + RoundStrip.GAP), 20)
    rows = [CalendarRow(n, RoundState.SETTLED) for n in range(100, 130)]
    strip.set_rows(list(reversed(rows)))
    shown = strip._shown()
    assert [r.round_id for r in shown] == list(range(120, 130))
    assert strip._cell_at(0).round_id == 120
    assert strip._cell_at(9 * (RoundStrip.CELL + RoundStrip.GAP) + 1).round_id == 129
    assert strip._cell_at(10_000) is None
