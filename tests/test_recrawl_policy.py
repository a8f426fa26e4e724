"""The adaptive recrawl interval: shorter after a change, longer after none, within bounds."""

from __future__ import annotations

import pytest

from crawler.recrawl import Change, RecrawlPolicy
from storage.leases import change_of
from storage.types import Outcome

POLICY = RecrawlPolicy(initial=3600, minimum=600, maximum=86400, grow=0.5, shrink=0.5)


def test_interval_shrinks_on_change_and_grows_without() -> None:
    assert POLICY.next_interval(3600, Change.CHANGED) == 1800
    assert POLICY.next_interval(3600, Change.UNCHANGED) == 5400
    assert POLICY.next_interval(3600, Change.FAILED) == 3600


def test_interval_stays_within_its_bounds() -> None:
    interval = 3600
    for _ in range(50):
        interval = POLICY.next_interval(interval, Change.UNCHANGED)
    assert interval == 86400  # re-checked rarely, but never never
    for _ in range(50):
        interval = POLICY.next_interval(interval, Change.CHANGED)
    assert interval == 600


def test_failures_back_off_from_the_minimum_up_to_the_interval() -> None:
    delays = [POLICY.delay(7200, Change.FAILED, failures) for failures in (1, 2, 3, 4, 5)]
    assert delays == [600, 1200, 2400, 4800, 7200]
    assert POLICY.delay(7200, Change.UNCHANGED, 0) == 7200


@pytest.mark.parametrize(
    ("outcome", "reason", "version", "change"),
    [
        (Outcome.NEW_VERSION, None, 1, Change.UNCHANGED),  # a first version is not a change
        (Outcome.NEW_VERSION, None, 2, Change.CHANGED),
        (Outcome.NOT_MODIFIED, None, None, Change.UNCHANGED),
        (Outcome.UNCHANGED, None, None, Change.UNCHANGED),
        (Outcome.REJECTED, "too-short: 12 words", None, Change.UNCHANGED),
        (Outcome.REJECTED, "bot-wall: page says 'not a robot'", None, Change.FAILED),
        (Outcome.ERROR, "HTTP 503", None, Change.FAILED),
    ],
)
def test_what_a_fetch_means_for_the_schedule(
    outcome: Outcome, reason: str | None, version: int | None, change: Change
) -> None:
    assert change_of(outcome, reason, version) is change


@pytest.mark.parametrize(
    "kwargs",
    [
        {"minimum": 0},
        {"initial": 10, "minimum": 60},
        {"maximum": 60, "initial": 3600},
        {"shrink": 1.0},
        {"failure_backoff": 0.5},
    ],
)
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="need"):
        RecrawlPolicy(**kwargs)  # type: ignore[arg-type]
