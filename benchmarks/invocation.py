"""Invocation-log detection throughput: DetectInvocationFunction's detectors against merely parsing the lines.

The corpus (``.bench/invocation-<n>-<seed>-v<version>.jsonl``, written once) holds seeded model-invocation-log
records of 1-8 KB, one JSON value per line, in the mix :mod:`benchmarks.invocation_records` describes. Both
sides read the same bytes from the page cache in this process, after an untimed warm-up:

- baseline: split the file into lines and ``orjson.loads`` each;
- detection: the same, then for each record what the function does with an event the forwarder put on the
  bus: the envelope (:func:`aidr.normalize.invocation.invocation_envelope`) and every detector of
  ``DetectInvocationFunction`` through :class:`aidr.engine.Engine`, with in-memory state and a config that
  lists approved models. Measured in one process, and (the headline, on a multi-core machine) with one worker
  process per core, each taking the records of a share of the identities (every invocation detector keeps
  its state per identity, so the findings are the same); the workers' start-up is inside the timing.

A third row, the floor, puts the target in context: parse, gather every string of the request and response
bodies, lower-case them and find the scanners' gate literals in one Aho-Corasick pass, and nothing else: no
normalising, no rules, no state, no findings. It is the least any detector that reads all the text can cost
with the matchers this stack has.

A second figure checks that text scanning stays linear: the detectors' time per MB on a 1 MB pathological
prompt (long runs of the characters the patterns are built from) against the time per MB of the corpus.
"""

from __future__ import annotations

import os
import random
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import orjson
from aidr.config import AidrConfig
from aidr.engine import Engine
from aidr.normalize.invocation import invocation_envelope, invocation_records
from aidr.scan import injection, secrets
from aidr.scan.literals import LiteralSet
from aidr.state import MemoryState

from . import invocation_records as gen
from .report import Figure
from .timing import Samples, interleaved

TARGET = 3.0
LINEAR_TARGET = 3.0  # pathological text may cost at most this many times the corpus' time per MB
GENERATOR_VERSION = 4
FUNCTION = "DetectInvocationFunction"
START = datetime(2026, 3, 1, tzinfo=UTC)


def ensure_corpus(cache_dir: Path, records: int, seed: int) -> Path:
    """The JSON-lines corpus for (records, seed), written once; an interrupted write is redone."""
    path = cache_dir / f"invocation-{records}-{seed}-v{GENERATOR_VERSION}.jsonl"
    if path.is_file():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as f:
        done = 0
        while done < records:  # in slices, so 100,000 records never sit in memory at once
            n = min(5000, records - done)
            start = START + timedelta(seconds=done * gen.MEAN_GAP_SECONDS)  # slices follow each other in time
            f.write(b"".join(orjson.dumps(v) + b"\n" for v in gen.lines(rng, n, start)))
            done += n
            rng = random.Random(f"{seed}-{done}")
    tmp.replace(path)
    return path


def parse_only(data: bytes) -> int:
    """The baseline: every line parsed. Returns the line count."""
    n = 0
    for line in data.split(b"\n"):
        if line:
            orjson.loads(line)
            n += 1
    return n


def config() -> AidrConfig:
    return AidrConfig(approved_models=list(gen.APPROVED_MODELS))


@dataclass
class DetectResult:
    records: int = 0
    findings: int = 0
    by_detector: dict[str, int] | None = None


def detect(data: bytes, engine: Engine | None = None) -> DetectResult:
    """Parse every line and run the function's detectors on each record (fresh state unless given)."""
    engine = engine or Engine(config(), MemoryState(), function=FUNCTION)
    res = DetectResult(by_detector={})
    assert res.by_detector is not None
    for line in data.split(b"\n"):
        if not line:
            continue
        for rec in invocation_records(orjson.loads(line)):
            res.records += 1
            for f in engine.process(invocation_envelope(rec)):
                res.findings += 1
                res.by_detector[f.detector] = res.by_detector.get(f.detector, 0) + 1
    return res


# Every literal the injection and secrets scanners gate on, lower-cased, in one automaton: the floor's single pass.
_FLOOR_GATE = LiteralSet(lit.lower() for lit in injection._GATE.literals | secrets._GATE.literals)


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def floor(data: bytes) -> int:
    """Parse every line and find the gate literals in each record's body text in one pass; nothing else.

    Returns the number of records with a literal present (so the work cannot be optimised away).
    """
    hit = 0
    for line in data.split(b"\n"):
        if not line:
            continue
        for rec in invocation_records(orjson.loads(line)):
            parts: list[str] = []
            _strings((rec.get("input") or {}).get("inputBodyJson"), parts)
            _strings((rec.get("output") or {}).get("outputBodyJson"), parts)
            hit += bool(_FLOOR_GATE.present("\n".join(parts).lower()))
    return hit


_ARN = b'"arn":"'


def _share(line: bytes, workers: int) -> int:
    """The worker that owns a line: by its identity ARN (the first one in the line), found without parsing."""
    i = line.find(_ARN)
    if i == -1:
        return 0
    i += len(_ARN)
    return zlib.crc32(line[i:line.find(b'"', i)]) % workers


def _detect_share(path: str, worker: int, workers: int) -> tuple[int, int]:
    data = b"\n".join(line for line in Path(path).read_bytes().split(b"\n") if line and _share(line, workers) == worker)
    res = detect(data)
    return res.records, res.findings


def detect_parallel(path: Path, workers: int) -> tuple[int, int]:
    """:func:`detect` over ``path`` with ``workers`` processes, records partitioned by identity."""
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_detect_share, [str(path)] * workers, range(workers), [workers] * workers))
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def pathological_prompt(size: int = 1_000_000) -> dict[str, Any]:
    """One Converse record whose prompt is ``size`` characters built to make naive patterns backtrack."""
    unit = ("A" * 997 + "@" + "4" * 1000 + " -----BEGIN " + "eyJ" * 300 + "." * 200 + "AKIA" * 100
            + "ignore " * 50 + "a1b2c3d4" * 100 + "QUJD" * 200 + "\\x41" * 100)
    text = (unit * (size // len(unit) + 1))[:size]
    return {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-03-01T00:00:00Z",
            "accountId": gen.ACCOUNT, "identity": {"arn": gen.IDENTITIES[0]}, "region": "us-east-1",
            "requestId": "00000000-0000-4000-8000-00000000dead", "operation": "Converse",
            "modelId": gen.CLAUDE[0],
            "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": text}]}]},
                      "inputTokenCount": size // 4},
            "output": {"outputBodyJson": {"output": {"message": {"role": "assistant", "content": [{"text": "no"}]}},
                                          "stopReason": "end_turn"}, "outputTokenCount": 1}}


def seconds_per_mb_pathological(repeats: int) -> float:
    line = orjson.dumps(pathological_prompt())
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        detect(line)
        best = min(best, time.perf_counter() - start)
    return best / (len(line) / 1e6)


def run(cache_dir: Path, records: int, seed: int, repeats: int, out: TextIO) -> list[Figure]:
    path = ensure_corpus(cache_dir, records, seed)
    data = path.read_bytes()
    workers = os.cpu_count() or 1
    out.write(f"invocation logs: {records:,} records, {len(data) / 1e6:.0f} MB of JSON lines "
              f"({len(data) / records:,.0f} B/record), {repeats} runs each; detection in one process and in "
              f"{workers} worker processes (records split by identity)\n")
    lines = parse_only(data)
    warm = detect(data)
    if warm.records != records or lines != records:  # a bare-array line holds one record: lines == records
        raise RuntimeError(f"corpus has {records} records; parse read {lines} lines, detection {warm.records}")
    runs = [lambda: parse_only(data), lambda: detect(data), lambda: floor(data)]
    pooled = (0, 0)
    if workers > 1:
        # Same records; findings may differ by a few where a record without timestamp takes the time of the record
        # before it, which is another one in a worker.
        pooled = detect_parallel(path, workers)
        if pooled[0] != warm.records:
            raise RuntimeError(f"{workers} workers read {pooled[0]} records, one process {warm.records}")
        runs.append(lambda: detect_parallel(path, workers))
    base, single, least, *pool = interleaved(runs, repeats)
    headline = pool[0] if pool else single
    rows: list[tuple[str, Samples]] = [("baseline: split lines + orjson parse (1 process)", base),
                                       ("floor: parse + one gate pass over body text", least),
                                       ("parse + detectors, 1 process", single)]
    if pool:
        rows.append((f"parse + detectors, {workers}-process pool", pool[0]))
    for label, s in rows:
        extra = "" if s is base else (f"  ratio {s.min / base.min:.2f}x (medians {s.median / base.median:.2f}x, "
                                      f"cpu {s.cpu_min / base.cpu_min:.2f}x)")
        out.write(f"  {label:<50} {s}  {records / s.min:,.0f} records/s{extra}\n")
    found = ", ".join(f"{k} {v}" for k, v in sorted((warm.by_detector or {}).items()))
    out.write(f"  {warm.findings} findings ({found})" + (f"; {pooled[1]} with the pool" if pool else "") + "\n")
    ratio = headline.min / base.min
    mode = f"{workers}-process pool split by identity" if pool else "single process"
    per_mb = single.min / (len(data) / 1e6)
    patho = seconds_per_mb_pathological(max(1, min(repeats, 3)))
    linear = patho / per_mb
    out.write(f"  1 MB pathological prompt: {patho * 1000:.0f} ms/MB against {per_mb * 1000:.0f} ms/MB for the "
              f"corpus: {linear:.2f}x\n")
    return [
        Figure("invocation detection", ratio, TARGET, "x",
               f"{mode}; 1 process: {single.min / base.min:.2f}x; floor {least.min / base.min:.2f}x; "
               f"{records:,} records; minimums vs parse-only"),
        Figure("invocation scan linearity", linear, LINEAR_TARGET, "x", "1 MB pathological prompt vs corpus, per MB"),
    ]
