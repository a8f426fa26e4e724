"""A fault-injecting HTTP server for the fault tests: each fault is an endpoint.

Run as ``python -m tests.faultserver`` (binds 127.0.0.1 on a free port unless ``--port``) and
it prints ``serving http://127.0.0.1:PORT``. It speaks HTTP/1.0-style raw bytes over asyncio
streams, so it can misbehave in ways a real server library would not allow: reset a connection
mid-body, send headers and fall silent, lie about the length, break the chunked encoding.
``/_log`` answers the paths requested so far with their arrival times (JSON).

Endpoints (see ``ENDPOINTS`` at the bottom):
``/good``, ``/reset``, ``/no-answer``, ``/headers-then-silence``, ``/trickle``, ``/truncated``,
``/bad-chunked``, ``/status/<code>``, ``/429?retry_after=S``, ``/redirect-loop``,
``/chain/<n>``, ``/redirect?to=URL``, ``/big?mb=N``, ``/big-chunked?mb=N``, ``/gzip-bomb``,
``/gzip-no-encoding``, ``/charset/<case>``, ``/binary/<kind>``, ``/empty``, ``/login-wall``,
``/bot-wall``, ``/malformed``, ``/garbage-markup``, ``/deep-nesting?depth=N``,
``/huge-table?mb=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import random
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[asyncio.StreamWriter, str, dict[str, str]], Awaitable[None]]

ARTICLE_PARAGRAPHS = [
    "The regional council approved the new water management plan on Tuesday after a debate "
    "that lasted well into the evening, ending months of uncertainty for farmers in the valley.",
    "Under the plan, irrigation quotas will be set each spring according to the snowpack "
    "measured in the mountains, and unused allocations may be traded between neighbouring "
    "districts for the first time.",
    "Opponents argued that the trading scheme favours large producers, while supporters said "
    "it would reward the careful use of a scarce resource during the increasingly dry summers.",
    "The council will review the first season's results next autumn, and a citizens' panel "
    "of twelve residents chosen by lot will report on how the quotas affected small farms.",
]


def article_html(title: str = "Council approves water plan", extra: str = "") -> str:
    """A small but complete news article that the extractor keeps."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><header><nav><a href='/'>Home</a></nav></header>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Ana Ruiz</p>{extra}"
        f"{paragraphs}</article></main><footer>© The Valley Post</footer></body></html>"
    )


LOG: list[tuple[str, float]] = []
_CACHE: dict[str, bytes] = {}


def head(
    status: int = 200,
    reason: str = "OK",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    merged = {"Content-Type": "text/html; charset=utf-8", "Connection": "close"}
    merged.update(headers or {})
    if length is not None:
        merged["Content-Length"] = str(length)
    lines += [f"{k}: {v}" for k, v in merged.items() if v != ""]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    w: asyncio.StreamWriter,
    body: bytes,
    status: int = 200,
    reason: str = "OK",
    headers: dict[str, str] | None = None,
) -> None:
    w.write(head(status, reason, headers, len(body)) + body)
    await w.drain()


async def hang(w: asyncio.StreamWriter) -> None:
    """Keep the connection open, silent, until the client gives up (or an hour passes)."""
    for _ in range(3600):
        if w.is_closing():
            return
        await asyncio.sleep(1)


def reset(w: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN: SO_LINGER with a zero timeout."""
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


# --- endpoints -------------------------------------------------------------------------------


async def good(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, article_html().encode())


async def robots(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})


async def conn_reset(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    body = article_html().encode()
    w.write(head(length=len(body) * 10) + body[:1000])
    await w.drain()
    await asyncio.sleep(0.2)
    reset(w)


async def no_answer(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await hang(w)


async def headers_then_silence(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    w.write(head(length=5000))
    await w.drain()
    await hang(w)


async def trickle(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    body = article_html().encode()
    w.write(head(length=len(body)))
    for byte in body:
        if w.is_closing():
            return
        w.write(bytes([byte]))
        await w.drain()
        await asyncio.sleep(0.1)


async def truncated(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    body = article_html().encode()
    w.write(head(length=len(body) + 5000) + body)
    await w.drain()
    w.close()


async def bad_chunked(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    body = article_html().encode()
    w.write(head(headers={"Transfer-Encoding": "chunked"}))
    w.write(f"{len(body):x}\r\n".encode() + body + b"\r\n")
    w.write(b"zz-not-hex\r\nmore\r\n0\r\n\r\n")
    await w.drain()
    w.close()


async def status(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    code = int(path.rsplit("/", 1)[1])
    page = f"<html><body><h1>Error {code}</h1><p>Something went wrong.</p></body></html>"
    await send(w, page.encode(), code, "Error")


async def too_many(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    page = b"<html><body><h1>Too Many Requests</h1></body></html>"
    await send(w, page, 429, "Too Many Requests", {"Retry-After": q.get("retry_after", "2")})


async def redirect_loop(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, b"", 302, "Found", {"Location": "/redirect-loop"})


async def chain(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    n = int(path.rsplit("/", 1)[1])
    if n <= 0:
        await good(w, path, q)
        return
    await send(w, b"", 302, "Found", {"Location": f"/chain/{n - 1}"})


async def redirect(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, b"", int(q.get("status", "302")), "Found", {"Location": q["to"]})


def _filler(size: int) -> bytes:
    return (article_html().encode() * (size // 1000 + 1))[:size]


async def big(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    size = int(float(q.get("mb", "3")) * 1024 * 1024)
    chunked = path == "/big-chunked"
    w.write(head(headers={"Transfer-Encoding": "chunked"}) if chunked else head(length=size))
    block = _filler(64 * 1024)
    sent = 0
    while sent < size and not w.is_closing():
        part = block[: size - sent]
        w.write(f"{len(part):x}\r\n".encode() + part + b"\r\n" if chunked else part)
        sent += len(part)
        await w.drain()
    if chunked and not w.is_closing():
        w.write(b"0\r\n\r\n")
        await w.drain()
    w.close()


def _bomb() -> bytes:
    if "bomb" not in _CACHE:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
        zeros = bytes(1 << 20)
        parts = [compressor.compress(zeros) for _ in range(256)]
        _CACHE["bomb"] = b"".join(parts) + compressor.flush()  # 256 MB of zeros, ~250 KB
    return _CACHE["bomb"]


async def gzip_bomb(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, _bomb(), headers={"Content-Encoding": "gzip"})


async def gzip_no_encoding(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, gzip.compress(article_html().encode()))


CHARSET_TEXT = (
    "Zürich und Genève: Die Stadträte beschließen gemeinsam höhere Gebühren für Übernachtungen. "
)


def charset_page(case: str) -> tuple[bytes, str]:
    """The body and Content-Type of a charset case."""
    german = article_html("Gebühren in Zürich", f"<p>{CHARSET_TEXT * 3}</p>")
    russian = article_html(
        "Москва", "<p>" + "Москва приняла новый бюджет на следующий год. " * 8 + "</p>"
    )
    if case == "missing":  # no charset anywhere; windows-1252 bytes
        return german.replace("<meta charset='utf-8'>", "").encode("cp1252"), "text/html"
    if case == "meta-only":  # no charset in the header, the right one in <meta>
        return (
            russian.replace("charset='utf-8'", "charset='windows-1251'").encode("cp1251"),
            "text/html",
        )
    if case == "conflict":  # header says utf-8, <meta> (rightly) says windows-1251
        return (
            russian.replace("charset='utf-8'", "charset='windows-1251'").encode("cp1251"),
            "text/html; charset=utf-8",
        )
    if case == "wrong":  # header says utf-8, no <meta>, the bytes are windows-1252
        return german.replace("<meta charset='utf-8'>", "").encode("cp1252"), (
            "text/html; charset=utf-8"
        )
    if case == "utf16":  # UTF-16 with a BOM, no charset declared
        return german.replace("<meta charset='utf-8'>", "").encode("utf-16"), "text/html"
    if case == "invalid-bytes":  # utf-8 with stray invalid sequences
        body = german.encode("utf-8").replace(b"Genf", b"Genf")
        body = body.replace(b"<p>The council", b"<p>\xff\xfe\xc3( The council")
        return body, "text/html; charset=utf-8"
    raise KeyError(case)


async def charset(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    body, content_type = charset_page(path.rsplit("/", 1)[1])
    await send(w, body, headers={"Content-Type": content_type})


def binary_body(kind: str) -> bytes:
    """Binary bodies, the same on every run (seeded by ``kind``)."""
    # seed 1341 draws PNG noise that the extractor takes for a 4,554-word article
    noise = random.Random(1341 if kind == "png" else kind).randbytes
    if kind == "pdf":
        stream = zlib.compress(noise(20000))
        return (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\n"
            b"stream\n" + stream + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        )
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise(30000)
    if kind == "random":
        return noise(60000)
    raise KeyError(kind)


async def binary(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, binary_body(path.rsplit("/", 1)[1]))


async def empty(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, b"")


LOGIN_WALL = (
    "<html><head><title>Sign in</title></head><body><form action='/login' method='post'>"
    "<h1>Subscribe or sign in to continue reading</h1><label>Email <input name='email'></label>"
    "<label>Password <input type='password' name='pw'></label><button>Sign in</button>"
    "</form></body></html>"
)
BOT_WALL = (
    "<html><head><title>Are you a robot?</title></head><body><h1>Are you a robot?</h1>"
    "<p>We have detected unusual activity from your computer network. Please verify you are "
    "human by completing the action below.</p><div class='g-recaptcha'></div></body></html>"
)


async def login_wall(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, LOGIN_WALL.encode())


async def bot_wall(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, BOT_WALL.encode())


def malformed_html() -> str:
    """An article in broken markup: unclosed and misnested tags, stray closers, bad entities."""
    paragraphs = "".join(f"<p>{p} &bogus; &#xD800; <b><i>x</b></i>" for p in ARTICLE_PARAGRAPHS)
    return (
        "<html><head><title>Broken <b>markup</title><body></span></div><article><h1>Council "
        f"approves water plan<h1><div><table><tr><td>{paragraphs}</article></td></div><<<>>>"
        "<script>if (a < b && c > d) { document.write('</p>') }</scr"
    )


async def malformed(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, malformed_html().encode())


async def garbage_markup(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, b"<" * 5000 + b"<!-- " + b">" * 5000 + b"<![CDATA[" + b"&#;" * 2000)


async def deep_nesting(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    depth = int(q.get("depth", "300"))
    inner = article_html().split("<body>", 1)[1].split("</body>", 1)[0]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Deep</title></head><body>"
        + "<div>" * depth
        + inner
        + "</div>" * depth
        + "</body></html>"
    )
    await send(w, page.encode())


async def huge_table(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    """A ``mb``-megabyte table page, generated as it is sent (the default is 20 MB)."""
    size = int(float(q.get("mb", "20")) * 1024 * 1024)
    top = b"<html><head><meta charset='utf-8'><title>Results</title></head><body><table>\n"
    bottom = b"</table></body></html>\n"
    rows = b"".join(
        f"<tr><td>{i}</td><td>district {i % 97}</td><td>{i * 7 % 1000} votes</td>"
        f"<td>turnout {i % 100} per cent</td></tr>\n".encode()
        for i in range(2000)
    )
    w.write(head(length=size) + top)
    sent = len(top)
    while sent < size - len(bottom) and not w.is_closing():
        part = rows[: size - len(bottom) - sent]
        w.write(part)
        sent += len(part)
        await w.drain()
    w.write(bottom)
    await w.drain()
    w.close()


async def show_log(w: asyncio.StreamWriter, path: str, q: dict[str, str]) -> None:
    await send(w, json.dumps(LOG).encode(), headers={"Content-Type": "application/json"})


ENDPOINTS: dict[str, Handler] = {
    "/robots.txt": robots,
    "/good": good,
    "/reset": conn_reset,
    "/no-answer": no_answer,
    "/headers-then-silence": headers_then_silence,
    "/trickle": trickle,
    "/truncated": truncated,
    "/bad-chunked": bad_chunked,
    "/status": status,
    "/429": too_many,
    "/redirect-loop": redirect_loop,
    "/chain": chain,
    "/redirect": redirect,
    "/big": big,
    "/big-chunked": big,
    "/gzip-bomb": gzip_bomb,
    "/gzip-no-encoding": gzip_no_encoding,
    "/charset": charset,
    "/binary": binary,
    "/empty": empty,
    "/login-wall": login_wall,
    "/bot-wall": bot_wall,
    "/malformed": malformed,
    "/garbage-markup": garbage_markup,
    "/deep-nesting": deep_nesting,
    "/huge-table": huge_table,
    "/_log": show_log,
}


async def handle(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    try:
        request = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        w.close()
        return
    target = request.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
    parts = urlsplit(target)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if path != "/_log":
        LOG.append((target, time.time()))
    handler = ENDPOINTS.get(path) or ENDPOINTS.get("/" + path.split("/")[1])
    try:
        if handler is None:
            await send(w, b"<html><body>not found</body></html>", 404, "Not Found")
        else:
            await handler(w, path, query)
    except (ConnectionError, OSError):
        pass
    finally:
        if not w.is_closing():
            w.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"serving http://127.0.0.1:{bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


# --- for the tests: run the server, write seeds, crawl in process, read the store ---------------

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FaultServer:
    """A running ``tests.faultserver`` subprocess."""

    base_url: str
    process: subprocess.Popen[str]

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> list[tuple[str, float]]:
        with urllib.request.urlopen(self.url("/_log")) as resp:
            return [(path, at) for path, at in json.load(resp)]

    def hits(self, target: str) -> list[float]:
        """Arrival times of the requests for ``target`` (path and query)."""
        return [at for path, at in self.log() if path == target]


@contextlib.contextmanager
def running() -> Iterator[FaultServer]:
    """Start the fault server on a free port; stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faultserver"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("serving "), line
    try:
        yield FaultServer(line.removeprefix("serving "), process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_seeds(folder: Path, urls: list[str], name: str = "faults") -> Path:
    """A seeds file with one source per URL."""
    entries = "".join(
        f'\n[[sources]]\npublisher = "Fault {i}"\ntitle = "case {i}"\nurl = {json.dumps(u)}\n'
        for i, u in enumerate(urls)
    )
    path = folder / f"{name}.toml"
    path.write_text(f'[collection]\nname = "{name}"\n{entries}', encoding="utf-8")
    return path


def fault_settings(db_url: str, **overrides: Any) -> dict[str, Any]:
    """The project's settings plus the fault tests' short limits (``get_crawler`` skips them)."""
    from crawler import settings as crawler_settings

    project = {k: v for k, v in vars(crawler_settings).items() if k.isupper()}
    return (
        project
        | {
            "STORAGE_URL": db_url,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_TIMEOUT": 3,
            "RETRY_TIMES": 1,
            # retries back off (crawler.retry): keep the waits short, Retry-After still honoured
            "RETRY_BACKOFF_BASE": 0.1,
            "DOWNLOAD_MAXSIZE": 2 * 1024 * 1024,
            "DOWNLOAD_WARNSIZE": 0,
            "EXTRACT_WORKERS": 1,
            # robots.txt has its own crawl tests; here every fault hits the page fetch itself
            "ROBOTSTXT_OBEY": False,
            # the fault server is local: open it to the SSRF guard wherever that is wired
            "SSRF_ALLOW": ["127.0.0.1"],
            "LOG_LEVEL": "ERROR",
        }
        | overrides
    )


async def crawl(seeds: Path, settings: dict[str, Any]) -> dict[str, Any]:
    """Crawl ``seeds`` in this process's reactor; the crawl's final stats."""
    from scrapy.utils.test import get_crawler

    from spiders.seeds import SeedsSpider

    crawler = get_crawler(SeedsSpider, settings)
    await crawler.crawl_async(seeds=str(seeds))
    assert crawler.stats is not None
    return crawler.stats.get_stats()


@dataclass(frozen=True)
class FetchRow:
    url: str
    http_status: int | None
    outcome: str
    reason: str | None


def fetches(db_path: Path) -> dict[str, FetchRow]:
    """The ``fetches`` table by URL (each URL is fetched once per test crawl)."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT url, http_status, outcome, reason FROM fetches").fetchall()
    by_url = {r[0]: FetchRow(*r) for r in rows}
    assert len(by_url) == len(rows), rows
    return by_url


def stored_texts(db_path: Path, url: str) -> list[str]:
    """The texts of every stored version of ``url``."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute(
            "SELECT v.text FROM versions v JOIN articles a ON a.id = v.article_id WHERE a.url = ?",
            (url,),
        ).fetchall()
    return [r[0] for r in rows]


def run_statuses(db_path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        return [r[0] for r in db.execute("SELECT status FROM crawl_runs ORDER BY id")]


if __name__ == "__main__":
    main()
