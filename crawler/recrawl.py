"""Adaptive recrawl: how long to wait before fetching a URL again.

Like Nutch's AdaptiveFetchSchedule: the interval shrinks when the content changed and grows when
it did not, between a minimum and a maximum, so articles that stopped changing are re-checked
rarely but never never. Failures back off exponentially from the current interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Change(StrEnum):
    """What a fetch found, as far as the schedule is concerned."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RecrawlPolicy:
    """Bounds and rates of the adaptive interval (seconds)."""

    initial: int = 6 * 3600
    minimum: int = 3600
    maximum: int = 30 * 86400
    grow: float = 0.5
    shrink: float = 0.3
    failure_backoff: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.initial <= self.maximum:
            raise ValueError(
                f"need 0 < minimum ({self.minimum}) <= initial ({self.initial}) "
                f"<= maximum ({self.maximum})"
            )
        if self.grow < 0 or not 0 <= self.shrink < 1 or self.failure_backoff < 1:
            raise ValueError("need grow >= 0, 0 <= shrink < 1 and failure_backoff >= 1")

    def next_interval(self, current: int, change: Change) -> int:
        """The URL's interval after a fetch that found ``change`` (a failure keeps it)."""
        if change is Change.CHANGED:
            value = current * (1 - self.shrink)
        elif change is Change.UNCHANGED:
            value = current * (1 + self.grow)
        else:
            value = current
        return int(min(max(value, self.minimum), self.maximum))

    def delay(self, interval: int, change: Change, failures: int) -> int:
        """Seconds until the next fetch: the interval, or a backoff after ``failures`` in a row.

        The first failure retries after the minimum interval; each further one waits
        ``failure_backoff`` times longer, never longer than the URL's interval.
        """
        if change is not Change.FAILED:
            return interval
        backoff = self.minimum * self.failure_backoff ** max(failures - 1, 0)
        return int(min(backoff, max(interval, self.minimum)))
