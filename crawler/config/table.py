"""The settings table: every setting's name, default, kind, environment variable and meaning.

The one place these are declared. ``crawler.defaults`` and ``crawler.settings`` take their values
from here, the validation takes the kinds, and the README's configuration table is rendered from
it (``tools/settings_table.py`` writes it; ``tests/test_docs_settings.py`` fails when they differ).
The ``SYNDICATION_*`` rows are made from :class:`~crawler.syndication.config.SyndicationConfig`.
Imports no Scrapy: the extraction workers read their defaults from here too.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass

from crawler.config.kinds import Bool, Choice, Hosts, Kind, Names, Number, Orders, Text
from crawler.syndication.config import SyndicationConfig

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting.

    Attributes:
        name: the Scrapy setting name.
        default: the value the product starts from.
        kind: what a value may be.
        doc: one line for the README.
        env: the environment variable that sets it, if any.
        scrapy: a setting of Scrapy's own (the product only changes or documents it).
        shown: the default as the README shows it, when the value itself is not meant for people.
    """

    name: str
    default: object
    kind: Kind
    doc: str
    env: str | None = None
    scrapy: bool = False
    shown: str | None = None


def _product(name: str, default: object, kind: Kind, doc: str, env: str | None = "") -> Setting:
    """A product setting; its environment variable is ``CRAWLER_<NAME>`` unless named."""
    return Setting(name, default, kind, doc, f"CRAWLER_{name}" if env == "" else env)


def _scrapy(name: str, default: object, kind: Kind, doc: str, env: bool = True) -> Setting:
    return Setting(name, default, kind, doc, f"CRAWLER_{name}" if env else None, scrapy=True)


def _wiring(name: str, shown: str, kind: Kind, doc: str) -> Setting:
    """Where Scrapy finds the project's code: set in ``crawler.settings``, not a tunable."""
    return Setting(name, None, kind, doc, None, scrapy=True, shown=shown)


INT0 = Number(integer=True, minimum=0)
INT1 = Number(integer=True, minimum=1)
SECONDS0 = Number(minimum=0)
POSITIVE = Number(minimum=0, min_open=True)


def _syndication_rows() -> list[Setting]:
    """The ``SYNDICATION_<FIELD>`` rows: kinds from the fields' types; ranges are checked by
    ``SyndicationConfig`` itself, on all of them together (see :func:`syndication_bounds`)."""
    docs = {
        "shingle_size": "words per shingle (signature parameter: changing it re-signs every text)",
        "num_perm": "MinHash permutations (signature parameter)",
        "seed": "hash seed (signature parameter)",
        "scheme": "datasketch hash scheme (signature parameter)",
        "anchor_mod": "one shingle in this many is kept as a containment anchor "
        "(signature parameter)",
        "min_words": "shorter texts are never indexed or matched (short texts look alike)",
        "near_duplicate_jaccard": "word-shingle Jaccard at or above which two texts are "
        "near-duplicates",
        "partial_containment": "share of the shorter text found in the longer one for a partial "
        "copy",
        "passage_words": "shortest shared run of words that counts towards containment",
        "lsh_bands": "LSH bands over the MinHash, to propose near-duplicates",
        "lsh_rows": "rows per LSH band",
        "candidate_min_anchors": "shared anchors needed before a partial-copy candidate is "
        "verified",
        "candidate_min_containment": "estimated containment needed before a candidate is verified",
        "max_anchor_df": "anchors found in more articles are not looked up for candidates "
        "(near-duplicates are still found through LSH)",
        "max_candidates": "candidates verified per article, at most",
        "min_shared_words": "shared text, boilerplate left out, that either relation needs, "
        "in words",
        "boilerplate_site_pages": "text found on this many pages of one site is that site's "
        "boilerplate and never makes a copy",
        "strong_containment": "below this containment, a partial copy is judged again without "
        'its service text (newsletter, "follow us", rights and policy lines)',
    }
    hints = typing.get_type_hints(SyndicationConfig)
    defaults = SyndicationConfig()
    rows = []
    for field in dataclasses.fields(SyndicationConfig):
        default = getattr(defaults, field.name)
        kind: Kind
        choices = typing.get_args(hints[field.name])
        if choices:
            kind = Choice(tuple(str(c) for c in choices))
        elif isinstance(default, bool):
            kind = Bool()
        elif isinstance(default, int):
            kind = Number(integer=True, **syndication_bounds(field.name, 1))
        elif isinstance(default, float):
            kind = Number(**syndication_bounds(field.name, 0.5))
        else:
            kind = Text()
        doc = docs.get(field.name, field.name.replace("_", " "))
        rows.append(_product(f"SYNDICATION_{field.name.upper()}", default, kind, doc))
    return rows


def _accepts(field: str, value: float) -> bool:
    try:
        SyndicationConfig(**{field: value})  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def syndication_bounds(field: str, sample: float) -> dict[str, typing.Any]:
    """The bounds ``SyndicationConfig`` puts on ``field`` alone, found by asking it.

    Each field is tried with the others at their defaults: a lower bound of 0 (``>= 0`` or
    ``> 0``), or the smallest integer below 4 it accepts, and an upper bound of 1 when 1 is the
    largest share it accepts. Bounds that depend on other fields (``lsh_bands * lsh_rows <=
    num_perm``) are checked when all the values are known, by ``SyndicationConfig`` itself.
    """
    bounds: dict[str, typing.Any] = {}
    if isinstance(sample, int):
        if not _accepts(field, -1):
            bounds["minimum"] = next((n for n in range(4) if _accepts(field, n)), 0)
    elif not _accepts(field, -1.0):
        bounds["minimum"] = 0
        bounds["min_open"] = not _accepts(field, 0.0)
        if _accepts(field, 1.0) and not _accepts(field, 1.5):
            bounds["maximum"] = 1
    return bounds


SETTINGS: tuple[Setting, ...] = (
    # --- the store ---
    _product("STORAGE_ENABLED", True, Bool(), "record fetches and versions (the store pipeline)"),
    _product(
        "STORAGE_URL",
        "",
        Text(),
        "SQLAlchemy URL or SQLite path of the store (`--db`); empty means "
        "`~/.local/share/crawler/crawler.db` (`$XDG_DATA_HOME` respected)",
        env="CRAWLER_DB_URL",
    ),
    _product(
        "STORE_BATCH_SIZE",
        64,
        INT1,
        "fetches recorded per store transaction; a batch is all or nothing, and a crash loses "
        "at most one batch, whose URLs stay due and are fetched again (1: a transaction per "
        "fetch)",
    ),
    _product(
        "STORE_BATCH_SECONDS",
        0.05,
        SECONDS0,
        "longest a fetch waits for its batch to fill before the batch is committed anyway "
        "(0: commit at once)",
    ),
    _product(
        "PROGRESS_INTERVAL",
        10.0,
        SECONDS0,
        "seconds between the crawl's progress lines (`progress: 412 of 1,032 pages (40%), 38.5 "
        "pages/s, 2 rejected, 0 errors, 11 s elapsed, about 16 s left`; the total counts the "
        "URLs leased so far, discovered ones included), and a `finished:` line at the end; 0 "
        "turns them off",
    ),
    # --- extraction ---
    _product("EXTRACT_ENABLED", True, Bool(), "clean pages into articles (the clean pipeline)"),
    _product(
        "EXTRACT_MIN_WORDS",
        30,
        INT0,
        "pages with fewer words of main text are rejected as `too-short`",
    ),
    _product("EXTRACT_FAST", False, Bool(), "trafilatura's `fast` mode: no fallback extractors"),
    _product(
        "EXTRACT_FAVOR_PRECISION",
        False,
        Bool(),
        "trafilatura's `favor_precision`: less text, less boilerplate",
    ),
    _product(
        "EXTRACT_RULE_HIDDEN",
        True,
        Bool(),
        "before extraction, prune elements the page hides (`display:none`, `hidden`, "
        "`aria-hidden`)",
    ),
    _product(
        "EXTRACT_RULE_SPLIT_BODIES",
        False,
        Bool(),
        "merge the paragraphs of an article cut into sibling containers that trafilatura left "
        "out (off: no measured gain, see docs/extraction.md)",
    ),
    _product(
        "EXTRACT_RULE_TRAILING_WIDGETS",
        True,
        Bool(),
        'cut newsletter sign-ups, "follow us", copyright lines and link lists from the end of '
        "the text",
    ),
    _product(
        "EXTRACT_RULE_REPEATED_HEADLINE",
        True,
        Bool(),
        "drop a first block that repeats the headline (the title is stored apart)",
    ),
    _product(
        "EXTRACT_WORKERS",
        0,
        INT0,
        "extraction worker processes; `0` means one per CPU this process may use",
    ),
    _product(
        "EXTRACT_TIMEOUT",
        30.0,
        POSITIVE,
        "seconds one page may take; past it the worker is killed and the page rejected",
    ),
    _product(
        "EXTRACT_MEMORY_MB",
        1024,
        INT0,
        "address-space limit of each extraction worker (`0`: none)",
    ),
    _product(
        "EXTRACT_MAX_PENDING",
        0,
        INT0,
        "pages waiting for extraction before the crawl waits; `0` means 4 x workers",
    ),
    _product(
        "EXTRACT_MAX_TASKS_PER_WORKER",
        2000,
        INT1,
        "pages after which a worker is replaced by a fresh one (its caches start empty again)",
    ),
    _product(
        "EXTRACT_POOL_SOCKET",
        "",
        Text(),
        "Unix socket of warm extraction workers shared by crawls (`crawler workers`; `crawler "
        "schedule` sets it for its crawls); empty: the crawl starts its own. When nobody "
        "answers there, the crawl starts its own and says so",
    ),
    _product(
        "DEDUP_ENABLED", True, Bool(), "hash texts and flag exact duplicates (the dedup pipeline)"
    ),
    # --- syndication ---
    _product(
        "SYNDICATION_ENABLED",
        True,
        Bool(),
        "find syndicated copies and keep clusters (the syndication pipeline; needs the store)",
    ),
    *_syndication_rows(),
    # --- recrawl and frontier ---
    _product(
        "RECRAWL_INITIAL_SECONDS",
        6 * 3600,
        INT1,
        "a new URL's first recrawl interval (6 h), between the minimum and the maximum",
    ),
    _product(
        "RECRAWL_MIN_SECONDS",
        3600,
        INT1,
        "shortest recrawl interval, however often a page changes",
    ),
    _product(
        "RECRAWL_MAX_SECONDS",
        30 * 86400,
        INT1,
        "longest recrawl interval (30 days): pages that stopped changing are still re-checked",
    ),
    _product(
        "RECRAWL_GROW",
        0.5,
        Number(minimum=0),
        "an unchanged fetch multiplies the interval by 1 + this",
    ),
    _product(
        "RECRAWL_SHRINK",
        0.3,
        Number(minimum=0, maximum=1, max_open=True),
        "a changed fetch multiplies the interval by 1 - this",
    ),
    _product(
        "RECRAWL_FAILURE_BACKOFF",
        2.0,
        Number(minimum=1),
        "after failures, retry after the minimum interval times this per extra failure",
    ),
    _product("FRONTIER_BATCH", 100_000, INT1, "URLs leased by one crawl, at most"),
    _product(
        "FRONTIER_LEASE_SECONDS",
        3600,
        INT1,
        "a lease not released by then (a crawl that died) expires and its URLs are due again",
    ),
    _product(
        "DISCOVERY_MAX_LISTINGS",
        20,
        INT0,
        "feeds found on a home page, and sitemaps found through robots.txt, a probe or a sitemap "
        "index, read per publisher and crawl (feeds and sitemaps counted apart; declared ones "
        "always read); when robots.txt announces news sitemaps, only those are read",
    ),
    _product(
        "DISCOVERY_PROBE_SITEMAPS",
        False,
        Bool(),
        "for a publisher without declared listings whose robots.txt announces no sitemap, try "
        "`/news-sitemap.xml`, `/sitemap_index.xml`, `/sitemap.xml` in turn (obeying robots.txt "
        "and the site's delay) until one is a sitemap. Off: these are guesses, paid for at every "
        "crawl with up to 3 requests that mostly miss (404s, soft-404 pages), and a guessed "
        "`/sitemap.xml` is often the whole archive rather than news; robots.txt and the home "
        "page already name what a site wants read",
    ),
    # --- offline replay ---
    _product(
        "REPLAY_SNAPSHOT",
        "",
        Text(),
        "snapshot folder to answer every request from, with no network (`--snapshot`)",
    ),
    _product("REPLAY_STATE", "1", Text(), "which state of the snapshot to replay (`--state`)"),
    # --- safety ---
    _product(
        "SSRF_ENABLED",
        True,
        Bool(),
        "refuse URLs (seeds, discovered, every redirect hop) that are not http(s) or resolve to "
        "loopback, private, link-local, multicast, reserved or cloud-metadata addresses",
    ),
    _product(
        "SSRF_ALLOW",
        [],
        Hosts(),
        'hosts or networks opened anyway, e.g. `["127.0.0.1", "10.0.0.0/8", '
        '"intranet.example"]` or `127.0.0.1,10.0.0.0/8`; `.example.org` opens it and its '
        "subdomains",
    ),
    _product(
        "SSRF_DNS_CACHE_SECONDS",
        60.0,
        SECONDS0,
        "how long the guard's checked DNS answers are reused",
    ),
    _scrapy(
        "USER_AGENT",
        "crawler/0.1 (+https://github.com/crawler-news/crawler)",
        Text(),
        "identifies the crawler to sites",
    ),
    _scrapy(
        "ROBOTSTXT_OBEY",
        True,
        Bool(),
        "respect robots.txt (RFC 9309: 4xx allows, 5xx or no answer disallows)",
    ),
    _product(
        "ROBOTSTXT_CACHE_SECONDS",
        86400.0,
        SECONDS0,
        "how long a site's robots.txt is reused",
    ),
    _product(
        "ROBOTSTXT_ERROR_CACHE_SECONDS",
        600.0,
        SECONDS0,
        "how long an unavailable robots.txt (disallow all) is reused",
    ),
    _product("ROBOTSTXT_MAX_REDIRECTS", 5, INT0, "redirects followed when fetching robots.txt"),
    _product("ROBOTSTXT_MAX_SIZE", 512_000, INT1, "bytes of robots.txt read, at most"),
    _product(
        "ROBOTSTXT_OBEY_CRAWL_DELAY",
        True,
        Bool(),
        "apply a site's `Crawl-delay` to its download slot",
    ),
    _product(
        "ROBOTSTXT_MAX_CRAWL_DELAY", 60.0, SECONDS0, "largest `Crawl-delay` honoured, seconds"
    ),
    _scrapy(
        "TELNETCONSOLE_ENABLED",
        False,
        Bool(),
        "Scrapy's telnet console: off, it opens a control port; its extension is not even "
        "loaded (the project's `EXTENSIONS_BASE` leaves it out), so turning it on also needs "
        '`EXTENSIONS={"scrapy.extensions.telnet.TelnetConsole": 0}`',
        env=False,
    ),
    _scrapy(
        "REMOTE_CONTROL_ENABLED",
        False,
        Bool(),
        "Scrapy's remote-control HTTP server: off, it runs code sent to it; not loaded either "
        "(same as above, `scrapy.extensions.remote_control.RemoteControl`)",
        env=False,
    ),
    # --- Scrapy's politeness and limits ---
    _scrapy("CONCURRENT_REQUESTS", 16, INT1, "requests in flight overall"),
    _scrapy(
        "CONCURRENT_ITEMS",
        8,
        INT1,
        "items processed at once per response (a page yields one; Scrapy starts this many "
        "tasks per response)",
    ),
    _scrapy("CONCURRENT_REQUESTS_PER_DOMAIN", 2, INT1, "requests in flight per site"),
    _scrapy(
        "DOWNLOAD_DELAY",
        0.5,
        SECONDS0,
        "seconds between requests to one site (AutoThrottle may raise it)",
    ),
    _scrapy("AUTOTHROTTLE_ENABLED", True, Bool(), "adapt the delay to each site's response times"),
    _scrapy("AUTOTHROTTLE_START_DELAY", 1.0, SECONDS0, "AutoThrottle's first delay, seconds"),
    _scrapy("AUTOTHROTTLE_MAX_DELAY", 30.0, SECONDS0, "AutoThrottle's largest delay, seconds"),
    _scrapy(
        "AUTOTHROTTLE_TARGET_CONCURRENCY",
        1.0,
        POSITIVE,
        "AutoThrottle's target of parallel requests per site",
    ),
    _scrapy("DOWNLOAD_TIMEOUT", 30.0, POSITIVE, "seconds before a download is abandoned"),
    _scrapy(
        "DOWNLOAD_MAXSIZE",
        10 * 1024 * 1024,
        INT0,
        "bodies larger than this (bytes) are abandoned (0: no limit)",
    ),
    _scrapy(
        "DOWNLOAD_WARNSIZE",
        2 * 1024 * 1024,
        INT0,
        "bodies larger than this (bytes) are logged (0: never)",
    ),
    _scrapy("RETRY_TIMES", 2, INT0, "retries of a failed or 5xx/429 request"),
    _product(
        "RETRY_BACKOFF_BASE",
        1.0,
        SECONDS0,
        "the n-th retry waits this many seconds times 2**n, unless `Retry-After` says otherwise",
    ),
    _product(
        "RETRY_BACKOFF_MAX",
        60.0,
        SECONDS0,
        "longest wait before a retry; a longer `Retry-After` is recorded, not waited for",
    ),
    _scrapy("REDIRECT_MAX_TIMES", 10, INT0, "redirects followed per request"),
    _scrapy("COOKIES_ENABLED", False, Bool(), "no cookies: each fetch is anonymous"),
    _scrapy(
        "LOG_LEVEL",
        "INFO",
        Choice(LOG_LEVELS),
        "Scrapy's log level, in any case (`--log-level`)",
    ),
    _scrapy(
        "FEED_EXPORT_ENCODING",
        "utf-8",
        Text(encoding=True),
        "encoding of `-o` feed exports",
        env=False,
    ),
    # --- wiring: where Scrapy finds the project's code ---
    _wiring("BOT_NAME", "`crawler`", Text(), "the project's name in Scrapy's logs"),
    _wiring("SPIDER_MODULES", "`spiders`", Names(), "where Scrapy finds the project's spiders"),
    _wiring("NEWSPIDER_MODULE", "`spiders`", Text(), "where `scrapy genspider` writes"),
    _wiring(
        "COMMANDS_MODULE",
        "`crawler.commands`",
        Text(),
        "the project's `scrapy crawl`, which checks settings and seeds before crawling",
    ),
    _wiring(
        "EXTENSIONS",
        "the progress extension",
        Orders(),
        "`crawler.progress.CrawlProgress`, which writes the progress lines",
    ),
    _wiring(
        "EXTENSIONS_BASE",
        "Scrapy's, less telnet and remote control",
        Orders(),
        "Scrapy's built-in extensions, without the two control channels above, which are then "
        "never imported",
    ),
    _wiring(
        "DOWNLOADER_MIDDLEWARES",
        "project",
        Orders(),
        "the replay, SSRF guard, RFC 9309 robots.txt and back-off retry middlewares",
    ),
    _wiring(
        "ITEM_PIPELINES",
        "project",
        Orders(),
        "the clean → dedup → store → syndication pipelines",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
BY_ENV: dict[str, Setting] = {s.env: s for s in SETTINGS if s.env}


def default(name: str) -> object:
    """The built-in default of ``name``."""
    return BY_NAME[name].default


def defaults() -> dict[str, object]:
    """Every setting's built-in default, wiring (set in ``crawler.settings``) left out."""
    return {s.name: s.default for s in SETTINGS if s.shown is None}
