"""CloudTrail weakened: trails and event data stores that log less, fewer regions, or somewhere else.

Each trail's selectors and settings (and each event data store's) are kept in state as last seen, so a change is
judged against what it replaced; on first sight only what is weak on its face is reported, lower.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from .last_known import Observation, merge_settings, observe
from .tampering import (
    Weakness,
    account_of,
    as_bool,
    event_key,
    event_ts,
    introduced,
    introduced_settings,
    weakening_finding,
)
from .trail_selectors import Coverage, coverage, coverage_weaknesses, dropped_data_events

FUNCTION = "DetectAuditFunction"
EVENTS = ["PutEventSelectors", "UpdateTrail", "UpdateEventDataStore"]

# UpdateTrail / UpdateEventDataStore settings kept in state (requestParameters names).
TRAIL_SETTINGS = ("s3BucketName", "isMultiRegionTrail", "includeGlobalServiceEvents", "enableLogFileValidation",
                  "cloudWatchLogsLogGroupArn", "kmsKeyId")
STORE_SETTINGS = ("multiRegionEnabled", "terminationProtectionEnabled", "retentionPeriod", "kmsKeyId")


def trail_arn(call: ApiCall, name: Any) -> str:
    """The trail's ARN: from the response, or built from a name (calls are made in the trail's home region)."""
    arn = call.response_elements.get("trailARN")
    if isinstance(arn, str) and arn:
        return arn
    if isinstance(name, str) and name.startswith("arn:"):
        return name
    return f"arn:aws:cloudtrail:{call.region}:{call.account}:trail/{name}"


def _coverage_of(value: dict[str, Any] | None) -> Coverage | None:
    return Coverage.from_state(value["selectors"]) if value and "selectors" in value else None


def selector_weaknesses(obs: Observation) -> list[Weakness]:
    new = _coverage_of(obs.current)
    if new is None:
        return []
    old = _coverage_of(obs.previous)
    if old is None:
        return introduced(coverage_weaknesses(new), None)
    return introduced(coverage_weaknesses(new), coverage_weaknesses(old)) + dropped_data_events(old, new)


def setting_weaknesses(settings: dict[str, Any], account: str | None) -> list[tuple[str, Weakness]]:
    """Weaknesses of trail / event data store settings on their face, each with the setting it comes from."""
    out: list[tuple[str, Weakness]] = []
    for key in ("isMultiRegionTrail", "multiRegionEnabled"):
        if as_bool(settings.get(key)) is False:
            # LLMjacking invokes models in regions the victim never uses: a single-region trail does not see them.
            out.append((key, Weakness("single_region", "high", "events of other regions are no longer logged",
                                      blind_severity="low")))
    if as_bool(settings.get("includeGlobalServiceEvents")) is False:
        out.append(("includeGlobalServiceEvents", Weakness(
            "global_events_off", "high", "global service events (IAM, STS) are no longer logged",
            blind_severity="low")))
    if as_bool(settings.get("enableLogFileValidation")) is False:
        out.append(("enableLogFileValidation",
                    Weakness("log_validation_off", "low", "log file integrity validation disabled")))
    if as_bool(settings.get("terminationProtectionEnabled")) is False:
        out.append(("terminationProtectionEnabled", Weakness(
            "termination_protection_off", "low", "termination protection disabled (deletion becomes possible)",
            blind_severity="low")))
    for key, label in (("cloudWatchLogsLogGroupArn", "CloudWatch Logs group"), ("kmsKeyId", "KMS key")):
        owner = account_of(settings.get(key))
        if owner and account and owner != account:
            out.append((key, Weakness(f"foreign:{key}", "high", f"{label} is in account {owner}",
                                      blind_severity="high")))
    return out


def setting_moves(prev: dict[str, Any], new: dict[str, Any]) -> list[Weakness]:
    """Destinations moved or removed, and retention cut (need the previous settings)."""
    out: list[Weakness] = []
    old_bucket, bucket = prev.get("s3BucketName"), new.get("s3BucketName")
    if old_bucket and bucket and old_bucket != bucket:
        out.append(Weakness("bucket_moved", "medium",
                            f"log delivery moved from bucket {old_bucket} to {bucket} (check who owns it)"))
    if prev.get("cloudWatchLogsLogGroupArn") and not new.get("cloudWatchLogsLogGroupArn"):
        out.append(Weakness("cloudwatch_removed", "medium", "delivery to CloudWatch Logs removed"))
    old_days, days = prev.get("retentionPeriod"), new.get("retentionPeriod")
    if isinstance(old_days, int) and isinstance(days, int) and days < old_days:
        out.append(Weakness("retention_cut", "low", f"retention cut from {old_days} to {days} days"))
    return out


def settings_weaknesses(obs: Observation, account: str | None) -> list[Weakness]:
    """Weaknesses the change introduced; a setting state has never seen is judged blind (first sight)."""
    new = (obs.current or {}).get("settings") or {}
    prev = (obs.previous or {}).get("settings") or {}
    found = introduced_settings(setting_weaknesses(new, account), setting_weaknesses(prev, account), prev)
    return found + setting_moves(prev, new)


def _change(call: ApiCall) -> tuple[str, str, str, dict[str, Any], Coverage | None]:
    """(state key, resource type, resource id, setting updates, new selector coverage) for one call."""
    rp = call.request_parameters
    if call.event_name == "UpdateEventDataStore":
        arn = str(rp.get("eventDataStore") or call.response_elements.get("eventDataStoreArn") or "")
        sel = coverage(rp) if "advancedEventSelectors" in rp else None
        updates = {k: rp[k] for k in STORE_SETTINGS if k in rp}
        return f"cloudtrail-eds:{arn}", "AWS::CloudTrail::EventDataStore", arn, updates, sel
    if call.event_name == "PutEventSelectors":
        arn = trail_arn(call, rp.get("trailName"))
        return f"cloudtrail-trail:{arn}", "AWS::CloudTrail::Trail", arn, {}, coverage(rp)
    arn = trail_arn(call, rp.get("name"))
    return f"cloudtrail-trail:{arn}", "AWS::CloudTrail::Trail", arn, {k: rp[k] for k in TRAIL_SETTINGS if k in rp}, None


@detector(
    id="cloudtrail.logging_weakened",
    title="CloudTrail trail or event data store weakened",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.008"],
    function=FUNCTION,
    events=[api_calls("cloudtrail", EVENTS)],
    description=(
        "PutEventSelectors, UpdateTrail or UpdateEventDataStore that stop logging management events (or only their "
        "writes or reads), exclude Bedrock (bedrock or bedrock-mantle, the OpenAI-compatible endpoint) or "
        "SageMaker events, drop Bedrock/SageMaker/S3 data events, go single-region, drop global service events, or "
        "send logs to another account's key or log group."
    ),
    false_positives=[
        "Cost-driven selector changes (write-only trails, fewer data events) made by the platform team.",
        "Consolidating to an organization trail, which makes the per-account trail redundant.",
        "First sight of a trail that was always single-region or write-only: reported low.",
    ],
    references=[
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html",
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html",
        "https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-event-selectors/",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Compare the trail's (or event data store's) new selectors and settings with the last known ones.

    Known false positives: cost-driven selector changes, trail consolidation, first sight of weak trails (low).
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # refused: nothing changed
        return
    key, rtype, rid, updates, selectors = _change(call)
    obs = observe(ctx.state, key, event_id=event_key(call), ts=event_ts(ctx, call),
                  update=merge_settings(updates, selectors=selectors.to_state() if selectors else None),
                  by=call.actor_arn)
    found = weakening_finding(
        detect.meta,  # type: ignore[attr-defined]
        ctx, call, selector_weaknesses(obs) + settings_weaknesses(obs, call.account),
        what=f"{'event data store' if rtype.endswith('EventDataStore') else 'trail'} {rid.rsplit('/', 1)[-1]}",
        resources=[Resource(type=rtype, id=rid)] if rid else [],
        previous_known=obs.previous is not None,
    )
    if found:
        yield found
