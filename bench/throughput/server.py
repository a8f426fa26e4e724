"""The page server: Debian's nginx on 127.0.0.1 with a generated configuration.

Pages are files under ``<root>/p/``; ``/r/<k>/<name>`` serves ``/p/<name>`` (the same page under
as many distinct URLs as needed). Two modes: ``conditional`` (ETag on, ``If-None-Match`` and
``If-Modified-Since`` honoured with ``304``) and ``ignore`` (no ETag, conditional headers
ignored: every request gets the full ``200``). Every request is logged as
``<msec> <status> <bytes> <uri>``, so each case can be counted and timed from the server's side.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """\
worker_processes 1;
user root;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    types {{ text/html html; }}
    default_type application/octet-stream;
    log_format bench '$msec $status $body_bytes_sent $request_uri';
    access_log {prefix}/access.log bench;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    etag {etag};
    if_modified_since {ims};
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {root};
        add_header X-Bench-Mode {mode} always;
        location /r/ {{ rewrite ^/r/[0-9]+/(.*)$ /p/$1 last; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LogSlice:
    """The requests one case made, read from the access log."""

    count: int
    statuses: dict[int, int]
    first: float
    last: float

    @property
    def span(self) -> float:
        return self.last - self.first


class Nginx:
    """One nginx master in the foreground; ``restart(mode)`` keeps the port and the log."""

    def __init__(self, prefix: Path, root: Path) -> None:
        self.prefix, self.root = prefix, root
        (prefix / "tmp").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.mode = ""
        self.access_log = prefix / "access.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, mode: str = "conditional") -> None:
        on = mode == "conditional"
        config = self.prefix / "nginx.conf"
        config.write_text(
            CONFIG.format(
                prefix=self.prefix,
                root=self.root,
                port=self.port,
                mode=mode,
                etag="on" if on else "off",
                ims="exact" if on else "off",
            )
        )
        self.process = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(self.prefix)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.mode = mode
        deadline = time.monotonic() + 10
        while True:
            try:
                # only ever http://127.0.0.1:<port>/...: no file: or custom scheme can get here
                with urllib.request.urlopen(f"{self.base}/nonexistent", timeout=1):  # noqa: S310
                    pass
            except urllib.error.HTTPError as exc:
                if exc.headers.get("X-Bench-Mode") == mode:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx did not start: {err}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, mode: str) -> None:
        self.stop()
        self.start(mode)

    def check(self, path: str) -> tuple[int, int]:
        """Status of a plain GET of ``path`` and of a repeat carrying its validators."""
        # S310: the URLs are http://127.0.0.1:<port>/... built here, never a file: URL
        with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            first = response.status
        request = urllib.request.Request(self.base + path)  # noqa: S310 (as above)
        if etag:
            request.add_header("If-None-Match", etag)
        if modified:
            request.add_header("If-Modified-Since", modified)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (as above)
                second = response.status
        except urllib.error.HTTPError as exc:
            second = exc.code
        return first, second

    def cpu(self) -> float:
        """CPU seconds used so far by the running master and its workers."""
        if self.process is None:
            return 0.0
        total = 0
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def read_log(self, offset: int) -> LogSlice:
        with self.access_log.open("rb") as log:
            log.seek(offset)
            lines = log.read().splitlines()
        statuses: dict[int, int] = {}
        times = []
        for line in lines:
            msec, status, _size, uri = line.split(b" ", 3)
            if uri.startswith(b"/nonexistent") or uri.startswith(b"/check/"):
                continue
            statuses[int(status)] = statuses.get(int(status), 0) + 1
            times.append(float(msec))
        if not times:
            return LogSlice(0, statuses, 0.0, 0.0)
        return LogSlice(len(times), statuses, min(times), max(times))
