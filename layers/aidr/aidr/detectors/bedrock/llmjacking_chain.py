"""The LLMjacking chain: recon, access grant, probing and invocation by one identity within a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from ...findings.model import MAX_EVENT_IDS, Finding
from ...normalize.cloudtrail import ApiCall
from ...state.base import Member
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    GRANT_CALLS,
    INVOKE_CALLS,
    RECON_CALLS,
    Stage,
    burst_finding,
    credential_kind,
    distinct,
    event_member,
    event_ts,
    is_aws_service,
    is_trusted,
    iso,
    observe,
    stage_of,
)

WINDOW_SECONDS = 24 * 3600
MIN_STAGES = 3
ANCHOR_STAGES = frozenset({"grant", "invoke"})  # a chain must have spent or enabled something
STAGE_ORDER: tuple[Stage, ...] = ("recon", "grant", "probe", "invoke")
# Marks per stage: one per event for the rare control-plane stages; one per minute (probe) or hour (invoke)
# for the high-volume ones, so the day's window stays small for a busy identity.
MARK_SECONDS: dict[str, int] = {"recon": 0, "grant": 0, "probe": 60, "invoke": 3600}
IDS_PER_STAGE = MAX_EVENT_IDS // len(STAGE_ORDER)


def _stage_count(members: Sequence[Member]) -> int:
    return len(distinct(members, "stage"))


@detector(
    id="bedrock.llmjacking_chain",
    title="LLMjacking chain: recon, model access, probing and invocation by one identity",
    category="model-abuse",
    severity="critical",
    phase="foundational",
    techniques=["T1078.004", "T1580", "T1098", "AML.T0040", "AML.T0034"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(RECON_CALLS | GRANT_CALLS | INVOKE_CALLS))],
    description=(
        f"At least {MIN_STAGES} of the four LLMjacking stages (recon of models and logging, model access "
        "grant, probing invocations that fail, successful invocation), one of them a grant or an invocation, "
        "by one identity within 24 hours, from credentials not minted by a console sign-in. The stage "
        "detectors report each step; this is the one critical alert for the whole intrusion."
    ),
    false_positives=[
        "A developer enabling and trying a new model from the CLI with access keys in one day (recon, grant, "
        "invoke). Console sessions and trusted principals are not counted.",
    ],
    references=[
        "https://sysdig.com/blog/llmjacking-stolen-cloud-credentials-used-in-new-ai-attack/",
        "https://permiso.io/blog/exploiting-hosted-models",
        "https://stratus-red-team.cloud/attack-techniques/AWS/aws.impact.bedrock-invoke-model/",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report an identity that went through the LLMjacking stages within a day.

    Each event marks its stage (:func:`stage_of`) in the identity's window; the finding fires, critical,
    when a run of ``WINDOW_SECONDS`` holds ``MIN_STAGES`` stages including a grant or an invocation. Console
    sessions and trusted principals mark nothing. The evidence gives each stage's first time, event ids and
    count of marks (events for recon and grant, active minutes for probing, active hours for invocation).

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and day-long run; it merges as stages grow.

    Known false positives
    ---------------------
    - A developer enabling and trying a new model from the CLI with access keys in one day.
    """
    call = ApiCall(event["detail"])
    stage = stage_of(call)
    if stage is None or call.from_console or is_aws_service(call) or is_trusted(ctx, call):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    ts = event_ts(ctx, call)
    bucket = MARK_SECONDS[stage]
    mark = f"{stage}:{int(ts) // bucket}" if bucket else f"{stage}:{event_member(call, ts)}"
    burst = observe(ctx, f"{meta.id}:{call.actor_key}", call, WINDOW_SECONDS, member=mark, score=_stage_count,
                    stage=stage)
    if burst is None:
        return
    stages: dict[str, list[Member]] = defaultdict(list)
    for m in burst.members:
        stages[m.data["stage"]].append(m)
    if len(stages) < MIN_STAGES or not ANCHOR_STAGES & stages.keys():
        return
    chain = {
        s: {"first_seen": iso(marks[0].ts), "count": len(marks),
            "event_ids": [m.data.get("event_id") for m in marks[:IDS_PER_STAGE]]}
        for s in STAGE_ORDER if (marks := stages.get(s))
    }
    ordered = sorted(chain, key=lambda s: chain[s]["first_seen"])
    yield burst_finding(
        ctx,
        meta,
        call,
        burst,
        description=(
            f"{call.actor_arn or call.actor_key} went through {len(chain)} LLMjacking stages within 24 hours "
            f"({' -> '.join(ordered)}) with {credential_kind(call)} credentials: contain the principal."
        ),
        severity=meta.severity,
        evidence={"chain": chain, "stage_order": ordered, "credential": credential_kind(call)},
        counted="stage_marks",
        event_ids=[i for s in chain.values() for i in s["event_ids"]],
    )
