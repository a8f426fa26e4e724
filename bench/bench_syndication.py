"""Benchmark syndication detection: throughput, index memory, rebuild time, quality vs baseline.

Run: ``.venv/bin/python bench/bench_syndication.py [--articles 100000] [--stream 5000]``.
Synthetic ~600-word articles draw their words from the real pages' vocabulary (with its
frequencies); 5% are near-duplicates and 5% partial copies of earlier articles in the stream.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.syndication import SyndicationConfig, SyndicationIndex
from tests.syndication.evalset import build, load_texts, realpages_dir, recipe
from tests.syndication.product import product_clusters, product_relations
from tests.syndication.scoring import baseline_word3_clusters, cluster_scores, score


def vocabulary() -> tuple[list[str], np.ndarray]:
    """Words of the real pages named in the recipe, and their frequencies."""
    names = sorted({str(c["base"]) for c in recipe()["cases"]})
    counts: Counter[str] = Counter()
    for page in load_texts(names).values():
        counts.update(page.text.split())
    words, freq = zip(*counts.most_common(), strict=True)
    p = np.asarray(freq, dtype=np.float64)
    return list(words), p / p.sum()


class Articles:
    """A deterministic stream of ~600-word synthetic articles with copies of earlier ones."""

    def __init__(self, seed: int) -> None:
        self.words, self.p = vocabulary()
        self.rng = np.random.default_rng(seed)
        self.prng = random.Random(seed)
        self.made: list[str] = []
        # Sampling through a precomputed CDF: rng.choice(p=...) rebuilds it on every call.
        self.cdf = np.cumsum(self.p)

    def fresh(self, n: int = 600) -> str:
        idx = np.searchsorted(self.cdf, self.rng.random(n) * self.cdf[-1])
        w = [self.words[i] for i in idx]
        return "\n".join(" ".join(w[i : i + 60]) for i in range(0, n, 60))

    def next(self) -> str:
        r = self.prng.random()
        if self.made and r < 0.05:  # near-duplicate: a few words changed
            w = self.prng.choice(self.made).split(" ")
            for _ in range(8):
                w[self.prng.randrange(len(w))] = self.prng.choice(self.words)
            text = " ".join(w)
        elif self.made and r < 0.10:  # partial copy: 300 words of an earlier article embedded
            src = self.prng.choice(self.made).split(" ")
            start = self.prng.randrange(max(1, len(src) - 300))
            text = self.fresh(300) + "\n" + " ".join(src[start : start + 300])
        else:
            text = self.fresh()
        if len(self.made) < 2000:
            self.made.append(text)
        return text


def rss_mb() -> float:
    """Peak resident set size so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_stream(n: int, config: SyndicationConfig) -> None:
    gen = Articles(1)
    texts = [gen.next() for _ in range(n)]
    store: dict[int, str] = {}
    index = SyndicationIndex(config, store.get)
    relations: Counter[str] = Counter()
    t0 = time.perf_counter()
    # pages spread over 500 sites: every query also counts where its anchors are repeated
    for i, text in enumerate(texts):
        store[i] = text
        for m in index.add(i, text, site=f"site{i % 500}.example"):
            relations[m.relation] += 1
    dt = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts) / n
    print(f"stream: {n} articles of ~{words:.0f} words: sketch+verified query+index")
    print(f"  {n / dt:,.0f} articles/s on one core ({dt * 1e6 / n:,.0f} us/article)")
    print(f"  relations found: {dict(relations)} (5% near-dup and 5% partial copies injected)")


def bench_scale(n: int, config: SyndicationConfig) -> None:
    gen = Articles(2)
    sk = SyndicationIndex(config).sketcher
    t0 = time.perf_counter()
    records: list[tuple[int, bytes, str]] = []
    recent: dict[int, str] = {}  # the texts later articles may copy, for verification
    for i in range(n):
        text = gen.next()
        records.append((i, sk.sketch(text)[1].to_bytes(), f"site{i % 500}.example"))
        if i >= n - 5000:
            recent[i] = text
        if len(gen.made) >= 2000:
            gen.made.clear()  # bound the copy sources so memory is the index's
    dt_sketch = time.perf_counter() - t0
    rec_bytes = sum(len(r) for _, r, _ in records) / n
    print(f"scale: {n:,} signatures made in {dt_sketch:.1f}s ({n / dt_sketch:,.0f}/s);")
    print(f"  persisted signature record: {rec_bytes:.0f} bytes/article on average")
    gc.collect()
    before = current_rss()
    t0 = time.perf_counter()
    index = SyndicationIndex.from_records(
        records, config, texts_of=lambda ids: {i: recent[i] for i in ids if i in recent}
    )
    dt = time.perf_counter() - t0
    gc.collect()
    grew = current_rss() - before
    print(
        f"  rebuild from records: {dt:.1f}s at {n:,}; projected {dt * 1_000_000 / n:.0f}s at "
        f"1,000,000 (linear; the final sort is n log n)"
    )
    per = index.nbytes / len(index)
    print(
        f"  index memory: {per:,.0f} bytes/article by structure size, {grew / n:,.0f} by RSS "
        f"growth; projected to 10,000,000: {per * 1e7 / 2**30:.1f} GiB"
    )
    stream = [gen.next() for _ in range(2000)]
    t0, c0 = time.perf_counter(), time.process_time()
    for k, text in enumerate(stream):
        recent[n + k] = text
        index.add(n + k, text, site=f"site{k % 500}.example")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"  stream into the index of {n:,}: {len(stream) / dt:,.0f} articles/s on one core "
        f"({dt * 1e6 / len(stream):,.0f} us/article; CPU {cpu * 1e6 / len(stream):,.0f} us, "
        f"{len(stream) / cpu:,.0f}/s of CPU)"
    )


def bench_quality(config: SyndicationConfig) -> None:
    if realpages_dir() is None:
        print("quality: skipped, ../shared/data/realpages is absent")
        return
    es = build()
    print(
        f"quality: {len(es.texts)} documents, {len(es.positive_pairs())} true pairs, "
        f"{len(es.negatives)} labelled distractor pairs; documents added one by one with their "
        "sites, pairs judged again, clusters as exported"
    )
    for split in ("dev", "heldout"):
        relations = product_relations(es, split, config)
        ours = cluster_scores(es, split, product_clusters(es, split, config))
        base = cluster_scores(es, split, baseline_word3_clusters(es, split))
        pairs = score(es, split, set(relations))
        print(f"  {split:8s} clusters  ours:     {ours.line()}")
        print(f"  {split:8s} clusters  baseline: {base.line()}  [MinHashLSH(0.3), word 3-grams]")
        print(f"  {split:8s} relations ours:     {pairs.line()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000, help="index size for memory/rebuild")
    ap.add_argument("--stream", type=int, default=5_000, help="articles for the throughput run")
    args = ap.parse_args()
    config = SyndicationConfig()
    print(f"config: {config}")
    bench_quality(config)
    bench_stream(args.stream, config)
    bench_scale(args.articles, config)
    print(f"peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
