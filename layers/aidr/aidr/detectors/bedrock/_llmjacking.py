"""What the LLMjacking detectors share: the Bedrock API vocabulary of each stage and per-identity windows.

An LLMjacking intrusion with stolen AWS credentials runs recon (which models exist, is logging on, is access
granted), access grant (use-case form, agreements, entitlements: APIs the console calls), probing (invocations
that fail in ways that reveal what the key can do) and then invocation, often resold through a reverse proxy.
Each stage has its own detector; :mod:`.llmjacking_chain` ties them together.

Windows live in ``ctx.state`` keyed by the identity (:attr:`ApiCall.actor_key`), hold one member per CloudTrail
event (so a re-delivered event never counts twice), and are read on both sides of the event's time (CloudTrail
files arrive out of order). A burst is the densest run of members that fits in the window, and its grouping key
is the fixed window holding the run's first event: every emission of one burst carries the same key and merges
into one finding.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ...errors import AidrError
from ...findings.model import MAX_EVENT_IDS, Finding, Resource, lower_severity
from ...normalize.cloudtrail import PROBE_ERROR_CODES, ApiCall
from ...normalize.model_id import resolve_model_id
from ...state.base import Member
from ..context import DetectContext, window_start
from ..registry import DetectorMeta

# --- Bedrock API vocabulary

# Runtime calls that run a model (CloudTrail management events, readOnly, modelId only).
INVOKE_CALLS = frozenset({
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "InvokeModelWithBidirectionalStream",
    "Converse",
    "ConverseStream",
})
# Runtime calls a Bedrock API key is made for; anything else it does is control plane.
RUNTIME_CALLS = INVOKE_CALLS | {"CountTokens", "ApplyGuardrail", "StartAsyncInvoke", "GetAsyncInvoke",
                                "ListAsyncInvokes"}
# What an intruder reads first: which models exist and are enabled, whether invocations are logged.
RECON_CALLS = frozenset({
    "ListFoundationModels",
    "GetFoundationModel",
    "GetFoundationModelAvailability",
    "ListFoundationModelAgreementOffers",
    "GetUseCaseForModelAccess",
    "GetModelInvocationLoggingConfiguration",
    "ListInferenceProfiles",
    "GetInferenceProfile",
    "ListProvisionedModelThroughputs",
    "ListCustomModels",
})
# The same reads on bedrock-mantle (eventSource bedrock-mantle.amazonaws.com, the OpenAI/Anthropic-compatible
# endpoint): GET /v1/models and /v1/models/{model}, management events (Bedrock user guide, "Monitor bedrock-mantle
# API calls using CloudTrail").
MANTLE_RECON_CALLS = frozenset({"ListModels", "GetModel"})
# bedrock-mantle management events that change something: fine-tuning jobs and projects (same page). Its reads are
# ListModels, GetModel, ListFineTuningJobs, GetFineTuningJob, ListProjects and GetProject.
MANTLE_CHANGE_CALLS = frozenset({"CreateFineTuningJob", "CancelFineTuningJob", "CreateProject", "UpdateProject",
                                 "ArchiveProject"})
# Calls that enable a model for the account.
GRANT_CALLS = frozenset({"PutUseCaseForModelAccess", "CreateFoundationModelAgreement", "PutFoundationModelEntitlement"})
# The console's model-access flow: reading the offers is part of it (it yields the agreement's offer token).
GRANT_FLOW_CALLS = GRANT_CALLS | {"ListFoundationModelAgreementOffers"}
# Calls made by the Bedrock console's model-access pages. Several are in the public SDK since 2025, but people
# use them from the console; programmatic use is what LLMjacking tooling does.
CONSOLE_ONLY_CALLS = frozenset({
    "GetFoundationModelAvailability",
    "GetUseCaseForModelAccess",
    "PutUseCaseForModelAccess",
    "ListFoundationModelAgreementOffers",
    "CreateFoundationModelAgreement",
    "DeleteFoundationModelAgreement",
    "PutFoundationModelEntitlement",
})

BEDROCK_API_KEY_USER_PREFIX = "BedrockAPIKey-"

# --- errors

# Capacity and service-side errors say nothing about what the caller may do.
BENIGN_ERROR_CODES = frozenset({
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceQuotaExceededException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
})
# Errors legitimate applications hit after a model lifecycle change (retired or legacy model, a newer model that
# needs an inference profile); they arrive as ValidationException/AccessDenied/ResourceNotFound too.
_BENIGN_ERROR_MESSAGE = re.compile(
    r"end of its life|\blegacy\b|on-demand throughput isn.t supported", re.IGNORECASE
)

ErrorKind = Literal["probe", "benign", "other"]
Stage = Literal["recon", "grant", "probe", "invoke"]


def classify_error(call: ApiCall) -> ErrorKind | None:
    """None when the call succeeded; ``probe`` for errors that reveal what a key may do, ``benign`` for known
    lifecycle and capacity errors, ``other`` for the rest."""
    code = call.error_code
    if not code:
        return None
    if code in BENIGN_ERROR_CODES or _BENIGN_ERROR_MESSAGE.search(call.error_message):
        return "benign"
    return "probe" if code in PROBE_ERROR_CODES else "other"


def stage_of(call: ApiCall) -> Stage | None:
    """The LLMjacking stage one Bedrock call belongs to, if any (a refused grant grants nothing)."""
    name = call.event_name
    if name in INVOKE_CALLS:
        err = classify_error(call)
        if err is None:
            return "invoke"
        return "probe" if err == "probe" else None
    if name in GRANT_CALLS:
        return None if call.error_code else "grant"
    if name in RECON_CALLS:
        return "recon"
    return None


# --- who and how

def credential_kind(call: ApiCall) -> str:
    """How the caller authenticated: console session, Bedrock API key, long-term or temporary access key."""
    if call.from_console:
        return "console-session"
    if call.bearer_token:
        return "bedrock-api-key"
    key = call.access_key_id or ""
    if key.startswith("AKIA"):
        return "long-term-access-key"
    if key.startswith("ASIA"):
        return "temporary-access-key"
    return "unknown"


def is_browser_user_agent(user_agent: str) -> bool:
    return user_agent.startswith("Mozilla/")


def is_trusted(ctx: DetectContext, call: ApiCall) -> bool:
    return ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)


def is_aws_service(call: ApiCall) -> bool:
    """Calls AWS services make on a principal's behalf (``invokedBy``) or as themselves."""
    return call.identity_type == "AWSService" or bool(call.identity.get("invokedBy"))


def softened(severity: str, trusted: bool) -> str:
    """One step lower for principals the config trusts: still visible, no longer paging."""
    return lower_severity(severity) if trusted else severity


def model_of(call: ApiCall) -> str | None:
    """The foundation model of the call, inference profiles resolved; the raw id when it cannot be resolved."""
    return resolve_model_id(call.model_id) or call.model_id


def model_resources(models: Sequence[str]) -> list[Resource]:
    return [Resource(type="AWS::Bedrock::FoundationModel", id=m) for m in models]


# --- time and windows

def event_ts(ctx: DetectContext, call: ApiCall) -> float:
    return ctx.when(call.time).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_member(call: ApiCall, ts: float) -> str:
    """The set member of one event: its eventID, or what identifies it when a redacted record has none."""
    return call.event_id or f"{call.event_name}@{ts:.3f}#{call.raw.get('requestID') or ''}"


def member_data(call: ApiCall, **extra: Any) -> dict[str, Any]:
    """What a window keeps per event: enough for evidence, never request bodies."""
    data: dict[str, Any] = {"event_id": call.event_id, "name": call.event_name, "region": call.region}
    if call.source_ip:
        data["ip"] = call.source_ip
    if call.user_agent:
        data["ua"] = call.user_agent[:120]
    data.update(extra)
    return data


def distinct(members: Sequence[Member], field: str) -> list[str]:
    return sorted({str(m.data[field]) for m in members if m.data.get(field)})


def densest_run(
    members: Sequence[Member], ts: float, window: int, score: Callable[[Sequence[Member]], int] = len
) -> list[Member]:
    """The run of ``members`` (sorted by ts) spanning at most ``window`` seconds, containing ``ts``, that
    scores highest (most members by default); the earliest such run on ties."""
    times = [m.ts for m in members]
    best: list[Member] = []
    best_score = -1
    for i, start in enumerate(times):
        if start > ts:
            break
        if start + window < ts:
            continue
        run = list(members[i:bisect_right(times, start + window)])
        s = score(run)
        if s > best_score:
            best, best_score = run, s
    return best


@dataclass(frozen=True)
class Burst:
    """The run of one identity's events around the current one (see :func:`observe`)."""

    members: tuple[Member, ...]
    anchor: int  # start of the fixed window holding the run's first event: part of the grouping key

    def __len__(self) -> int:
        return len(self.members)

    @property
    def first_seen(self) -> datetime:
        return datetime.fromtimestamp(self.members[0].ts, UTC)

    @property
    def last_seen(self) -> datetime:
        return datetime.fromtimestamp(self.members[-1].ts, UTC)

    def distinct(self, field: str) -> list[str]:
        return distinct(self.members, field)

    def event_ids(self, limit: int = MAX_EVENT_IDS) -> list[str | None]:
        return [m.data.get("event_id") for m in self.members[:limit]]

    def names(self) -> dict[str, int]:
        return dict(Counter(str(m.data.get("name")) for m in self.members).most_common())

    def evidence(self, counted: str = "calls") -> dict[str, Any]:
        """Small summary of the run: its size (named ``counted``), names, regions, a few IPs and user agents."""
        return {
            counted: len(self.members),
            "event_names": self.names(),
            "regions": self.distinct("region"),
            "source_ips": self.distinct("ip")[:5],
            "user_agents": self.distinct("ua")[:3],
            "first_call": iso(self.members[0].ts),
            "last_call": iso(self.members[-1].ts),
        }


def observe(
    ctx: DetectContext,
    key: str,
    call: ApiCall,
    window: int,
    *,
    member: str | None = None,
    score: Callable[[Sequence[Member]], int] = len,
    **data: Any,
) -> Burst | None:
    """Add the event to the window ``key`` and return the run around it; None when the member was already
    there (a re-delivered event, or a mark already made), since nothing changed.

    Like :meth:`StateStore.window_count`, except that a member already present neither counts twice nor
    costs a window read. ``member`` overrides the per-event member (e.g. one per region and ten minutes).
    """
    ts = event_ts(ctx, call)
    if not ctx.state.add(key, member or event_member(call, ts), ts, ttl_seconds=window * 2 + 3600,
                         data=member_data(call, **data)):
        return None
    around = ctx.state.members(key, since=ts - window, until=ts + window)
    run = densest_run(around, ts, window, score)
    anchor = window_start(datetime.fromtimestamp(run[0].ts, UTC), window)
    return Burst(tuple(run), anchor)


def count_claim(ctx: DetectContext, key: str, member: str, ts: float, ttl_seconds: int) -> int | None:
    """Count distinct members of ``key`` without reading them all: the n-th new member returns n; a member
    already claimed returns None. The count is a versioned value, so concurrent writers never lose a step."""
    if not ctx.state.add(key, member, ts, ttl_seconds):
        return None
    count_key = f"{key}#count"
    for _ in range(8):
        value, version = ctx.state.get(count_key)
        n = int((value or {}).get("n", 0)) + 1
        if ctx.state.put(count_key, {"n": n}, version, ttl_seconds):
            return n
    # Let Lambda retry: the member is claimed, so the retry returns None and this event stays uncounted.
    raise AidrError(f"state contention on {count_key}")


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def burst_finding(
    ctx: DetectContext,
    meta: DetectorMeta,
    call: ApiCall,
    burst: Burst,
    *,
    description: str,
    severity: str,
    evidence: dict[str, Any] | None = None,
    resources: list[Resource] | None = None,
    counted: str = "calls",
    event_ids: list[str | None] | None = None,
) -> Finding:
    """The finding of one identity's burst, keyed by identity + window anchor so its emissions merge."""
    return ctx.finding(
        meta,
        key=f"{call.actor_key}:{burst.anchor}",
        description=description,
        event_ids=burst.event_ids() if event_ids is None else event_ids,
        first_seen=burst.first_seen,
        last_seen=burst.last_seen,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=resources,
        evidence={**burst.evidence(counted), **(evidence or {})},
        severity=severity,
    )


def identity_burst(ctx: DetectContext, meta: DetectorMeta, call: ApiCall, window: int, **kwargs: Any) -> Burst | None:
    """:func:`observe` on the detector's own window for the caller's identity (``<detector id>:<actor key>``)."""
    return observe(ctx, f"{meta.id}:{call.actor_key}", call, window, **kwargs)


def stage_finding(
    ctx: DetectContext, meta: DetectorMeta, call: ApiCall, burst: Burst, *,
    description: str,
    severity: str,
    models: Sequence[str] | None = None,
    evidence: dict[str, Any] | None = None,
    resources: list[Resource] | None = None,
    counted: str = "calls",
) -> Finding:
    """:func:`burst_finding` with what every LLMjacking stage reports: the credential kind, the models (also as
    resources, after ``resources``), the detector's own ``evidence``, and whether the principal is trusted, which
    lowers ``severity`` one step."""
    trusted = is_trusted(ctx, call)
    facts: dict[str, Any] = {"credential": credential_kind(call)}
    if models is not None:
        facts["models"] = list(models)
    facts.update(evidence or {})
    facts["trusted_principal"] = trusted
    return burst_finding(
        ctx, meta, call, burst, description=description, severity=softened(severity, trusted),
        resources=[*(resources or []), *model_resources([m for m in models or () if m != "unknown"])],
        evidence=facts,
        counted=counted,
    )
