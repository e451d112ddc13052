"""Repeated measurements on a shared, noisy machine: keep every sample, report min and median.

Each sample records wall-clock seconds and CPU seconds (this process plus reaped children: subprocesses and
replay's pool workers). Wall time is what a user waits for and what the figures judge; CPU time is the work
done, far less sensitive to other load on the machine, and printed beside it to help read a noisy run.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Seconds of repeated runs of one thing."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.wall)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_min(self) -> float:
        return min(self.cpu)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def __str__(self) -> str:
        return f"min {self.min:.3f}s  median {self.median:.3f}s  cpu {self.cpu_min:.3f}s  (n={len(self.wall)})"


def _cpu() -> float:
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def clock(fn: Callable[[], object], into: Samples) -> None:
    cpu, start = _cpu(), time.perf_counter()
    fn()
    into.wall.append(time.perf_counter() - start)
    into.cpu.append(_cpu() - cpu)


def interleaved(runs: Sequence[Callable[[], object]], repeats: int) -> list[Samples]:
    """Time each callable ``repeats`` times, round-robin, so drift in machine load hits all of them alike."""
    out = [Samples() for _ in runs]
    for _ in range(repeats):
        for fn, samples in zip(runs, out, strict=True):
            clock(fn, samples)
    return out


def load_note() -> str:
    """The 1-minute load average against the core count: when it is above, timings are unreliable."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    busy = "  (busy machine: wall-clock ratios are unreliable; compare the cpu ratios)" if load > cores else ""
    return f"load average {load:.1f} on {cores} cores{busy}"
