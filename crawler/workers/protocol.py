"""Frames between the pool and its workers: a JSON header and a raw body over a pipe.

A frame is ``!II`` (header length, body length), the header as UTF-8 JSON, then the body bytes.
Results come back as plain JSON, never pickles: a worker parses hostile HTML, and a worker that
were subverted through a parser bug must not be able to run code in the crawl process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import select
import struct
import time
from typing import Any, get_args

from crawler.article import RULES, Article, ExtractOptions, Rejection, RejectReason

HEADER = struct.Struct("!II")
# A reply carries one article's text: far below this unless the worker is misbehaving.
MAX_REPLY_BYTES = 256 * 1024 * 1024
# Exit status of a worker that hit its memory limit and could not even say so.
MEMORY_EXIT = 3
_REASONS: frozenset[str] = frozenset(get_args(RejectReason))
_CHUNK = 1 << 20


class ChannelClosed(Exception):
    """The other end of the pipe is gone (the worker died or closed it)."""


class DeadlineExceeded(Exception):
    """The deadline passed before the frame was fully read or written."""


class ProtocolViolation(Exception):
    """A frame that does not follow the protocol."""


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    """One frame."""
    head = json.dumps(header).encode("utf-8")
    return HEADER.pack(len(head), len(body)) + head + body


def send(fd: int, header: dict[str, Any], body: bytes = b"", deadline: float | None = None) -> None:
    """Write one frame to ``fd``, waiting at most until ``deadline`` (``time.monotonic``)."""
    view = memoryview(encode(header, body))
    while view:
        _wait(fd, select.POLLOUT, deadline)
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed(str(exc)) from None
        view = view[written:]


def receive(
    fd: int, deadline: float | None = None, limit: int | None = None
) -> tuple[dict[str, Any], bytes] | None:
    """Read one frame from ``fd``; ``None`` when the pipe closed cleanly between frames.

    Raises:
        ChannelClosed: the pipe closed in the middle of a frame.
        DeadlineExceeded: ``deadline`` passed first.
        ProtocolViolation: the frame is larger than ``limit`` or its header is not a JSON object.
    """
    first = _read_exact(fd, HEADER.size, deadline, eof_ok=True)
    if first is None:
        return None
    head_len, body_len = HEADER.unpack(first)
    if limit is not None and head_len + body_len > limit:
        raise ProtocolViolation(f"frame of {head_len + body_len} bytes exceeds {limit}")
    head = _read_exact(fd, head_len, deadline)
    body = _read_exact(fd, body_len, deadline) if body_len else b""
    assert head is not None
    assert body is not None
    return _decode_header(head), body


async def read_frame(
    reader: asyncio.StreamReader, limit: int | None = None
) -> tuple[dict[str, Any], bytes] | None:
    """Read one frame from a stream; ``None`` when it ended cleanly between frames.

    Raises:
        ChannelClosed: the stream ended in the middle of a frame.
        ProtocolViolation: the frame is larger than ``limit`` or its header is not a JSON object.
    """
    try:
        first = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise ChannelClosed(f"end of stream after {len(exc.partial)} bytes") from None
    head_len, body_len = HEADER.unpack(first)
    if limit is not None and head_len + body_len > limit:
        raise ProtocolViolation(f"frame of {head_len + body_len} bytes exceeds {limit}")
    try:
        head = await reader.readexactly(head_len)
        body = await reader.readexactly(body_len) if body_len else b""
    except asyncio.IncompleteReadError as exc:
        raise ChannelClosed(f"end of stream inside a frame ({exc})") from None
    return _decode_header(head), body


def _decode_header(head: bytes) -> dict[str, Any]:
    try:
        header = json.loads(head)
    except ValueError as exc:
        raise ProtocolViolation(f"header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolViolation("header is not a JSON object")
    return header


def _read_exact(fd: int, size: int, deadline: float | None, eof_ok: bool = False) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(size - len(buf), _CHUNK))
        except BlockingIOError:
            continue
        except ConnectionResetError as exc:
            raise ChannelClosed(str(exc)) from None
        if not chunk:
            if eof_ok and not buf:
                return None
            raise ChannelClosed(f"end of stream after {len(buf)} of {size} bytes")
        buf += chunk
    return bytes(buf)


def _wait(fd: int, events: int, deadline: float | None) -> None:
    poller = select.poll()
    poller.register(fd, events)
    while True:
        if deadline is None:
            ready = poller.poll()
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded
            # poll() takes whole milliseconds: round up so it never spins on a sub-ms remainder.
            ready = poller.poll(int(remaining * 1000) + 1)
        if ready:
            # POLLHUP/POLLERR are reported too: the read or write that follows says what happened.
            return


def options_to_dict(options: ExtractOptions) -> dict[str, Any]:
    return dataclasses.asdict(options)


def options_from_dict(data: dict[str, Any]) -> ExtractOptions:
    return ExtractOptions(**data)


def result_to_dict(result: Article | Rejection) -> dict[str, Any]:
    """A result as JSON-able data (the worker side)."""
    if isinstance(result, Rejection):
        return {
            "kind": "rejection",
            "reason": result.reason,
            "detail": result.detail,
            "rules": list(result.rules),
        }
    data = dataclasses.asdict(result)
    del data["sketch"]  # bytes travel as the frame's body
    data["kind"] = "article"
    data["authors"] = list(result.authors)
    data["rules"] = list(result.rules)
    data["published"] = result.published.isoformat() if result.published else None
    return data


def result_from_dict(data: dict[str, Any], body: bytes = b"") -> Article | Rejection:
    """A result from a worker, checked field by field (the pool side).

    An article's sketch, when the worker made one, is the frame's ``body``.

    Raises:
        ProtocolViolation: a field is missing or has the wrong type.
    """
    try:
        if data["kind"] == "rejection":
            reason, detail = data["reason"], data["detail"]
            if reason not in _REASONS or not isinstance(detail, str):
                raise ProtocolViolation(f"bad rejection {reason!r}")
            return Rejection(reason, detail, _rules(data))
        if data["kind"] != "article":
            raise ProtocolViolation(f"unknown result kind {data['kind']!r}")
        published = data["published"]
        authors = data["authors"]
        if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
            raise ProtocolViolation("authors is not a list of strings")
        article = Article(
            url=_str(data, "url"),
            title=_opt_str(data, "title"),
            text=_str(data, "text"),
            authors=tuple(authors),
            published=dt.datetime.fromisoformat(published) if published is not None else None,
            language=_opt_str(data, "language"),
            sitename=_opt_str(data, "sitename"),
            description=_opt_str(data, "description"),
            word_count=data["word_count"],
            canonical_url=_opt_str(data, "canonical_url"),
            sketch=body or None,
            rules=_rules(data),
        )
        if not isinstance(article.word_count, int):
            raise ProtocolViolation("word_count is not an integer")
        return article
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolViolation(f"malformed result: {type(exc).__name__}: {exc}") from None


def _rules(data: dict[str, Any]) -> tuple[str, ...]:
    rules = data.get("rules", [])
    # the names become stats keys: only the rules there are
    if not isinstance(rules, list) or not all(r in RULES for r in rules):
        raise ProtocolViolation(f"unknown rules {rules!r}")
    return tuple(rules)


def _str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ProtocolViolation(f"{key} is not a string")
    return value


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    return None if data[key] is None else _str(data, key)
