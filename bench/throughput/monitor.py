"""Run a command and sample its process tree every 100 ms: resident memory, peaks, progress.

Memory is the sum of ``VmRSS`` over the command's process and every descendant at each sample;
the peak of that sum is the run's peak. ``VmHWM`` (each process's own peak) and CPU ticks are
kept per process, as last seen. CPU seconds of the run come from ``RUSAGE_CHILDREN`` deltas:
exact, since the command reaps its own children before it exits.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                kids = Path(f"/proc/{current}/task/{task}/children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            continue
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by the live processes of ``pid``'s tree."""
    return sum(_status(p).get("ticks", 0) for p in _descendants(pid)) / TICK


def _status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1])
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        values["ticks"] = int(stat[11]) + int(stat[12])
    except (OSError, IndexError, ValueError):
        return {}
    return values


@dataclass
class Proc:
    pid: int
    role: str
    hwm_mb: float = 0.0
    cpu: float = 0.0
    cpu0: float = 0.0  # CPU already used when first seen (processes of the shared tree)


@dataclass
class Sample:
    t: float
    rss_mb: float
    progress: int
    processes: int


@dataclass
class Run:
    """What one monitored command did."""

    argv: Sequence[str]
    wall: float = 0.0
    end_epoch: float = 0.0  # time.time() when the command had exited
    foreign_cpu: float = 0.0  # CPU seconds used meanwhile by processes other than the command's
    cpu: float = 0.0
    returncode: int = 0
    stdout: str = ""
    samples: list[Sample] = field(default_factory=list)
    procs: dict[int, Proc] = field(default_factory=dict)

    @property
    def peak_mb(self) -> float:
        return max((s.rss_mb for s in self.samples), default=0.0)

    def role_hwm(self) -> dict[str, tuple[int, float]]:
        """Per role: how many processes, and the highest VmHWM among them."""
        out: dict[str, tuple[int, float]] = {}
        for proc in self.procs.values():
            n, hwm = out.get(proc.role, (0, 0.0))
            out[proc.role] = (n + 1, max(hwm, proc.hwm_mb))
        return out

    def role_cpu(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for proc in self.procs.values():
            out[proc.role] = out.get(proc.role, 0.0) + proc.cpu - proc.cpu0
        return out


def run_monitored(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    progress: Callable[[], int] | None = None,
    interval: float = 0.1,
    also: int | None = None,
) -> Run:
    """Run ``argv`` to completion while sampling its process tree; raise if it fails.

    ``also``: a process already running (shared extraction workers) whose tree works for the
    command: its memory is sampled with the command's (role ``shared``) and its CPU meanwhile
    counted in the command's.
    """
    run = Run(argv)
    shared0 = tree_cpu(also) if also else 0.0
    cpu0, wall0 = children_cpu(), time.perf_counter()
    busy0, own0 = machine_busy(), self_cpu()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    done = threading.Event()
    out: dict[str, bytes] = {}

    def drain() -> None:
        out["stdout"], out["stderr"] = process.communicate()
        run.end_epoch = time.time()
        done.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    while not done.is_set():
        total = 0.0
        own = _descendants(process.pid)
        pids = own + (_descendants(also) if also else [])
        for pid in pids:
            values = _status(pid)
            if not values:
                continue
            total += values.get("VmRSS", 0) / 1024
            proc = run.procs.get(pid)
            if proc is None:
                role = "main" if pid == process.pid else "child"
                proc = run.procs[pid] = Proc(pid, role)
                if pid not in own:
                    proc.role, proc.cpu0 = "shared", values.get("ticks", 0) / TICK
            proc.hwm_mb = max(proc.hwm_mb, values.get("VmHWM", 0) / 1024)
            proc.cpu = max(proc.cpu, values.get("ticks", 0) / TICK)
        if total:
            run.samples.append(
                Sample(time.perf_counter() - wall0, total, progress() if progress else 0, len(pids))
            )
        done.wait(interval)
    reader.join()
    run.wall = time.perf_counter() - wall0
    run.cpu = children_cpu() - cpu0 + (tree_cpu(also) - shared0 if also else 0.0)
    run.foreign_cpu = max(0.0, machine_busy() - busy0 - run.cpu - (self_cpu() - own0))
    run.returncode = process.returncode
    run.stdout = out["stdout"].decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited with {process.returncode}:\n"
            + out["stderr"].decode(errors="replace")[-4000:]
        )
    return run


class LogCounter:
    """Lines appended to a log since a given offset, read incrementally (the crawl's progress)."""

    def __init__(self, path: Path, offset: int) -> None:
        self.path, self.offset, self.count = path, offset, 0

    def __call__(self) -> int:
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                chunk = log.read()
        except OSError:
            return self.count
        cut = chunk.rfind(b"\n") + 1
        self.count += chunk[:cut].count(b"\n")
        self.offset += cut
        return self.count
