"""What an extraction worker does per page beyond trafilatura, in CPU milliseconds per page.

Run: ``.venv/bin/python bench/bench_worker_overhead.py [--limit 150] [--rounds 2]``.

One process, one core, warm (a first page extracted before any clock), the real pages in memory:
(a) ``trafilatura.bare_extraction`` with the arguments ``extract_article`` uses (the ceiling's
call); (b) ``extract_article`` (that call plus normalisation, the bot-wall check, language
identification, metadata clean-up); (c) the syndication sketch a worker makes of each article;
(d) encoding the reply frame. (b) + (c) + (d) against (a) is what the workers add to the ceiling's
work; rounds alternate (a) and (b) so that both see the same machine.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "1")
os.environ["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from crawler.extract import DATE_PARAMS, Article, ExtractOptions, extract_article
from crawler.syndication import SyndicationConfig
from crawler.workers import protocol
from crawler.workers.child import WARM_HTML, WARM_URL, make_sketcher
from tests.conftest import REALPAGES


def cpu_ms_per_page(work: Callable[[], None], pages: int) -> float:
    start = time.process_time()
    work()
    return (time.process_time() - start) * 1000 / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=150, help="pages (sorted by file name)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of (a) and (b)")
    args = parser.parse_args()
    files = sorted((REALPAGES / "pages").glob("*.html.gz"))[: args.limit]
    if not files:
        raise SystemExit(f"no pages under {REALPAGES / 'pages'}")
    pages = [(gzip.decompress(f.read_bytes()).decode("utf-8", "replace"), f.name) for f in files]
    options = ExtractOptions()
    sketch = make_sketcher(dataclasses.asdict(SyndicationConfig()))
    assert sketch is not None
    extract_article(WARM_HTML, WARM_URL, options)
    articles: list[Article] = []

    def bare() -> None:
        for html, name in pages:
            trafilatura.bare_extraction(
                html,
                url=f"https://example.org/{name}",
                with_metadata=True,
                include_comments=False,
                fast=options.fast,
                favor_precision=options.favor_precision,
                date_extraction_params=DATE_PARAMS,
            )

    def full() -> None:
        articles.clear()
        for html, name in pages:
            result = extract_article(html, f"https://example.org/{name}", options)
            if isinstance(result, Article):
                articles.append(result)

    def sketches() -> None:
        for article in articles:
            sketch(article.text)

    def replies() -> None:
        for article in articles:
            reply = {"op": "result", "outcome": "ok", "result": protocol.result_to_dict(article)}
            protocol.encode(reply)

    n = len(pages)
    print(f"{n} pages, {sum(len(h) for h, _ in pages) / 1e6:.0f} MB of HTML")
    a_runs, b_runs = [], []
    for _ in range(args.rounds):
        a_runs.append(cpu_ms_per_page(bare, n))
        b_runs.append(cpu_ms_per_page(full, n))
    a, b = min(a_runs), min(b_runs)
    c, d = cpu_ms_per_page(sketches, n), cpu_ms_per_page(replies, n)
    print(f"(a) bare_extraction (the ceiling's call)   {a:7.2f} ms/page  rounds {a_runs}")
    print(f"(b) extract_article                        {b:7.2f} ms/page  rounds {b_runs}")
    print(f"(c) syndication sketch                     {c:7.2f} ms/page ({len(articles)} articles)")
    print(f"(d) reply frame                            {d:7.2f} ms/page")
    print(f"worker work over the ceiling's: {b + c + d - a:.2f} ms/page, {(b + c + d) / a - 1:.1%}")


if __name__ == "__main__":
    main()
