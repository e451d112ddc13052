"""SageMaker notebook instances used for persistence or exposed: lifecycle scripts, restart sequences, new IPs."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...findings.model import Finding, Resource, lower_severity, raise_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .common import FUNCTION, SERVICE, arn, flag, param, scope, text, ts
from .lifecycle_script import ScriptScore, score_hooks

# Stop -> Update -> Start on one notebook within this window is a restart to load a changed boot script.
SEQUENCE_WINDOW = 6 * 3600
SEQUENCE_TTL = SEQUENCE_WINDOW * 2 + 3600
IP_HISTORY_TTL = 90 * 86400
LIFECYCLE_TTL = 400 * 86400

LIFECYCLE_CALLS = ("CreateNotebookInstanceLifecycleConfig", "UpdateNotebookInstanceLifecycleConfig")
# Studio lifecycle configs (JupyterLab, Code Editor, ... apps) carry one base64 script and have no update call.
STUDIO_LIFECYCLE_CALL = "CreateStudioLifecycleConfig"
# Signs its holder in to Studio as a user profile: the Studio twin of a presigned notebook URL.
DOMAIN_URL_CALL = "CreatePresignedDomainUrl"
NOTEBOOK_CALLS = (
    "CreateNotebookInstance",
    "UpdateNotebookInstance",
    "StopNotebookInstance",
    "StartNotebookInstance",
    "CreatePresignedNotebookInstanceUrl",
)
# UpdateNotebookInstance members that change what runs on the instance or with which rights; instance type
# and volume size changes are routine resizes and do not count.
RISKY_UPDATE_KEYS = ("lifecycleConfigName", "disassociateLifecycleConfig", "roleArn", "rootAccess",
                     "defaultCodeRepository", "additionalCodeRepositories", "instanceMetadataServiceConfiguration")


@detector(
    id="sagemaker.notebook_compromise",
    title="SageMaker notebook instance backdoored or exposed",
    category="notebook-compromise",
    severity="high",
    phase="enhanced",
    techniques=["T1546", "T1059.004", "T1552.005", "AML.T0011"],
    playbook="disable-endpoint",
    function=FUNCTION,
    events=[api_calls(SERVICE, [*LIFECYCLE_CALLS, STUDIO_LIFECYCLE_CALL, DOMAIN_URL_CALL, *NOTEBOOK_CALLS])],
    description=(
        "Notebook lifecycle scripts run as root with the notebook's execution role on every start. Attackers "
        "plant reverse shells, IMDS credential theft, miners, cron jobs or SSH keys there, then stop, update and "
        "start the notebook to run them; Studio lifecycle configs do the same for Studio apps. A presigned URL "
        "opens the notebook's Jupyter to whoever holds it."
    ),
    false_positives=[
        "Setup scripts that read instance metadata or pipe an installer into sh, next to a cron job.",
        "A platform team re-attaching a reviewed lifecycle configuration during a maintenance window.",
        "A data scientist opening their notebook from a new network (travel, VPN change).",
        "Notebooks created with the API defaults (direct internet access and root access enabled).",
    ],
    references=[
        "https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html",
        "https://stratus-red-team.cloud/attack-techniques/AWS/aws.execution.sagemaker-update-lifecycle-config/",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Score lifecycle scripts, follow Stop -> Update -> Start per notebook, and watch presigned-URL sources.

    Known false positives: setup scripts that combine IMDS reads or ``curl | sh`` installers with cron, a
    reviewed lifecycle configuration re-attached during maintenance, a user opening a notebook from a new
    network, and notebooks created with the API defaults (reported as low).
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    name = call.event_name
    if name in LIFECYCLE_CALLS:
        yield from _lifecycle_config(call, ctx, meta)
        return
    if name == STUDIO_LIFECYCLE_CALL:
        yield from _studio_lifecycle_config(call, ctx, meta)
        return
    if name == DOMAIN_URL_CALL:
        yield from _domain_url(call, ctx, meta)
        return
    notebook = text(call.request_parameters, "notebookInstanceName")
    if not notebook:
        return
    _remember_ip(call, ctx)
    if name == "CreatePresignedNotebookInstanceUrl":
        yield from _presigned_url(call, ctx, meta, f"notebook {notebook!r}", "the notebook's Jupyter",
                                  Resource(type="AWS::SageMaker::NotebookInstance",
                                           id=arn(call, "notebook-instance", notebook)), {"notebook": notebook})
        return
    if name == "CreateNotebookInstance":
        _attach_lifecycle(call, ctx, notebook)
        yield from _access_settings(call, ctx, meta, notebook)
        return
    if name == "UpdateNotebookInstance":
        if not _risky_changes(call.request_parameters):
            return
        _attach_lifecycle(call, ctx, notebook)
        yield from _access_settings(call, ctx, meta, notebook)
    _record_stage(call, ctx, notebook, {"StopNotebookInstance": "stop", "StartNotebookInstance": "start"}.get(
        name, "update"))
    yield from _sequence(call, ctx, meta, notebook)


def _risky_changes(p: dict[str, Any]) -> list[str]:
    """The RISKY_UPDATE_KEYS an UpdateNotebookInstance really changes towards more code or rights: a
    ``disassociateLifecycleConfig`` of false changes nothing, ``rootAccess`` Disabled takes rights away and an
    IMDS minimum of "2" hardens."""
    return [k for k in RISKY_UPDATE_KEYS if param(p, k) is not None
            and not (k in ("disassociateLifecycleConfig", "rootAccess") and flag(p, k) is False)
            and not (k == "instanceMetadataServiceConfiguration" and not _allows_imdsv1(p))]


def _allows_imdsv1(p: dict[str, Any]) -> bool:
    """MinimumInstanceMetadataServiceVersion "1": role credentials readable without an IMDSv2 session token."""
    imds = param(p, "instanceMetadataServiceConfiguration")
    return text(imds, "minimumInstanceMetadataServiceVersion") == "1"


# --------------------------------------------------------------------------------------------- lifecycle
def _lifecycle_key(call: ApiCall, config_name: str) -> str:
    return f"nb:lcc:{scope(call)}:{config_name}"


def _lifecycle_config(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p = call.request_parameters
    config_name = text(p, "notebookInstanceLifecycleConfigName")
    if not config_name:
        return
    result = score_hooks(param(p, "onCreate"), param(p, "onStart"))
    t = ts(call, ctx.fallback_time.timestamp())
    if call.event_name == "UpdateNotebookInstanceLifecycleConfig":
        # An update of a config attached to notebooks is the "Update" step of their restart sequence.
        for m in ctx.state.members(_lifecycle_key(call, config_name)):
            if m.member.startswith("notebook:"):
                notebook = m.member.split(":", 1)[1]
                _record_stage(call, ctx, notebook, "update", {"lifecycle_config": config_name,
                                                              "script_severity": result.severity})
                yield from _sequence(call, ctx, meta, notebook)
    # Every version of the script is kept with its verdict: the latest one is what the notebook runs.
    ctx.state.add(_lifecycle_key(call, config_name), f"script:{call.event_id or t}", t, LIFECYCLE_TTL,
                  {"severity": result.severity, "categories": result.categories})
    yield from _script_finding(call, ctx, meta, config_name, result,
                               Resource(type="AWS::SageMaker::NotebookInstanceLifecycleConfig",
                                        id=arn(call, "notebook-instance-lifecycle-config", config_name)),
                               "notebook lifecycle configuration", "it runs as root with the notebook's execution "
                               "role whenever an attached notebook starts")


def _studio_lifecycle_config(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p = call.request_parameters
    config_name = text(p, "studioLifecycleConfigName")
    if not config_name:
        return
    app = text(p, "studioLifecycleConfigAppType") or "Studio"
    yield from _script_finding(call, ctx, meta, config_name,
                               score_hooks({"content": text(p, "studioLifecycleConfigContent")}),
                               Resource(type="AWS::SageMaker::StudioLifecycleConfig",
                                        id=arn(call, "studio-lifecycle-config", config_name)),
                               f"Studio {app} lifecycle configuration",
                               f"it runs in every {app} app it is attached to, with that app's execution role",
                               title="SageMaker Studio lifecycle script with malicious content")


def _script_finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, config_name: str, result: ScriptScore,
                    resource: Resource, what: str, impact: str,
                    title: str = "SageMaker notebook lifecycle script with malicious content") -> Iterator[Finding]:
    if result.severity is None:
        return
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    severity = lower_severity(result.severity) if trusted else result.severity
    yield ctx.finding(
        meta,
        key=f"lcc:{call.event_id or config_name}",
        title=title,
        description=(
            f"{call.actor_arn or call.actor_key} {'updated' if 'Update' in call.event_name else 'created'} "
            f"{what} {config_name!r} whose script shows "
            f"{', '.join(c.replace('_', ' ') for c in result.categories)}; {impact}."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[resource],
        evidence={**call.summary(), "lifecycle_config": config_name, "score": result.score,
                  "indicators": result.categories, "snippets": result.snippets[:4],
                  "base64_decoded": result.decoded, "trusted_principal": trusted},
        severity=severity,
    )


def _attach_lifecycle(call: ApiCall, ctx: DetectContext, notebook: str) -> None:
    config_name = text(call.request_parameters, "lifecycleConfigName")
    if config_name:
        ctx.state.add(_lifecycle_key(call, config_name), f"notebook:{notebook}",
                      ts(call, ctx.fallback_time.timestamp()), LIFECYCLE_TTL)


def _lifecycle_script_severity(call: ApiCall, ctx: DetectContext, config_name: str | None) -> str | None:
    """The verdict on the latest script version of ``config_name`` (None when benign or never seen)."""
    if not config_name:
        return None
    scripts = [m for m in ctx.state.members(_lifecycle_key(call, config_name)) if m.member.startswith("script:")]
    return scripts[-1].data.get("severity") if scripts else None  # members come oldest first


# --------------------------------------------------------------------------------------------- sequence
def _sequence_key(call: ApiCall, notebook: str) -> str:
    return f"nb:seq:{scope(call)}:{notebook}"


def _record_stage(call: ApiCall, ctx: DetectContext, notebook: str, stage: str,
                  extra: dict[str, Any] | None = None) -> None:
    data: dict[str, Any] = {"stage": stage, "event_id": call.event_id, "actor": call.actor_arn or call.actor_key}
    if call.event_name == "UpdateNotebookInstance":
        data["lifecycle_config"] = text(call.request_parameters, "lifecycleConfigName")
        data["changed"] = _risky_changes(call.request_parameters)
    data.update(extra or {})
    ctx.state.add(_sequence_key(call, notebook), f"{stage}:{call.event_id or call.time}",
                  ts(call, ctx.fallback_time.timestamp()), SEQUENCE_TTL, data)


def _sequence(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, notebook: str) -> Iterator[Finding]:
    """Emit when the notebook's recent stages hold stop < update < start, whatever order they arrived in."""
    t = ts(call, ctx.fallback_time.timestamp())
    members = ctx.state.members(_sequence_key(call, notebook), since=t - SEQUENCE_WINDOW, until=t + SEQUENCE_WINDOW)
    stops = [m for m in members if m.data.get("stage") == "stop"]
    for up in (m for m in members if m.data.get("stage") == "update"):
        stop = next((s for s in reversed(stops) if s.ts <= up.ts), None)
        start = next((s for s in members if s.data.get("stage") == "start" and s.ts >= up.ts), None)
        if stop is None or start is None or start.ts - stop.ts > SEQUENCE_WINDOW:
            continue
        config_name = up.data.get("lifecycle_config")
        script_sev = up.data.get("script_severity") or _lifecycle_script_severity(call, ctx, config_name)
        severity = "high" if script_sev in ("high", "critical") else "medium"
        actors = sorted({str(m.data.get("actor")) for m in (stop, up, start)})
        yield ctx.finding(
            meta,
            key=f"seq:{scope(call)}:{notebook}:{up.member}",
            title="SageMaker notebook stopped, reconfigured and restarted",
            description=(
                f"Notebook {notebook!r} was stopped, had its {'lifecycle configuration ' if config_name else ''}"
                f"configuration changed and was started again within {int((start.ts - stop.ts) // 60)} minutes: "
                "the pattern that runs a planted boot script with the notebook's role."
            ),
            event_ids=[stop.data.get("event_id"), up.data.get("event_id"), start.data.get("event_id")],
            first_seen=datetime.fromtimestamp(stop.ts, UTC),
            last_seen=datetime.fromtimestamp(start.ts, UTC),
            account=call.account,
            region=call.region,
            principal=call.principal(),
            resources=[Resource(type="AWS::SageMaker::NotebookInstance",
                                id=arn(call, "notebook-instance", notebook))],
            evidence={"notebook": notebook, "actors": actors, "lifecycle_config": config_name,
                      "changed": up.data.get("changed") or ["lifecycle script"], "script_severity": script_sev},
            severity=severity,
        )
        return


# --------------------------------------------------------------------------------------------- access
def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None  # service names ("sagemaker.amazonaws.com"), "AWS Internal", anonymised values


def _ip_key(call: ApiCall) -> str:
    return f"nb:ip:{call.actor_key}"


def _remember_ip(call: ApiCall, ctx: DetectContext) -> None:
    ip = _ip(call.source_ip)
    if ip and call.event_name != "CreatePresignedNotebookInstanceUrl":
        ctx.state.add(_ip_key(call), ip, ts(call, ctx.fallback_time.timestamp()), IP_HISTORY_TTL)


def _domain_url(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p = call.request_parameters
    domain, profile = text(p, "domainId"), text(p, "userProfileName")
    if domain and profile:
        yield from _presigned_url(call, ctx, meta, f"Studio user profile {profile!r} in domain {domain!r}",
                                  "Studio as that user profile",
                                  Resource(type="AWS::SageMaker::UserProfile",
                                           id=arn(call, "user-profile", f"{domain}/{profile}")),
                                  {"domain_id": domain, "user_profile": profile, "space": text(p, "spaceName")})


def _presigned_url(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, target: str, grants: str,
                   resource: Resource, evidence: dict[str, Any]) -> Iterator[Finding]:
    ip = _ip(call.source_ip)
    if not ip:
        return
    t = ts(call, ctx.fallback_time.timestamp())
    history = {m.member for m in ctx.state.members(_ip_key(call), since=t - IP_HISTORY_TTL, until=t)}
    ctx.state.add(_ip_key(call), ip, t, IP_HISTORY_TTL)
    if not history or ip in history:
        return  # the first IP is the baseline; a known one is the user at their desk
    yield ctx.finding(
        meta,
        key=f"url:{call.event_id or f'{call.actor_key}:{ip}:{resource.id}'}",
        title=f"SageMaker {'Studio' if resource.type.endswith('UserProfile') else 'notebook'} URL created from a "
              "new IP address",
        description=(
            f"{call.actor_arn or call.actor_key} created a presigned URL for {target} from {ip}, an "
            f"address never seen for this identity (known: {len(history)}); whoever holds the URL gets "
            f"{grants} and its execution role."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[resource],
        evidence={**call.summary(), **evidence, "known_ip_count": len(history),
                  "session_expiration_seconds": param(call.request_parameters, "sessionExpirationDurationInSeconds")},
        severity="medium",
    )


def _access_settings(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, notebook: str) -> Iterator[Finding]:
    """DirectInternetAccess / RootAccess: both default to Enabled on create; re-enabling root or IMDSv1 is a
    change (create defaults to IMDSv1 too, but that is not reported on its own)."""
    p = call.request_parameters
    root = flag(p, "rootAccess")
    if call.event_name == "CreateNotebookInstance":
        internet = flag(p, "directInternetAccess")
        open_internet = internet is not False
        open_root = root is not False
        if not (open_internet and open_root):
            return
        severity, what = "low", "direct internet access and root access (the API defaults)"
        if not text(p, "subnetId"):
            what += ", outside any VPC"
    else:
        weakened = ["root access re-enabled"] if root is True else []
        weakened += ["IMDSv1 allowed again"] if _allows_imdsv1(p) else []
        if not weakened:
            return
        severity, what = "medium", " and ".join(weakened)
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    if trusted and severity != "low":
        severity = lower_severity(severity)
    elif not trusted and _lifecycle_script_severity(call, ctx, text(p, "lifecycleConfigName")):
        severity = raise_severity(severity, 2)
    yield ctx.finding(
        meta,
        key=f"access:{call.event_id or notebook}",
        title="SageMaker notebook instance exposed",
        description=(f"{call.actor_arn or call.actor_key} "
                     f"{'created' if call.event_name.startswith('Create') else 'updated'} notebook {notebook!r} "
                     f"with {what}."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::SageMaker::NotebookInstance", id=arn(call, "notebook-instance", notebook))],
        evidence={**call.summary(), "notebook": notebook, "direct_internet_access": param(p, "directInternetAccess"),
                  "root_access": param(p, "rootAccess"), "subnet_id": text(p, "subnetId"),
                  "imds_minimum_version": text(param(p, "instanceMetadataServiceConfiguration"),
                                               "minimumInstanceMetadataServiceVersion"),
                  "lifecycle_config": text(p, "lifecycleConfigName"), "trusted_principal": trusted},
        severity=severity,
    )
