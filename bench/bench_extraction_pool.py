"""Benchmark the extraction pool on the real pages: in-process, the pool, and the ceiling.

Run: ``.venv/bin/python bench/bench_extraction_pool.py [--size 2] [--limit N]``.

All cases run in one process, on the same pages decompressed into memory first:
(a) ``extract_article`` in-process on one core; (b) ``ExtractionPool(size)``; (c) trafilatura alone
(``bare_extraction`` with the arguments ``extract_article`` uses) in a plain ``multiprocessing``
pool of the same size, the ceiling; (d) the pool again with ``fast=True``. Every worker is warm
before its clock starts. Quality is judged by the pages' ``with``/``without`` snippets, as in
``tests/test_extract_quality_floor.py``.
"""

from __future__ import annotations

import os

# "One core" means one: py3langid's numpy would otherwise spread its dot products over threads.
os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "1")
os.environ["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "1")
os.environ["MKL_NUM_THREADS"] = os.environ.get("MKL_NUM_THREADS", "1")

import argparse
import asyncio
import gzip
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from crawler.extract import DATE_PARAMS, Article, ExtractOptions, Rejection, extract_article
from crawler.workers import ExtractionPool
from tests.conftest import REALPAGES
from tests.realpages import RealPage

Result = Article | Rejection


@dataclass
class Run:
    name: str
    pages: int
    seconds: float
    cpu: float
    results: list[Result] | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds


def load_pages() -> list[RealPage]:
    """Every page under ``pages/``, with its snippets when ``evaldata.json`` has them."""
    data = json.loads((REALPAGES / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {entry["file"]: (url, entry) for url, entry in data.items()}
    pages = []
    for path in sorted((REALPAGES / "pages").glob("*.html.gz")):
        name = path.name.removesuffix(".gz")
        url, entry = by_file.get(name, (f"https://realpages.test/{name}", {}))
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        pages.append(
            RealPage(url, name, html, tuple(entry.get("with", ())), tuple(entry.get("without", ())))
        )
    return pages


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def proc_cpu(pid: int) -> float:
    """CPU seconds a live process has used so far (utime + stime from /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def in_process(pages: Sequence[RealPage], options: ExtractOptions) -> Run:
    extract_article(pages[0].html, pages[0].url, options)  # warm, like the workers
    cpu, start = cpu_seconds(), time.perf_counter()
    results = [extract_article(p.html, p.url, options) for p in pages]
    seconds = time.perf_counter() - start
    return Run("in-process, one core", len(pages), seconds, cpu_seconds() - cpu, results)


async def _pool(pages: Sequence[RealPage], options: ExtractOptions, size: int) -> Run:
    pool = ExtractionPool(size, options=options)
    began = time.perf_counter()
    await pool.start()
    started = time.perf_counter() - began
    warm_cpu = sum(proc_cpu(pid) for pid in pool.worker_pids())
    cpu, start = cpu_seconds(), time.perf_counter()
    results = await asyncio.gather(*(pool.extract(p.html, p.url) for p in pages))
    seconds = time.perf_counter() - start
    stats = pool.stats
    await pool.close()
    # Workers' CPU is counted when they are reaped (after close); their warm-up is not the run's.
    used = cpu_seconds() - cpu - warm_cpu
    note = (
        f"start {started:.1f} s; worker peak RSS {stats.peak_worker_rss_mb:.0f} MB; "
        f"peak pending {stats.peak_pending}; recycled {stats.recycled}; timeouts {stats.timeouts}; "
        f"memory {stats.memory_kills}; crashes {stats.crashes}"
    )
    flag = " fast=True" if options.fast else ""
    return Run(f"ExtractionPool({size}){flag}", len(pages), seconds, used, list(results), note)


def pool_run(pages: Sequence[RealPage], options: ExtractOptions, size: int) -> Run:
    return asyncio.run(_pool(pages, options, size))


def _trafilatura_alone(job: tuple[str, str]) -> tuple[int, float]:
    html, url = job
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=DATE_PARAMS,
    )
    text = getattr(doc, "text", None) or ""
    return len(text), vm_hwm_mb()


def _extract_article(job: tuple[str, str]) -> tuple[int, float]:
    result = extract_article(*job, ExtractOptions(min_words=1))
    return (result.word_count if isinstance(result, Article) else 0), vm_hwm_mb()


def ceiling(pages: Sequence[RealPage], size: int, alone: bool = True) -> Run:
    """A plain ``multiprocessing`` pool running trafilatura alone, or ``extract_article``."""
    # Forked after the in-process run: the workers start as warm as the pool's.
    context = multiprocessing.get_context("fork")
    func = _trafilatura_alone if alone else _extract_article
    jobs = [(p.html, p.url) for p in pages]
    with context.Pool(size) as mp_pool:
        mp_pool.map(func, jobs[:size], chunksize=1)
        cpu, start = cpu_seconds(), time.perf_counter()
        out = mp_pool.map(func, jobs, chunksize=4)
        seconds = time.perf_counter() - start
        mp_pool.close()
        mp_pool.join()
    peak = max(hwm for _, hwm in out)
    note = f"worker peak RSS {peak:.0f} MB (includes the forked parent's pages)"
    what = "trafilatura alone" if alone else "extract_article"
    name = f"{what}, multiprocessing.Pool({size})"
    return Run(name, len(pages), seconds, cpu_seconds() - cpu, note=note)


def squash(text: str) -> str:
    return " ".join(text.split())


def quality(pages: Sequence[RealPage], results: Sequence[Result]) -> tuple[float, float, float]:
    """Recall of ``with`` snippets, precision over ``without`` snippets, and their F1."""
    found = expected = kept_out = unwanted = 0
    for page, result in zip(pages, results, strict=True):
        text = squash(result.text) if isinstance(result, Article) else ""
        expected += len(page.with_)
        found += sum(squash(s) in text for s in page.with_)
        unwanted += len(page.without)
        kept_out += sum(squash(s) not in text for s in page.without)
    recall, precision = found / expected, kept_out / unwanted
    return recall, precision, 2 * recall * precision / (recall + precision)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=2, help="pool size (default 2)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = parser.parse_args()
    pages = load_pages()
    if args.limit:
        pages = pages[: args.limit]
    megabytes = sum(len(p.html) for p in pages) / 1e6
    print(f"{len(pages)} pages, {megabytes:.0f} MB of HTML in memory; pool size {args.size}")
    # min_words=1 so that quality counts every page's text, as the quality floor test does.
    default, fast = ExtractOptions(min_words=1), ExtractOptions(min_words=1, fast=True)

    runs = [in_process(pages, default)]
    runs.append(pool_run(pages, default, args.size))
    runs.append(ceiling(pages, args.size))
    runs.append(ceiling(pages, args.size, alone=False))
    runs.append(pool_run(pages, fast, args.size))
    local, pooled, top, same_work, quick = runs

    print(f"\n{'case':<46} {'pages/s':>8} {'wall s':>7} {'CPU s':>7}  notes")
    for run in runs:
        print(f"{run.name:<46} {run.rate:>8.1f} {run.seconds:>7.1f} {run.cpu:>7.1f}  {run.note}")
    assert local.results is not None
    assert pooled.results is not None
    differ = sum(a != b for a, b in zip(local.results, pooled.results, strict=True))
    print(f"\npool results differing from in-process: {differ} of {len(pages)}")
    print(f"pool / in-process:      {pooled.rate / local.rate:.2f}x")
    print(f"pool / ceiling:         {pooled.rate / top.rate:.2f}x")
    print(f"pool / plain mp pool running extract_article: {pooled.rate / same_work.rate:.2f}x")
    print(f"fast / default (pool):  {quick.rate / pooled.rate:.2f}x")
    print(f"parent peak RSS {vm_hwm_mb():.0f} MB (holds every page in memory)")

    header = f"{'pages/s':>8} {'recall':>7} {'precision':>9} {'F1':>6} {'articles':>8}"
    print(f"\n{'options':<14} {header}")
    for label, run in (("default", pooled), ("fast=True", quick)):
        assert run.results is not None
        recall, precision, f1 = quality(pages, run.results)
        articles = sum(isinstance(r, Article) for r in run.results)
        print(
            f"{label:<14} {run.rate:>8.1f} {recall:>7.3f} {precision:>9.3f} {f1:>6.3f} "
            f"{articles:>8}"
        )


if __name__ == "__main__":
    main()
