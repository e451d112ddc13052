"""Read recorded events from files: every shape of contracts.md section 2, plain or gzipped.

Per file the shape is detected once (one JSON document, or JSON lines); per record it is detected again
(a file may mix CloudTrail, GuardDuty and invocation-log records). Bad input never stops a run: each
unreadable record is yielded as an :class:`~aidr.errors.InputError` naming the file and line or index.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
# A single record larger than this is refused rather than parsed (EventBridge's own limit is 256 KB;
# CloudTrail records are far smaller). Whole files may be larger.
MAX_RECORD_BYTES = 16 * 1024 * 1024

Item = tuple[str, Any]  # (location, record) where record may be an InputError


def read_bytes(path: Path) -> tuple[bytes, InputError | None]:
    """Read a file, gunzipping when needed. A truncated gzip yields what could be read plus an error."""
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data, None
    d = zlib.decompressobj(wbits=47)  # gzip/zlib auto-detect
    out = []
    try:
        while data:
            out.append(d.decompress(data))
            data = d.unused_data  # concatenated gzip members (CloudTrail digest-style files)
            if data:
                d = zlib.decompressobj(wbits=47)
        if not d.eof:
            return b"".join(out), InputError("truncated gzip stream (file ends early)", str(path))
    except zlib.error as e:
        return b"".join(out), InputError(f"corrupt gzip stream: {e}", str(path))
    return b"".join(out), None


def iter_document(obj: Any, source: str) -> Iterator[Item]:
    """Records inside one parsed JSON document."""
    if isinstance(obj, dict) and isinstance(obj.get("Records"), list):
        for i, rec in enumerate(obj["Records"]):
            yield f"{source}:Records[{i}]", rec
    elif isinstance(obj, dict) and isinstance(obj.get("Findings"), list):  # GetFindings output
        for i, rec in enumerate(obj["Findings"]):
            yield f"{source}:Findings[{i}]", rec
    elif isinstance(obj, dict) and isinstance(obj.get("findings"), list) and "detail" not in obj:
        for i, rec in enumerate(obj["findings"]):
            yield f"{source}:findings[{i}]", rec
    elif isinstance(obj, list):
        for i, rec in enumerate(obj):
            yield f"{source}:[{i}]", rec
    else:
        yield f"{source}:1", obj


def iter_lines(data: bytes, source: str) -> Iterator[Item]:
    for no, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        if len(line) > MAX_RECORD_BYTES:
            yield f"{source}:{no}", InputError(f"record of {len(line)} bytes exceeds {MAX_RECORD_BYTES}", source, no)
            continue
        try:
            yield f"{source}:{no}", orjson.loads(line)
        except orjson.JSONDecodeError as e:
            yield f"{source}:{no}", InputError(f"invalid JSON: {e}", source, no)


def iter_file(path: Path) -> Iterator[Item]:
    """Every record in one file, or the errors that stand in for records that could not be read."""
    source = str(path)
    try:
        data, gz_error = read_bytes(path)
    except OSError as e:
        yield source, InputError(f"cannot read: {e.strerror}", source)
        return
    if gz_error is not None:
        # Keep what was decompressed (complete lines only) and report the damage.
        yield source, gz_error
        data = data[: data.rfind(b"\n") + 1]
        yield from iter_lines(data, source)
        return
    stripped = data.lstrip()
    if not stripped:
        return
    if stripped[:1] in (b"{", b"["):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            doc = None  # not one document: JSON lines (or damage, reported per line)
        else:
            yield from iter_document(doc, source)
            return
    yield from iter_lines(data, source)


def iter_paths(paths: list[str]) -> Iterator[Path]:
    """Files under each path (directories recursed, sorted for a stable order). Raises for missing paths."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif path.is_file():
            yield path
        else:
            raise InputError("no such file or directory", p)
