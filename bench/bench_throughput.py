"""End-to-end throughput benchmark: the product's crawl against the baselines, in one run.

Serves the 1,032 real pages of ../shared/data/realpages on 127.0.0.1 with Debian's nginx, then
measures, in this order:

  (a) plain Scrapy fetch, callback does nothing (``scrapy runspider throughput/fetch_spider.py``)
  (b) trafilatura alone in a 2-process ``multiprocessing.Pool``, HTML in memory (the ceiling)
  (c) trafilatura's own batch mode (``trafilatura --input-dir --output-dir``) on the files
  (1) the product's first crawl (``python -m crawler crawl``) into a fresh store
  (2) a re-crawl where every page answers 304
  (3) a re-crawl where the server ignores conditional headers and nothing changed
  (4) a crawl of ``--repeat-pages`` fetches (the pages again under distinct URLs), memory over time

Every command runs as a child process; CPU seconds are RUSAGE_CHILDREN deltas, memory is the sum
of VmRSS over the command's process tree sampled every 100 ms.

    .venv/bin/python bench/bench_throughput.py                       # everything (9-10 minutes)
    .venv/bin/python bench/bench_throughput.py --pages 200 --repeat-pages 1000
    .venv/bin/python bench/bench_throughput.py --cases crawl --profile /tmp/prof   # py-spy
"""

from __future__ import annotations

import os

ENV = dict(os.environ)  # children get the environment as it was, not the ceiling's BLAS limits
# The ceiling's workers: one BLAS thread each (py3langid's numpy), as the product's workers have.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402 (after the BLAS limits, which must precede numpy's import)
import gzip  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import quote  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput.ceiling import run_ceiling  # noqa: E402
from throughput.monitor import LogCounter, Run, run_monitored  # noqa: E402
from throughput.server import Nginx  # noqa: E402

REALPAGES = ROOT.parent / "shared" / "data" / "realpages"
VENV_BIN = Path(sys.executable).parent
CASES = ("fetch", "ceiling", "cli", "crawl", "warm", "repeat")
EXTRA_SETTINGS: list[str] = []  # --crawl-set: product settings under test (not the defaults)
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "ROBOTSTXT_OBEY": "False",
    "RECRAWL_INITIAL_SECONDS": "1",
    "RECRAWL_MIN_SECONDS": "1",
    # the SSRF guard stays on (its cost is part of the crawl) but lets the loopback server in
    "SSRF_ALLOW": "127.0.0.1",
}


@dataclass
class Row:
    """One line of the summary table."""

    case: str
    pages: int
    wall: float
    cpu: float | None = None
    peak_mb: float | None = None
    span: float | None = None  # from the first request the server saw to the command's exit
    other: float | None = None  # share of the 2 cores used meanwhile by unrelated processes
    note: str = ""

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def span_rate(self) -> float | None:
        return self.pages / self.span if self.span else None


def other_load(foreign_cpu: float, wall: float) -> float:
    """Share of the machine's CPUs that processes outside the benchmark used during a case."""
    return foreign_cpu / (wall * (os.cpu_count() or 1))


def prepare(work: Path, limit: int) -> tuple[list[str], list[tuple[str, str]], dict[str, str]]:
    """Decompress the pages once into ``work/www/p``; return names, in-memory jobs, publishers."""
    data = json.loads((REALPAGES / "evaldata.json").read_text(encoding="utf-8"))
    publisher = {
        e["file"]: [*url.split("/"), "", "", "?"][2].removeprefix("www.") or "?"
        for url, e in data.items()
    }
    folder = work / "www" / "p"
    folder.mkdir(parents=True)
    names, jobs = [], []
    for path in sorted((REALPAGES / "pages").glob("*.html.gz"))[: limit or None]:
        name = path.name.removesuffix(".gz")
        body = gzip.decompress(path.read_bytes())
        (folder / name).write_bytes(body)
        names.append(name)
        jobs.append((body.decode("utf-8", errors="replace"), f"https://realpages.test/{name}"))
    return names, jobs, publisher


def write_seeds(path: Path, urls: list[tuple[str, str]], publisher: dict[str, str]) -> None:
    lines = ['[collection]\nname = "throughput-bench"\n']
    for url, name in urls:
        lines.append(
            f"[[sources]]\npublisher = {json.dumps(publisher.get(name, 'realpages'))}\n"
            f"title = {json.dumps(name)}\nurl = {json.dumps(url)}\n"
        )
    path.write_text("\n".join(lines), encoding="utf-8")


def crawl_argv(seeds: Path, db: Path, profile: Path | None, label: str) -> list[str]:
    argv = [sys.executable, "-m", "crawler", "crawl", str(seeds), "--db", str(db)]
    for name, value in CRAWL_SETTINGS.items():
        argv += ["--set", f"{name}={value}"]
    for item in EXTRA_SETTINGS:
        argv += ["--set", item]
    argv += ["--log-level", "WARNING"]
    if profile is not None:
        spy = shutil.which("py-spy", path=str(VENV_BIN)) or "py-spy"
        slug = "".join(c if c.isalnum() else "-" for c in label).strip("-")
        out = profile / f"{slug}.txt"
        argv = [spy, "record", "--subprocesses", "--rate", "50", "--format", "raw", "-o", str(out),
                "--", *argv]  # fmt: skip
    return argv


def monitored_crawl(
    server: Nginx,
    seeds: Path,
    db: Path,
    pages: int,
    label: str,
    profile: Path | None,
    workers: subprocess.Popen[bytes] | None = None,
) -> tuple[Row, Run]:
    offset, nginx_cpu = server.log_offset(), server.cpu()
    run = run_monitored(
        crawl_argv(seeds, db, profile, label),
        cwd=ROOT,
        env=ENV,
        progress=LogCounter(server.access_log, offset),
        also=workers.pid if workers else None,
    )
    log = server.read_log(offset)
    statuses = ", ".join(f"{n} x {s}" for s, n in sorted(log.statuses.items()))
    summary = " ".join(run.stdout.split())
    print(f"  server saw {log.count} requests ({statuses}); crawl: {summary}")
    hwm = "; ".join(f"{role}: {n} x ≤{mb:.0f} MB" for role, (n, mb) in run.role_hwm().items())
    cpu = ", ".join(f"{role} {s:.1f} s" for role, s in run.role_cpu().items())
    print(f"  VmHWM per process ({hwm}); CPU by role ≈ {cpu}")
    valid = log.count == pages
    if not valid:
        print(f"  INVALID: expected {pages} requests, the server saw {log.count}")
    span = run.end_epoch - log.first if log.count else None
    other = other_load(run.foreign_cpu - (server.cpu() - nginx_cpu), run.wall)
    startup = "-" if span is None else f"{run.wall - span:.1f} s"
    print(f"  start-up before the first request {startup}; other load {other:.0%}")
    row = Row(label, pages, run.wall, run.cpu, run.peak_mb, span, other, statuses)
    if not valid:
        row.note = f"INVALID (server saw {log.count} requests)"
    return row, run


def warm_crawl(
    server: Nginx,
    work: Path,
    urls: list[str],
    names: list[str],
    publisher: dict[str, str],
    profile: Path | None,
) -> Row:
    """Case (1w): the first crawl again, into a fresh store, with the workers already warm.

    ``crawler workers`` serves them (as ``crawler schedule`` does for its crawls); a one-page
    crawl with the same settings starts and warms them before the clock. Their CPU and memory
    during the measured crawl count as the crawl's.
    """
    sock = work / "workers.sock"
    log = (work / "workers.log").open("wb")
    service = subprocess.Popen(
        [str(VENV_BIN / "crawler"), "workers", "--socket", str(sock)],
        cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    EXTRA_SETTINGS.append(f"EXTRACT_POOL_SOCKET={sock}")
    try:
        while not sock.exists():
            if service.poll() is not None:
                raise RuntimeError("crawler workers exited: see workers.log")
            time.sleep(0.05)
        one = work / "seeds-one.toml"
        write_seeds(one, [(urls[0], names[0])], publisher)
        subprocess.run(crawl_argv(one, work / "warm-up.db", None, "warm-up"),
                       cwd=ROOT, env=ENV, check=True, capture_output=True)  # fmt: skip
        seeds = work / "seeds.toml"
        write_seeds(seeds, list(zip(urls, names, strict=True)), publisher)
        print("(1w) product, first crawl into a fresh store, extraction workers already warm …")
        label = "(1w) first crawl, warm workers"
        row, _ = monitored_crawl(
            server, seeds, work / "warm.db", len(urls), label, profile, service
        )
        return row
    finally:
        EXTRA_SETTINGS.pop()
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)
        log.close()


def memory_checkpoints(run: Run, total: int) -> list[str]:
    """Resident memory (sum over processes) when 10%, 50% and 100% of the fetches were done."""
    out, window_start = [], 0
    for fraction in (0.1, 0.5, 1.0):
        index = next(
            (i for i, s in enumerate(run.samples) if s.progress >= fraction * total),
            len(run.samples) - 1,
        )
        sample = run.samples[index]
        so_far = max(s.rss_mb for s in run.samples[: index + 1])
        window = max(s.rss_mb for s in run.samples[window_start : index + 1])
        out.append(
            f"{fraction:>4.0%} ({sample.progress:>6} fetched, {sample.t:6.1f} s): "
            f"now {sample.rss_mb:5.0f} MB, peak so far {so_far:5.0f} MB, "
            f"peak since previous point {window:5.0f} MB, {sample.processes} processes"
        )
        window_start = index
    return out


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument(
        "--repeat-pages", type=int, default=10000, help="fetches of the memory case (0: skip)"
    )
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
    parser.add_argument("--profile", type=Path, help="record py-spy profiles of crawls here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--crawl-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra product setting for every product crawl (experiments; default: none)",
    )
    args = parser.parse_args()
    EXTRA_SETTINGS.extend(args.crawl_set)
    cases = set(args.cases.split(","))
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    # SIGTERM unwinds like Ctrl-C, so that nginx is stopped and the work folder removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} CPUs; load average before: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; work folder {work}"
    )
    if EXTRA_SETTINGS:
        print(f"product crawls run with the extra settings {' '.join(EXTRA_SETTINGS)}")
    names, jobs, publisher = prepare(work, args.pages)
    n = len(names)
    megabytes = sum((work / "www" / "p" / name).stat().st_size for name in names) / 1e6
    print(f"{n} pages, {megabytes:.0f} MB of HTML")

    server = Nginx(work / "nginx", work / "www")
    server.start("conditional")
    first_page = "/p/" + quote(names[0])
    print(f"nginx on {server.base}: GET then conditional GET → {server.check(first_page)}")
    urls = [f"{server.base}/p/{quote(name)}" for name in names]
    rows: dict[str, Row] = {}
    try:
        if "fetch" in cases:
            print("(a) plain Scrapy fetch, callback does nothing …")
            url_file = work / "urls.txt"
            url_file.write_text("\n".join(urls))
            offset, nginx_cpu = server.log_offset(), server.cpu()
            spider = ROOT / "bench" / "throughput" / "fetch_spider.py"
            stats_file = work / "fetch-stats.json"
            argv = [str(VENV_BIN / "scrapy"), "runspider", str(spider),
                    "-a", f"urls={url_file}", "-a", f"stats={stats_file}"]  # fmt: skip
            for name, value in CRAWL_SETTINGS.items():
                argv += ["-s", f"{name}={value}"]
            argv += ["-s", "LOG_LEVEL=WARNING", "-s", "TELNETCONSOLE_ENABLED=False"]
            run = run_monitored(argv, cwd=work, env=ENV)  # outside the project: Scrapy defaults
            log = server.read_log(offset)
            stats = json.loads(stats_file.read_text())
            got = stats.get("response_received_count", 0)
            span = run.end_epoch - log.first
            other = other_load(run.foreign_cpu - (server.cpu() - nginx_cpu), run.wall)
            rows["fetch"] = Row(
                "(a) Scrapy fetch only", got, run.wall, run.cpu, run.peak_mb, span, other
            )
            print(
                f"  {got} responses; first to last request {log.span:.2f} s; "
                f"start-up before the first request {run.wall - span:.1f} s"
            )

        if "ceiling" in cases:
            print("(b) trafilatura alone, multiprocessing.Pool(2), HTML in memory …")
            wall, cpu, hwm, texts, busy = run_ceiling(jobs, 2)
            other = other_load(max(0.0, busy - cpu), wall)
            note = f"worker VmHWM ≤{hwm:.0f} MB; {texts} texts"
            name = "(b) trafilatura alone, Pool(2) (ceiling)"
            rows["ceiling"] = Row(name, n, wall, cpu, other=other, note=note)
            print(f"  {n / wall:.1f} pages/s; {texts} pages with text; worker VmHWM ≤{hwm:.0f} MB")

        if "cli" in cases:
            print("(c) trafilatura command line, batch mode on the files …")
            out = work / "trafilatura-out"
            # the product extracts metadata too: ask the CLI for it, as JSON like the product's
            argv = [str(VENV_BIN / "trafilatura"), "--input-dir", str(work / "www" / "p"),
                    "--output-dir", str(out), "--output-format", "json",
                    "--with-metadata"]  # fmt: skip
            run = run_monitored(argv, cwd=work, env=ENV)
            written = sum(1 for p in out.rglob("*") if p.is_file()) if out.exists() else 0
            rows["cli"] = Row("(c) trafilatura CLI --input-dir (2 procs)", n, run.wall, run.cpu,
                              run.peak_mb, other=other_load(run.foreign_cpu, run.wall),
                              note=f"{written} files written")  # fmt: skip
            print(f"  {n / run.wall:.1f} pages/s; {written} output files")

        if "crawl" in cases:
            seeds, db = work / "seeds.toml", work / "crawl.db"
            write_seeds(seeds, [(u, name) for u, name in zip(urls, names, strict=True)], publisher)
            print("(1) product, first crawl into a fresh store …")
            rows["first"], _ = monitored_crawl(
                server, seeds, db, n, "(1) product first crawl", args.profile
            )
            time.sleep(1.5)  # every URL due again (RECRAWL_MIN_SECONDS=1)
            print("(2) product re-crawl, server answers 304 …")
            rows["304"], _ = monitored_crawl(
                server, seeds, db, n, "(2) re-crawl, all 304", args.profile
            )
            server.restart("ignore")
            print(f"  nginx now ignores validators: GET then conditional GET → "
                  f"{server.check('/p/' + quote(names[0]))}")  # fmt: skip
            time.sleep(1.5)
            print("(3) product re-crawl, validators ignored, nothing changed …")
            rows["same"], _ = monitored_crawl(
                server, seeds, db, n, "(3) re-crawl, 200 unchanged", args.profile
            )
            server.restart("conditional")

        if "warm" in cases:
            rows["warm"] = warm_crawl(server, work, urls, names, publisher, args.profile)

        if "repeat" in cases and args.repeat_pages:
            total = args.repeat_pages
            print(f"(4) product crawl of {total} fetches (pages repeated under distinct URLs) …")
            repeated = [
                (f"{server.base}/r/{i // n}/{quote(names[i % n])}", names[i % n])
                for i in range(total)
            ]
            seeds, db = work / "seeds-repeat.toml", work / "repeat.db"
            write_seeds(seeds, repeated, publisher)
            row, run = monitored_crawl(
                server, seeds, db, total, f"(4) {total} fetches", args.profile
            )
            rows["repeat"] = row
            for line in memory_checkpoints(run, total):
                print("  " + line)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print_summary(rows)


def print_summary(rows: dict[str, Row]) -> None:
    header = (
        f"{'case':<42} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'span p/s':>9} "
        f"{'CPU s':>7} {'ms/page':>7} {'peak MB':>8} {'other':>6}  note"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows.values():
        print(
            f"{row.case:<42} {row.pages:>6} {row.wall:>7.1f} {row.rate:>8.1f} "
            f"{fmt(row.span_rate, '>9.1f')} {fmt(row.cpu, '>7.1f')} "
            f"{fmt(row.cpu and 1000 * row.cpu / row.pages, '>7.1f')} "
            f"{fmt(row.peak_mb, '>8.0f')} {fmt(row.other, '>6.0%')}  {row.note}"
        )
    print("\n'pages/s' is pages over the command's wall time (start-up included); 'span p/s' is")
    print("pages over the time from the first request the server saw to the command's exit")
    print(
        "(the crawl without its start-up: imports, store opening, index rebuild, worker warm-up)."
    )
    print("'other' is the share of all CPUs used meanwhile by processes outside the benchmark")
    print("(another session's tests, for example): rows with much of it are slowed down.")
    print("'ms/page' is CPU milliseconds per page over all the command's processes: the cost")
    print("that does not depend on other load.")

    first = rows.get("first")
    if first and first.note.startswith("INVALID"):
        print("\nthe first crawl is invalid: no ratios")
        return
    checks: list[tuple[str, float, float, str]] = []
    if first and "ceiling" in rows:
        c = rows["ceiling"].rate
        span = f"span-based {first.span_rate / c:.2f}x" if first.span_rate else ""
        top = rows["ceiling"]
        if first.cpu and top.cpu:
            # what the ratio would be if both used both cores fully: CPU per page, inverted
            span += f"; CPU-bound {(top.cpu / top.pages) / (first.cpu / first.pages):.2f}x"
        checks.append(("first crawl / ceiling", first.rate / c, 0.90, span))
    if first and "cli" in rows:
        c = rows["cli"].rate
        span = f"span-based {first.span_rate / c:.2f}x" if first.span_rate else ""
        cli = rows["cli"]
        if first.cpu and cli.cpu:
            span += f"; CPU-bound {(cli.cpu / cli.pages) / (first.cpu / first.pages):.2f}x"
        checks.append(("first crawl / trafilatura CLI", first.rate / c, 1.8, span))
    for key, label, target in (("304", "re-crawl 304", 20.0), ("same", "re-crawl unchanged", 5.0)):
        if first and key in rows:
            r = rows[key]
            span = (
                f"span-based {r.span_rate / first.span_rate:.1f}x"
                if r.span_rate and first.span_rate
                else ""
            )
            checks.append((f"{label} / first crawl", r.rate / first.rate, target, span))
    warm = rows.get("warm")
    if warm and "ceiling" in rows and not warm.note.startswith("INVALID"):
        c, top = rows["ceiling"].rate, rows["ceiling"]
        extra = f"span-based {warm.span_rate / c:.2f}x" if warm.span_rate else ""
        if warm.cpu and top.cpu:
            extra += f"; CPU-bound {(top.cpu / top.pages) / (warm.cpu / warm.pages):.2f}x"
        checks.append(("warm-worker crawl / ceiling", warm.rate / c, 0.0, extra))
    if first and first.peak_mb is not None:
        checks.append(("first crawl peak memory (GB)", first.peak_mb / 1024, -1.0, "target < 1 GB"))
    if checks:
        print(f"\n{'ratio':<34} {'value':>7} {'target':>8}  result")
        for label, value, target, extra in checks:
            if target < 0:
                ok = value < 1.0
                print(f"{label:<34} {value:>7.2f} {'< 1.00':>8}  {'MET' if ok else 'MISSED'}")
            elif target == 0:
                print(f"{label:<34} {value:>6.2f}x {'-':>8}  {extra}")
            else:
                ok = value >= target
                print(
                    f"{label:<34} {value:>6.2f}x {'≥ ' + format(target, '.2f') + 'x':>8}  "
                    f"{'MET' if ok else 'MISSED'} {extra}"
                )


if __name__ == "__main__":
    main()
