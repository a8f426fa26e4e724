"""What an extraction pool is made of, as data: two crawls with equal specs can share workers."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from crawler import defaults
from crawler.article import ExtractOptions
from crawler.workers.pool import ExtractionPool, available_cpus

_NUMBERS = {"timeout": float, "memory_mb": int, "max_tasks_per_worker": int}
# Pages one crawl keeps in flight per worker: a worker that finishes one finds the next waiting.
CRAWL_PAGES_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """Workers, bounds, extraction options and syndication sketching of one pool.

    ``max_pending`` is not part of it: each crawl bounds the pages it has in flight itself.
    """

    size: int | None = None
    timeout: float = defaults.EXTRACT_TIMEOUT
    memory_mb: int = defaults.EXTRACT_MEMORY_MB
    max_tasks_per_worker: int = defaults.EXTRACT_MAX_TASKS_PER_WORKER
    options: ExtractOptions = field(default_factory=ExtractOptions)
    sketch: dict[str, Any] | None = None

    def make_pool(self, max_pending: int | None = None) -> ExtractionPool:
        """A new, not yet started pool with these parameters."""
        return ExtractionPool(
            self.size,
            timeout=self.timeout,
            memory_mb=self.memory_mb,
            max_tasks_per_worker=self.max_tasks_per_worker,
            max_pending=max_pending,
            options=self.options,
            sketch=self.sketch,
        )

    def crawl_pending(self, max_pending: int | None, workers: int | None = None) -> int:
        """Pages one crawl keeps in flight: ``max_pending``, else a few per worker (``workers``,
        else this spec's, else one per CPU)."""
        return max_pending or CRAWL_PAGES_PER_WORKER * (workers or self.size or available_cpus())

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["options"] = dataclasses.asdict(self.options)
        return data

    def key(self) -> str:
        """Equal for specs that may share a pool."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: object) -> PoolSpec:
        """A spec received from a crawl, checked field by field.

        Raises:
            ValueError: a field is unknown, missing its type or out of range; the message names it.
        """
        if not isinstance(data, dict):
            raise ValueError("pool spec is not an object")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"pool spec: unknown field(s) {unknown}")
        values: dict[str, Any] = {}
        size = data.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
            raise ValueError(f"pool spec: size must be a positive integer or null, not {size!r}")
        values["size"] = size
        for name, kind in _NUMBERS.items():
            value = data.get(name, getattr(cls(), name))
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"pool spec: {name} must be a number, not {value!r}")
            values[name] = kind(value)
        options = data.get("options", {})
        try:
            values["options"] = ExtractOptions(**options)
        except TypeError as exc:
            raise ValueError(f"pool spec: bad options {options!r}: {exc}") from None
        sketch = data.get("sketch")
        if sketch is not None and not isinstance(sketch, dict):
            raise ValueError(f"pool spec: sketch must be an object or null, not {sketch!r}")
        values["sketch"] = sketch
        return cls(**values)
