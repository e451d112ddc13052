"""The `aidr` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aidr.config import AidrConfig, load_config_file
from aidr.errors import AidrError, InputError

from . import output

EXIT_OK = 0
EXIT_USAGE = 2

REPLAY_HELP = """\
Run the real detectors over recorded events, offline, routed by the EventBridge rules of template.yaml.

PATH may be a file or a directory (recursed). Accepted, plain or .gz, detected per file and per record:
  CloudTrail log files as delivered to S3 ({"Records": [...]}), JSON arrays or JSON lines of records,
    and `aws cloudtrail lookup-events` output;
  `aws sqs receive-message` output of aidr's dead-letter queues (events, Lambda payloads, dead letters);
  EventBridge events ("AWS API Call via CloudTrail", "GuardDuty Finding");
  GuardDuty findings as the API returns them (camelCase or PascalCase);
  Bedrock model-invocation-log records (schemaType ModelInvocationLog), one per line as delivered to S3, and
    CloudWatch Logs exports of them: `aws logs filter-log-events` / `get-log-events` output, export-task
    files ("<time> <message>" lines) and subscription payloads. A record without a timestamp takes its log
    event's time, or the hour folder Bedrock delivered it to.
In exported AWSLogs trees, CloudTrail digest files and what Bedrock writes to its data/ folders (bodies, media)
are not read as logs, only counted; a body Bedrock moved to S3 is put back into its record when it is among
the files replayed.

Findings go to stdout; progress, unreadable records (file and line) and a closing summary go to stderr.
Exit status: 0 when the run completed (findings or not), 2 for unusable arguments or unreadable paths.

examples:
  aidr replay ~/cloudtrail/2026/11/
  aidr replay --config aidr.yaml --format jsonl logs/ > findings.jsonl
"""


def _config(path: str | None) -> AidrConfig:
    return load_config_file(path) if path else AidrConfig()


def _print_summary(result, out) -> None:  # type: ignore[no-untyped-def]
    from aidr.ingest import DIGEST_FILES, INVOCATION_OBJECTS

    from .replay import BODIES_NOT_FOUND, BODIES_READ

    c = result.counts
    out.write(
        f"aidr replay: {c['records']} records read, {c['routed']} routed to detectors, "
        f"{c['not routed']} not routed (no rule wants them)"
    )
    skipped = {k: v for k, v in c.items() if k in ("unreadable", "unrecognised", "detector errors") and v}
    dropped = {k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("dropped:")}
    out.write(", skipped: " + (", ".join(f"{v} {k}" for k, v in sorted(skipped.items())) or "none"))
    if dropped:
        out.write("; dropped on purpose: " + ", ".join(f"{v} {k}" for k, v in sorted(dropped.items())))
    # Files of an exported tree that are not logs, and invocation bodies Bedrock moved to S3: never errors.
    not_logs = [(c[k], k) for k in (DIGEST_FILES, INVOCATION_OBJECTS) if c[k]]
    if not_logs:
        out.write("; not log files: " + ", ".join(f"{v} {k}" for v, k in not_logs))
    bodies = [(c[k], k) for k in (BODIES_READ, BODIES_NOT_FOUND) if c[k]]
    if bodies:
        out.write("; " + ", ".join(f"{v} {k}" for v, k in bodies))
    out.write(f"\naidr replay: {len(result.findings)} findings")
    if result.by_category:
        out.write(" (" + ", ".join(f"{k}: {v}" for k, v in sorted(result.by_category.items())) + ")")
    out.write("\n")


def replay_paths(args: argparse.Namespace, state=None):  # type: ignore[no-untyped-def]
    """Read ``args.paths`` and replay them (``aidr replay``, with or without ``--respond``).

    Returns (config, result), with the folders and entries that could not be read counted among the unreadable
    records and the first of those reported on stderr; None when an argument is unusable (said on stderr).
    """
    from aidr.ingest import iter_paths

    from .replay import replay

    unreadable: list[InputError] = []
    try:
        config = _config(args.config)
        files = list(iter_paths(args.paths, unreadable))
        params = {"MaturityPhase": args.phase} if args.phase else {}
        result = replay(files, config, template=args.template, parameters=params, progress=args.progress,
                        state=state)
    except (AidrError, InputError) as e:
        sys.stderr.write(f"aidr replay: {e}\n")
        return None
    result.errors[:0] = [str(e) for e in unreadable]
    result.counts["unreadable"] += len(unreadable)
    for err in result.errors[:50]:
        sys.stderr.write(f"aidr replay: skipped {err}\n")
    if len(result.errors) > 50:
        sys.stderr.write(f"aidr replay: ... and {len(result.errors) - 50} more unreadable records\n")
    return config, result


def cmd_replay(args: argparse.Namespace) -> int:
    from .respond import respond_options_misused

    misused = respond_options_misused(args)
    if misused:
        sys.stderr.write(f"aidr replay: {misused}\n")
        return EXIT_USAGE
    if args.respond:
        from .respond import cmd_replay_respond

        return cmd_replay_respond(args)
    replayed = replay_paths(args)
    if replayed is None:
        return EXIT_USAGE
    _, result = replayed
    if args.format == "jsonl":
        output.write_jsonl(result.findings, sys.stdout)
    elif args.format == "json":
        output.write_json(result.findings, sys.stdout)
    else:
        output.write_table(result.findings, sys.stdout)
    _print_summary(result, sys.stderr)
    return EXIT_OK


def cmd_detectors(args: argparse.Namespace) -> int:
    from aidr.detectors.registry import detectors_for

    for d in detectors_for():
        m = d.meta
        sys.stdout.write(f"{m.id:<45} {m.category:<22} {m.severity:<9} {m.phase:<12} {m.function}\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="aidr",
        description="AI Detection & Response for AWS: detections and containment for Bedrock, agents and SageMaker.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("replay", help="run the detectors over recorded logs, offline",
                       description=REPLAY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("paths", nargs="+", metavar="PATH", help="files or directories of recorded events")
    r.add_argument("--config", metavar="FILE", help="aidr configuration (YAML, keys of contracts.md section 4)")
    r.add_argument("--format", choices=("jsonl", "table", "json"), default="table",
                   help="jsonl: one finding per line; json: one document; table: for people (default)")
    r.add_argument("--respond", action="store_true", help="also run the containment playbooks (embedded runtime)")
    r.add_argument("--template", metavar="FILE",
                   help="template.yaml whose rules route events (default: this checkout's)")
    r.add_argument("--phase", choices=("foundational", "enhanced", "advanced"),
                   help="MaturityPhase to evaluate the template's conditions with (default: its default)")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    from .respond import add_options as add_respond_options

    add_respond_options(r)
    r.set_defaults(func=cmd_replay)

    from .demo import register as register_demo

    register_demo(sub)

    from .assess_cmd import register as register_assess

    register_assess(sub)

    ls = sub.add_parser("detectors", help="list the registered detectors",
                        description="List the registered detectors, one a line: id, category, default severity, "
                        "maturity phase and the Lambda function that runs it.")
    ls.set_defaults(func=cmd_detectors)

    from .approvals_cmd import register as register_approvals  # issue 5: approvals, audit

    register_approvals(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        return EXIT_OK
    except AidrError as e:
        sys.stderr.write(f"aidr: {e}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
