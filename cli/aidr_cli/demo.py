"""`aidr demo`: replay a bundled attack scenario through the real detectors and show the findings."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from aidr.config import AidrConfig

from . import output
from .replay import replay

SCENARIOS = {"llmjacking": "llmjacking.jsonl"}
DEMO_CONFIG = AidrConfig(
    approved_models=["anthropic.claude-3-5-sonnet", "anthropic.claude-3-haiku", "amazon.nova"],
    protected_principals=["arn:aws:iam::*:role/aidr-*"],
)


def scenario_files(name: str) -> list[Path]:
    names = list(SCENARIOS) if name == "all" else [name]
    base = resources.files("aidr_cli") / "scenarios"
    return [Path(str(base / SCENARIOS[n])) for n in names]


def run_demo(args: argparse.Namespace) -> int:
    files = scenario_files(args.scenario)
    sys.stderr.write(f"aidr demo: replaying {', '.join(f.name for f in files)} through the detectors\n")
    result = replay(files, DEMO_CONFIG, progress=False)
    if args.json:
        output.write_json(result.findings, sys.stdout, {"executions": [], "rollback": None})
    else:
        output.write_table(result.findings, sys.stdout)
    return 0
