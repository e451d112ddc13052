"""Smoke test of `make bench` on a tiny corpus, so the benchmark machinery cannot rot. No timing is asserted."""

from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import orjson
import pytest

from benchmarks import __main__ as bench_main
from benchmarks import cold_start, layer_size, replay_throughput
from benchmarks.corpus import MARKER, ensure_corpus, generate
from benchmarks.report import ERROR, FAIL, PASS, SKIP, Figure

ROOT = Path(__file__).resolve().parents[2]


def _records(files: list[Path]) -> list[dict]:
    return [r for f in files for r in orjson.loads(gzip.decompress(f.read_bytes()))["Records"]]


def test_corpus_is_seeded_cloudtrail_as_delivered_to_s3(tmp_path: Path) -> None:
    a = ensure_corpus(tmp_path / "a", 1500, seed=3)
    b = ensure_corpus(tmp_path / "b", 1500, seed=3)
    assert [f.read_bytes() for f in a.files] == [f.read_bytes() for f in b.files]
    assert all("/AWSLogs/111122223333/CloudTrail/" in f.as_posix() and f.name.endswith(".json.gz") for f in a.files)

    recs = _records(a.files)
    assert len(recs) == a.records == 1500
    assert len({r["eventID"] for r in recs}) == 1500
    assert all({"userIdentity", "eventTime", "eventSource", "eventName", "awsRegion"} <= r.keys() for r in recs)
    assert 900 < a.raw_bytes / a.records < 2500  # real CloudTrail records weigh 1-2 KB
    sources = {r["eventSource"] for r in recs}
    assert {"s3.amazonaws.com", "kms.amazonaws.com", "bedrock.amazonaws.com"} <= sources
    assert "DeleteModelInvocationLoggingConfiguration" in {r["eventName"] for r in recs}  # the attack is in

    other = ensure_corpus(tmp_path / "c", 1500, seed=4)
    assert [f.read_bytes() for f in other.files] != [f.read_bytes() for f in a.files]


def test_corpus_cache_is_reused_and_an_interrupted_one_rebuilt(tmp_path: Path) -> None:
    first = ensure_corpus(tmp_path, 800)
    stamps = [f.stat().st_mtime_ns for f in first.files]
    assert [f.stat().st_mtime_ns for f in ensure_corpus(tmp_path, 800).files] == stamps

    (first.root / MARKER).unlink()
    (first.root / "stray.json.gz").write_bytes(b"partial")
    again = ensure_corpus(tmp_path, 800)
    assert not (again.root / "stray.json.gz").exists()
    assert len(_records(again.files)) == 800


def test_replay_benchmark_compares_full_replay_with_parse_only(tmp_path: Path) -> None:
    corpus = ensure_corpus(tmp_path, 2000)
    assert replay_throughput.parse_only(corpus.files) == 2000
    out = io.StringIO()
    fig = replay_throughput.run(corpus, 1, out)
    assert fig.name == "replay throughput" and fig.value is not None and fig.value > 0
    assert fig.verdict in (PASS, FAIL)
    text = out.getvalue()
    assert "baseline: gunzip + orjson parse" in text and "workers=1" in text
    assert "replay read 2,000 records" in text


def test_cold_start_walks_functions_and_reports_a_broken_handler(tmp_path: Path) -> None:
    functions = tmp_path / "functions"
    ok, broken = functions / "detect_ok", functions / "detect_broken"
    for d in (ok, broken, functions / "not_a_handler"):
        d.mkdir(parents=True)
    # The import must see Lambda's variables and the library from layers/aidr, as the real handlers do.
    (ok / "app.py").write_text(
        "import os\nimport aidr\n"
        "assert os.environ['AWS_REGION'] and os.environ['AIDR_STATE_TABLE']\n"
        "assert os.environ['AWS_LAMBDA_FUNCTION_NAME'] == 'aidr-DetectOkFunction'\n"
        "assert os.path.join('layers', 'aidr') in aidr.__file__\n",
        encoding="utf-8",
    )
    (broken / "app.py").write_text("raise ImportError('no module named boom')\n", encoding="utf-8")

    out = io.StringIO()
    figs = {f.name: f for f in cold_start.run(ROOT, functions, 1, out)}
    assert set(figs) == {"cold start detect_broken", "cold start detect_ok"}
    assert figs["cold start detect_ok"].value is not None
    assert figs["cold start detect_broken"].verdict == ERROR
    assert "boom" in (figs["cold start detect_broken"].error or "")
    assert "import boto3" in out.getvalue()


def test_cold_start_without_handlers_is_skipped(tmp_path: Path) -> None:
    (fig,) = cold_start.run(ROOT, tmp_path, 1, io.StringIO())
    assert fig.verdict == SKIP


def test_layer_size_is_skipped_when_pip_is_missing(tmp_path: Path) -> None:
    out = io.StringIO()
    fig = layer_size.run(ROOT, tmp_path, out, pip=[str(tmp_path / "no-such-pip")])
    assert fig.verdict == SKIP and "pip is not available" in (fig.error or "")
    assert "pip is not available" in out.getvalue()


def test_layer_zip_from_cached_dependencies_needs_no_registry(tmp_path: Path) -> None:
    deps = layer_size.deps_dir(ROOT / "layers" / "aidr" / "requirements.txt", tmp_path)
    for rel in ("fakepkg/__init__.py", "fakepkg/__pycache__/x.cpython-312.pyc", "botocore/client.py"):
        (deps / "python" / rel).parent.mkdir(parents=True, exist_ok=True)
        (deps / "python" / rel).write_text("x = 1\n" * 100, encoding="utf-8")
    (deps / layer_size.MARKER).write_text("", encoding="utf-8")

    out = io.StringIO()
    fig = layer_size.run(ROOT, tmp_path, out, pip=[str(tmp_path / "no-such-pip")])  # cached: pip never needed
    assert fig.value is not None and fig.value > 0
    names = zipfile.ZipFile(tmp_path / "layer.zip").namelist()
    assert "python/fakepkg/__init__.py" in names and "python/aidr/__init__.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert "runtime already provides" in out.getvalue() and "botocore" in out.getvalue()


def test_figure_verdicts() -> None:
    assert Figure("x", 1.9, 2.0, "x").verdict == PASS
    assert Figure("x", 2.1, 2.0, "x").verdict == FAIL
    assert Figure("x", None, 2.0, "x", error="skipped", skipped=True).verdict == SKIP
    assert Figure("x", None, 2.0, "x", error="crashed").verdict == ERROR


def test_main_quick_prints_the_closing_table_and_exits_zero(tmp_path: Path) -> None:
    out = io.StringIO()
    argv = ["--quick", "--records", "1200", "--skip", "cold-start", "--skip", "layer", "--cache-dir", str(tmp_path)]
    assert bench_main.main(argv, out) == 0
    table = out.getvalue().split("\nBENCHMARK", 1)[1]
    assert "replay throughput" in table and "skipped (--skip layer)" in table


def test_main_exits_nonzero_only_when_a_benchmark_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(replay_throughput, "run", crash)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    out = io.StringIO()
    argv = ["--quick", "--records", "300", "--skip", "cold-start", "--skip", "layer", "--cache-dir", str(tmp_path)]
    assert bench_main.main(argv, out) == 1
    assert "ERROR" in out.getvalue() and "disk on fire" in out.getvalue()


def test_generate_writes_exactly_the_requested_records(tmp_path: Path) -> None:
    files, raw = generate(tmp_path, 4321, seed=1)
    written = sorted(tmp_path.rglob("*.json.gz"))
    assert len(written) == files > 1
    assert len(_records(written)) == 4321 and raw > 0
