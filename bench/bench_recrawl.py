"""Benchmark of re-crawls: what a crawl costs when nothing changed, against the first crawl.

Serves the real pages of ../shared/data/realpages on 127.0.0.1 (a threaded server that honours
If-None-Match, or ignores it), crawls them into a fresh store with `crawler crawl`, then again
with nothing changed: once with 304 answers, once with full bodies (recognised by their hash).
Prints wall and CPU seconds (crawl process and its extraction workers) and the ratios. Then runs
`crawler schedule` idle and prints its CPU and memory.

    .venv/bin/python bench/bench_recrawl.py                      # all pages, 60 s idle check
    .venv/bin/python bench/bench_recrawl.py --pages 200 --idle-seconds 600
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALPAGES = ROOT.parent / "shared" / "data" / "realpages" / "pages"


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: with 32 connections opened at once the kernel
    # drops handshakes, and each dropped one costs the client a 200 ms retransmission
    request_queue_size = 128

    def __init__(self, pages: list[bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = pages
        self.etags = ['"' + hashlib.sha256(p).hexdigest()[:24] + '"' for p in pages]
        self.conditional = True
        self.not_modified = 0


class _Handler(BaseHTTPRequestHandler):
    server: PageServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        try:
            index = int(self.path.strip("/").split("/")[-1])
            body = self.server.pages[index]
        except (ValueError, IndexError):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = self.server.etags[index]
        if self.server.conditional and self.headers.get("If-None-Match") == etag:
            self.server.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if self.server.conditional:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(seeds: Path, db: Path) -> tuple[float, float]:
    settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "RECRAWL_INITIAL_SECONDS": 1,
        "RECRAWL_MIN_SECONDS": 1,
        "SSRF_ALLOW": "127.0.0.1",
    }
    command = [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        str(seeds),
        "--db",
        str(db),
        "--log-level",
        "WARNING",
    ]
    for name, value in settings.items():
        command += ["--set", f"{name}={value}"]
    cpu0, wall0 = children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - wall0, children_cpu() - cpu0


def idle_scheduler(folder: Path, seconds: float) -> None:
    seeds = folder / "one.toml"
    seeds.write_text(
        '[collection]\nname = "idle"\n[[sources]]\npublisher = "X"\ntitle = "T"\n'
        'url = "http://127.0.0.1:9/none"\n'
    )
    schedule = folder / "schedule.toml"
    schedule.write_text(f'[[jobs]]\nseeds = "{seeds}"\ninterval = "1d"\ntimeout = "30s"\n')
    db = folder / "idle.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "schedule", "--config", str(schedule), "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(15)  # the first run (one failing URL) comes and goes
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    start = cpu()
    time.sleep(seconds)
    used = cpu() - start
    status = Path(f"/proc/{process.pid}/status").read_text()
    rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    print(
        f"scheduler idle for {seconds:.0f} s: {used:.2f} CPU s "
        f"({100 * used / seconds:.2f}% of a core), resident memory {int(rss) / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=0, help="pages to serve (0: all)")
    parser.add_argument("--idle-seconds", type=float, default=60)
    args = parser.parse_args()
    files = sorted(REALPAGES.glob("*.html.gz"))
    if args.pages:
        files = files[: args.pages]
    pages = [gzip.decompress(f.read_bytes()) for f in files]
    server = PageServer(pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    folder = Path(tempfile.mkdtemp(prefix="bench-recrawl-"))
    seeds = folder / "pages.toml"
    seeds.write_text(
        '[collection]\nname = "realpages"\n'
        + "".join(
            f'[[sources]]\npublisher = "P{i % 50}"\ntitle = "Page {i}"\nurl = "{base}/p/{i}"\n'
            for i in range(len(pages))
        )
    )
    db = folder / "store.db"
    print(f"{len(pages)} real pages served at {base}")
    first = crawl(seeds, db)
    time.sleep(1.1)  # every URL due again (RECRAWL_MIN_SECONDS = 1)
    with_304 = crawl(seeds, db)
    answered_304 = server.not_modified
    server.conditional = False
    time.sleep(1.1)
    without_304 = crawl(seeds, db)
    print(
        f"first crawl:              {first[0]:6.1f} s wall, {first[1]:6.1f} s CPU "
        f"({len(pages) / first[0]:.1f} pages/s)"
    )
    for label, (wall, cpu) in (
        ("re-crawl, server sends 304", with_304),
        ("re-crawl, no 304, same body", without_304),
    ):
        print(
            f"{label}: {wall:6.1f} s wall, {cpu:6.1f} s CPU = {wall / first[0]:.1%} of the "
            f"first crawl's wall time, {cpu / first[1]:.1%} of its CPU"
        )
    print(f"304 answers in the second crawl: {answered_304}")
    server.shutdown()
    idle_scheduler(folder, args.idle_seconds)


if __name__ == "__main__":
    main()
