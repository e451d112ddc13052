"""Bedrock guardrail tampering: guardrails deleted or weakened, account-level enforcement removed or replaced.

What CloudTrail records decides how far each call can be judged:

- ``DeleteGuardrail`` names the guardrail (``guardrailIdentifier``) and, for a single version, ``guardrailVersion``.
- ``UpdateGuardrail`` hides the new configuration: ``name`` reads ``HIDDEN_DUE_TO_SECURITY_REASONS`` and the policy
  configs are not recorded, so an update is reported low unless a ``contentPolicyConfig`` *is* recorded and shows a
  weakening (no ``PROMPT_ATTACK`` filter, an input strength of NONE/LOW, input filtering disabled or set to detect).
- ``DeleteEnforcedGuardrailConfiguration`` (``configId``) removes an account-wide enforced guardrail;
  ``PutEnforcedGuardrailConfiguration`` with a ``configId`` replaces one (``guardrailInferenceConfig``).
- ``CreateGuardrailVersion`` publishes the DRAFT as a numbered version. ``UpdateGuardrail`` changes only the DRAFT:
  applications pinned to a version get a weakened configuration only once a version is published, so the version
  is judged by what happened to the draft in the ``DRAFT_WINDOW_SECONDS`` before it. The updates are kept in
  ``ctx.state`` per guardrail (``CreateGuardrail`` too, read only for that): high when an update recorded a weakening,
  medium after an update by the same principal or by one not in ``trusted_principals``, low otherwise (the version's
  content is not recorded), nothing for the first release of a guardrail created in the window and not updated since.
  Updates that arrive after their version (CloudTrail delivers out of order) re-judge it: same finding, raised.
- ``DeleteAutomatedReasoningPolicy`` / ``UpdateAutomatedReasoningPolicy`` change Automated Reasoning checks;
  ``UpdateAutomatedReasoningPolicyAnnotations`` edits the rules, variables and types of a policy's build workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...findings.model import Finding, Resource, raise_severity
from ...normalize.cloudtrail import ApiCall
from ...state.base import Member
from ..audit.tampering import Weakness, actor_trusted, as_bool, event_key, event_ts, tamper_finding, worst
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector

FUNCTION = "DetectBedrockFunction"
EVENTS = [
    "DeleteGuardrail",
    "UpdateGuardrail",
    "DeleteEnforcedGuardrailConfiguration",
    "PutEnforcedGuardrailConfiguration",
    "DeleteAutomatedReasoningPolicy",
    "UpdateAutomatedReasoningPolicy",
    "UpdateAutomatedReasoningPolicyAnnotations",
    "CreateGuardrailVersion",
]
# Read only to remember that a guardrail is new: its first version replaces nothing.
LEARN_EVENTS = ["CreateGuardrail"]
# How far back a published version looks for the draft changes it publishes.
DRAFT_WINDOW_SECONDS = 24 * 3600
_DRAFT_TTL = DRAFT_WINDOW_SECONDS * 2 + 3600
# What a version keeps of its record, to be judged again when an older update arrives late.
_VERSION_FIELDS = ("eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                   "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "eventID",
                   "recipientAccountId")
_WEAK_STRENGTHS = {"NONE", "LOW"}


def content_policy_weaknesses(policy: Any) -> list[Weakness]:
    """Weaknesses visible in a recorded ``contentPolicyConfig`` (empty when it was not recorded).

    Examples
    --------
    >>> [w.code for w in content_policy_weaknesses({"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH"}]})]
    ['prompt_attack_filter_missing']
    >>> content_policy_weaknesses("HIDDEN_DUE_TO_SECURITY_REASONS")
    []
    """
    if not isinstance(policy, dict) or not isinstance(policy.get("filtersConfig"), list):
        return []
    filters = {f.get("type"): f for f in policy["filtersConfig"] if isinstance(f, dict)}
    out: list[Weakness] = []
    attack = filters.get("PROMPT_ATTACK")
    if attack is None:
        out.append(Weakness("prompt_attack_filter_missing", "high", "no PROMPT_ATTACK content filter"))
    else:
        if attack.get("inputStrength") in _WEAK_STRENGTHS:
            out.append(Weakness("prompt_attack_strength_lowered", "high",
                                f"PROMPT_ATTACK input strength {attack.get('inputStrength')}"))
        if as_bool(attack.get("inputEnabled")) is False or attack.get("inputAction") == "NONE":
            out.append(Weakness("prompt_attack_not_enforced", "high",
                                "PROMPT_ATTACK filter no longer blocks input (disabled or detect-only)"))
    weak = sorted(t for t, f in filters.items() if t != "PROMPT_ATTACK" and isinstance(t, str)
                  and f.get("inputStrength") == "NONE" and f.get("outputStrength") == "NONE")
    if weak:
        out.append(Weakness("content_filters_off", "medium", f"content filters set to NONE: {', '.join(weak)}"))
    return out


def _judge(call: ApiCall) -> tuple[str, str, list[Weakness]] | None:
    """(severity, what happened, weaknesses) for one successful call; None when it is not tampering."""
    rp = call.request_parameters
    name = call.event_name
    if name == "DeleteGuardrail":
        version = rp.get("guardrailVersion")
        if version:
            return "medium", f"deleted version {version} of guardrail {rp.get('guardrailIdentifier')}", []
        return "high", f"deleted guardrail {rp.get('guardrailIdentifier')} and all its versions", []
    if name == "UpdateGuardrail":
        found = content_policy_weaknesses(rp.get("contentPolicyConfig"))
        what = f"updated guardrail {rp.get('guardrailIdentifier')}"
        if found:
            return worst(w.severity for w in found), f"{what}: {'; '.join(w.reason for w in found)}", found
        # CloudTrail hides the new configuration: a change to a safety control that cannot be judged.
        return "low", f"{what}; CloudTrail hides the new configuration, so aidr cannot judge it", []
    if name == "DeleteEnforcedGuardrailConfiguration":
        return "high", f"deleted the account's enforced guardrail configuration {rp.get('configId')}", []
    if name == "PutEnforcedGuardrailConfiguration":
        inference = rp.get("guardrailInferenceConfig") if isinstance(rp.get("guardrailInferenceConfig"), dict) else {}
        target = f"guardrail {inference.get('guardrailIdentifier')} version {inference.get('guardrailVersion')}"
        if rp.get("configId"):
            return "medium", f"replaced enforced guardrail configuration {rp.get('configId')} with {target}", []
        return "low", f"added an enforced guardrail configuration ({target})", []
    if name == "DeleteAutomatedReasoningPolicy":
        return "medium", f"deleted Automated Reasoning policy {rp.get('policyArn')}", []
    if name == "UpdateAutomatedReasoningPolicy":
        return "low", f"changed the definition of Automated Reasoning policy {rp.get('policyArn')}", []
    if name == "UpdateAutomatedReasoningPolicyAnnotations":
        return "low", (f"changed the annotations (rules, variables, types) of build workflow "
                       f"{rp.get('buildWorkflowId')} of Automated Reasoning policy {rp.get('policyArn')}"), []
    return None


def _resource(call: ApiCall) -> list[Resource]:
    rp = call.request_parameters
    if "AutomatedReasoningPolicy" in call.event_name:
        return call.resource("AWS::Bedrock::AutomatedReasoningPolicy", rp.get("policyArn"))
    if "Enforced" in call.event_name:
        return [Resource(type="AWS::Bedrock::EnforcedGuardrailConfiguration",
                         id=str(rp.get("configId") or f"{call.account}/{call.region}"))]
    arn = call.response_elements.get("guardrailArn")
    return call.resource("AWS::Bedrock::Guardrail", arn if isinstance(arn, str) else rp.get("guardrailIdentifier"))


# --- versions: what the published draft went through

def guardrail_id(call: ApiCall) -> str | None:
    """The guardrail's id, from the response or the request (``guardrailIdentifier`` may be its ARN).

    Examples
    --------
    >>> guardrail_id(ApiCall({"requestParameters": {
    ...     "guardrailIdentifier": "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr7x2k4p9q1m"}}))
    'gr7x2k4p9q1m'
    """
    ident = call.response_elements.get("guardrailId") or call.request_parameters.get("guardrailIdentifier")
    if not isinstance(ident, str) or not ident:
        return None
    return ident.rsplit("/", 1)[-1] if ident.startswith("arn:") else ident


def _draft_key(call: ApiCall, gid: str) -> str:
    return f"guardrail-draft:{call.account or '-'}:{call.region or '-'}:{gid}"


def _remember(call: ApiCall, ctx: DetectContext, gid: str, weaknesses: list[Weakness]) -> bool:
    """Keep a create, update or version of the guardrail; False when this event was already kept (re-delivery)."""
    data: dict[str, Any] = {"event": call.event_name, "event_id": call.event_id, "actor": call.actor_key,
                            "arn": call.actor_arn}
    if weaknesses:
        data["weaknesses"] = [w.code for w in weaknesses]
        data["reasons"] = [w.reason for w in weaknesses]
    if call.event_name == "CreateGuardrailVersion":
        data["record"] = {k: call.raw[k] for k in _VERSION_FIELDS if k in call.raw}
    return ctx.state.add(_draft_key(call, gid), event_key(call), event_ts(ctx, call), _DRAFT_TTL, data)


def _trusted(ctx: DetectContext, m: Member) -> bool:
    return ctx.config.is_trusted(m.data.get("arn")) or ctx.config.is_trusted(m.data.get("actor"))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version_finding(call: ApiCall, ctx: DetectContext, gid: str | None) -> Finding | None:
    """Judge one published version by the draft's history in the window before it (None: a first release)."""
    ts = event_ts(ctx, call)
    history = ctx.state.members(_draft_key(call, gid), since=ts - DRAFT_WINDOW_SECONDS, until=ts) if gid else []
    updates = [m for m in history if m.data.get("event") == "UpdateGuardrail"]
    created = any(m.data.get("event") == "CreateGuardrail" for m in history)
    version = call.response_elements.get("version")
    what = f"published version {version or '(unknown)'} of guardrail {gid}"
    weak = [m for m in updates if m.data.get("weaknesses")]
    suspect = [m for m in updates if m.data.get("actor") == call.actor_key or not _trusted(ctx, m)]
    if weak:
        severity = "high"
        reasons = sorted({r for m in weak for r in m.data.get("reasons", [])})
        what += (f", whose draft {weak[-1].data.get('arn') or weak[-1].data.get('actor')} weakened at "
                 f"{_iso(weak[-1].ts)} ({'; '.join(reasons)}): applications pinned to versions now get it")
    elif suspect:
        severity = "medium"
        what += (f" after {suspect[-1].data.get('arn') or suspect[-1].data.get('actor')} updated its draft at "
                 f"{_iso(suspect[-1].ts)}; CloudTrail hides the new configuration, which applications pinned to "
                 "versions now get")
    elif updates:
        severity = "low"
        what += " after trusted principals updated its draft; CloudTrail hides what the version contains"
    elif created:
        return None  # the first release of a new guardrail replaces nothing
    else:
        severity = "low"
        what += (f"; aidr saw no update of its draft in the previous {DRAFT_WINDOW_SECONDS // 3600} hours and "
                 "CloudTrail does not record what the version contains")
    # A trusted publisher lowers the finding one step, unless it publishes a draft that someone untrusted changed.
    if actor_trusted(ctx, call) and any(not _trusted(ctx, m) for m in updates):
        severity = raise_severity(severity)
    codes = sorted({c for m in weak for c in m.data.get("weaknesses", [])})
    ident = call.request_parameters.get("guardrailIdentifier")  # as the caller named it: id or ARN
    meta = detect.meta  # type: ignore[attr-defined]
    return tamper_finding(
        meta, ctx, call,
        severity=severity,
        description=f"{what} in {call.region}.",
        resources=call.resource("AWS::Bedrock::Guardrail", ident if isinstance(ident, str) and ident else gid),
        evidence={"guardrail_version": version, "draft_update_event_ids": [m.data.get("event_id") for m in updates],
                  **({"weaknesses": codes} if codes else {})},
    )


def _versions_after(call: ApiCall, ctx: DetectContext, gid: str) -> Iterator[Finding]:
    """An update that arrives after the versions that published it: judge those versions again."""
    ts = event_ts(ctx, call)
    for m in ctx.state.members(_draft_key(call, gid), since=ts, until=ts + DRAFT_WINDOW_SECONDS):
        record = m.data.get("record")
        if m.data.get("event") == "CreateGuardrailVersion" and isinstance(record, dict):
            found = _version_finding(ApiCall(record), ctx, gid)
            if found is not None:
                yield found


@detector(
    id="bedrock.guardrail_tampering",
    title="Bedrock guardrail deleted or weakened",
    category="guardrail-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.001"],
    function=FUNCTION,
    events=[api_calls("bedrock", [*EVENTS, *LEARN_EVENTS])],
    description=(
        "Guardrails, account-level enforced guardrails and Automated Reasoning policies deleted or changed, and "
        "guardrail versions published: UpdateGuardrail changes only the DRAFT, so applications pinned to a numbered "
        "version get a weakened configuration when CreateGuardrailVersion publishes it (high when the draft's "
        "update recorded a weakening, medium after an update by the same or an untrusted principal within 24 hours). "
        "Removing the guardrail (or the PROMPT_ATTACK filter) lets prompt injection and harmful content through "
        "unseen."
    ),
    false_positives=[
        "Guardrail lifecycle in development accounts (create, test, delete).",
        "Infrastructure-as-code replacing a guardrail (delete + create) during a deployment: add the pipeline's role "
        "to trusted_principals.",
        "Routine guardrail updates: CloudTrail hides their content, so every update is reported low.",
        "Releases: a version published after the same person's (or an untrusted person's) draft update is medium "
        "and other versions low, because CloudTrail records neither what the draft nor what the version contains. "
        "A release pipeline in trusted_principals that publishes its own updates is reported one step lower; the "
        "first version of a guardrail created in the last 24 hours is not reported.",
        "Automated Reasoning policy authoring (annotation edits during a build workflow) is reported low.",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateGuardrail.html",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateGuardrailVersion.html",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateAutomatedReasoningPolicyAnnotations.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report guardrail deletions and weakenings, and versions that publish a changed draft; updates whose
    content CloudTrail hides are reported low.

    Known false positives: guardrail lifecycle in development accounts, IaC replacements, routine updates and
    releases.
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # refused: nothing changed
        return
    name = call.event_name
    gid = guardrail_id(call) if name in ("CreateGuardrail", "UpdateGuardrail", "CreateGuardrailVersion") else None
    if name == "CreateGuardrail":
        if gid:
            _remember(call, ctx, gid, [])
        return
    if name == "CreateGuardrailVersion":
        if gid:
            _remember(call, ctx, gid, [])
        found_version = _version_finding(call, ctx, gid)
        if found_version is not None:
            yield found_version
        return
    judged = _judge(call)
    if judged is None:
        return
    severity, what, found = judged
    meta = detect.meta  # type: ignore[attr-defined]
    yield tamper_finding(
        meta, ctx, call,
        severity=severity,
        description=f"{what} in {call.region}.",
        resources=_resource(call),
        evidence={"weaknesses": [w.code for w in found]} if found else None,
    )
    if name == "UpdateGuardrail" and gid and _remember(call, ctx, gid, found):
        yield from _versions_after(call, ctx, gid)
