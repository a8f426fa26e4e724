"""A 20 MB table page in a CLI crawl: extraction is cut off, the crawl goes on, memory is bounded.

trafilatura took 59 s and 1.9 GB on such a page (docs/reliability.md); with ``EXTRACT_TIMEOUT=3``
the worker is killed and the page rejected. The crawl runs as a subprocess so that the peak
resident memory (``VmHWM``) of the crawl process and of its extraction workers can be read from
``/proc`` while they run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import faultserver
from tests.faultserver import FaultServer

ROOT = Path(__file__).resolve().parent.parent
# generous bounds: what matters is that memory does not grow with the page's extraction cost
MAX_CRAWL_MB = 1024
MAX_WORKER_MB = 1024  # EXTRACT_MEMORY_MB's default caps the worker's address space anyway


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with faultserver.running() as running:
        yield running


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name (field 2) may hold spaces: the parent pid follows its closing paren
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Samples ``VmHWM`` of a process and its descendants every 50 ms until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peaks_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = [self.pid]
            for pid in pids:  # grows while walking: descendants of descendants
                pids.extend(c for c in _children(pid) if c not in pids)
            for pid in pids:
                kb = _vm_hwm_kb(pid)
                if kb is not None:
                    self.peaks_kb[pid] = max(kb, self.peaks_kb.get(pid, 0))
            time.sleep(0.05)

    @property
    def crawl_mb(self) -> float:
        return self.peaks_kb.get(self.pid, 0) / 1024

    @property
    def worker_mb(self) -> float:
        workers = [kb for pid, kb in self.peaks_kb.items() if pid != self.pid]
        return max(workers, default=0) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_20mb_table_page_is_rejected_as_timed_out_with_bounded_memory(
    server: FaultServer, tmp_path: Path
) -> None:
    huge = server.url("/huge-table?mb=20")
    good = server.url("/good?after=huge-table")
    seeds = faultserver.write_seeds(tmp_path, [huge, good], name="huge")
    db = tmp_path / "huge.db"
    overrides = {
        "EXTRACT_TIMEOUT": 3,
        "EXTRACT_WORKERS": 1,
        "DOWNLOAD_MAXSIZE": 32 * 1024 * 1024,  # the page must arrive to reach extraction
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": 60,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "SSRF_ALLOW": "127.0.0.1",
    }
    command = [sys.executable, "-m", "crawler", "crawl", str(seeds), "--db", f"sqlite:///{db}"]
    command += ["--log-level", "WARNING"]
    for name, value in overrides.items():
        command += ["--set", f"{name}={value}"]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with PeakMemory(process.pid) as peak:
        _stdout, stderr = process.communicate(timeout=300)
    seconds = time.monotonic() - started
    assert process.returncode == 0, stderr[-3000:]

    print(
        f"\n20 MB table page: crawl took {seconds:.1f} s; peak RSS (VmHWM) crawl process "
        f"{peak.crawl_mb:.0f} MB, largest extraction worker {peak.worker_mb:.0f} MB "
        f"({len(peak.peaks_kb) - 1} worker processes seen)"
    )
    rows = faultserver.fetches(db)
    assert rows[huge].outcome == "rejected"
    # whichever bound the extraction reaches first cuts it off: 3 s, or the 1,024 MB of
    # address space (a worker that also sketches for syndication starts ~160 MB higher)
    assert rows[huge].reason in (
        "extractor-error: timed out after 3 s",
        "extractor-error: memory limit of 1024 MB exceeded",
    )
    assert faultserver.stored_texts(db, huge) == []
    assert rows[good].outcome == "new-version"
    assert faultserver.run_statuses(db) == ["finished"]
    assert 0 < peak.crawl_mb < MAX_CRAWL_MB
    assert peak.worker_mb < MAX_WORKER_MB
