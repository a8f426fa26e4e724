"""Offline snapshots: saved pages of a collection, in one or more states, for replay and tests.

A snapshot folder holds ``manifest.json`` and the page files it names (format in
``docs/snapshot.md``). The replay middleware answers requests from it without any network, and
``crawler.snapserver`` serves it over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.errors import SnapshotError
from crawler.seeds import Collection

NOT_FOUND_BODY = b"<!doctype html><title>404 Not Found</title><p>Not in this snapshot.</p>"


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    """One page of a snapshot in one state."""

    url: str
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class _Entry:
    status: int
    content_type: str
    files: dict[str, Path]


class Snapshot:
    """A loaded snapshot: its states and, per URL, the page each state serves."""

    def __init__(self, root: Path, states: tuple[str, ...], entries: dict[str, _Entry]) -> None:
        self.root = root
        self.states = states
        self._entries = entries

    @classmethod
    def load(cls, root: str | Path) -> Snapshot:
        """Read a snapshot folder.

        Raises:
            SnapshotError: the manifest is missing or malformed, or names a missing file.
        """
        folder = Path(root)
        manifest_path = folder / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SnapshotError(f"{manifest_path}: cannot read ({exc.strerror or exc})") from exc
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{manifest_path}: not valid JSON ({exc})") from exc
        try:
            states = tuple(str(s) for s in manifest["states"])
            entries: dict[str, _Entry] = {}
            for page in manifest["pages"]:
                files = {str(k): folder / v for k, v in page["files"].items()}
                entries[page["url"]] = _Entry(
                    status=int(page.get("status", 200)),
                    content_type=str(page.get("content_type", "text/html; charset=utf-8")),
                    files=files,
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SnapshotError(f"{manifest_path}: malformed manifest ({exc!r})") from exc
        for url, entry in entries.items():
            for state, path in entry.files.items():
                if not path.is_file():
                    raise SnapshotError(f"{manifest_path}: {url} state {state}: missing {path}")
        return cls(folder, states, entries)

    @property
    def urls(self) -> list[str]:
        """Every URL the snapshot holds."""
        return sorted(self._entries)

    def page(self, url: str, state: str) -> SnapshotPage | None:
        """The page served for ``url`` in ``state``, or ``None`` if the snapshot lacks it."""
        if state not in self.states:
            raise SnapshotError(
                f"{self.root}: no state {state!r}; states: {', '.join(self.states)}"
            )
        entry = self._entries.get(url)
        if entry is None:
            return None
        path = entry.files.get(state) or entry.files[self.states[0]]
        return SnapshotPage(url, entry.status, entry.content_type, path.read_bytes())


def local_path(url: str) -> str:
    """The path under which the local snapshot server serves ``url``: ``/<host><path>``."""
    parts = urlsplit(url)
    path = f"/{parts.netloc}{parts.path or '/'}"
    return f"{path}?{parts.query}" if parts.query else path


def original_url(path: str) -> list[str]:
    """The snapshot URLs a local server path may stand for (https first, then http)."""
    rest = path.lstrip("/")
    return [f"https://{rest}", f"http://{rest}"]


def rewrite_to_local(collection: Collection, base_url: str) -> str:
    """A seeds file (TOML text) for ``collection`` whose URLs point at a local snapshot server."""
    base = base_url.rstrip("/")
    lines = [
        "[collection]",
        # a name of its own: crawled into the same store as the real collection, its URLs
        # would otherwise join the real ones' frontier and be fetched from the network
        f"name = {json.dumps(collection.name + '-snapshot')}",
        f"description = {json.dumps('Served by a local snapshot server at ' + base)}",
        "",
    ]
    for source in collection.sources:
        lines += [
            "[[sources]]",
            f"publisher = {json.dumps(source.publisher)}",
            f"title = {json.dumps(source.title)}",
            f"url = {json.dumps(base + local_path(source.url))}",
        ]
        if source.published is not None:
            lines.append(f"published = {json.dumps(source.published.isoformat())}")
        lines.append("")
    return "\n".join(lines)
