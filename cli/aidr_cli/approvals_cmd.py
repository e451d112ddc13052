"""`aidr approvals list | show ID | approve ID --reason ... | reject ID --reason ...` and `aidr audit verify`.

Against AWS with the default credential chain. Table names and the config come from flags, or from the stack's
outputs (``--stack``: ApprovalsTableName, LedgerTableName, ConfigParameterName). A decision goes through the same
:func:`aidr.approvals.decide` as the API: the caller is who STS GetCallerIdentity says it is, it must match the
config's ``approvers`` and must not be the principal under containment.

Exit status: 0 done; 1 refused (not an approver, already resolved, ...) or a broken ledger; 2 unusable arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from aidr.approvals import ApprovalError, ApprovalStore, decide
from aidr.config import AidrConfig, load_config_file, load_config_from_ssm
from aidr.errors import AidrError, ConfigError
from aidr.ledger import Ledger

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _client(service: str, args: argparse.Namespace) -> Any:
    import boto3

    return boto3.session.Session(profile_name=args.profile, region_name=args.region).client(service)


def _stack_outputs(args: argparse.Namespace) -> dict[str, str]:
    if not args.stack:
        return {}
    stacks = _client("cloudformation", args).describe_stacks(StackName=args.stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _resolve(args: argparse.Namespace, flag: str, output: str) -> str:
    value = getattr(args, flag, None) or _stack_outputs(args).get(output)
    if not value:
        raise ConfigError(f"give --{flag.replace('_', '-')} or --stack (a stack with output {output})")
    return str(value)


def _config(args: argparse.Namespace) -> AidrConfig:
    if args.config:
        return load_config_file(args.config)
    return load_config_from_ssm(_resolve(args, "config_parameter", "ConfigParameterName"), _client("ssm", args))


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if epoch else "-"


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    return "\n".join(lines) + "\n"


def cmd_list(args: argparse.Namespace) -> int:
    store = ApprovalStore(_resolve(args, "table", "ApprovalsTableName"), _client("dynamodb", args))
    approvals = store.list(None if args.status == "all" else args.status)
    if args.json:
        sys.stdout.write(json.dumps([a.public() for a in approvals], indent=2, default=str) + "\n")
        return EXIT_OK
    rows = [[a.id, a.status + (" (escalated)" if a.escalated and a.status == "pending" else ""), a.playbook,
             str(a.finding.get("severity", "")), str(a.finding.get("title", ""))[:60], a.requested_at,
             _when(a.expires_at) if a.status == "pending" else (a.decided_by or "-")] for a in approvals]
    sys.stdout.write(_table(rows, ["ID", "STATUS", "PLAYBOOK", "SEVERITY", "FINDING", "REQUESTED", "EXPIRES/BY"]))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    store = ApprovalStore(_resolve(args, "table", "ApprovalsTableName"), _client("dynamodb", args))
    a = store.get(args.id)
    if a is None:
        sys.stderr.write(f"aidr approvals: no approval {args.id}\n")
        return EXIT_REFUSED
    if args.json:
        sys.stdout.write(json.dumps(a.public(), indent=2, default=str) + "\n")
        return EXIT_OK
    f = a.finding
    out = sys.stdout
    out.write(f"approval   {a.id}   {a.status}{' (escalated)' if a.escalated else ''}\n")
    out.write(f"playbook   {a.playbook}\nexecution  {a.execution_arn}\n")
    out.write(f"finding    {f.get('title')} [{f.get('severity')}, {f.get('category')}] {a.finding_id}\n")
    out.write(f"principal  {a.subject or '-'}\naccount    {f.get('account')} / {f.get('region')}\n")
    out.write(f"requested  {a.requested_at}   expires {_when(a.expires_at)}\n")
    if a.decided_by:
        out.write(f"decided    {a.status} by {a.decided_by} at {a.decided_at}: {a.reason}\n")
    out.write("plan:\n")
    for i, step in enumerate(a.plan, 1):
        flag = "  [destructive]" if step.get("destructive") else ""
        out.write(f"  {i}. {step.get('action')} on {step.get('target')}{flag}\n     {step.get('changes', '')}\n")
    out.write("evidence:\n" + json.dumps(f.get("evidence") or {}, indent=2, sort_keys=True, default=str) + "\n")
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    store = ApprovalStore(_resolve(args, "table", "ApprovalsTableName"), _client("dynamodb", args))
    ledger_table = args.ledger_table or _stack_outputs(args).get("LedgerTableName")
    ledger = Ledger(ledger_table, _client("dynamodb", args)) if ledger_table else None
    caller = _client("sts", args).get_caller_identity()["Arn"]
    try:
        doc = decide(store, args.id, caller, args.decision, args.reason, _config(args),
                     sfn_client=_client("stepfunctions", args), ledger=ledger, via="cli")
    except ApprovalError as e:
        sys.stderr.write(f"aidr approvals: {e}\n")
        return EXIT_REFUSED
    sys.stdout.write(f"{doc['approval_id']} {doc['decision']} by {doc['by']} at {doc['at']}: {doc['reason']}\n")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    ledger = Ledger(_resolve(args, "table", "LedgerTableName"), _client("dynamodb", args))
    records = list(ledger.records())
    from aidr.ledger import verify_records

    ok, problems = verify_records(records)
    for p in problems:
        sys.stdout.write(f"PROBLEM {p}\n")
    head = records[-1] if records else None
    summary = f"{len(records)} records" + (f", head seq {head['seq']} hash {head['hash']}" if head else "")
    sys.stdout.write(f"ledger {'OK' if ok else 'BROKEN'}: {summary}\n")
    return EXIT_OK if ok else EXIT_REFUSED


def _common(p: argparse.ArgumentParser, table_help: str) -> None:
    p.add_argument("--stack", help="read table names and the config parameter from this stack's outputs")
    p.add_argument("--table", help=table_help)
    p.add_argument("--profile", help="AWS profile (default: the default credential chain)")
    p.add_argument("--region", help="AWS region (default: the credential chain's)")


def _run(func: Any) -> Any:
    def wrapped(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return int(func(args))
        except AidrError as e:
            sys.stderr.write(f"aidr: {e}\n")
            return EXIT_USAGE
        except (BotoCoreError, ClientError) as e:  # no credentials or region, stack or table not found, denied
            sys.stderr.write(f"aidr: AWS call failed: {e}\n"
                             "aidr: check your AWS credentials and region (aws configure, AWS_PROFILE, or --profile "
                             "and --region) and the --stack / --table names\n")
            return EXIT_USAGE
    return wrapped


def register(sub: Any) -> None:
    """Add the ``approvals`` and ``audit`` commands to the top-level subparsers."""
    ap = sub.add_parser("approvals", help="list, show and decide playbook approvals (AWS, default credentials)",
                        description="Playbook approvals of a deployed aidr stack (MaturityPhase advanced): list the "
                        "pending ones, show one with its finding and exact plan, approve or reject it as the caller "
                        "STS names. Uses your default AWS credentials (or --profile); tables come from --stack's "
                        "outputs or from flags.")
    asub = ap.add_subparsers(dest="approvals_command", required=True, metavar="ACTION")
    ls = asub.add_parser("list", help="approvals, newest first",
                         description="List the stack's approvals, newest first (pending only unless --status).")
    _common(ls, "approvals table name")
    ls.add_argument("--status", default="pending", choices=("pending", "approved", "rejected", "expired", "all"))
    ls.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    ls.set_defaults(func=_run(cmd_list))
    show = asub.add_parser("show", help="one approval: finding, evidence and the exact plan",
                           description="Show one approval: its finding, the evidence and the exact plan (what each "
                           "step would change), and its decision if any.")
    show.add_argument("id")
    _common(show, "approvals table name")
    show.add_argument("--json", action="store_true", help="one JSON document instead of text")
    show.set_defaults(func=_run(cmd_show))
    for verb in ("approve", "reject"):
        d = asub.add_parser(verb, help=f"{verb} an approval (as the caller STS names; recorded in the ledger)",
                            description=f"{verb.capitalize()} an approval as the caller STS GetCallerIdentity names, "
                            "who must match the config's approvers and must not be the principal under containment; "
                            "the decision (who, when, why) is recorded in the audit ledger and handed to the waiting "
                            "playbook. Exit 1 when refused.")
        d.add_argument("id")
        d.add_argument("--reason", required=True, help="why (recorded with who and when)")
        _common(d, "approvals table name")
        d.add_argument("--ledger-table", help="audit ledger table name (default: the stack's output)")
        d.add_argument("--config", metavar="FILE", help="aidr config YAML with the approvers (default: from SSM)")
        d.add_argument("--config-parameter", help="SSM parameter of the config (default: the stack's output)")
        d.set_defaults(func=_run(cmd_decide), decision=verb)

    au = sub.add_parser("audit", help="the audit ledger",
                        description="The audit ledger of a deployed aidr stack (append-only, hash-chained).")
    ausub = au.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = ausub.add_parser("verify", help="check the ledger's hash chain; exit 1 when it is broken",
                         description="Check the ledger's hash chain: reports modified, removed or reordered records "
                         "and prints the head (seq and hash) to keep elsewhere. Exit 1 when the chain is broken.")
    _common(v, "ledger table name")
    v.set_defaults(func=_run(cmd_audit_verify))
