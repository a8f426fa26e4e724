"""Write recipe.json: which real pages play which role in the syndication evaluation set.

Run by hand (``.venv/bin/python -m tests.syndication.make_recipe``) when the set is to change;
the recipe holds page ids and seeds only, never page text. Eligible pages are English or German
extracts of 250-3,000 words; roles are dealt in the order of a hash of the page id, so the
choice is deterministic and independent of file listing order. The hard cases (``HARD_COUNTS``)
are dealt after the first cases; those are kept from the committed recipe as they are (today's
extraction would deal some of them other pages), so their documents stay identical. Hard-case
stories have five or more paragraphs, and the pages of one case share the base page's language.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.syndication.evalset import (
    RECIPE,
    PageText,
    load_texts,
    page_names,
    realpages_dir,
    recipe,
)

COUNTS = {"chrome": 45, "edit": 45, "trim": 45, "embed": 55, "quote": 35, "samechrome": 25}
HARD_COUNTS = {
    "wide": 3,
    "trimchain": 20,
    "shortcopy": 45,
    "aggregator": 10,
    "writethrough": 16,
    "newsletter": 20,
    "paywall": 14,
}


def _h(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


def _split(name: str) -> str:
    return "heldout" if int(_h(name)[:8], 16) % 4 == 0 else "dev"


def _story(page: PageText) -> bool:
    # A write-through replaces the first paragraph: it must be one of several, not the story.
    paras = [p for p in page.text.split("\n") if p.strip()]
    return len(paras) >= 5 and len(paras[0].split()) <= 0.35 * page.words


def main() -> None:
    folder = realpages_dir()
    if folder is None:
        raise SystemExit("realpages folder not found")
    names = sorted(p.name.removesuffix(".gz") for p in (folder / "pages").iterdir())
    texts = load_texts(names)
    eligible = [
        n
        for n in sorted(texts, key=_h)
        if texts[n].language in ("en", "de") and 250 <= texts[n].words <= 3000
    ]
    long_hosts = [n for n in eligible if texts[n].words >= 500]
    used: set[str] = set()

    def take(pool: list[str], split: str | None = None, lang: str | None = None) -> str:
        for n in pool:
            if n in used or split not in (None, _split(n)):
                continue
            if lang not in (None, texts[n].language):
                continue
            used.add(n)
            return n
        raise SystemExit("not enough eligible pages")

    committed = recipe()["cases"] if RECIPE.exists() else []
    cases = [c for c in committed if c["kind"] in COUNTS]
    for c in cases:
        used.update(page_names(c))
    for kind, count in COUNTS.items() if not cases else ():
        for i in range(count):
            seed = int(_h(f"{kind}-{i}")[:8], 16)
            if kind == "embed":
                case = {"kind": kind, "base": take(eligible), "host": take(long_hosts)}
            elif kind in ("quote", "samechrome"):
                case = {"kind": kind, "base": take(eligible), "other": take(eligible)}
                if kind == "quote":
                    case["quote_source"] = take(eligible)
            else:
                case = {"kind": kind, "base": take(eligible), "copies": 2 + (i % 3 == 0)}
            case["seed"] = seed
            case["split"] = "heldout" if int(_h(case["base"])[:8], 16) % 4 == 0 else "dev"
            cases.append(case)
    stories = [n for n in eligible if _story(texts[n])]
    long_stories = [n for n in stories if texts[n].words >= 600]
    # Fillers need only their first 60-150 words (or a headline): short pages first.
    fillers = [
        n
        for n in sorted(texts, key=lambda n: (texts[n].words >= 250, _h(n)))
        if texts[n].language in ("en", "de") and texts[n].words >= 60
    ]
    for kind, count in HARD_COUNTS.items():
        for i in range(count):
            # Every fourth case is steered to a held-out base page, so each kind is in both
            # splits; the split itself is still the base page's hash, as above.
            want = "heldout" if i % 4 == 1 else "dev"
            pool = long_stories if kind in ("wide", "trimchain") else stories
            if kind in ("newsletter", "paywall"):
                pool = fillers
            base = take(pool, want)
            lang = texts[base].language
            case = {"kind": kind, "base": base}
            if kind == "wide":
                case["copies"] = 52 + 2 * i
            elif kind == "shortcopy":
                case["copies"] = 2 + (i % 3 == 0) + (i % 2 == 0)
            elif kind == "aggregator":
                case["stories"] = [take(stories, lang=lang) for _ in range(3 + i % 3)]
                case["pages"] = 1 + (i % 2 == 0)
            elif kind == "writethrough":
                case["other"] = take(stories, lang=lang)
                case["donors"] = [take(eligible, lang=lang) for _ in range(2)]
            elif kind == "newsletter":
                case["others"] = [take(fillers, lang=lang) for _ in range(2 + i % 4)]
            elif kind == "paywall":
                case["others"] = [take(fillers, lang=lang) for _ in range(3 + i % 4)]
            case["seed"] = int(_h(f"{kind}-{i}")[:8], 16)
            case["split"] = _split(base)
            cases.append(case)
    RECIPE.write_text(json.dumps({"version": 2, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases, {len(used)} pages -> {Path(RECIPE).name}")


if __name__ == "__main__":
    main()
