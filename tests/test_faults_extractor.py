"""Case 10: the extractor raising what trafilatura does not catch (lxml errors and worse)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from crawler import extract
from crawler.extract import Rejection, extract_article


@pytest.mark.parametrize(
    "error",
    [
        etree.XPathEvalError("Invalid expression"),
        etree.ParserError("Document is empty"),
        etree.SerialisationError("IO_ENCODER"),
        RecursionError("maximum recursion depth exceeded"),
        KeyError("title"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_unexpected_extractor_exception_is_a_rejection(
    error: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(extract.trafilatura, "bare_extraction", explode)
    result = extract_article("<html><body><p>Some article text.</p></body></html>", "http://x/")
    assert isinstance(result, Rejection)
    assert result.reason == "extractor-error"
    assert result.detail.startswith(type(error).__name__)


# In a worker process, an exception escaping the target altogether, a crash, a hang and a memory
# blow-up are each a Rejection too: tests/test_workers_pool.py drives them with the hooks of
# tests/test_workers_hooks.py ("raise", "segfault", "hang", "alloc-grow").
