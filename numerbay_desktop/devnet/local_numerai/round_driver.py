"""The Numerai side of the round life cycle on the local chain, driven by the chain's clock.

Given the current chain time, `RoundDriver.tick` opens each Atomic-staking round whose stake
window has begun (the staking desk creates it on chain), resolves each opened round whose
resolve time has passed with the tournament's per-model returns, and lets the desk finalize
positions left unclaimed for 7 days. Ticks are idempotent, so the server can tick before
every request and a timer can tick in between.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_ROUND
from numerbay_desktop.devnet.local_numerai.tournament import Tournament


class Desk(Protocol):
    """What the driver needs of `staking_desk.StakingDesk`."""

    def open_round(self, round_id: int, open_time: int, close_time: int) -> None: ...

    def resolve_round(self, round_id: int, return_wad_by_model: dict[str, int]) -> Any: ...

    def finalize_stale(self, now: int) -> list[Any]: ...

    def snapshot(self) -> object: ...

    def restore(self, snap: object) -> None: ...


@dataclass
class TickReport:
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    finalized: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class DriverSnapshot:
    opened: frozenset[int]
    resolved: frozenset[int]
    desk: object


class RoundDriver:
    def __init__(self, tournament: Tournament, desk: Desk) -> None:
        self.tournament = tournament
        self.desk = desk
        self.opened: set[int] = set()
        self.resolved: set[int] = set()
        self._lock = threading.RLock()

    def return_wads(self, round_number: int) -> dict[str, int]:
        """Every submitting model's return for the round, in wad, keyed by Numerai model id."""
        t = self.tournament
        return {
            m.id: t.round_return_wad(round_number, m.id)
            for m in t.models
            if t.submitted(m.id, round_number)
        }

    def tick(self, now: int) -> TickReport:
        report = TickReport()
        t = self.tournament
        cal = t.calendar
        with self._lock:
            current = cal.current_round(now)
            # The stake window is shorter than a round period: only the newest round or two
            # can be open; rounds whose window passed unseen are never opened.
            for number in (current - 1, current):
                times = cal.times(number)
                if (
                    number >= ABS_CUTOVER_ROUND
                    and t.has_round(number)
                    and number not in self.opened
                    and times.open_time <= now < times.close_staking_time
                ):
                    self.desk.open_round(number, times.open_time, times.close_staking_time)
                    self.opened.add(number)
                    report.opened.append(number)
            for number in sorted(self.opened - self.resolved):
                if cal.times(number).resolve_time <= now:
                    self.desk.resolve_round(number, self.return_wads(number))
                    self.resolved.add(number)
                    report.resolved.append(number)
            report.finalized = list(self.desk.finalize_stale(now) or [])
        return report

    def is_open_for_stakes(self, number: int, now: float) -> bool:
        times = self.tournament.calendar.times(number)
        with self._lock:
            return number in self.opened and times.open_time <= now < times.close_staking_time

    def snapshot(self) -> DriverSnapshot:
        with self._lock:
            return DriverSnapshot(
                frozenset(self.opened), frozenset(self.resolved), self.desk.snapshot()
            )

    def restore(self, snap: DriverSnapshot) -> None:
        with self._lock:
            self.desk.restore(snap.desk)
            self.opened = set(snap.opened)
            self.resolved = set(snap.resolved)
