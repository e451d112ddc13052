"""Write (once) a seeded CloudTrail corpus laid out as a trail delivers it to S3, and reuse it from the cache.

One gzipped ``{"Records": [...]}`` file per region per five minutes, named and foldered like CloudTrail's
(``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz``).
A corpus directory is complete only once its ``.complete`` marker exists (replay skips dot files).
"""

from __future__ import annotations

import gzip
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import orjson

from .corpus_records import ACCOUNT, BACKGROUND, Record, attack

# Bump when the generator changes, so a cached corpus of an older shape is not reused.
GENERATOR_VERSION = 1
START = datetime(2026, 3, 1, tzinfo=UTC)
SLOT = timedelta(minutes=5)
# Share of the account's calls per region (IAM and STS global calls land in us-east-1 files too).
REGIONS = (("us-east-1", 0.7), ("us-west-2", 0.2), ("eu-west-1", 0.1))
RECORDS_PER_SLOT = 4000  # all regions together: ~2,800 records in a us-east-1 file
MARKER = ".complete"


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: list[Path]
    records: int
    gz_bytes: int

    @property
    def raw_bytes(self) -> int:
        return int(orjson.loads((self.root / MARKER).read_bytes())["raw_bytes"])


def _slot_records(rng: random.Random, slot_start: datetime, region: str, count: int) -> list[Record]:
    weights = list(accumulate(w for w, _ in BACKGROUND))
    builders = [b for _, b in BACKGROUND]
    out = []
    for build in rng.choices(builders, cum_weights=weights, k=count):
        when = (slot_start + timedelta(seconds=rng.uniform(0, SLOT.total_seconds()))).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(build(rng, when, region))
    return out


def _file_path(root: Path, region: str, slot_start: datetime, rng: random.Random) -> Path:
    day = slot_start.strftime("%Y/%m/%d")
    stamp = slot_start.strftime("%Y%m%dT%H%MZ")
    suffix = "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=16))
    name = f"{ACCOUNT}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"
    return root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day / name


def generate(root: Path, records: int, seed: int) -> tuple[int, int]:
    """Write ``records`` records under ``root``; return (files written, uncompressed bytes)."""
    rng = random.Random(seed)
    slots = max(1, round(records / RECORDS_PER_SLOT))
    attack_slot = slots // 2
    written = files = raw = 0
    slot = 0
    while written < records:
        start = START + slot * SLOT
        for region, share in REGIONS:
            want = max(1, round(RECORDS_PER_SLOT * share * rng.uniform(0.8, 1.2)))
            count = min(want, records - written)
            if count <= 0:
                break
            recs = _slot_records(rng, start, region, count)
            if slot == attack_slot and region == "us-east-1":
                when = (start + SLOT / 2).strftime("%Y-%m-%dT%H:%M:%SZ")
                steps = attack(rng, when, region)[: max(0, count - 1)]
                recs[: len(steps)] = steps  # replace, so the total stays exact
            recs.sort(key=lambda r: r["eventTime"])
            body = orjson.dumps({"Records": recs})
            path = _file_path(root, region, start, rng)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
            written += count
            files += 1
            raw += len(body)
        slot += 1
    return files, raw


def ensure_corpus(cache_dir: Path, records: int, seed: int = 7) -> Corpus:
    """The corpus for (records, seed), generated on first use under ``cache_dir``."""
    root = cache_dir / f"corpus-v{GENERATOR_VERSION}-{records}-{seed}"
    if not (root / MARKER).is_file():
        if root.exists():
            shutil.rmtree(root)  # an interrupted earlier run
        _, raw = generate(root, records, seed)
        (root / MARKER).write_bytes(orjson.dumps({"records": records, "seed": seed, "raw_bytes": raw}))
    files = sorted(root.rglob("*.json.gz"))
    return Corpus(root, files, records, sum(f.stat().st_size for f in files))
