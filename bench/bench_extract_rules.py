"""Snippet F1 and CPU of extraction with and without the clean-up rules, per rule, on real pages.

Run: ``.venv/bin/python bench/bench_extract_rules.py [--half held-out|tuning] [--modes]``.

The real pages are split in two halves by a hash of their file name (``tests.realpages.held_out``);
the rules were chosen and adjusted on the tuning half only, and the figures to quote are the
held-out half's. Every page is extracted under each configuration in the same process, in a
rotating order, so that all of them see the same pages on the same machine at the same time:
trafilatura alone (every rule off), each rule alone, all four, and the default set
(``ExtractOptions()``). Snippet F1 is trafilatura's
(pooled over pages; precision over the ``without`` snippets found, recall over the ``with`` ones);
its difference to trafilatura alone comes with a 95% paired bootstrap interval over pages. CPU is
``extract_article``'s, per page. ``--modes`` adds trafilatura's ``fast`` and ``favor_precision``
with and without the default rules, to choose the ``EXTRACT_FAST`` and ``EXTRACT_FAVOR_PRECISION``
defaults on the same pages. ``--show RULE`` prints what the rule changed (tuning half only).
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "1")
os.environ["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import difflib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.article import RULES, Article, ExtractOptions
from crawler.extract import extract_article
from crawler.workers.child import WARM_HTML, WARM_URL
from tests.realpages import RealPage, SnippetCounts, held_out, realpages, snippet_counts

NONE = ExtractOptions(**{f"rule_{r}": False for r in RULES})
ALL = ExtractOptions(**{f"rule_{r}": True for r in RULES})
DEFAULT = ExtractOptions()
BOOTSTRAP_ROUNDS = 2000


@dataclasses.dataclass(slots=True)
class Outcome:
    article: bool
    text: str
    counts: SnippetCounts
    cpu: float
    rules: tuple[str, ...]


def configurations(modes: bool) -> dict[str, ExtractOptions]:
    configs = {"trafilatura alone": NONE}
    for rule in RULES:
        configs[f"+ {rule} only"] = dataclasses.replace(NONE, **{f"rule_{rule}": True})
    configs["+ all four rules"] = ALL
    configs["+ default rules"] = DEFAULT
    if modes:
        for mode in ("fast", "favor_precision"):
            configs[f"{mode}, alone"] = dataclasses.replace(NONE, **{mode: True})
            configs[f"{mode}, default rules"] = dataclasses.replace(DEFAULT, **{mode: True})
    return configs


def run(pages: list[RealPage], configs: dict[str, ExtractOptions]) -> dict[str, list[Outcome]]:
    names = list(configs)
    results: dict[str, list[Outcome]] = {name: [] for name in names}
    for index, page in enumerate(pages):
        rotation = names[index % len(names) :] + names[: index % len(names)]
        done: dict[str, Outcome] = {}
        for name in rotation:
            start = time.process_time()
            result = extract_article(page.html, page.url, configs[name])
            cpu = time.process_time() - start
            text = result.text if isinstance(result, Article) else ""
            done[name] = Outcome(
                isinstance(result, Article), text, snippet_counts(page, text), cpu, result.rules
            )
        for name in names:
            results[name].append(done[name])
    return results


def pooled(outcomes: list[Outcome], sample: list[int]) -> float:
    total = SnippetCounts()
    for i in sample:
        total.add(outcomes[i].counts)
    return total.f1()


def bootstrap(base: list[Outcome], other: list[Outcome]) -> tuple[float, float]:
    rng = random.Random(20)
    n = len(base)
    diffs = []
    for _ in range(BOOTSTRAP_ROUNDS):
        sample = [rng.randrange(n) for _ in range(n)]
        diffs.append(pooled(other, sample) - pooled(base, sample))
    diffs.sort()
    return diffs[int(0.025 * BOOTSTRAP_ROUNDS)], diffs[int(0.975 * BOOTSTRAP_ROUNDS) - 1]


def report(results: dict[str, list[Outcome]]) -> None:
    base = results["trafilatura alone"]
    everything = list(range(len(base)))
    base_f1, base_cpu = pooled(base, everything), sum(o.cpu for o in base)
    print(
        f"{'configuration':<26}{'F1':>8}{'P':>7}{'R':>7}{'dF1':>9}  {'95% interval':<19}"
        f"{'changed':>8}{'art→rej':>8}{'CPU ms':>8}{'ratio':>7}"
    )
    for name, outcomes in results.items():
        total = SnippetCounts()
        for o in outcomes:
            total.add(o.counts)
        precision = total.tp / max(1, total.tp + total.fp)
        recall = total.tp / max(1, total.tp + total.fn)
        f1 = total.f1()
        low, high = bootstrap(base, outcomes) if outcomes is not base else (0.0, 0.0)
        changed = sum(o.text != b.text for o, b in zip(outcomes, base, strict=True))
        lost = sum(b.article and not o.article for o, b in zip(outcomes, base, strict=True))
        cpu = sum(o.cpu for o in outcomes)
        print(
            f"{name:<26}{f1:8.4f}{precision:7.3f}{recall:7.3f}{f1 - base_f1:+9.4f}  "
            f"[{low:+.4f}, {high:+.4f}]{changed:8d}{lost:8d}"
            f"{cpu * 1000 / len(outcomes):8.1f}{cpu / base_cpu:7.3f}"
        )
    fired = {rule: sum(rule in o.rules for o in results["+ all four rules"]) for rule in RULES}
    print("pages each rule fired on (all four on):", fired)
    unexplained = sum(
        not o.rules and o.text != b.text
        for o, b in zip(results["+ all four rules"], base, strict=True)
    )
    print(f"pages changed with no rule firing (should be 0): {unexplained}")


def show(pages: list[RealPage], rule: str) -> None:
    only = dataclasses.replace(NONE, **{f"rule_{rule}": True})
    for page in pages:
        before = extract_article(page.html, page.url, NONE)
        after = extract_article(page.html, page.url, only)
        if rule not in after.rules:
            continue
        a = before.text.splitlines() if isinstance(before, Article) else []
        b = after.text.splitlines() if isinstance(after, Article) else []
        d1, d2 = snippet_counts(page, "\n".join(a)), snippet_counts(page, "\n".join(b))
        print(f"=== {page.file} {page.url}  tp {d1.tp}->{d2.tp} fp {d1.fp}->{d2.fp}")
        for line in difflib.unified_diff(a, b, lineterm="", n=0):
            if not line.startswith(("---", "+++", "@@")):
                print("   ", line[:160])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("held-out", "tuning"), default="held-out")
    parser.add_argument("--modes", action="store_true", help="add fast and favor_precision")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages")
    parser.add_argument("--show", choices=RULES, help="print one rule's changes (tuning half)")
    args = parser.parse_args()
    want_held_out = args.half == "held-out"
    pages = [p for p in realpages() if held_out(p) == want_held_out]
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        raise SystemExit("no real pages found")
    if args.show:
        if want_held_out:
            raise SystemExit("--show looks at the tuning half only: add --half tuning")
        show(pages, args.show)
        return
    extract_article(WARM_HTML, WARM_URL, ALL)
    print(f"{args.half} half: {len(pages)} pages")
    report(run(pages, configurations(args.modes)))


if __name__ == "__main__":
    main()
