"""The worker process: read pages from the pool on stdin, extract them, answer on stdout.

Started by the pool as ``python -m crawler.workers.child``. The first frame configures it (what to
run, options, memory limit); it answers ``ready`` once warm, then one reply per page. It exits when
its stdin closes (the pool, or the whole crawl, went away), on ``quit``, and after any page that
left it in doubt (memory exhausted, an exception escaping the extractor): the pool replaces it.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any

from crawler.extract import Article, ExtractOptions, Rejection, extract_article
from crawler.workers import protocol

Target = Callable[[str, str, ExtractOptions], Article | Rejection]

# A small article that exercises the costly first-use paths (metadata and date extraction,
# language identification over 40 words) so the first real page does not pay for them.
WARM_URL = "https://example.org/news/2024/05/06/warm-up.html"
_WARM_SENTENCE = (
    "The council met on Monday to discuss the budget for the coming year and agreed to "
    "spend more on schools, roads and the public library, after a long debate. "
)
WARM_HTML = (
    '<html lang="en"><head><title>Warm-up article</title>'
    '<meta name="author" content="Jane Doe">'
    '<meta property="article:published_time" content="2024-05-06T08:30:00Z">'
    "</head><body><header><nav><a href='/'>Home</a></nav></header><article><h1>Warm-up</h1>"
    f"<p>{_WARM_SENTENCE * 4}</p></article><footer>Contact us</footer></body></html>"
)


def resolve_target(path: str) -> Target:
    """The callable named ``module:qualname``."""
    module_name, _, qualname = path.partition(":")
    if not module_name or not qualname:
        raise ValueError(f"target {path!r} is not 'module:function'")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"target {path!r} is not callable")
    return obj  # type: ignore[no-any-return]


def address_space_mb() -> float:
    """This process's mapped address space (what RLIMIT_AS bounds), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) / 1024
    return 0.0


def limit_memory(memory_mb: int) -> None:
    """Bound this process's address space, failing early if it is already over the bound."""
    used = address_space_mb()
    if used >= memory_mb:
        raise ValueError(
            f"memory limit of {memory_mb} MB is below the worker's own {used:.0f} MB once warm"
        )
    wanted = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def main() -> None:
    """Serve pages until stdin closes."""
    # The protocol gets private copies of the pipes; fd 0 becomes /dev/null and fd 1 goes to
    # stderr, so that a stray print() in a library can never corrupt a frame.
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    # Ctrl-C reaches the whole process group: the crawl decides when workers stop, not the tty.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.ERROR, format="extract worker %(process)d: %(message)s")
    # reset_caches() reaches into charset_normalizer, whose compiled functions have no
    # cache_clear: htmldate logs that as an error on every call, and clears the rest anyway.
    logging.getLogger("htmldate.meta").setLevel(logging.CRITICAL)
    first = protocol.receive(fd_in)
    if first is None:
        return
    config = first[0]
    try:
        sys.path[:] = config["sys_path"]
        target = resolve_target(config["target"])
        options = protocol.options_from_dict(config["options"])
        sketch = make_sketcher(config.get("sketch"))
        if config["warm"]:
            warm = extract_article(WARM_HTML, WARM_URL, options)
            if sketch is not None and isinstance(warm, Article):
                sketch(warm.text)
        if config["memory_mb"]:
            limit_memory(config["memory_mb"])
    except Exception as exc:
        protocol.send(fd_out, {"op": "error", "detail": f"{type(exc).__name__}: {exc}"})
        return
    protocol.send(fd_out, {"op": "ready", "pid": os.getpid()})
    serve(fd_in, fd_out, target, options, config, sketch)


def make_sketcher(fields: dict[str, Any] | None) -> Callable[[str], bytes] | None:
    """What sketches an article's text for syndication in this worker, if the crawl asked."""
    if not fields:
        return None
    from crawler.syndication import Sketch, Sketcher, SyndicationConfig

    sketcher = Sketcher(SyndicationConfig(**fields))

    def sketch(text: str) -> bytes:
        return Sketch(*sketcher.sketch(text)).to_bytes()

    return sketch


def serve(
    fd_in: int,
    fd_out: int,
    target: Target,
    options: ExtractOptions,
    config: dict[str, Any],
    sketch: Callable[[str], bytes] | None = None,
) -> None:
    """Answer page frames until told to stop or left in doubt."""
    # The pool kills a page at ``timeout``; this alarm (default action: terminate) only matters
    # when the pool itself is gone and nobody is left to do it.
    backstop = math.ceil(config["timeout"]) + 10
    reset_every: int = config["reset_caches_every"]
    memory_mb: int = config["memory_mb"]
    done = 0
    while True:
        frame = protocol.receive(fd_in)
        if frame is None or frame[0].get("op") != "extract":
            return
        header, body = frame
        signal.setitimer(signal.ITIMER_REAL, backstop)
        try:
            reply = run_one(target, body, header["url"], options, memory_mb)
            del body, frame
            extra = sketch_of(reply, sketch)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            protocol.send(fd_out, reply, extra)
        except MemoryError:
            os._exit(protocol.MEMORY_EXIT)
        if reply["outcome"] != "ok":
            return
        done += 1
        if reset_every and done % reset_every == 0 and "trafilatura" in sys.modules:
            import trafilatura.meta

            trafilatura.meta.reset_caches()


def sketch_of(reply: dict[str, Any], sketch: Callable[[str], bytes] | None) -> bytes:
    """The sketch of the reply's article (sent as the frame's body), or nothing.

    A text the sketcher fails on is sent without one: the crawl process sketches it itself.
    """
    if sketch is None or reply["outcome"] != "ok" or reply["result"]["kind"] != "article":
        return b""
    try:
        return sketch(reply["result"]["text"])
    except Exception as exc:  # MemoryError too: the article goes out all the same
        logging.getLogger(__name__).error("sketch failed: %s: %s", type(exc).__name__, exc)
        return b""


def run_one(
    target: Target, body: bytes, url: str, options: ExtractOptions, memory_mb: int
) -> dict[str, Any]:
    """Run the target on one page and describe the outcome as a reply header."""
    memory_detail = f"memory limit of {memory_mb} MB exceeded"
    try:
        html = body.decode("utf-8", "surrogatepass")
        result = target(html, url, options)
        del html
    except MemoryError:
        return {"op": "result", "outcome": "memory", "detail": memory_detail}
    except Exception as exc:
        return {"op": "result", "outcome": "crash", "detail": f"{type(exc).__name__}: {exc}"}
    if not isinstance(result, Article | Rejection):
        detail = f"target returned {type(result).__name__}, not Article or Rejection"
        return {"op": "result", "outcome": "crash", "detail": detail}
    # extract_article turns every exception of the extractor into a Rejection, MemoryError too.
    if isinstance(result, Rejection) and result.detail.startswith("MemoryError"):
        return {"op": "result", "outcome": "memory", "detail": memory_detail}
    return {"op": "result", "outcome": "ok", "result": protocol.result_to_dict(result)}


if __name__ == "__main__":
    main()
