"""Write recipe.json: which real pages play which role in the syndication evaluation set.

Run by hand (``.venv/bin/python -m tests.syndication.make_recipe``) when the set is to change;
the recipe holds page ids and seeds only, never page text. Eligible pages are English or German
extracts of 250-3,000 words; roles are dealt in the order of a hash of the page id, so the
choice is deterministic and independent of file listing order.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.syndication.evalset import RECIPE, load_texts, realpages_dir

COUNTS = {"chrome": 45, "edit": 45, "trim": 45, "embed": 55, "quote": 35, "samechrome": 25}


def _h(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


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

    def take(pool: list[str]) -> str:
        for n in pool:
            if n not in used:
                used.add(n)
                return n
        raise SystemExit("not enough eligible pages")

    cases = []
    for kind, count in COUNTS.items():
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
    RECIPE.write_text(json.dumps({"version": 1, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases, {len(used)} pages -> {Path(RECIPE).name}")


if __name__ == "__main__":
    main()
