"""Counting a table of named check functions: how many pass, printed for the closing figures."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def assert_all_cases_pass(
    label: str,
    cases: dict[str, Callable[[], None]],
    results: dict[str, bool],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run the cases not run yet (``-k`` selections), print ``passed/total``, require all."""
    for name, check in cases.items():
        if name not in results:
            try:
                check()
                results[name] = True
            except AssertionError:
                results[name] = False
    passed = sum(results.values())
    with capsys.disabled():
        print(f"\n{label} cases: {passed}/{len(cases)} pass")
    assert passed == len(cases)
