"""`aidr replay --respond`: after the replay, run the findings' playbooks on an emulated account, then roll back.

The emulated account (moto, in process; see :mod:`aidr_cli.response_account`) is seeded with what the findings
name (their principal with its access key, buckets, SageMaker endpoints, and the invocation-logging configuration
the detectors last saw), then each finding that a playbook rule maps starts its state machine (the real ASL under
moto's Step Functions interpreter, the real step and approval handlers in process). Approvals are decided by
``--approve``: ``auto`` approves as an on-call engineer from the config's ``approvers``, ``reject`` rejects. Once
every execution ended, each finding's containment is rolled back with the ``rollback`` playbook, and the seeded
resources are compared with their state before the response: ``rollback.verified`` is true only when both the
rollbacks verified and every resource is back exactly as it was.

Output: per execution its steps, approvals and actions (applied / verified / undone); with ``--format json``, the
document of contracts.md section 6.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from aidr.config import AidrConfig
from aidr.findings.model import SEVERITY_ORDER, Finding
from aidr.state import MemoryState

from .embedded.stepfunctions import steps
from .response_account import ResponseAccount, Run

EXIT_OK, EXIT_USAGE = 0, 2
LOGGING_KEY_PREFIX = "bedrock-logging:"


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options ``aidr replay`` takes for ``--respond``."""
    # No argparse defaults: an option given without --respond is refused (see respond_options_misused).
    parser.add_argument("--approve", choices=("auto", "reject"),
                        help="with --respond: how the emulated on-call engineer decides approvals (default: auto)")
    parser.add_argument("--mode", choices=("notify", "approve", "auto"),
                        help="with --respond: the response mode of the emulated stack (default: approve)")


def respond_options_misused(args: argparse.Namespace) -> str | None:
    """Why the respond options cannot apply (given without --respond), else None; fills in their defaults."""
    given = [f"--{name}" for name in ("approve", "mode") if getattr(args, name) is not None]
    if given and not args.respond:
        verb = "applies" if len(given) == 1 else "apply"
        return f"{' and '.join(given)} {verb} only with --respond (how the emulated stack responds)"
    args.approve = args.approve or "auto"
    args.mode = args.mode or "approve"
    return None


def cmd_replay_respond(args: argparse.Namespace) -> int:
    """``aidr replay --respond``: replay, respond on an emulated account, print the runs."""
    from . import output
    from .main import replay_paths

    state = MemoryState()  # restore-logging needs the invocation-logging configuration the detectors last saw
    replayed = replay_paths(args, state)
    if replayed is None:
        return EXIT_USAGE
    config, result = replayed
    sys.stderr.write(f"aidr replay: {len(result.findings)} findings; responding on an emulated account "
                     f"(mode {args.mode}, approvals: {args.approve})\n")
    # stdout carries only the findings and the runs: whatever the emulated services print goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        doc = respond(result.findings, config, state, approve=args.approve, mode=args.mode)
    if args.format == "json":
        output.write_json(result.findings, sys.stdout, {"executions": doc["executions"], "rollback": doc["rollback"]})
    else:
        if args.format == "table":
            output.write_table(result.findings, sys.stdout)
            sys.stdout.write("\n")
        else:
            output.write_jsonl(result.findings, sys.stdout)
        write_runs(doc, sys.stdout if args.format == "table" else sys.stderr)
    return EXIT_OK


def respond(findings: list[Finding], config: AidrConfig, replay_state: MemoryState | None = None, *,
            approve: str = "auto", mode: str = "approve") -> dict[str, Any]:
    """Run the findings' playbooks on a fresh emulated account, then roll everything back.

    Returns
    -------
    dict
        ``{"executions": [...], "rollback": {"verified": bool, ...}}`` (contracts.md section 6, less findings).
    """
    import warnings

    from moto import mock_aws

    from .embedded.runtime import quiet_interpreter
    from .embedded.stepfunctions import MOTO_CONFIG

    # The in-process handlers flush Powertools metrics (disabled here), which warns on every invocation.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    docs = [f.to_json_dict() for f in sorted(findings, key=lambda f: (-SEVERITY_ORDER[f.severity], f.first_seen))]
    account = Counter(d["account"] for d in docs if d.get("account")).most_common(1)
    with _account_id(account[0][0] if account else None), mock_aws(config=MOTO_CONFIG), quiet_interpreter(), \
            ResponseAccount(config, mode=mode) as acct:
        seeded = Seeded(acct)
        for d in docs:
            if acct.playbook_for(d):
                seeded.seed(d, replay_state)
        before = seeded.fingerprint()
        runs = []
        for d in docs:
            run = acct.start(d)
            if run is not None and run.execution.started:
                _drive(acct, run, approve)
                runs.append(run)
        executions = [execution_doc(acct, r) for r in runs]
        rollbacks = []
        undone: set[tuple[str, str]] = set()
        # Newest first; a target several findings contained is put back by the first rollback that reaches it.
        for run, ex in reversed(list(zip(runs, executions, strict=True))):
            if any(a["applied"] for a in ex["actions"]):
                back = acct.rollback(run.finding_id)
                rollbacks.append((back, acct.wait(back)))
                undone |= {(a["action"], _label(a["target"])) for a in _run_doc(acct, back).get("actions") or []
                           if a.get("undone")}
        for ex in executions:
            for a in ex["actions"]:
                a["undone"] = a["applied"] and (a["action"], a["target"]) in undone
        after = seeded.fingerprint()
    rollback = {
        # Verified: every rollback succeeded (each checks its own undo) and the seeded resources are exactly as
        # before the response; with nothing applied (all rejected, say) there is nothing to verify: false.
        "verified": bool(rollbacks) and all(d["status"] == "SUCCEEDED" for _, d in rollbacks) and before == after,
        "executions": [{"finding_id": r.finding_id, "status": d["status"]} for r, d in reversed(rollbacks)],
        "state_restored": before == after,
    }
    return {"executions": executions, "rollback": rollback}


@contextmanager
def _account_id(account: str | None) -> Iterator[None]:
    """Emulate the findings' account (moto reads MOTO_ACCOUNT_ID): guards refuse targets outside it."""
    saved = os.environ.get("MOTO_ACCOUNT_ID")
    if account:
        os.environ["MOTO_ACCOUNT_ID"] = account
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MOTO_ACCOUNT_ID", None)
        else:
            os.environ["MOTO_ACCOUNT_ID"] = saved


def _drive(acct: ResponseAccount, run: Run, approve: str) -> None:
    """Answer each approval the run asks for, until it ends."""
    while True:
        approval = acct.wait_for_approval(run, timeout=120)
        if approval is None:
            return
        acct.decide(approval, "approved" if approve == "auto" else "rejected",
                    reason="aidr replay --respond: emulated on-call decision")
        # Wait for the decision to be taken before looking for the next wait.
        while acct.waiting(run) and acct.harness.status(run.arn)["status"] == "RUNNING":
            time.sleep(0.05)


def _run_doc(acct: ResponseAccount, run: Run) -> dict[str, Any]:
    """The run document the execution ended with (its output, or the last step's result when it failed)."""
    d = acct.harness.status(run.arn)
    if d.get("output"):
        return dict(json.loads(d["output"]))
    last: dict[str, Any] = {}
    for ev in acct.harness.history(run.arn):
        out = (ev.get("taskSucceededEventDetails") or {}).get("output")
        payload = (json.loads(out) if out else {}).get("Payload")
        if isinstance(payload, dict) and "playbook" in payload:
            last = payload
    return last


def execution_doc(acct: ResponseAccount, run: Run) -> dict[str, Any]:
    """One execution as contracts.md section 6 describes it (plus ``outcome`` and ``error``)."""
    d = acct.wait(run)
    doc = _run_doc(acct, run)
    return {
        "playbook": run.playbook, "finding_id": run.finding_id, "status": d["status"],
        "outcome": doc.get("outcome"), "error": d.get("error"),
        "steps": steps(acct.harness.history(run.arn)),
        "approvals": [{"id": a.get("id"), "decision": a.get("decision"), "by": a.get("by")}
                      for a in doc.get("approvals") or []],
        "actions": [{"action": a["action"], "target": _label(a["target"]), "applied": a["applied"],
                     "verified": a["verified"], "undone": a["undone"]} for a in doc.get("actions") or []],
    }


def _label(target: dict[str, Any]) -> str:
    from aidr.actions import Target

    return Target.model_validate(target).label


# -- seeding the emulated account ----------------------------------------------------------------------------------
class Seeded:
    """What the findings name, created in the emulated account, and a fingerprint of its state."""

    def __init__(self, acct: ResponseAccount) -> None:
        self.acct = acct
        self.users: set[str] = set()
        self.roles: set[str] = set()
        self.buckets: set[str] = set()
        self.endpoints: set[str] = set()
        self.logging = False

    def client(self, service: str) -> Any:
        return self.acct.harness.client(service)

    def seed(self, finding: dict[str, Any], replay_state: MemoryState | None) -> None:
        principal = finding.get("principal") or {}
        arn = str(principal.get("arn") or "")
        if ":user/" in arn:
            self._user(arn.rsplit("/", 1)[-1], principal.get("access_key_id"))
        elif ":role/" in arn or ":assumed-role/" in arn:
            self._role(arn.split("/")[1])
        for r in finding.get("resources") or []:
            if r.get("type") == "AWS::S3::Bucket":
                self._bucket(str(r["id"]).rsplit(":", 1)[-1])
            elif r.get("type") == "AWS::SageMaker::Endpoint":
                self._endpoint(str(r["id"]).rsplit("/", 1)[-1])
        if finding.get("category") == "logging-tampering" and replay_state is not None:
            self._logging_state(finding, replay_state)

    def _user(self, name: str, key_id: str | None) -> None:
        if name in self.users:
            return
        iam = self.client("iam")
        iam.create_user(UserName=name)
        created = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
        if isinstance(key_id, str) and key_id.startswith("AKIA"):
            _rename_access_key(created, key_id)
        iam.create_login_profile(UserName=name, Password="Emulated-Passw0rd!")  # an emulated account
        self.users.add(name)

    def _role(self, name: str) -> None:
        if name not in self.roles:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                             "Principal": {"Service": "ec2.amazonaws.com"}}]}
            self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
            self.roles.add(name)

    def _bucket(self, name: str) -> None:
        if name in self.buckets:
            return
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        # As the finding describes it: opened to everyone.
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*"}]}))
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data-classification", "Value": "training"}]})
        self.buckets.add(name)

    def _endpoint(self, name: str) -> None:
        if name in self.endpoints:
            return
        sm, iam = self.client("sagemaker"), self.client("iam")
        role = iam.create_role(RoleName=f"{name}-execution", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=role,
                        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/emulated:1"})
        sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[{
            "VariantName": "main", "ModelName": f"{name}-model", "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large"}])
        sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
        self.endpoints.add(name)

    def _logging_state(self, finding: dict[str, Any], replay_state: MemoryState) -> None:
        """Copy the detectors' last known logging configuration of the finding's account/region into the
        emulated state table (where the playbook reads it), and create its destination bucket."""
        from aidr.state.dynamodb import DynamoDBState

        key = f"{LOGGING_KEY_PREFIX}{finding.get('account')}:{finding.get('region')}"
        value, _ = replay_state.get(key)
        if value is None:
            return
        DynamoDBState(self.acct.env["AIDR_STATE_TABLE"], self.client("dynamodb")).put(key, value, 0)
        bucket = ((value.get("value") or {}).get("s3Config") or {}).get("bucketName")
        if bucket and bucket not in self.buckets:
            self.client("s3").create_bucket(Bucket=bucket)
        self.logging = True

    def fingerprint(self) -> dict[str, Any]:
        """Everything a playbook may change on the seeded resources."""
        iam, s3, sm = self.client("iam"), self.client("s3"), self.client("sagemaker")
        out: dict[str, Any] = {}
        for u in sorted(self.users):
            out[f"user/{u}"] = {
                "policies": {p: iam.get_user_policy(UserName=u, PolicyName=p)["PolicyDocument"]
                             for p in iam.list_user_policies(UserName=u)["PolicyNames"]},
                "keys": sorted((k["AccessKeyId"], k["Status"])
                               for k in iam.list_access_keys(UserName=u)["AccessKeyMetadata"])}
        for r in sorted(self.roles):
            out[f"role/{r}"] = {p: iam.get_role_policy(RoleName=r, PolicyName=p)["PolicyDocument"]
                                for p in iam.list_role_policies(RoleName=r)["PolicyNames"]}
        for b in sorted(self.buckets):
            out[f"bucket/{b}"] = _bucket_state(s3, b)
        for e in sorted(self.endpoints):
            found = [x for x in sm.list_endpoints()["Endpoints"] if x["EndpointName"] == e]
            out[f"endpoint/{e}"] = found[0]["EndpointStatus"] if found else None
        if self.logging:
            out["logging"] = self.client("bedrock").get_model_invocation_logging_configuration().get("loggingConfig")
        return out


def _bucket_state(s3: Any, bucket: str) -> dict[str, Any]:
    def read(call: Any, key: str) -> Any:
        try:
            return call(Bucket=bucket)[key]
        except s3.exceptions.ClientError:
            return None

    return {"policy": json.loads(read(s3.get_bucket_policy, "Policy") or "null"),
            "public_access_block": read(s3.get_public_access_block, "PublicAccessBlockConfiguration"),
            "tags": read(s3.get_bucket_tagging, "TagSet")}


def _rename_access_key(created: str, wanted: str) -> None:
    """Give the seeded key the id the finding names (moto cannot create a key with a chosen id: its model is
    changed directly; emulated account only)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    backend = iam_backends[os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)]["global"]
    key = backend.access_keys.pop(created)
    key.access_key_id = wanted
    backend.access_keys[wanted] = key


# -- printing ------------------------------------------------------------------------------------------------------
def write_runs(doc: dict[str, Any], out: TextIO) -> None:
    """The executions for people: steps, approvals, actions; then the rollback."""
    executions = doc["executions"]
    out.write(f"Response: {len(executions)} playbook execution(s) on an emulated account\n")
    for ex in executions:
        out.write(f"\n{ex['playbook']}  finding {ex['finding_id'][:12]}  {ex['status']}"
                  f"{'  (' + ex['outcome'] + ')' if ex.get('outcome') else ''}"
                  f"{'  error ' + ex['error'] if ex.get('error') else ''}\n")
        out.write("  steps:     " + " > ".join(s["name"] + ("" if s["status"] == "succeeded" else f" [{s['status']}]")
                                             for s in ex["steps"]) + "\n")
        for a in ex["approvals"] or [{"id": "-", "decision": "none asked", "by": None}]:
            out.write(f"  approval:  {a['id']}  {a['decision']}{'  by ' + a['by'] if a.get('by') else ''}\n")
        for a in ex["actions"]:
            flags = " ".join(f"{k}={'yes' if a[k] else 'no'}" for k in ("applied", "verified", "undone"))
            out.write(f"  action:    {a['action']:<28} {a['target']}  {flags}\n")
    rb = doc["rollback"]
    out.write(f"\nRollback: {len(rb['executions'])} execution(s), "
              f"{sum(1 for r in rb['executions'] if r['status'] == 'SUCCEEDED')} succeeded; prior state restored: "
              f"{'yes' if rb['state_restored'] else 'NO'}; verified: {'yes' if rb['verified'] else 'NO'}\n")
