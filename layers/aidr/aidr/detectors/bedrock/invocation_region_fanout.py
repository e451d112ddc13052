"""One identity invoking Bedrock models in many regions within an hour (CloudTrail)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ...state.base import Member
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    INVOKE_CALLS,
    credential_kind,
    distinct,
    event_ts,
    identity_burst,
    is_aws_service,
    model_of,
    stage_finding,
)

WINDOW_SECONDS = 60 * 60
MIN_REGIONS = 3
WIDE_REGIONS = 5  # this many is high severity
MARK_SECONDS = 600  # one window member per region per 10 minutes keeps the window small under heavy traffic


def _region_count(members: Sequence[Member]) -> int:
    return len(distinct(members, "region"))


@detector(
    id="bedrock.invocation_region_fanout",
    title="Bedrock models invoked from one identity across many regions",
    category="model-abuse",
    severity="medium",
    phase="enhanced",
    techniques=["AML.T0034", "AML.T0040"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(INVOKE_CALLS), errorCode=[{"exists": False}])],
    description=(
        f"Successful invocations by one identity in {MIN_REGIONS} or more regions within an hour. Applications "
        "call Bedrock from the regions they run in; LLMjacking proxies spread load over every region where the "
        "stolen key has quota, and send small pings to find it."
    ),
    false_positives=[
        "Multi-region applications and failover tests (trust the role).",
        "Cross-region inference profiles are not fan-out: the caller sends the request to one region, which is "
        "the record's awsRegion.",
    ],
    references=["https://permiso.io/blog/exploiting-hosted-models"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report one identity invoking models in ``MIN_REGIONS`` or more regions within an hour.

    The window keeps one member per region and ``MARK_SECONDS``, so heavy traffic neither grows it nor
    re-emits. Medium, high at ``WIDE_REGIONS`` regions, one step lower for trusted principals.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and hour-long run (anchored on the run's first call).

    Known false positives
    ---------------------
    - Multi-region applications and failover drills (trust the role).
    """
    call = ApiCall(event["detail"])
    if is_aws_service(call) or not call.region:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    mark = f"{call.region}:{int(event_ts(ctx, call)) // MARK_SECONDS}"
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, member=mark, score=_region_count, model=model_of(call))
    if burst is None or len(regions := burst.distinct("region")) < MIN_REGIONS:
        return
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"{call.actor_arn or call.actor_key} invoked Bedrock models in {len(regions)} regions "
            f"({', '.join(regions)}) within an hour with {credential_kind(call)} credentials."
        ),
        severity="high" if len(regions) >= WIDE_REGIONS else meta.severity,
        models=burst.distinct("model"),
        counted="region_marks",
    )
