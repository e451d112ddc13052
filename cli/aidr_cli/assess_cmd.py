"""``aidr assess``: baseline the account against the AWS AI Security Framework and write the roadmap."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

ASSESS_HELP = """\
Assess the account of the default credential chain against the AWS AI Security Framework: every check
(Bedrock logging and guardrails, CloudTrail, IAM and Bedrock API keys, SageMaker, S3 AI data, KMS, VPC endpoints,
GuardDuty and Security Hub, budgets, aidr's own deployment) in every enabled region, or in --regions.

Each result is PASS, FAIL, NOT_APPLICABLE (no such resource, feature not used) or COULD_NOT_ASSESS (access denied,
API or region not available: grant docs/assess-policy.json). The report gives the phase reached per layer
(foundational / enhanced / advanced), a layer x phase heat map and a roadmap of failed checks, the next phase's
first, by risk (severity x exposure).

Formats: json (contracts.md section 8), md, html (one self-contained page), ocsf (Compliance Finding, class 2003,
one per result), asff (a {"Findings": [...]} batch for securityhub BatchImportFindings).
Exit status: 0 when the assessment ran (whatever it found), 2 for unusable arguments or no credentials.

examples:
  aidr assess --demo --format html --output demo.html
  aidr assess --regions us-east-1,eu-west-1 --format md
"""


# AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1, ...
REGION_NAME = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


def _unwritable(path: str) -> str | None:
    """Why the report cannot be written to ``path`` (checked before an assessment that may take minutes)."""
    p = Path(path)
    if p.is_dir():
        return "is a directory"
    parent = p.parent
    if not parent.is_dir():
        return f"no such directory {parent}"
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        return "permission denied"
    return None


def register(sub: Any) -> None:
    """Add the ``assess`` subcommand to the CLI's subparsers."""
    from aidr.assess.render import FORMATS

    a = sub.add_parser("assess", help="baseline the account against the AI Security Framework and plan next steps",
                       description=ASSESS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--regions", metavar="R1,R2", help="comma-separated regions (default: every enabled region)")
    a.add_argument("--demo", action="store_true",
                   help="assess an emulated account with known gaps (moto; no AWS account needed)")
    a.add_argument("--format", choices=FORMATS, default="md", help="report format (default: md)")
    a.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    a.add_argument("--config", metavar="FILE", help="aidr configuration (protected_data_buckets mark AI data)")
    a.add_argument("--lookback", type=int, default=200, metavar="N",
                   help="most recent training / customization jobs to read per region (default: 200)")
    a.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    a.set_defaults(func=cmd_assess)


def cmd_assess(args: argparse.Namespace) -> int:
    from aidr.assess import assess
    from aidr.assess.render import render
    from botocore.exceptions import BotoCoreError, ClientError

    from .progress import Progress

    regions = [r.strip() for r in (args.regions or "").split(",") if r.strip()] or None
    bad = [r for r in regions or [] if not REGION_NAME.fullmatch(r)]
    if bad:
        sys.stderr.write(f"aidr assess: --regions: not a region name: {', '.join(map(repr, bad))} "
                         "(give names like us-east-1,eu-west-1, comma-separated)\n")
        return 2
    if args.output and (problem := _unwritable(args.output)):
        sys.stderr.write(f"aidr assess: --output {args.output}: {problem}\n")
        return 2
    bar: Progress | None = None

    def progress(check_id: str, region: str, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(total, "aidr assess", enabled=args.progress)
        bar.advance(note=f"{check_id} {region}")

    try:
        if args.demo:
            from .assess_demo import run_demo_assessment

            result = run_demo_assessment(regions, progress=progress)
        else:
            from aidr.config import load_config_file

            config = load_config_file(args.config) if args.config else None
            result = assess(regions=regions, config=config, lookback=args.lookback, progress=progress)
    except (BotoCoreError, ClientError) as e:
        sys.stderr.write(f"aidr assess: cannot start: {e}\n")
        return 2
    finally:
        if bar is not None:
            bar.close()
    text = render(result, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            sys.stderr.write(f"aidr assess: --output {args.output}: cannot write: {e.strerror}\n")
            return 2
    else:
        sys.stdout.write(text)
    c = result.counts()
    sys.stderr.write(f"aidr assess: {len(result.entries)} results: {c['PASS']} pass, {c['FAIL']} fail, "
                     f"{c['NOT_APPLICABLE']} not applicable, {c['COULD_NOT_ASSESS']} could not assess; phase reached "
                     + ", ".join(f"{k} {v}" for k, v in result.phase_reached.items()) + "\n")
    return 0
