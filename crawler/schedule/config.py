"""The schedule file: which collections to crawl, how often, and with what limits.

```toml
[scheduler]
misfire_grace_seconds = 3600   # a run that starts up to this late still runs
timeout_seconds = 3600         # default time limit of one crawl
stop_grace_seconds = 20        # a crawl past its limit gets SIGTERM, then SIGKILL after this
shared_workers = true          # crawls share warm extraction workers kept by the scheduler
workers_idle_seconds = "15m"   # how long those workers outlive the last crawl

[[jobs]]
seeds = "putin-india-visit"    # a bundled collection name or a seeds file path
interval = "6h"                # or: cron = "0 */6 * * *"
timeout = "30m"                # optional, overrides timeout_seconds
settings = { DOWNLOAD_DELAY = 1 }   # optional crawl settings, checked when the file loads
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config.check import check_all
from crawler.config.layers import resolve
from crawler.errors import CrawlerError, SettingError
from crawler.seeds import resolve_seeds_path

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
JOB_FIELDS = ("id", "seeds", "interval", "cron", "timeout", "settings")


class ScheduleError(CrawlerError):
    """A schedule file that cannot be used."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled crawl."""

    id: str
    seeds: str
    interval_seconds: float | None
    cron: str | None
    timeout_seconds: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def trigger_text(self) -> str:
        """The trigger as written, to notice when the file changed it."""
        return f"cron:{self.cron}" if self.cron else f"interval:{self.interval_seconds}"


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """A loaded schedule file."""

    path: Path
    misfire_grace_seconds: int
    jobs: tuple[JobSpec, ...]
    stop_grace_seconds: float = 20.0
    shared_workers: bool = True
    workers_idle_seconds: float = 900.0


def parse_duration(value: object, where: str) -> float:
    """Seconds in ``value``: a number of seconds or a string like ``90s``, ``30m``, ``6h``."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and float(match.group(1)) > 0:
            return float(match.group(1)) * _UNITS[match.group(2)]
    raise ScheduleError(f'{where}: {value!r} is not a duration (e.g. 90, "30m", "6h", "1d")')


def load_schedule(path: str | Path) -> ScheduleConfig:
    """Load and validate a schedule file.

    Raises:
        ScheduleError: the file is missing or invalid; the message names the job and field.
    """
    from apscheduler.triggers.cron import CronTrigger

    file = Path(path)
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleError(f"{file}: cannot read ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{file}: not valid TOML: {exc}") from exc
    head = doc.get("scheduler", {})
    grace = int(parse_duration(head.get("misfire_grace_seconds", 3600), f"{file}: [scheduler]"))
    default_timeout = parse_duration(head.get("timeout_seconds", 3600), f"{file}: [scheduler]")
    stop_grace = parse_duration(head.get("stop_grace_seconds", 20), f"{file}: [scheduler]")
    shared_workers = head.get("shared_workers", True)
    if not isinstance(shared_workers, bool):
        raise ScheduleError(
            f"{file}: [scheduler]: shared_workers must be true or false, not {shared_workers!r}"
        )
    workers_idle = parse_duration(
        head.get("workers_idle_seconds", 900), f"{file}: [scheduler] workers_idle_seconds"
    )
    entries = doc.get("jobs")
    if not isinstance(entries, list) or not entries:
        raise ScheduleError(f"{file}: no [[jobs]] entries")
    jobs: list[JobSpec] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{file}: job #{number}"
        if not isinstance(entry, dict):
            raise ScheduleError(f"{where}: must be a table")
        unknown = sorted(set(entry) - set(JOB_FIELDS))
        if unknown:
            raise ScheduleError(f"{where}: unknown field(s) {unknown}; allowed: {JOB_FIELDS}")
        seeds = entry.get("seeds")
        if not isinstance(seeds, str) or not seeds:
            raise ScheduleError(f"{where}: field 'seeds' is required (a collection or file)")
        seeds_path = resolve_seeds_path(seeds)
        if not seeds_path.is_absolute():
            seeds_path = (file.parent / seeds_path).resolve()
        if not seeds_path.exists():
            raise ScheduleError(f"{where}: field 'seeds': no seeds file at {seeds_path}")
        interval, cron = entry.get("interval"), entry.get("cron")
        if (interval is None) == (cron is None):
            raise ScheduleError(f"{where}: give exactly one of 'interval' and 'cron'")
        if cron is not None:
            try:
                CronTrigger.from_crontab(str(cron))
            except ValueError as exc:
                raise ScheduleError(f"{where}: field 'cron': {exc}") from exc
        settings = entry.get("settings", {})
        if not isinstance(settings, dict):
            raise ScheduleError(f"{where}: field 'settings' must be a table")
        try:
            settings = check_all(settings, f"{where}: field 'settings'")
            resolve(job=settings)
        except SettingError as exc:
            raise ScheduleError(str(exc) if exc.name else f"{where}: {exc}") from None
        jobs.append(
            JobSpec(
                id=str(entry.get("id") or seeds_path.stem),
                seeds=str(seeds_path),
                interval_seconds=parse_duration(interval, f"{where}: field 'interval'")
                if interval is not None
                else None,
                cron=str(cron) if cron is not None else None,
                timeout_seconds=parse_duration(
                    entry.get("timeout", default_timeout), f"{where}: field 'timeout'"
                ),
                settings=dict(settings),
            )
        )
    ids = [j.id for j in jobs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ScheduleError(f"{file}: duplicate job id(s) {duplicates}")
    return ScheduleConfig(file, grace, tuple(jobs), stop_grace, shared_workers, workers_idle)
