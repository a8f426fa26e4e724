"""Misbehaving extraction targets for the pool's tests, and tests of the pool's wire protocol.

The pool imports ``misbehave`` in its worker processes (``target="tests.test_workers_hooks:..."``):
a URL of the form ``hook://<what>`` makes the worker misbehave, any other URL is extracted.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import time

import pytest

from crawler.extract import Article, ExtractOptions, Rejection, extract_article
from crawler.workers import protocol

TARGET = "tests.test_workers_hooks:misbehave"


def misbehave(html: str, url: str, options: ExtractOptions) -> Article | Rejection:
    """Do what the ``hook://`` URL says, or extract the page."""
    what = url.removeprefix("hook://")
    if what == "hang":
        time.sleep(3600)
    elif what.startswith("sleep-"):
        time.sleep(float(what.removeprefix("sleep-")))
        return Rejection("no-article", f"slept {what}")
    elif what == "alloc-huge":
        bytearray(64 << 30)
    elif what == "alloc-grow":
        hoard = []
        while True:
            hoard.append(bytearray(8 << 20))
    elif what == "alloc-swallowed":
        # What extract_article does with an exception from trafilatura, MemoryError included.
        try:
            bytearray(64 << 30)
        except Exception as exc:
            return Rejection("extractor-error", f"{type(exc).__name__}: {exc}")
    elif what == "exit":
        os._exit(1)
    elif what == "segfault":
        ctypes.string_at(0)
    elif what == "raise":
        raise RuntimeError("unexpected")
    elif what == "wrong-type":
        return "not a result"  # type: ignore[return-value]
    elif what == "pid":
        return Rejection("no-article", str(os.getpid()))
    return extract_article(html, url, options)


ARTICLE = Article(
    url="https://example.org/a",
    title="Title ✓",
    text="Body text with a lone surrogate \udcff and more.",
    authors=("A. Writer", "B. Writer"),
    published=dt.datetime(2024, 5, 6, 8, 30),
    language="en",
    sitename=None,
    description=None,
    word_count=9,
)


@pytest.mark.parametrize(
    "result",
    [ARTICLE, Rejection("too-short", "3 words"), Rejection("bot-wall", "Cloudflare")],
)
def test_results_survive_the_round_trip(result: Article | Rejection) -> None:
    read, write = os.pipe()
    try:
        protocol.send(write, {"result": protocol.result_to_dict(result)})
        frame = protocol.receive(read, time.monotonic() + 5)
    finally:
        os.close(read)
        os.close(write)
    assert frame is not None
    assert protocol.result_from_dict(frame[0]["result"]) == result


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "rejection", "reason": "not-a-reason", "detail": "x"},
        {"kind": "article", "url": "u"},
        {"kind": "pickle"},
        {**protocol.result_to_dict(ARTICLE), "authors": "A. Writer"},
        {**protocol.result_to_dict(ARTICLE), "published": "yesterday"},
        {**protocol.result_to_dict(ARTICLE), "word_count": "9"},
    ],
)
def test_malformed_results_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(protocol.ProtocolViolation):
        protocol.result_from_dict(data)


def test_frames_carry_a_body_and_respect_deadlines_and_limits() -> None:
    read, write = os.pipe()
    os.set_blocking(read, False)
    try:
        with pytest.raises(protocol.DeadlineExceeded):
            protocol.receive(read, time.monotonic() + 0.05)
        protocol.send(write, {"op": "extract"}, b"<html>" * 10)
        assert protocol.receive(read, time.monotonic() + 5) == ({"op": "extract"}, b"<html>" * 10)
        protocol.send(write, {"op": "big"}, b"x" * 100)
        with pytest.raises(protocol.ProtocolViolation):
            protocol.receive(read, time.monotonic() + 5, limit=50)
    finally:
        os.close(read)
        os.close(write)


def test_a_frame_cut_short_is_a_closed_channel_and_a_clean_end_is_none() -> None:
    read, write = os.pipe()
    try:
        os.write(write, protocol.encode({"op": "x"}, b"body")[:-2])
        os.close(write)
        with pytest.raises(protocol.ChannelClosed):
            protocol.receive(read, time.monotonic() + 5)
    finally:
        os.close(read)
    read, write = os.pipe()
    os.close(write)
    try:
        assert protocol.receive(read, time.monotonic() + 5) is None
    finally:
        os.close(read)
