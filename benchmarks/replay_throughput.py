"""Replay throughput: the whole of ``aidr replay`` against merely gunzipping and parsing the same files.

Both run in this process, after one untimed warm-up each (imports done, files in the page cache), so the
ratio compares work per record, not interpreter start-up (a fixed cost of a few hundred ms that matters
little for a real archive). The replay side includes the ``--format jsonl`` rendering, to a null sink.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import orjson
from aidr.config import AidrConfig
from aidr_cli import output
from aidr_cli.replay import PARALLEL_MIN_BYTES, ReplayResult, replay

from .corpus import Corpus
from .report import Figure
from .timing import Samples, interleaved

TARGET = 2.0
GZIP_WBITS = 31  # zlib: expect a gzip header


def parse_only(files: list[Path]) -> int:
    """The baseline: gunzip, parse with orjson, iterate the records. Returns the record count."""
    n = 0
    for f in files:
        for _ in orjson.loads(zlib.decompress(f.read_bytes(), GZIP_WBITS))["Records"]:
            n += 1
    return n


def full_replay(files: list[Path], workers: int | None) -> ReplayResult:
    """What ``aidr replay --format jsonl FILES > /dev/null`` does once its arguments are parsed."""
    result = replay(files, AidrConfig(), progress=False, workers=workers)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        output.write_jsonl(result.findings, sink)
    return result


def uses_pool(corpus: Corpus, workers: int) -> bool:
    """Mirror of replay()'s own choice between a process pool and a single process."""
    return workers > 1 and len(corpus.files) > 1 and corpus.gz_bytes >= PARALLEL_MIN_BYTES


@dataclass(frozen=True)
class ReplayFigures:
    baseline: Samples
    default: Samples  # workers chosen by replay (a pool on a multi-core machine, if the input is large)
    single: Samples
    workers: int
    parallel: bool
    records_read: int
    findings: int

    def ratio(self, s: Samples) -> float:
        return s.min / self.baseline.min

    def median_ratio(self, s: Samples) -> float:
        return s.median / self.baseline.median

    def cpu_ratio(self, s: Samples) -> float:
        return s.cpu_min / self.baseline.cpu_min


def measure(corpus: Corpus, repeats: int) -> ReplayFigures:
    workers = os.cpu_count() or 1
    n = parse_only(corpus.files)
    warm = full_replay(corpus.files, None)
    if n != corpus.records or warm.counts["records"] != corpus.records:
        raise RuntimeError(f"corpus has {corpus.records} records; parse read {n}, replay {warm.counts['records']}")
    runs: list[Callable[[], object]] = [
        lambda: parse_only(corpus.files),
        lambda: full_replay(corpus.files, None),
        lambda: full_replay(corpus.files, 1),
    ]
    base, default, single = interleaved(runs, repeats)
    return ReplayFigures(base, default, single, workers, uses_pool(corpus, workers),
                         warm.counts["records"], len(warm.findings))


def run(corpus: Corpus, repeats: int, out: TextIO) -> Figure:
    gz, raw = corpus.gz_bytes / 1e6, corpus.raw_bytes / 1e6
    out.write(f"replay: {corpus.records:,} records in {len(corpus.files)} files, {gz:.1f} MB gzipped, {raw:.0f} MB"
              f" of JSON ({corpus.raw_bytes / corpus.records:,.0f} B/record), {repeats} runs each\n")
    r = measure(corpus, repeats)
    mode = f"{r.workers}-process pool" if r.parallel else "one process, no pool"
    lines = [
        ("baseline: gunzip + orjson parse", r.baseline),
        (f"aidr replay, default: {mode}", r.default),
        ("aidr replay, workers=1", r.single),
    ]
    for label, s in lines:
        extra = "" if s is r.baseline else \
            f"  ratio {r.ratio(s):.2f}x (medians {r.median_ratio(s):.2f}x, cpu {r.cpu_ratio(s):.2f}x)"
        out.write(f"  {label:<42} {s}  {corpus.records / s.min:,.0f} records/s{extra}\n")
    out.write(f"  replay read {r.records_read:,} records, {r.findings} findings\n")
    mode = f"parallel, {r.workers} workers" if r.parallel else "single process"
    note = f"{mode}; workers=1: {r.ratio(r.single):.2f}x; cpu: {r.cpu_ratio(r.default):.2f}x; minimums vs parse-only"
    return Figure("replay throughput", r.ratio(r.default), TARGET, "x", note)
