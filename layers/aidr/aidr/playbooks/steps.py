"""The steps of every playbook, one Lambda invocation each: guard -> snapshot -> decide -> contain -> verify ->
record -> notify (and ``fail`` on any error); the rollback playbook runs load -> undo -> verify_undo -> record ->
notify. The approval between decide and contain is a ``.waitForTaskToken`` task of the state machine itself.

Each step takes the run document (:class:`~aidr.playbooks.run.Run`) and returns it updated. Steps are safe to
repeat (Step Functions retries them): snapshots keep the first one stored, apply and undo re-read state and change
only what is left, and the execution name makes a re-delivered finding a no-op.

Error names matter: the state machines catch ``GuardRefused`` (the run is refused, recorded and notified, nothing
is touched), retry ``ActionFailed`` and ``VerifyFailed`` with backoff (a change still in progress, eventual
consistency) and send anything else to ``fail``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..actions import Snapshot, Target, get_action, ordered
from ..actions.base import Action, ClientFactory
from ..config import AidrConfig
from ..errors import ActionFailed, GuardRefused, VerifyFailed
from ..findings.model import Finding
from ..guards import check_target
from ..state.base import StateStore
from . import messages
from .catalog import ROLLBACK
from .resolve import ResolveContext, resolve
from .run import ActionRun, Run
from .snapshots import SnapshotStore

if TYPE_CHECKING:
    from ..ledger import Ledger

NOTHING_TO_CHANGE = "nothing to change (already in place)"
ENV_RESPONDER_ROLE = "AIDR_RESPONDER_ROLE_ARN"
ENV_OWN_ROLES = "AIDR_OWN_ROLE_PATTERNS"
ENV_TIMEOUT_MAX = "AIDR_APPROVAL_TIMEOUT_MAX_SECONDS"
DEFAULT_OWN_ROLES = ("aidr-*",)


@dataclass
class StepEnv:
    """What the steps act with. :meth:`from_env` builds it in Lambda; the embedded runtime and tests pass theirs.

    ``approval_timeout_max`` caps the per-severity approval wait (the embedded runtime does not wait for minutes).
    """

    config: AidrConfig
    state: StateStore
    topic_arn: str | None = None
    ledger: Ledger | None = None
    responder_role_arn: str | None = None
    own_role_patterns: tuple[str, ...] = DEFAULT_OWN_ROLES
    approval_timeout_max: int | None = None
    client_factory: ClientFactory | None = None
    sns: Any = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _account: str | None = field(default=None, repr=False)

    @property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.state)

    def action(self, a: ActionRun) -> Action:
        return get_action(a.action)(a.options or None, client_factory=self.client_factory, clock=self.clock)

    def account_id(self) -> str:
        """The account this responder's credentials act in (STS GetCallerIdentity needs no permission)."""
        if self._account is None:
            from ..aws import client

            sts = self.client_factory("sts", None) if self.client_factory else client("sts")
            self._account = str(sts.get_caller_identity()["Account"])
        return self._account

    def record(self, kind: str, subject: str, detail: dict[str, Any]) -> None:
        if self.ledger is not None:
            self.ledger.append(kind, subject, detail)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StepEnv:
        """From the function's environment: the config (SSM), the state table, the ledger, the topic, the roles."""
        from ..ledger import LEDGER_TABLE_ENV, Ledger
        from ..runtime import Settings, get_config
        from ..state.dynamodb import DynamoDBState

        env = os.environ if env is None else env
        settings = Settings.from_env(env)
        from ..aws import client

        own = tuple(p for p in (env.get(ENV_OWN_ROLES) or "").split(",") if p.strip()) or DEFAULT_OWN_ROLES
        cap = env.get(ENV_TIMEOUT_MAX)
        return cls(
            config=get_config(settings.require("config_parameter")),
            state=DynamoDBState(settings.require("state_table"), client("dynamodb")),
            topic_arn=settings.require("topic_arn"),
            ledger=Ledger(env[LEDGER_TABLE_ENV]) if env.get(LEDGER_TABLE_ENV) else None,
            responder_role_arn=env.get(ENV_RESPONDER_ROLE) or None,
            own_role_patterns=own,
            approval_timeout_max=int(cap) if cap else None,
        )


def _snap(env: StepEnv, a: ActionRun) -> Snapshot:
    """The snapshot an action runs with: the stored prior state (the first run's, for undo) and, in a containment
    run, that run's own moment and options; in a rollback, the stored snapshot as it is."""
    if not a.snapshot_key:
        raise ActionFailed(f"{a.action} on {a.label}: no snapshot taken")
    stored = Snapshot.model_validate(env.snapshots.get(a.snapshot_key))
    if a.taken_at is None:
        return stored
    return stored.model_copy(update={"taken_at": a.taken_at, "options": a.options})


# -- containment ---------------------------------------------------------------------------------------------------
def guard(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Resolve what the playbook acts on and refuse anything aidr must not touch (fail closed)."""
    finding = Finding.model_validate(run.finding)
    run.finding_id = finding.id
    if finding.account and finding.account != env.account_id():
        raise GuardRefused(f"finding {finding.id} is in account {finding.account}; this responder acts in "
                           f"{env.account_id()} only (cross-account containment needs a role in that account)")
    ctx = ResolveContext(env.config, env.responder_role_arn, env.state)
    actions = []
    for p in resolve(run.playbook, run.finding, ctx):
        checked = p.named if p.named and p.target.type != "bedrock-logging-config" else p.target
        target = check_target(checked, finding.account, finding.region, env.config, env.own_role_patterns,
                              client_factory=env.client_factory)
        cls = get_action(p.action)
        actions.append(ActionRun(action=p.action, target=target, options=p.options, destructive=cls.destructive,
                                 reversible=cls.reversible))
    run.actions = actions
    env.record("playbook.started", finding.id, {"playbook": run.playbook, "mode": run.mode,
                                                "execution_arn": params.get("execution_arn"),
                                                "targets": sorted({a.label for a in actions})})
    return run


def snapshot(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Save each target's prior state (the first snapshot of the finding's containment is kept)."""
    fid = _finding_id(run)
    for a in run.actions:
        key = SnapshotStore.key(a.action, a.label)
        taken = env.action(a).snapshot(a.target)
        env.snapshots.keep_first(fid, key, taken.model_dump(mode="json"), env.clock().timestamp())
        a.snapshot_key, a.taken_at, a.options = key, taken.taken_at, taken.options
    return run


def decide(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Dry-run every action (the exact plan for the approver) and decide by the response mode what runs when.

    ``notify``: nothing runs. ``approve``: everything waits for approval. ``auto``: reversible, non-destructive
    actions run at once (the notification offers the one-step rollback); destructive ones still wait.
    """
    for a in run.actions:
        a.changes = env.action(a).plan(_snap(env, a))
    # Already in place (another finding's run contained the same target): nothing to approve, only to verify.
    decision = "auto" if run.mode == "approve" and not any(a.changes for a in run.actions) else run.mode
    for a in run.actions:
        a.stage = "now" if decision == "auto" and a.reversible and not a.destructive else "approved"
    run.plan = [{"action": a.action, "target": a.label, "changes": "; ".join(a.changes) or NOTHING_TO_CHANGE,
                 "destructive": a.destructive} for a in run.actions]
    severity = str(run.finding.get("severity", "high"))
    timeout = env.config.approval_timeout(severity)
    if env.approval_timeout_max:
        timeout = min(timeout, env.approval_timeout_max)
    run.approval = {"timeout_seconds": timeout, "default": env.config.approval_timeout_default}
    run.decision = decision
    run.awaiting_approval = decision != "notify" and any(a.stage == "approved" and a.changes for a in run.actions)
    return run


def contain(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Apply the actions of one stage (``params["stage"]``: ``now`` or ``approved``)."""
    stage = params.get("stage", "approved")
    for a in run.actions:
        if a.stage != stage:
            continue
        snap = _snap(env, a)
        # Marked before apply: a partial apply that fails half-way is still undone by the rollback. The stored
        # snapshot's options grow to cover what this run changes (a second finding's leaked key, say).
        env.snapshots.mark_applied(str(a.snapshot_key),
                                   widen=functools.partial(get_action(a.action).widen_options, applied=a.options))
        env.action(a).apply(snap)
        a.applied = True
        env.record("action.applied", a.label, {"action": a.action, "finding_id": run.finding_id,
                                               "playbook": run.playbook, "changes": a.changes})
    return run


def verify(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Check every applied action is in effect; VerifyFailed (retried by the state machine) otherwise."""
    failed = []
    for a in run.actions:
        if not a.applied or a.verified:
            continue
        a.verified = env.action(a).verify(_snap(env, a))
        if a.verified:
            env.record("action.verified", a.label, {"action": a.action, "finding_id": run.finding_id})
        else:
            failed.append(f"{a.action} on {a.label}")
    if failed:
        raise VerifyFailed(f"not in effect after apply: {', '.join(failed)}")
    return run


# -- rollback ------------------------------------------------------------------------------------------------------
def load(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """The rollback's actions: every action applied for the finding, from its stored snapshot, in undo order."""
    fid = _finding_id(run)
    keys = env.snapshots.keys(fid)
    if not keys:
        raise GuardRefused(f"finding {fid}: no containment recorded for it, nothing to roll back")
    found = []
    for key in keys:
        if not env.snapshots.applied(key):
            continue  # never applied: its "undo" would revert changes made since by someone else
        snap = Snapshot.model_validate(env.snapshots.get(key))
        cls = get_action(snap.action)
        found.append(ActionRun(action=snap.action, target=snap.target, options=snap.options, snapshot_key=key,
                               applied=True, verified=True, destructive=cls.destructive, reversible=cls.reversible))
    # Every snapshot already rolled back (or never applied): rolling back again is a no-op, not an error.
    order = ordered(dict.fromkeys(a.action for a in found), undo=True)
    run.actions = sorted(found, key=lambda a: order.index(a.action))
    run.plan = [{"action": a.action, "target": a.label, "changes": "; ".join(env.action(a).plan_undo(_snap(env, a)))
                 or NOTHING_TO_CHANGE, "destructive": False} for a in run.actions]
    env.record("playbook.started", fid, {"playbook": ROLLBACK, "execution_arn": params.get("execution_arn"),
                                         "targets": sorted({a.label for a in run.actions})})
    return run


def undo(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Put every target back to its snapshot (workloads last: their execution role is restored first)."""
    for a in run.actions:
        if not a.reversible:
            continue
        env.action(a).undo(_snap(env, a))
        env.snapshots.mark_rolled_back(str(a.snapshot_key))
        a.undone = True
        env.record("action.undone", a.label, {"action": a.action, "finding_id": run.finding_id})
    return run


def verify_undo(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    failed = [f"{a.action} on {a.label}" for a in run.actions
              if a.undone and not env.action(a).verify_undo(_snap(env, a))]
    if failed:
        raise VerifyFailed(f"not back to the snapshot after undo: {', '.join(failed)}")
    return run


# -- record and notify ---------------------------------------------------------------------------------------------
def record(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Close the run in the audit ledger: outcome, actions, approvals."""
    run.outcome = params.get("outcome") or run.outcome or "failed"
    run.approvals = approvals_of(run, params.get("execution_arn"))
    env.record("playbook.finished", _finding_id(run), {
        "playbook": run.playbook, "outcome": run.outcome, "execution_arn": params.get("execution_arn"),
        "actions": [{"action": a.action, "target": a.label, "applied": a.applied, "verified": a.verified,
                     "undone": a.undone} for a in run.actions],
        "approvals": run.approvals, "error": _error(run)})
    return run


def notify(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """Tell the on-call what the run did (and, when it contained something, how to undo it in one step)."""
    if env.topic_arn:
        sns = env.sns
        if sns is None:
            from ..aws import client

            sns = client("sns")
        subject, body = messages.summary(run, _error(run))
        sns.publish(TopicArn=env.topic_arn, Subject=subject, Message=json.dumps(body, indent=2, default=str),
                    MessageAttributes={
                        "playbook": {"DataType": "String", "StringValue": run.playbook},
                        "outcome": {"DataType": "String", "StringValue": str(run.outcome)}})
    return run


def fail(run: Run, env: StepEnv, params: Mapping[str, Any]) -> Run:
    """A caught error: record it and notify (the state machine then ends the execution as failed)."""
    run.outcome = params.get("outcome") or ("refused" if _error_name(run) == "GuardRefused" else "failed")
    try:
        record(run, env, {**params, "outcome": run.outcome})
    finally:  # the notification must go out even when the ledger is what failed
        notify(run, env, params)
    return run


def approvals_of(run: Run, execution_arn: str | None) -> list[dict[str, Any]]:
    """The approvals of the run as contracts.md section 6 lists them (from what the approval tasks returned)."""
    extra = run.model_extra or {}
    result, rejected = extra.get("approval_result"), extra.get("rejected")
    approval_id = None
    if execution_arn:
        from ..approvals.store import approval_id as id_of

        approval_id = id_of(execution_arn)
    if isinstance(result, dict) and result.get("decision"):
        return [{"id": result.get("approval_id") or approval_id, "decision": result["decision"],
                 "by": result.get("by")}]
    if isinstance(rejected, dict):
        cause = _json(rejected.get("Cause"))
        return [{"id": cause.get("approval_id") or approval_id, "decision": "rejected", "by": cause.get("by")}]
    if extra.get("timeout") is not None:
        return [{"id": approval_id, "decision": "timed_out",
                 "by": f"default: {run.approval.get('default', 'reject')}"}]
    return []


def _json(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    try:
        out = json.loads(v) if isinstance(v, str) else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def _error(run: Run) -> dict[str, Any] | None:
    err = (run.model_extra or {}).get("error")
    if not isinstance(err, dict):
        return None
    cause = err.get("Cause")
    parsed = _json(cause)
    # A Lambda error's cause is its {"errorType", "errorMessage", "stackTrace"}: keep the message, not the trace.
    return {"error": err.get("Error"), "cause": parsed.get("errorMessage", cause)}


def _error_name(run: Run) -> str | None:
    err = _error(run)
    return str(err["error"]) if err else None


def _finding_id(run: Run) -> str:
    fid = run.finding_id or run.finding.get("id")
    if not fid:
        raise GuardRefused("the run names no finding")
    run.finding_id = str(fid)
    return str(fid)


StepFn = Callable[[Run, StepEnv, Mapping[str, Any]], Run]
STEPS: dict[str, StepFn] = {
    "guard": guard, "snapshot": snapshot, "decide": decide, "contain": contain, "verify": verify,
    "load": load, "undo": undo, "verify_undo": verify_undo,
    "record": record, "notify": notify, "fail": fail,
}


def run_step(event: Mapping[str, Any], env: StepEnv) -> dict[str, Any]:
    """Run the step named in ``event["step"]`` on ``event["run"]``; other keys are the step's parameters.

    Raises
    ------
    ActionFailed
        An unknown step (a state machine that names a step this library does not have).
    """
    name = str(event.get("step"))
    step = STEPS.get(name)
    if step is None:
        raise ActionFailed(f"unknown playbook step {name!r} (known: {', '.join(STEPS)})")
    run = Run.model_validate(event.get("run") or {})
    params = {k: v for k, v in event.items() if k not in ("step", "run")}
    return step(run, env, params).doc()


__all__ = ["STEPS", "StepEnv", "Target", "run_step"]
