"""Benchmark of the store on a synthetic collection (issue: versioned article store).

Builds a fresh SQLite store of N articles x V versions of ~600 words through the repository (the
crawler's own write path: one transaction per version, search index kept in step), then prints:
insert throughput, `versions URL` and `search` latency, export throughput and peak memory at two
sizes (constant memory means the same peak), and store size per version.

    .venv/bin/python bench/bench_store.py                 # 100,000 articles x 3 versions
    .venv/bin/python bench/bench_store.py --articles 5000 # a quick run
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from crawler.defaults import STORE_BATCH_SIZE
from crawler.textnorm import content_hash
from storage import FetchRecord, Store
from storage.queries import article_versions, iter_export
from storage.repository import ContentRecord, Entry
from storage.search import search

WORDS_PER_ARTICLE = 600


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    weights = [12, 9, 8, 8, 7, 7, 6, 6, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    return ["".join(rng.choices(letters, weights, k=rng.randint(2, 10))) for _ in range(size)]


def article_text(rng: random.Random, vocab: list[str]) -> list[str]:
    # Zipf-like word frequencies, as in real text
    return [
        vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)]
        for _ in range(WORDS_PER_ARTICLE)
    ]


def paragraphs(words: list[str]) -> str:
    return "\n".join(" ".join(words[i : i + 60]) for i in range(0, len(words), 60))


def build(store: Store, articles: int, versions: int, rng: random.Random, batch: int) -> float:
    """Write every version; returns the seconds spent in the store (text generation excluded).

    ``batch`` fetches go in each transaction, as the crawl's store stage groups them
    (``STORE_BATCH_SIZE``); 1 is one transaction per version.
    """
    vocab = vocabulary(rng)
    texts = [article_text(rng, vocab) for _ in range(min(articles, 2000))]
    t0 = dt.datetime(2024, 1, 1)
    in_store = 0.0
    done = 0
    pending: list[Entry] = []

    def flush() -> float:
        start = time.perf_counter()
        store.record_many(pending)  # one transaction, whatever the batch size
        pending.clear()
        return time.perf_counter() - start

    for v in range(versions):
        for a in range(articles):
            words = list(texts[a % len(texts)])
            words[a % WORDS_PER_ARTICLE] = f"story{a}"
            for k in range(v):
                words[(a * 7 + k * 13) % WORDS_PER_ARTICLE] = f"edit{v}x{k}"
            text = paragraphs(words)
            fetch = FetchRecord(
                url=f"https://news{a % 97}.example/{a}",
                fetched_at=t0 + dt.timedelta(days=v, seconds=a),
                http_status=200,
                publisher=f"Publisher {a % 97}",
            )
            content = ContentRecord(
                content_hash(text), text, WORDS_PER_ARTICLE, title=f"Story {a} v{v + 1}"
            )
            pending.append((fetch, content, None))
            if len(pending) >= batch:
                in_store += flush()
            done += 1
            if done % 20_000 == 0:
                print(f"  {done:,} versions written ({done / in_store:,.0f}/s)", flush=True)
    if pending:
        in_store += flush()
    return in_store


def latency_ms(func: object, repeats: int = 50) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def export_peak(store: Store, limit: int) -> tuple[float, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    sink = io.StringIO()
    count = 0
    with store.session() as session:
        for record in itertools.islice(iter_export(session), limit):
            sink.write(json.dumps(record, ensure_ascii=False))
            sink.seek(0)
            sink.truncate()
            count += 1
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count / elapsed, peak / 1e6, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument(
        "--batch",
        type=int,
        default=STORE_BATCH_SIZE,
        help=f"fetches per transaction (default {STORE_BATCH_SIZE}, the crawl's; 1: one each)",
    )
    parser.add_argument("--db", type=Path, default=None, help="store file (default: temporary)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    path = args.db or folder / "bench.db"
    rng = random.Random(42)
    store = Store(str(path))
    total = args.articles * args.versions
    print(f"store {path}: {args.articles:,} articles x {args.versions} versions of ~600 words")
    print(f"{args.batch} fetch(es) per transaction")
    seconds = build(store, args.articles, args.versions, rng, max(args.batch, 1))
    print(
        f"insert: {total:,} versions in {seconds:.1f} s = {total / seconds:,.0f} versions/s "
        "(target >= 2,000)"
    )

    urls = [f"https://news{a % 97}.example/{a}" for a in rng.sample(range(args.articles), 50)]
    it = iter(itertools.cycle(urls))

    def versions_query() -> None:
        with store.session() as s:
            assert len(article_versions(s, next(it))) == args.versions

    med, p95 = latency_ms(versions_query)
    print(f"versions URL: median {med:.2f} ms, p95 {p95:.2f} ms (target <= 20 ms)")
    terms = [f"story{a}" for a in rng.sample(range(args.articles), 25)] + [
        "edit2x0",
        "story1 edit1x0",
    ]
    tit = iter(itertools.cycle(terms))

    def search_query() -> None:
        with store.session() as s:
            search(s, next(tit), limit=20)

    med, p95 = latency_ms(search_query)
    print(f"search: median {med:.2f} ms, p95 {p95:.2f} ms (target <= 100 ms)")

    small = max(args.articles // 10, 1)
    _rate_small, peak_small, n_small = export_peak(store, small)
    rate_all, peak_all, n_all = export_peak(store, args.articles)
    print(
        f"export: {rate_all:,.0f} articles/s; peak Python memory {peak_small:.1f} MB after "
        f"{n_small:,} articles, {peak_all:.1f} MB after {n_all:,} (constant = similar)"
    )
    store.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    print(
        f"size: {size / 1e6:,.1f} MB on disk = {size / total / 1024:.2f} KB per version "
        f"(text ~{WORDS_PER_ARTICLE} words, search index included)"
    )


if __name__ == "__main__":
    main()
