"""`aidr replay`: the real detectors, routed by template.yaml's rules, over recorded events, offline.

Two passes. First every file is read and each record routed (in parallel across files on all cores):
most of a real account's CloudTrail is rejected by one dict lookup on its source and event name. Then
the routed events are sorted by event time and run through each target function's detectors, sharing
one in-memory state, so windows and sequences see events in the order they happened.

Files of an exported S3 tree that are not logs (CloudTrail digest files, the bodies and media Bedrock's invocation
logging writes to ``data/`` folders, its permission-check marker) are not read: they are counted by kind in the
summary. As DetectInvocationFunction does in AWS, an invocation-log record whose body Bedrock moved to S3 gets it
back when that object is among the replayed files (:class:`LocalBodies`); otherwise it is processed without it,
and counted.
"""

from __future__ import annotations

import io
import math
import os
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from aidr.config import AidrConfig
from aidr.engine import Engine
from aidr.errors import InputError
from aidr.findings.model import Finding
from aidr.ingest import (
    DIGEST_FILES,
    UTF8_BOM,
    is_cloudtrail_digest,
    iter_file,
    not_a_log_file,
    read_bytes,
)
from aidr.normalize.envelope import INVOCATION_LOG, cloudtrail_detail_type, cloudtrail_source, envelope_from_record
from aidr.normalize.timeutil import EPOCH, parse_time
from aidr.routing import Router
from aidr.state import MemoryState, StateStore

from .progress import Progress
from .template import load_router

# Below this much input a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# Summary counters of invocation-log bodies Bedrock moved to S3.
BODIES_READ = "invocation bodies read from the replayed paths"
BODIES_NOT_FOUND = "invocation records processed without their S3 body (not among the replayed files, or unreadable)"


@dataclass
class Routed:
    location: str
    envelope: dict[str, Any]
    targets: list[str]


@dataclass
class FileResult:
    routed: list[Routed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _cloudtrail_file(path: Path) -> list[Any] | None:
    """The records of an intact CloudTrail log file ({"Records": [...]}, plain or gzipped), else None.

    The common case of a replay, read without building a location string per record; anything else (JSON
    lines, damaged gzip, other shapes) goes through :func:`aidr.ingest.iter_file`, which reports per record.
    """
    try:
        data, err = read_bytes(path)
    except OSError:
        return None
    if err is not None:
        return None
    data = data.removeprefix(UTF8_BOM)
    if data.lstrip()[:1] != b"{":
        return None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    records = doc.get("Records") if type(doc) is dict else None
    return records if type(records) is list else None


def route_file(path: Path, router: Router) -> FileResult:
    records = _cloudtrail_file(path)
    if records is None:
        return _route_items(iter_file(path), router)
    source = str(path)
    return _route_items((((source, i), rec) for i, rec in enumerate(records)), router)


def _route_items(items: Iterable[tuple[Any, Any]], router: Router) -> FileResult:
    """Route (location, record) pairs; a location is a string, or (file, index) formatted only when kept."""
    res = FileResult()
    records = not_routed = 0  # plain ints in the hot loop; folded into the Counter once per file
    precheck = router.candidates_for_detail
    for location, rec in items:
        if isinstance(rec, InputError):
            res.errors.append(str(rec))
            res.counts["unreadable"] += 1
            continue
        records += 1
        # Cheap pre-check on raw CloudTrail records: skip the envelope for traffic no rule can want.
        if (
            type(rec) is dict
            and "eventSource" in rec
            and "detail" not in rec
            and not precheck(cloudtrail_source(rec.get("eventSource")), rec.get("eventName"),
                             cloudtrail_detail_type(rec), rec)
        ):
            not_routed += 1
            continue
        where = location if type(location) is str else f"{location[0]}:Records[{location[1]}]"
        env = envelope_from_record(rec)
        if env is None and is_cloudtrail_digest(rec):  # a digest file outside a CloudTrail-Digest folder
            records -= 1
            res.counts[DIGEST_FILES] += 1
            continue
        if env is None:
            res.errors.append(f"{where}: not a record aidr reads (CloudTrail, GuardDuty, EventBridge, "
                              "invocation log)")
            res.counts["unrecognised"] += 1
            continue
        targets = router.targets(env)
        if not targets:
            not_routed += 1
            continue
        res.routed.append(Routed(where, env, targets))
    res.counts["records"] += records
    res.counts["not routed"] += not_routed
    return res


_worker_router: Router | None = None


def _init_worker(template: str | None, parameters: dict[str, str]) -> None:
    global _worker_router
    _worker_router = load_router(template, parameters)


def _route_in_worker(path: str) -> FileResult:
    assert _worker_router is not None
    return route_file(Path(path), _worker_router)


@dataclass
class ReplayResult:
    findings: list[Finding]
    counts: Counter[str]
    errors: list[str]
    by_category: Counter[str]


def replay(
    files: list[Path],
    config: AidrConfig,
    template: str | None = None,
    parameters: dict[str, str] | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    state: StateStore | None = None,
) -> ReplayResult:
    """Route and detect ``files``; ``state`` (default: a fresh MemoryState) is left holding what detectors kept."""
    parameters = parameters or {}
    router = load_router(template, parameters)
    counts: Counter[str] = Counter()
    errors: list[str] = []
    routed: list[Routed] = []
    bodies = LocalBodies(files)  # every file given, bodies included: where moved bodies are looked for
    logs: list[Path] = []
    for f in files:
        why = not_a_log_file(f)
        if why is None:
            logs.append(f)
        else:
            counts[why] += 1
    files = logs

    total_bytes = sum(f.stat().st_size for f in files)
    workers = workers or os.cpu_count() or 1
    bar = Progress(len(files), "reading", enabled=progress)
    if workers > 1 and len(files) > 1 and total_bytes >= PARALLEL_MIN_BYTES:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(template, parameters)) as pool:
            results = pool.map(_route_in_worker, [str(f) for f in files], chunksize=4)
            for f, r in zip(files, results, strict=True):
                _collect(r, routed, errors, counts)
                bar.advance(note=f.name)
    else:
        for f in files:
            _collect(route_file(f, router), routed, errors, counts)
            bar.advance(note=f.name)
    bar.close()

    findings = detect(routed, config, counts, errors, progress, state, bodies)
    by_category = Counter(f.category for f in findings)
    return ReplayResult(findings, counts, errors, by_category)


def _collect(r: FileResult, routed: list[Routed], errors: list[str], counts: Counter[str]) -> None:
    routed.extend(r.routed)
    errors.extend(r.errors)
    counts.update(r.counts)


def _sort_by_time(routed: list[Routed]) -> list[Routed]:
    """Stable sort by event time; a record with no usable time keeps the time of the record before it."""
    keyed: list[tuple[datetime, bool, int, Routed]] = []
    last = EPOCH
    for i, r in enumerate(routed):
        t = parse_time(r.envelope.get("time")) or _detail_time(r.envelope) or last
        last = t
        # At the same time, AWS events go before aidr's own (invocation logs): CloudTrail's record of a call
        # is what enriches the invocation-log record of the same request.
        keyed.append((t, r.envelope.get("source") == "aidr", i, r))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed]


def _detail_time(env: dict[str, Any]) -> datetime | None:
    d = env.get("detail") or {}
    return parse_time(d.get("eventTime") or d.get("updatedAt") or d.get("timestamp"))


def detect(
    routed: list[Routed], config: AidrConfig, counts: Counter[str], errors: list[str], progress: bool | None = None,
    state: StateStore | None = None, bodies: LocalBodies | None = None,
) -> list[Finding]:
    """Run the routed events through their targets' detectors, in event-time order.

    With ``bodies``, invocation-log records get back the bodies Bedrock moved to S3 from there first.
    """
    state = state if state is not None else MemoryState()  # one for all functions: in AWS they share the table
    engines: dict[str, Engine] = {}
    merged: dict[str, Finding] = {}
    bar = Progress(len(routed), "detecting", enabled=progress if len(routed) > 1000 else False)
    for r in _sort_by_time(routed):
        counts["routed"] += 1
        env = r.envelope if bodies is None else with_local_bodies(r.envelope, bodies, counts)
        for target in r.targets:
            engine = engines.get(target)
            if engine is None:
                engine = engines[target] = Engine(config, state, function=target)
            try:
                found = engine.process(env)
            except Exception as e:  # a detector bug is reported with the record, and the run goes on
                errors.append(f"{r.location}: detector error in {target}: {type(e).__name__}: {e}")
                counts["detector errors"] += 1
                continue
            for f in found:
                merged[f.id] = merged[f.id].merge(f) if f.id in merged else f
        bar.advance()
    bar.close()
    for e in engines.values():
        counts.update(e.counters)
    return sorted(merged.values(), key=lambda f: (f.first_seen, f.id))


# ---------------------------------------------------------------- invocation bodies Bedrock moved to S3, read locally
class _S3Error(Exception):
    """An S3 error as :func:`aidr.aws.error_code` reads it (``response["Error"]["Code"]``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


class LocalBodies:
    """The replayed files standing in for the S3 objects Bedrock moved invocation bodies to.

    Has the ``get_object`` of an S3 client, so :func:`aidr.logs.offload.resolve_bedrock_bodies` reads bodies from
    here exactly as it does from S3 in AWS (gzip or plain JSON, else text, with the same size caps). A key is found
    when a replayed file's path ends with it (the path after the bucket: a tree synced from the bucket's root) or
    with its part from ``AWSLogs/`` on (a tree synced from below a prefix). Only the files given are candidates:
    a record cannot make replay read anything outside the paths it was given.

    Examples
    --------
    >>> bodies = LocalBodies([Path("export/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/data/r_input.json.gz")])
    >>> bodies.find("team-a/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/data/r_input.json.gz")
    PosixPath('export/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/data/r_input.json.gz')
    >>> bodies.find("team-a/AWSLogs/2/BedrockModelInvocationLogs/us-east-1/data/r_input.json.gz") is None
    True
    """

    def __init__(self, files: Iterable[Path]) -> None:
        self._by_name: dict[str, list[Path]] = {}
        for f in files:
            self._by_name.setdefault(f.name, []).append(f)

    def find(self, key: str) -> Path | None:
        """The first replayed file (in the order given) that is the object ``key``, or None."""
        candidates = self._by_name.get(key.rsplit("/", 1)[-1])
        if not candidates:
            return None
        suffixes = [key]
        at = 0 if key.startswith("AWSLogs/") else key.find("/AWSLogs/") + 1
        if at > 0:
            suffixes.append(key[at:])
        for suffix in suffixes:
            for path in candidates:
                posix = path.as_posix()
                if posix == suffix or posix.endswith("/" + suffix):
                    return path
        return None

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # boto3's parameter names
        from aidr.logs import offload

        path = self.find(Key)
        if path is None:
            raise _S3Error("NoSuchKey", f"s3://{Bucket}/{Key} is not among the replayed files")
        try:
            size = path.stat().st_size
            # An object above the cap is refused on its size alone, as in AWS: never read.
            data = path.read_bytes() if size <= offload.MAX_OFFLOADED_BYTES else b""
        except OSError as e:
            raise _S3Error("AccessDenied", f"{path}: {e.strerror}") from None
        return {"ContentLength": size, "Body": io.BytesIO(data)}


def with_local_bodies(env: dict[str, Any], bodies: LocalBodies, counts: Counter[str]) -> dict[str, Any]:
    """``env`` with the bodies Bedrock moved to S3 put back from ``bodies`` (DetectInvocationFunction does this
    from S3, see aidr.runtime.detect); a record whose body is not there goes on without it, and is counted."""
    detail = env.get("detail")
    if env.get("detail-type") != INVOCATION_LOG or not isinstance(detail, dict) or not any(
            isinstance(part := detail.get(side), dict) and part.get(f"{side}BodyS3Path")
            for side in ("input", "output")):
        return env  # the common case, decided before importing the S3 reader (and boto3 with it)
    from aidr.logs.offload import BEDROCK_BODY_PATHS, parse_uri, resolve_bedrock_bodies

    def moved(d: dict[str, Any]) -> list[str]:  # the S3 paths of sides whose body is not in the record
        return [part[path_key] for side, path_key, body_key in BEDROCK_BODY_PATHS
                if isinstance(part := d.get(side), dict) and part.get(path_key) and part.get(body_key) is None]

    paths = moved(detail)
    if not paths:
        return env
    resolved = detail
    # Bucket by bucket: a bucket named by the record is the one allowed for it (the files are the only limit);
    # ``now`` = infinity: a record of the past, whose missing body is gone, never "not written yet".
    for bucket in sorted({where[0] for where in map(parse_uri, paths) if where}):
        resolved, read, _ = resolve_bedrock_bodies(resolved, bodies, bucket, now=math.inf)
        counts[BODIES_READ] += read
    if moved(resolved):
        counts[BODIES_NOT_FOUND] += 1
    return env if resolved is detail else {**env, "detail": resolved}
