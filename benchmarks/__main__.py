"""``python -m benchmarks``: run the three benchmarks, print each, then the closing table (see __init__)."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from . import cold_start, invocation, layer_size, replay_throughput
from .corpus import ensure_corpus
from .report import ERROR, Figure, write_table
from .timing import load_note

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ("replay", "invocation", "cold-start", "layer")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="small corpus (5,000 records), one replay run, three cold starts: checks the machinery")
    p.add_argument("--records", type=int, help="CloudTrail records in the replay corpus (default 200,000)")
    p.add_argument("--invocation-records", type=int, help="invocation-log records (default 100,000)")
    p.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    p.add_argument("--repeats", type=int, help="timed runs of each replay measurement (default 5)")
    p.add_argument("--cold-repeats", type=int, help="fresh interpreters per cold-start import (default 15)")
    p.add_argument("--skip", action="append", choices=BENCHMARKS, default=[], help="leave a benchmark out")
    p.add_argument("--cache-dir", type=Path, default=ROOT / ".bench", help="corpus and layer cache (default .bench/)")
    p.add_argument("--functions", type=Path, default=ROOT / "functions", help="where to find */app.py handlers")
    return p


def _guarded(name: str, target: float, unit: str, fn: Callable[[], list[Figure]], out: TextIO) -> list[Figure]:
    """Run one benchmark; a crash becomes an ERROR row (and a traceback) instead of ending the run."""
    try:
        return fn()
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        out.write(f"{name}: crashed: {type(e).__name__}: {e}\n")
        return [Figure(name, None, target, unit, error=f"crashed: {type(e).__name__}: {e}")]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    records = args.records or (5_000 if args.quick else 200_000)
    repeats = args.repeats or (1 if args.quick else 5)
    cold_repeats = args.cold_repeats or (3 if args.quick else 15)
    invocation_records = args.invocation_records or (2_000 if args.quick else 100_000)
    args.cache_dir.mkdir(parents=True, exist_ok=True)

    def replay() -> list[Figure]:
        corpus = ensure_corpus(args.cache_dir, records, args.seed)
        return [replay_throughput.run(corpus, repeats, out)]

    runs = {
        "replay": ("replay throughput", replay_throughput.TARGET, "x", replay),
        "invocation": ("invocation detection", invocation.TARGET, "x",
                       lambda: invocation.run(args.cache_dir, invocation_records, args.seed, repeats, out)),
        "cold-start": ("cold start", cold_start.TARGET, "x",
                       lambda: cold_start.run(ROOT, args.functions, cold_repeats, out)),
        "layer": ("layer size", layer_size.TARGET_MB, "MB", lambda: [layer_size.run(ROOT, args.cache_dir, out)]),
    }
    figures: list[Figure] = []
    for key, (name, target, unit, fn) in runs.items():
        if key in args.skip:
            figures.append(Figure(name, None, target, unit, error=f"skipped (--skip {key})", skipped=True))
            continue
        if key != "layer":
            out.write(f"[{load_note()}]\n")
        figures.extend(_guarded(name, target, unit, fn, out))
        out.flush()
    out.write(f"[{load_note()}]\n")
    write_table(figures, out)
    # A benchmark reports; only a crash (including a handler that cannot be imported) makes the run fail.
    return 1 if any(f.verdict == ERROR for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
