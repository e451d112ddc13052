"""Read recorded events from files: every shape of contracts.md section 2, plain or gzipped.

Per file the shape is detected once (one JSON document, or JSON lines); per record it is detected again
(a file may mix CloudTrail, GuardDuty and invocation-log records). Bad input never stops a run: each
unreadable record is yielded as an :class:`~aidr.errors.InputError` naming the file and line or index.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"  # Windows tools prepend it to "UTF-8" exports; JSON parsers refuse it
# A single record larger than this is refused rather than parsed (EventBridge's own limit is 256 KB;
# CloudTrail records are far smaller). Whole files may be larger.
MAX_RECORD_BYTES = 16 * 1024 * 1024

Item = tuple[str, Any]  # (location, record) where record may be an InputError

_DECODER = json.JSONDecoder()
# A line of a CloudWatch Logs export task's output: the event's time, a space, the message.
_EXPORT_LINE = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.+?)\s*$", re.S)

# Files of an exported S3 tree that are not logs, so not read as records (counted by what they are instead):
# - CloudTrail digest files (log-file validation): ``AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/
#   <acct>_CloudTrail-Digest_<region>_<trail>_<region>_<end>Z.json.gz`` (CloudTrail user guide, "CloudTrail digest
#   file structure");
# - what Bedrock's invocation logging writes beside its log files: the bodies and media it moves out of a record
#   (``.../BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/data/<requestId>_input.json.gz``, images,
#   documents) and the ``amazon-bedrock-logs-permission-check`` marker (see aidr.logs.sources).
DIGEST_FILES = "digest files skipped"
INVOCATION_OBJECTS = "invocation body/media objects skipped"
_DIGEST_FOLDER = "CloudTrail-Digest"
_DIGEST_NAME = "_CloudTrail-Digest_"
_INVOCATION_LOGS_FOLDER = "BedrockModelInvocationLogs"
_PERMISSION_CHECK = "amazon-bedrock-logs-permission-check"
_HOUR = re.compile(r"[01][0-9]|2[0-3]")
_DIGEST_KEYS = ("awsAccountId", "digestStartTime", "digestEndTime", "logFiles")
# Bedrock delivers invocation logs to ``.../BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<file>``.
_DELIVERY_HOUR = re.compile(rf"/{_INVOCATION_LOGS_FOLDER}/[^/]+/(\d{{4}})/(\d\d)/(\d\d)/({_HOUR.pattern})/")


def delivery_hour(path: Path) -> str | None:
    """The hour folder Bedrock delivered an invocation-log file to, as RFC 3339 (the stand-in time of its records
    that have none, such as a bare array of records); None for a path outside that layout.

    >>> delivery_hour(Path("x/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/03/04/10/a.json.gz"))
    '2026-03-04T10:00:00Z'
    """
    m = _DELIVERY_HOUR.search(path.as_posix())
    return f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:00:00Z" if m else None


def _gunzip(data: bytes, source: str) -> tuple[bytes, int, InputError | None]:
    """Decompress every gzip member; return the bytes, the length up to the last complete member, and damage."""
    d = zlib.decompressobj(wbits=47)  # gzip/zlib auto-detect
    out: list[bytes] = []
    complete = 0
    try:
        while data:
            out.append(d.decompress(data))
            data = d.unused_data  # concatenated gzip members (e.g. `cat a.json.gz b.json.gz`)
            if d.eof:
                complete = sum(map(len, out))
            if data:
                d = zlib.decompressobj(wbits=47)
        if not d.eof:
            return b"".join(out), complete, InputError("truncated gzip stream (file ends early)", source)
    except zlib.error as e:
        return b"".join(out), complete, InputError(f"corrupt gzip stream: {e}", source)
    return b"".join(out), complete, None


def read_bytes(path: Path) -> tuple[bytes, InputError | None]:
    """Read a file, gunzipping when needed. A truncated gzip yields what could be read plus an error."""
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data, None
    out, _, err = _gunzip(data, str(path))
    return out, err


def _timed(rec: Any, time: str | None) -> Any:
    """An invocation-log record without a timestamp takes its log event's time (as the forwarder does)."""
    if time and _is_invocation_log(rec) and not rec.get("timestamp"):
        return {**rec, "timestamp": time}
    return rec


def _cloudwatch_records(obj: dict[str, Any], where: str) -> list[Item]:
    """Records of a CloudWatch Logs export: ``aws logs filter-log-events`` / ``get-log-events`` output
    (``events``), a subscription payload (``logEvents``) or a whole subscription event (``awslogs``)."""
    from .logs.sources import BadRecord, iso_millis, records_from_awslogs, records_from_message

    if "awslogs" in obj:
        found = list(records_from_awslogs(obj))
    else:
        found = []
        events = obj.get("events") if isinstance(obj.get("events"), list) else obj.get("logEvents") or []
        for i, ev in enumerate(events):
            ev = ev if isinstance(ev, dict) else {}
            found += records_from_message(ev.get("message"), f"{where}:events[{i}]", iso_millis(ev.get("timestamp")))
    return [(item.location, InputError(item.reason, item.location)) if isinstance(item, BadRecord)
            else (item.location, _timed(item.record, item.time)) for item in found]


def _is_cloudwatch_export(obj: dict[str, Any]) -> bool:
    events = obj.get("events")
    return (isinstance(events, list) and bool(events) and isinstance(events[0], dict) and "message" in events[0]) \
        or isinstance(obj.get("logEvents"), list) or isinstance(obj.get("awslogs"), dict)


def _lookup_events(obj: dict[str, Any], where: str) -> list[Item]:
    """``aws cloudtrail lookup-events`` output: each event's record is a JSON string in ``CloudTrailEvent``."""
    out: list[Item] = []
    for i, ev in enumerate(obj["Events"]):
        loc = f"{where}:Events[{i}]"
        raw = ev.get("CloudTrailEvent") if isinstance(ev, dict) else None
        try:
            out.append((loc, orjson.loads(raw) if isinstance(raw, str) else InputError(
                "no CloudTrailEvent string", loc)))
        except orjson.JSONDecodeError as e:
            out.append((loc, InputError(f"CloudTrailEvent is not valid JSON: {e}", loc)))
    return out


def _dead_letter(body: dict[str, Any], where: str) -> list[Item]:
    """What the log forwarder dead-lettered: the record it could not deliver, else why nothing can be read."""
    if isinstance(body.get("record"), dict):
        return [(where, body["record"])]
    if isinstance(body.get("detail"), str):  # a PutEvents entry EventBridge refused: its Detail is the record
        try:
            return [(where, orjson.loads(body["detail"]))]
        except orjson.JSONDecodeError:
            pass
    return [(where, InputError(f"dead letter ({body.get('kind')}) at {body.get('location')}: {body.get('reason')}",
                               where))]


def _sqs_messages(obj: dict[str, Any], where: str) -> list[Item]:
    """``aws sqs receive-message`` output (a dead-letter queue read for triage): each message body is an event,
    a Lambda payload, or a dead letter of the log forwarder."""
    out: list[Item] = []
    for i, msg in enumerate(obj["Messages"]):
        loc = f"{where}:Messages[{i}]"
        body = msg.get("Body") if isinstance(msg, dict) else None
        try:
            parsed = orjson.loads(body) if isinstance(body, str) else None
        except orjson.JSONDecodeError as e:
            out.append((loc, InputError(f"message body is not JSON: {e}", loc)))
            continue
        if isinstance(parsed, dict) and {"kind", "location", "reason"} <= parsed.keys():
            out += _dead_letter(parsed, loc)
        elif parsed is None:
            out.append((loc, InputError("message has no Body string", loc)))
        else:
            out += _line_records(parsed, loc)
    return out


def _unpack(obj: Any, where: str) -> list[Item] | None:
    """The records of a container document, or None when ``obj`` is not one."""
    if isinstance(obj, dict):
        if isinstance(obj.get("Messages"), list):  # aws sqs receive-message output
            return _sqs_messages(obj, where)
        if isinstance(obj.get("Records"), list):  # CloudTrail log file as delivered to S3
            return [(f"{where}:Records[{i}]", r) for i, r in enumerate(obj["Records"])]
        if isinstance(obj.get("Events"), list) and "detail" not in obj:  # CloudTrail lookup-events output
            return _lookup_events(obj, where)
        if _is_cloudwatch_export(obj):
            return _cloudwatch_records(obj, where)
        if isinstance(obj.get("Findings"), list):  # GuardDuty GetFindings output
            return [(f"{where}:Findings[{i}]", r) for i, r in enumerate(obj["Findings"])]
        if isinstance(obj.get("findings"), list) and "detail" not in obj:
            return [(f"{where}:findings[{i}]", r) for i, r in enumerate(obj["findings"])]
    return None


def iter_document(obj: Any, source: str) -> Iterator[Item]:
    """Records inside one parsed JSON document (a whole file)."""
    unpacked = _unpack(obj, source)
    if unpacked is not None:
        yield from unpacked
    elif isinstance(obj, list):
        for i, rec in enumerate(obj):
            yield f"{source}:[{i}]", rec
    else:
        yield f"{source}:1", obj


def _split_documents(line: bytes) -> list[Any] | None:
    """Several JSON documents written back to back on one line (concatenated single-line CloudTrail files)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    docs: list[Any] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            break
        try:
            obj, i = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError:
            return None
        docs.append(obj)
    return docs if len(docs) > 1 else None


def _is_invocation_log(obj: Any) -> bool:
    return type(obj) is dict and obj.get("schemaType") == "ModelInvocationLog"


def _line_records(obj: Any, where: str) -> Iterator[Item]:
    # A line may hold a whole CloudTrail file ({"Records": [...]}), or a bare JSON array of invocation-log
    # records (how streamed invocations can be logged, with no timestamp): each is a record of its own. Any
    # other bare array stays one record (a list of stream chunks is reported as what it is).
    unpacked = _unpack(obj, where)
    if unpacked is not None:
        yield from unpacked
    elif type(obj) is list and obj and any(_is_invocation_log(r) for r in obj):
        for i, rec in enumerate(obj):
            if _is_invocation_log(rec):
                yield f"{where}[{i}]", rec
            else:
                yield f"{where}[{i}]", InputError(
                    f"not an invocation-log record ({type(rec).__name__}) in an array of them", f"{where}[{i}]")
    else:
        yield where, obj


def iter_lines(data: bytes, source: str) -> Iterator[Item]:
    for no, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        where = f"{source}:{no}"
        if len(line) > MAX_RECORD_BYTES:
            yield where, InputError(f"record of {len(line)} bytes exceeds {MAX_RECORD_BYTES}", source, no)
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            exported = _EXPORT_LINE.match(line)  # CloudWatch Logs export to S3: "<time> <message>"
            if exported:
                try:
                    obj = orjson.loads(exported[2])
                except orjson.JSONDecodeError:
                    pass
                else:
                    time = exported[1].decode()
                    yield from ((w, _timed(r, time)) for w, r in _line_records(obj, where))
                    continue
            docs = _split_documents(line)
            if docs is None:
                yield where, InputError(f"invalid JSON: {e}", source, no)
                continue
            for k, doc in enumerate(docs, 1):
                yield from _line_records(doc, f"{where}:doc{k}")
            continue
        yield from _line_records(obj, where)


def iter_file(path: Path) -> Iterator[Item]:
    """Every record in one file, or the errors that stand in for records that could not be read.

    An invocation-log record without a timestamp takes its log event's time (CloudWatch Logs exports), else the
    hour folder Bedrock delivered the file to (:func:`delivery_hour`).
    """
    hour = delivery_hour(path)
    if hour is None:
        yield from _file_items(path)
    else:
        yield from ((where, _timed(rec, hour)) for where, rec in _file_items(path))


def _file_items(path: Path) -> Iterator[Item]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        yield source, InputError(f"cannot read: {e.strerror}", source)
        return
    if raw.startswith(GZIP_MAGIC):
        data, complete, gz_error = _gunzip(raw, source)
        if gz_error is not None:
            # Keep what was decompressed up to the damage (whole members, complete lines) and report it.
            yield source, gz_error
            data = data[: max(complete, data.rfind(b"\n") + 1)]
            yield from iter_lines(data.removeprefix(UTF8_BOM), source)
            return
    else:
        data = raw
    data = data.removeprefix(UTF8_BOM)
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


def not_a_log_file(path: Path) -> str | None:
    """Why ``path`` is not read as a log file (:data:`DIGEST_FILES`, :data:`INVOCATION_OBJECTS`), else None.

    Decided by the path alone, so such files are never opened. A body or media object is a file in a ``data``
    folder of an invocation-log tree: below a ``BedrockModelInvocationLogs`` folder, or in an hour folder's
    ``data`` (``.../HH/data/``, for a tree copied from deeper in the bucket). Any other ``data`` folder is read.
    """
    name, folders = path.name, path.parts[:-1]
    if _DIGEST_NAME in name or _DIGEST_FOLDER in folders:
        return DIGEST_FILES
    if _PERMISSION_CHECK in name:
        return INVOCATION_OBJECTS
    for i, part in enumerate(folders):
        if part == "data" and i and (_INVOCATION_LOGS_FOLDER in folders[:i] or _HOUR.fullmatch(folders[i - 1])):
            return INVOCATION_OBJECTS
    return None


def is_cloudtrail_digest(obj: Any) -> bool:
    """A CloudTrail digest file's document (read when it is not where CloudTrail delivers digests)."""
    return type(obj) is dict and all(k in obj for k in _DIGEST_KEYS) and isinstance(obj["logFiles"], list)


def iter_paths(paths: list[str], unreadable: list[InputError] | None = None) -> Iterator[Path]:
    """Files under each path (directories recursed, sorted for a stable order).

    A PATH given that is missing, cannot be read, or is neither a regular file nor a directory (a pipe, a device)
    raises :class:`InputError`: contracts.md section 2 makes that an unusable argument. Inside a directory, a
    folder that cannot be listed or an entry that is not a readable regular file (a broken symbolic link, a
    socket) is appended to ``unreadable`` to be reported and counted (raised when ``unreadable`` is None): never
    skipped silently, as :meth:`Path.rglob` would. Hidden files and anything under a hidden directory
    (``.git``, ``.cache``) are skipped.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise InputError("cannot read directory: Permission denied", p)
            problems: list[InputError] = []
            yield from sorted(_walk(path, problems))
            if problems and unreadable is None:
                raise problems[0]
            if unreadable is not None:
                unreadable.extend(problems)
        elif path.is_file():
            try:
                path.open("rb").close()
            except OSError as e:
                raise InputError(f"cannot read: {e.strerror}", p) from None
            yield path
        elif path.exists():
            raise InputError("not a regular file or directory (a pipe or device is not read: save the data to a "
                             "file first)", p)
        else:
            raise InputError("no such file or directory", p)


def _walk(top: Path, problems: list[InputError]) -> Iterator[Path]:
    """Regular files below ``top`` (symbolic links to files followed, to directories not), not hidden ones."""

    def onerror(e: OSError) -> None:
        problems.append(InputError(f"cannot read directory: {e.strerror}", str(e.filename)))

    for folder, dirs, names in os.walk(top, onerror=onerror):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            f = Path(folder, name)
            if f.is_file():
                yield f
            elif f.is_symlink() and not f.exists():
                problems.append(InputError("broken symbolic link", str(f)))
            elif not f.is_dir():
                problems.append(InputError("not a regular file, not read", str(f)))
