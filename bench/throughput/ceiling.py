"""Baseline (b): trafilatura alone in a 2-process ``multiprocessing.Pool``, HTML in memory.

The same call as ``bench/bench_extraction_pool.py``'s ceiling (``bare_extraction`` with the
arguments ``crawler.extract.extract_article`` uses), workers warm before the clock starts.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Sequence
from pathlib import Path

from .monitor import machine_busy


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _extract(job: tuple[str, str]) -> tuple[int, float]:
    import trafilatura

    from crawler.extract import DATE_PARAMS

    html, url = job
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=DATE_PARAMS,
    )
    return len(getattr(doc, "text", None) or ""), _hwm_mb()


def run_ceiling(
    jobs: Sequence[tuple[str, str]], size: int = 2
) -> tuple[float, float, float, int, float]:
    """Extract every page.

    Returns:
        Wall seconds, CPU seconds, worker peak VmHWM in MB, pages with text, and the CPU
        seconds the whole machine used meanwhile (to tell other processes' load).
    """
    context = multiprocessing.get_context("fork")
    with context.Pool(size) as pool:
        pool.map(_extract, list(jobs[:size]) * 2, chunksize=1)  # warm every worker
        # multiprocessing has no public way to list a pool's processes
        processes: list[multiprocessing.process.BaseProcess] = pool._pool  # type: ignore[attr-defined]
        warm = sum(_proc_cpu(p.pid or 0) for p in processes)
        cpu, start, busy = _cpu(), time.perf_counter(), machine_busy()
        out = pool.map(_extract, jobs, chunksize=4)
        wall, busy = time.perf_counter() - start, machine_busy() - busy
        pool.close()
        pool.join()
    used = _cpu() - cpu - warm  # workers are counted when reaped, warm-up included
    return wall, used, max(h for _, h in out), sum(1 for n, _ in out if n), busy
