"""Bedrock model invocation logging weakened: a new configuration that records less, or somewhere else.

PutModelInvocationLoggingConfiguration replaces the region's whole configuration. CloudTrail records the new one in
``requestParameters.loggingConfig`` (the API's ``LoggingConfig``: ``s3Config``, ``cloudWatchConfig`` with
``largeDataDeliveryS3Config``, and ``text|image|embedding|video|audioDataDeliveryEnabled``), so the detector keeps
the last configuration it saw per account and region in state and compares. That stored configuration is also what
the ``restore-logging`` playbook puts back: read it with :func:`last_known_logging_config`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ...state.base import StateStore
from ..audit.last_known import Observation, last_known, observe
from ..audit.tampering import (
    Weakness,
    account_of,
    as_bool,
    event_key,
    event_ts,
    introduced,
    tamper_finding,
    weakening_finding,
)
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector

FUNCTION = "DetectBedrockFunction"
RESOURCE_TYPE = "AWS::Bedrock::ModelInvocationLoggingConfiguration"

# Content kinds and how much losing each matters (text holds the prompts and completions).
DELIVERY_SEVERITY: dict[str, str] = {"text": "high", "image": "medium", "video": "medium", "audio": "medium",
                                     "embedding": "low"}
_S3_MEMBERS = ("bucketName", "keyPrefix")


def logging_state_key(account: str | None, region: str | None) -> str:
    return f"bedrock-logging:{account or 'unknown'}:{region or 'unknown'}"


def last_known_logging_config(state: StateStore, account: str, region: str) -> dict[str, Any] | None:
    """The last invocation-logging configuration aidr saw in ``account``/``region``, in the API's ``LoggingConfig``
    shape (ready for ``PutModelInvocationLoggingConfiguration(loggingConfig=...)``), kept after a deletion.

    Examples
    --------
    >>> from aidr.state import MemoryState
    >>> last_known_logging_config(MemoryState(), "111122223333", "us-east-1") is None
    True
    """
    return last_known(state, logging_state_key(account, region))


def logging_config(request_parameters: dict[str, Any]) -> dict[str, Any] | None:
    """The ``LoggingConfig`` a Put call set, reduced to the API's members; None when CloudTrail did not record it."""
    raw = request_parameters.get("loggingConfig")
    if not isinstance(raw, dict):
        return None
    out: dict[str, Any] = {}
    for kind in DELIVERY_SEVERITY:
        flag = as_bool(raw.get(f"{kind}DataDeliveryEnabled"))
        if flag is not None:
            out[f"{kind}DataDeliveryEnabled"] = flag
    if s3 := _s3(raw.get("s3Config")):
        out["s3Config"] = s3
    cw = raw.get("cloudWatchConfig")
    if isinstance(cw, dict) and isinstance(cw.get("logGroupName"), str):
        out["cloudWatchConfig"] = {k: cw[k] for k in ("logGroupName", "roleArn") if isinstance(cw.get(k), str)}
        if large := _s3(cw.get("largeDataDeliveryS3Config")):
            out["cloudWatchConfig"]["largeDataDeliveryS3Config"] = large
    return out


def _s3(v: Any) -> dict[str, str] | None:
    if not isinstance(v, dict) or not isinstance(v.get("bucketName"), str) or not v["bucketName"]:
        return None
    return {k: v[k] for k in _S3_MEMBERS if isinstance(v.get(k), str)}


def _delivers(cfg: dict[str, Any], kind: str) -> bool:
    # An omitted flag delivers: the service's default is true (as the Terraform and Pulumi providers document).
    return cfg.get(f"{kind}DataDeliveryEnabled", True) is not False


def _bucket(cfg: dict[str, Any]) -> str | None:
    return (cfg.get("s3Config") or {}).get("bucketName")


def _log_group(cfg: dict[str, Any]) -> str | None:
    return (cfg.get("cloudWatchConfig") or {}).get("logGroupName")


def _large_bucket(cfg: dict[str, Any]) -> str | None:
    return ((cfg.get("cloudWatchConfig") or {}).get("largeDataDeliveryS3Config") or {}).get("bucketName")


def weaknesses(cfg: dict[str, Any], account: str | None) -> list[Weakness]:
    """What a configuration fails to record, whatever it replaced."""
    out: list[Weakness] = []
    if not any(_delivers(cfg, k) for k in DELIVERY_SEVERITY):
        out.append(Weakness("all_delivery_off", "high", "no content type is delivered any more (text, image, "
                            "embedding, video and audio all off)", blind_severity="high"))
    else:
        for kind, severity in DELIVERY_SEVERITY.items():
            if not _delivers(cfg, kind):
                # Only text delivery off is suspicious on first sight: the others are often off by design.
                out.append(Weakness(f"{kind}_delivery_off", severity, f"{kind} data delivery switched off",
                                    blind_severity="low" if kind == "text" else None))
    if not _bucket(cfg) and not _log_group(cfg):
        out.append(Weakness("no_destination", "high", "no S3 or CloudWatch Logs destination", blind_severity="high"))
    role_account = account_of((cfg.get("cloudWatchConfig") or {}).get("roleArn"))
    if role_account and account and role_account != account:
        out.append(Weakness("foreign_delivery_role", "high", f"CloudWatch delivery role is in account {role_account}",
                            blind_severity="low"))
    return out


def moves(prev: dict[str, Any], new: dict[str, Any]) -> list[Weakness]:
    """Destinations that moved or disappeared (only meaningful against a known previous configuration)."""
    out: list[Weakness] = []
    for code, label, get, severity in (("s3_bucket", "S3 bucket", _bucket, "medium"),
                                       ("log_group", "CloudWatch log group", _log_group, "medium"),
                                       ("large_data_bucket", "large-data S3 bucket", _large_bucket, "low")):
        old, cur = get(prev), get(new)
        if old and not cur:
            out.append(Weakness(f"{code}_removed", severity, f"{label} destination {old} removed"))
        elif old and cur and old != cur:
            # The bucket's owner is not in the event: a bucket in another account hands prompts to its owner.
            out.append(Weakness(f"{code}_moved", severity,
                                f"{label} destination moved from {old} to {cur} (check who owns it)"))
    return out


def judge(obs: Observation, account: str | None) -> list[Weakness]:
    """The weaknesses a Put introduced, given what state knew before it."""
    new = obs.current or {}
    if obs.previous is None:
        return introduced(weaknesses(new, account), None)
    return introduced(weaknesses(new, account), weaknesses(obs.previous, account)) + moves(obs.previous, new)


@detector(
    id="bedrock.invocation_logging_weakened",
    title="Bedrock model invocation logging weakened",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.008"],
    playbook="restore-logging",
    function=FUNCTION,
    events=[api_calls("bedrock", ["PutModelInvocationLoggingConfiguration"])],
    description=(
        "PutModelInvocationLoggingConfiguration that records less than the configuration it replaced (text or other "
        "content delivery switched off, a destination removed or moved), judged against the last configuration aidr "
        "saw in the account and region. Attackers keep logging 'on' but strip the content, or point delivery at a "
        "bucket they own."
    ),
    false_positives=[
        "Cost or privacy changes that deliberately stop delivering image, video or embedding data.",
        "Planned migration of log destinations to a new bucket or log group (reported as a move, medium).",
        "First sight of a region whose configuration never delivered text: reported low, as it may be by design.",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_LoggingConfig.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Compare the new logging configuration with the last known one and report what it weakened.

    Known false positives: deliberate cost/privacy changes to non-text delivery, planned destination moves.
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # a refused call changed nothing
        return
    meta = detect.meta  # type: ignore[attr-defined]
    resources = [Resource(type=RESOURCE_TYPE, id=f"{call.account}/{call.region}")]
    cfg = logging_config(call.request_parameters)
    if cfg is None:
        yield tamper_finding(meta, ctx, call, severity="low", resources=resources,
                             description=f"replaced the model invocation logging configuration in {call.region}; "
                                         "CloudTrail did not record the new settings, so aidr cannot judge them.")
        return
    obs = observe(ctx.state, logging_state_key(call.account, call.region), event_id=event_key(call),
                  ts=event_ts(ctx, call), update=lambda _prev: cfg, by=call.actor_arn)
    found = weakening_finding(
        meta, ctx, call, judge(obs, call.account),
        what="the model invocation logging configuration", resources=resources,
        previous_known=obs.previous is not None,
        evidence={"destinations": {"s3_bucket": _bucket(cfg), "log_group": _log_group(cfg)},
                  "previously_deleted": obs.previously_deleted},
    )
    if found:
        yield found
