"""Smoke test of the invocation-log benchmark on a tiny corpus (no timing asserted), so it cannot rot."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import orjson

from benchmarks import invocation
from benchmarks.report import Figure


def _values(path: Path) -> list[object]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def test_corpus_is_seeded_realistic_and_cached(tmp_path: Path) -> None:
    a = invocation.ensure_corpus(tmp_path / "a", 600, seed=3)
    b = invocation.ensure_corpus(tmp_path / "b", 600, seed=3)
    assert a.read_bytes() == b.read_bytes()
    assert invocation.ensure_corpus(tmp_path / "a", 600, seed=3).stat().st_mtime_ns == a.stat().st_mtime_ns
    values = _values(a)
    assert len(values) == 600
    sizes = [len(line) for line in a.read_bytes().splitlines()]
    assert min(sizes) >= 1024 and max(sizes) <= 8192 and 2500 < sum(sizes) / len(sizes) < 6500
    records = [v[0] if isinstance(v, list) else v for v in values]
    ops = Counter(r["operation"] for r in records)
    assert {"Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream"} <= set(ops)
    assert any(isinstance(v, list) and "timestamp" not in v[0] for v in values)  # bare arrays, no timestamp
    assert any("errorCode" in r for r in records)


def test_corpus_differs_by_seed(tmp_path: Path) -> None:
    assert invocation.ensure_corpus(tmp_path, 50, 1).read_bytes() != invocation.ensure_corpus(tmp_path, 50, 2) \
        .read_bytes()


def test_detection_reads_every_record_and_finds_planted_attacks(tmp_path: Path) -> None:
    data = invocation.ensure_corpus(tmp_path, 300, seed=7).read_bytes()
    attack = orjson.dumps(invocation.pathological_prompt(20_000))  # a prompt full of attack-shaped strings
    assert invocation.parse_only(data) == 300
    result = invocation.detect(data + attack + b"\n")
    assert result.records == 301
    assert result.by_detector and result.by_detector.get("invocation.prompt_injection", 0) >= 1


def test_run_prints_the_ratio_and_the_linearity_figure(tmp_path: Path) -> None:
    out = io.StringIO()
    figures = invocation.run(tmp_path, 200, seed=7, repeats=1, out=out)
    assert [f.name for f in figures] == ["invocation detection", "invocation scan linearity"]
    assert all(isinstance(f, Figure) and f.value is not None and f.value > 0 for f in figures)
    text = out.getvalue()
    assert "ratio" in text and "1 MB pathological prompt" in text and "1 process" in text and "floor" in text
    assert "floor " in figures[0].note


def test_floor_reads_every_record_s_body_text(tmp_path: Path) -> None:
    """The floor counts records whose body text holds a gate literal: a planted one is found, in either body."""
    clean = {"schemaType": "ModelInvocationLog", "input": {"inputBodyJson": {"messages": [{"content": "hi"}]}},
             "output": {"outputBodyJson": {"output": {"message": {"content": [{"text": "hello"}]}}}}}
    planted_in = orjson.loads(orjson.dumps(clean))
    planted_in["input"]["inputBodyJson"]["messages"][0]["content"] = "IGNORE all that"
    planted_out = orjson.loads(orjson.dumps(clean))
    planted_out["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = "key AKIA..."
    lines = [orjson.dumps(v) for v in (clean, planted_in, planted_out, [clean, planted_in])]
    assert invocation.floor(b"\n".join(lines) + b"\n") == 3


def test_corpus_time_runs_on_across_slices(tmp_path: Path) -> None:
    """Written in slices of 5,000; the clock must not restart with each (usage baselines would see bursts)."""
    values = _values(invocation.ensure_corpus(tmp_path, 6000, seed=3))
    times = [v["timestamp"] for v in values if isinstance(v, dict)]
    assert times == sorted(times) and times[0][:13] != times[-1][:13]
