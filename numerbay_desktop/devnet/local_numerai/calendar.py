"""Numerai Classic's round calendar as a pure function of a clock.

Rounds are daily. Round 1343 (the cutover to Atomic staking) opened on 2026-08-28 at 13:00 UTC;
every other round is a whole number of round periods before or after it. A round takes stakes
for most of its first day, is scored daily from a few days after it opens and resolves about
4-5 weeks after opening, so about 33 rounds resolve while about 64 share the stake (Numerai
sizes each round's stake as TVL / 64). All durations are counted in round periods, so shrinking
`round_seconds` compresses the whole calendar for the devnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ABS_CUTOVER_ROUND = 1343
ABS_CUTOVER_OPEN = int(datetime(2026, 8, 28, 13, 0, tzinfo=UTC).timestamp())
CONCURRENT_ROUNDS = 64
SCORING_DAYS = 20


@dataclass(frozen=True)
class RoundTimes:
    number: int
    open_time: int
    close_staking_time: int
    score_time: int
    resolve_time: int


@dataclass(frozen=True)
class Calendar:
    anchor_round: int = ABS_CUTOVER_ROUND
    anchor_open: int = ABS_CUTOVER_OPEN
    round_seconds: int = 86_400
    # Fractions of a round period, so the calendar compresses as a whole.
    staking_window: float = 23 / 24
    score_delay_rounds: int = 5
    resolve_rounds: int = 33

    def open_time(self, number: int) -> int:
        return self.anchor_open + (number - self.anchor_round) * self.round_seconds

    def times(self, number: int) -> RoundTimes:
        opened = self.open_time(number)
        return RoundTimes(
            number=number,
            open_time=opened,
            close_staking_time=opened + int(self.staking_window * self.round_seconds),
            score_time=opened + self.score_delay_rounds * self.round_seconds,
            resolve_time=opened + self.resolve_rounds * self.round_seconds,
        )

    def current_round(self, now: float) -> int:
        """The latest round whose open time has passed."""
        return self.anchor_round + int((now - self.anchor_open) // self.round_seconds)

    def latest_resolved_round(self, now: float) -> int:
        return self.current_round(now) - self.resolve_rounds

    def scoring_day(self, number: int, now: float) -> int:
        """How many daily scores a round has at `now`: 0 before scoring, 20 once resolved."""
        times = self.times(number)
        if now < times.score_time:
            return 0
        if now >= times.resolve_time:
            return SCORING_DAYS
        span = times.resolve_time - times.score_time
        return 1 + int((SCORING_DAYS - 1) * (now - times.score_time) // span)

    def status(self, number: int, now: float) -> str:
        """Numerai's RoundStatus: UPCOMING, OPEN (taking stakes), RESOLVING, RESOLVED."""
        times = self.times(number)
        if now < times.open_time:
            return "UPCOMING"
        if now < times.close_staking_time:
            return "OPEN"
        if now < times.resolve_time:
            return "RESOLVING"
        return "RESOLVED"


def iso_time(timestamp: float) -> str:
    """Numerai's `Time` scalar: ISO 8601 in UTC with a Z."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
