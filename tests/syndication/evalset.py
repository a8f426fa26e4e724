"""Build the labelled syndication evaluation set at run time from real pages and a recipe.

The repository holds only ``recipe.json`` (page ids, roles and seeds); the texts come from
``../shared/data/realpages`` and the seed snapshot, and every copy is made here by a seeded
transformation, so the set is the same on every machine that has the pages.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import random
import re
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura

from crawler.extract import Article, extract_article

ROOT = Path(__file__).resolve().parents[2]
RECIPE = Path(__file__).with_name("recipe.json")
SNAPSHOT = ROOT / "seeds" / "snapshots" / "putin-india-visit"
FULL_KINDS = ("chrome", "edit", "trim")
PARTIAL_KINDS = ("embed", "seed")
# The kinds the relation floors were set on; hardcases.py adds the rest.
FIRST_KINDS = (*FULL_KINDS, *PARTIAL_KINDS, "quote", "samechrome")
# The first cases' sites; the hard cases add more (see hardcases.py).
OLD_SITES = 20


def realpages_dir() -> Path | None:
    """The real pages folder beside the checkout (or $CRAWLER_REALPAGES), None if absent."""
    folder = Path(
        os.environ.get("CRAWLER_REALPAGES", ROOT.parent / "shared" / "data" / "realpages")
    )
    return folder if (folder / "pages").is_dir() else None


@dataclass(frozen=True)
class PageText:
    """An extracted real page."""

    text: str
    words: int
    language: str | None


def _extract(name: str, html: str, url: str) -> PageText | None:
    art = extract_article(html, url)
    if not isinstance(art, Article):
        return None
    return PageText(art.text, art.word_count, art.language)


def load_texts(names: list[str]) -> dict[str, PageText]:
    """Extract the named real pages, cached on disk outside the repository between runs."""
    folder = realpages_dir()
    if folder is None:
        raise FileNotFoundError("realpages folder not found")
    urls = {v["file"]: u for u, v in json.loads((folder / "evaldata.json").read_text()).items()}
    key = hashlib.sha1(
        f"{trafilatura.__version__}|{sorted(names)}".encode(), usedforsecurity=False
    ).hexdigest()[:16]
    cache_file = Path(tempfile.gettempdir()) / f"crawler-syndication-eval-{key}.pickle"
    if cache_file.exists():
        with cache_file.open("rb") as fh:
            cached: dict[str, PageText] = pickle.load(fh)  # noqa: S301 - our own temp file
            return cached
    out: dict[str, PageText] = {}
    for name in names:
        html = gzip.decompress((folder / "pages" / f"{name}.gz").read_bytes())
        page = _extract(name, html.decode("utf-8", "replace"), urls.get(name, f"https://x/{name}"))
        if page is not None:
            out[name] = page
    tmp = cache_file.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(out, fh)
    tmp.replace(cache_file)
    return out


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


@cache
def seed_hosts() -> dict[str, str]:
    """The host of each seed snapshot article, by the same file stem as ``seed_texts``."""
    manifest = json.loads((SNAPSHOT / "manifest.json").read_text())
    return {
        Path(page["files"]["2"]).stem: _host(page["url"])
        for page in manifest["pages"]
        if page["files"].get("2")
    }


@cache
def seed_texts() -> dict[str, str]:
    """The seed snapshot's state-2 articles by file stem."""
    manifest = json.loads((SNAPSHOT / "manifest.json").read_text())
    out = {}
    for page in manifest["pages"]:
        rel = page["files"].get("2")
        if not rel:
            continue
        art = extract_article((SNAPSHOT / rel).read_text(encoding="utf-8"), page["url"])
        if isinstance(art, Article):
            out[Path(rel).stem] = art.text
    return out


# -- transformations ------------------------------------------------------------------------

_MENU = {
    "en": "Home World Business Politics Tech Science Health Sport Culture Opinion Video Podcasts",
    "de": "Startseite Politik Wirtschaft Panorama Sport Kultur Wissen Digital Reise Meinung Video",
}
_FOOTER = {
    "en": [
        "Sign up for our daily newsletter and get the top stories in your inbox every morning.",
        "Copyright {y} {site} Media Group. All rights reserved. Terms of use. Privacy policy.",
        "Follow us on social media. Contact the newsroom. Advertise with us. Careers.",
    ],
    "de": [
        "Jetzt den Newsletter abonnieren und die wichtigsten Nachrichten jeden Morgen erhalten.",
        "Copyright {y} {site} Verlagsgruppe. Alle Rechte vorbehalten. Impressum. Datenschutz.",
        "Folgen Sie uns in den sozialen Netzwerken. Kontakt zur Redaktion. Anzeigen. Karriere.",
    ],
}
_RELATED = {"en": "Related Stories", "de": "Mehr zum Thema"}


def site_name(site: int) -> str:
    """The invented site's name, as its chrome spells it."""
    return f"Site{site:02d}"


def site_host(site: int) -> str:
    """The invented site's host name."""
    return f"site{site:02d}.example"


def header(site: int, lang: str) -> str:
    """The fixed header of site ``site``: its name and a menu shuffled once per site."""
    lang = lang if lang in _MENU else "en"
    menu = _MENU[lang].split()
    srng = random.Random(site)
    srng.shuffle(menu)
    return f"{site_name(site)} News\n" + " | ".join(menu[: 6 + site % 5])


def chrome(site: int, lang: str, rng: random.Random, headlines: list[str]) -> tuple[str, str]:
    """Header and footer of an invented site ``site``: fixed menu and footer, varying links."""
    lang = lang if lang in _MENU else "en"
    name = site_name(site)
    related = "\n".join(rng.sample(headlines, k=min(4, len(headlines))))
    footer = "\n".join(
        [_RELATED[lang], related, *(f.format(y=2020 + site % 5, site=name) for f in _FOOTER[lang])]
    )
    return header(site, lang), footer


def with_chrome(text: str, header: str, footer: str) -> str:
    """``text`` framed by a header and a footer, as a cleaner that missed them would leave it."""
    return f"{header}\n{text}\n{footer}"


def copy_edit(text: str, rng: random.Random, rate: float = 1 / 60) -> str:
    """A few word substitutions, insertions and deletions, punctuation edits, one move."""
    paras = [p.split(" ") for p in text.split("\n")]
    vocab = [w for p in paras for w in p if w.isalpha()] or ["the"]
    n_words = sum(len(p) for p in paras)
    for _ in range(max(2, round(n_words * rate))):
        p = rng.choice([p for p in paras if p] or [[""]])
        i = rng.randrange(len(p))
        op = rng.random()
        if op < 0.4:
            p[i] = rng.choice(vocab)
        elif op < 0.7:
            p.insert(i, rng.choice(vocab))
        elif len(p) > 1:
            del p[i]
    out = [" ".join(p) for p in paras]
    out = [re.sub(r",", "", p, count=1) if rng.random() < 0.3 else p for p in out]
    out = [p.replace('"', "\u201c", 1) if rng.random() < 0.3 else p for p in out]
    if len(out) >= 3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return "\n".join(out)


def trim(text: str, rng: random.Random) -> str:
    """Cut the last paragraphs, keeping 55-85% of the words."""
    paras = text.split("\n")
    total = sum(len(p.split()) for p in paras)
    keep, words = [], 0
    target = total * rng.uniform(0.55, 0.85)
    for p in paras:
        if words >= target and keep:
            break
        keep.append(p)
        words += len(p.split())
    return "\n".join(keep)


def lead(text: str, rng: random.Random, lo: int = 150, hi: int = 400) -> str:
    """The first paragraphs of ``text``, ``lo``-``hi`` words: a wire story to embed."""
    target = rng.randint(lo, hi)
    keep, words = [], 0
    for p in text.split("\n"):
        keep.append(p)
        words += len(p.split())
        if words >= target:
            break
    return "\n".join(keep)


def embed(host: str, story: str, framed_words: int, rng: random.Random) -> str:
    """``story`` inserted at a paragraph boundary of ``host``, lightly edited, maybe trimmed.

    The trim never leaves less than 60% of ``framed_words`` (the story with its own site's
    chrome) inside the host: the definition of a partial copy is "at least half inside".
    """
    paras = story.split("\n")
    if len(paras) > 3 and rng.random() < 0.5:
        cut = paras[: max(2, int(len(paras) * 0.75))]
        if sum(len(p.split()) for p in cut) >= 0.6 * framed_words:
            paras = cut
    edited = copy_edit("\n".join(paras), rng, rate=1 / 120)
    hp = host.split("\n")
    at = rng.randint(1, max(1, len(hp) - 1))
    return "\n".join([*hp[:at], edited, *hp[at:]])


def quote(text: str, rng: random.Random, lo: int = 25, hi: int = 45) -> str:
    """A run of ``lo``-``hi`` words from ``text``, quoted."""
    words = text.split()
    n = rng.randint(lo, hi)
    i = rng.randrange(max(1, len(words) - n))
    return "\u201c" + " ".join(words[i : i + n]) + "\u201d"


def insert_paragraph(text: str, para: str, rng: random.Random) -> str:
    """``para`` inserted at a random paragraph boundary of ``text``."""
    ps = text.split("\n")
    at = rng.randint(0, len(ps))
    return "\n".join([*ps[:at], para, *ps[at:]])


# -- the set --------------------------------------------------------------------------------


@dataclass
class EvalSet:
    """Documents and their ground truth: ``group`` ids (same group = syndicated) and pairs."""

    texts: dict[str, str] = field(default_factory=dict)
    group: dict[str, str] = field(default_factory=dict)
    split: dict[str, str] = field(default_factory=dict)
    host: dict[str, str] = field(default_factory=dict)
    kind_of_group: dict[str, str] = field(default_factory=dict)
    negatives: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, doc_id: str, text: str, group: str, kind: str, split: str, host: str) -> None:
        self.texts[doc_id] = text
        self.group[doc_id] = group
        self.split[doc_id] = split
        self.host[doc_id] = host
        self.kind_of_group[group] = kind

    def positive_pairs(self, split: str | None = None) -> dict[tuple[str, str], str]:
        """Every pair of documents in one group, with the group's kind."""
        by_group: dict[str, list[str]] = {}
        for d, g in self.group.items():
            if split is None or self.split[d] == split:
                by_group.setdefault(g, []).append(d)
        out = {}
        for g, ds in by_group.items():
            for a, b in combinations(sorted(ds), 2):
                out[(a, b)] = self.kind_of_group[g]
        return out

    def ids(self, split: str | None = None) -> list[str]:
        return [d for d in self.texts if split is None or self.split[d] == split]

    def only(self, kinds: Collection[str]) -> EvalSet:
        """The documents of the groups of ``kinds``, in the same order, and their negatives."""
        out = EvalSet()
        for d, g in self.group.items():
            kind = self.kind_of_group[g]
            if kind in kinds:
                out.add(d, self.texts[d], g, kind, self.split[d], self.host[d])
        out.negatives = [n for n in self.negatives if n[2] in kinds]
        return out


def recipe() -> dict[str, list[dict[str, object]]]:
    """The committed recipe."""
    data: dict[str, list[dict[str, object]]] = json.loads(RECIPE.read_text())
    return data


def page_names(case: Mapping[str, object]) -> list[str]:
    """The real pages a recipe case uses, whatever their role."""
    out = []
    for key in ("base", "host", "other", "quote_source"):
        if key in case:
            out.append(str(case[key]))
    for key in ("others", "stories", "donors"):
        value = case.get(key)
        if isinstance(value, list):
            out.extend(str(v) for v in value)
    return out


def build(include_seed: bool = True) -> EvalSet:
    """Build the evaluation set (raises FileNotFoundError without the real pages)."""
    # hardcases builds on this module's transformations, hence the import here.
    from tests.syndication import hardcases

    cases = recipe()["cases"]
    names: set[str] = set()
    old_names: set[str] = set()
    for c in cases:
        names.update(page_names(c))
        if c["kind"] not in hardcases.BUILDERS:
            old_names.update(page_names(c))
    texts = load_texts(sorted(names))
    # Headlines come from the first cases' pages only, so that adding cases leaves their
    # documents unchanged.
    heads = sorted(
        " ".join(t.text.split()[:10])
        for name, t in texts.items()
        if name in old_names and len(t.text.split()) > 10
    )
    es = EvalSet()
    for n, c in enumerate(cases):
        rng = random.Random(int(str(c["seed"])))
        kind, split, base = str(c["kind"]), str(c["split"]), str(c["base"])
        if base not in texts:
            continue
        if kind in hardcases.BUILDERS:
            hardcases.BUILDERS[kind](hardcases.Case(es, n, c, split, rng, texts, heads))
            continue
        bt = texts[base]
        lang = bt.language or "en"

        def framed(text: str, site: int) -> str:
            return with_chrome(text, *chrome(site, lang, rng, heads))  # noqa: B023 - used at once

        sites = rng.sample(range(OLD_SITES), 3)
        hosts = [site_host(s) for s in sites]
        if kind in FULL_KINDS:
            es.add(f"{n}-orig", framed(bt.text, sites[0]), f"g{n}", kind, split, hosts[0])
            for k in range(int(str(c["copies"]))):
                body = bt.text
                if kind == "edit":
                    body = copy_edit(body, rng)
                elif kind == "trim":
                    body = trim(copy_edit(body, rng, rate=1 / 200), rng)
                site = 1 + k % 2
                es.add(f"{n}-copy{k}", framed(body, sites[site]), f"g{n}", kind, split, hosts[site])
        elif kind == "embed":
            host = texts.get(str(c["host"]))
            if host is None:
                continue
            story = lead(bt.text, rng)
            framed_story = framed(story, sites[0])
            hosted = embed(host.text, story, len(framed_story.split()), rng)
            es.add(f"{n}-story", framed_story, f"g{n}", kind, split, hosts[0])
            es.add(f"{n}-host", framed(hosted, sites[1]), f"g{n}", kind, split, hosts[1])
        else:
            other = texts.get(str(c["other"]))
            if other is None:
                continue
            a, b = bt.text, other.text
            if kind == "quote":
                src = texts.get(str(c["quote_source"]))
                if src is None:
                    continue
                for _ in range(1 + (rng.random() < 0.5)):
                    q = quote(src.text, rng)
                    a, b = insert_paragraph(a, q, rng), insert_paragraph(b, q, rng)
                es.add(f"{n}-a", framed(a, sites[0]), f"g{n}a", kind, split, hosts[0])
                es.add(f"{n}-b", framed(b, sites[1]), f"g{n}b", kind, split, hosts[1])
            else:  # samechrome: two different articles of one site
                es.add(f"{n}-a", framed(a, sites[0]), f"g{n}a", kind, split, hosts[0])
                es.add(f"{n}-b", framed(b, sites[0]), f"g{n}b", kind, split, hosts[0])
            es.negatives.append((f"{n}-a", f"{n}-b", kind))
    if include_seed:
        seeds, seed_host = seed_texts(), seed_hosts()
        for stem, text in seeds.items():
            group = "seed-ajfp" if stem.startswith(("aljazeera-", "firstpost-")) else f"s-{stem}"
            es.add(f"seed-{stem}", text, group, "seed", "dev", seed_host[stem])
    return es
