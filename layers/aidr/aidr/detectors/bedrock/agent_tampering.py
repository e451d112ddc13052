"""Changes to a Bedrock agent's tools, knowledge and collaborators, and RAG source poisoning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import arn_account
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext, window_start
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from ._agentcore import member

FUNCTION = "DetectBedrockFunction"
BASELINE_TTL = 400 * 86400
DELETE_WINDOW = 3600
DELETE_BURST = 3  # DeleteKnowledgeBase calls by one identity within DELETE_WINDOW

ACTION_GROUP_CALLS = ("CreateAgentActionGroup", "UpdateAgentActionGroup")
AGENT_EDIT_CALLS = ("UpdateAgent", "UpdateAgentAlias", "AssociateAgentKnowledgeBase", "UpdateAgentKnowledgeBase",
                    "AssociateAgentCollaborator", "UpdateAgentCollaborator", *ACTION_GROUP_CALLS)
DATA_SOURCE_CALLS = ("CreateDataSource", "UpdateDataSource")
# What changes a knowledge base's content: a sync of a data source, or documents written or deleted directly
# (IngestKnowledgeBaseDocuments / DeleteKnowledgeBaseDocuments, custom and S3 data sources).
INGEST_CALLS = ("StartIngestionJob", "IngestKnowledgeBaseDocuments", "DeleteKnowledgeBaseDocuments")
CALLS = ("CreateAgent", "CreateKnowledgeBase", "DeleteKnowledgeBase", *INGEST_CALLS, *AGENT_EDIT_CALLS,
         *DATA_SOURCE_CALLS)


@detector(
    id="bedrock.agent_tampering",
    title="Bedrock agent or knowledge base tampered with",
    category="agent-tampering",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0070", "AML.T0051", "T1565.001"],
    playbook=None,  # agent pause (UpdateAgentAlias REJECT_INVOCATIONS) has no playbook id yet
    function=FUNCTION,
    events=[api_calls("bedrock", list(CALLS))],
    description=(
        "An agent does what its action groups, knowledge bases and collaborators let it do. An action group "
        "executor, custom-orchestration or parser Lambda, or a collaborator, in another account hands the agent's "
        "tool calls, control flow or raw model output to an outsider; a "
        "data source, or documents ingested directly, from a bucket another account owns let that account write "
        "what the agent retrieves (RAG poisoning). Also reported: a first-time editor of an agent, a first-time "
        "changer of a knowledge base's content (ingestion job, or documents written or deleted directly), and "
        "several knowledge bases deleted in a short window."
    ),
    false_positives=[
        "Shared-services or partner accounts that legitimately host action-group Lambdas or data buckets.",
        "A new developer joining an agent's team (first edit, first ingestion).",
        "Tear-down of a test environment deleting its knowledge bases.",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/agents-action-create.html",
                "https://atlas.mitre.org/techniques/AML.T0070"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Cross-account wiring is high; unusual editors and ingestion starters medium; deletion bursts high.

    Known false positives: shared-services accounts hosting Lambdas or buckets, new team members, test
    environment tear-downs.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    name = call.event_name
    p = call.request_parameters
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    if name == "CreateAgent":
        agent = (call.response_elements.get("agent") or {}).get("agentId")
        if isinstance(agent, str):
            _is_new_editor(call, ctx, agent)
            yield from _foreign_wiring(call, ctx, meta, agent, trusted)
        return
    if name in AGENT_EDIT_CALLS:
        yield from _agent_edit(call, ctx, meta, trusted)
    elif name in DATA_SOURCE_CALLS:
        yield from _data_source(call, ctx, meta)
    elif name in INGEST_CALLS:
        if name == "IngestKnowledgeBaseDocuments":
            yield from _foreign_documents(call, ctx, meta, p.get("knowledgeBaseId"), trusted)
        if not trusted:
            yield from _ingestion(call, ctx, meta, p.get("knowledgeBaseId"))
    elif name == "DeleteKnowledgeBase" and not trusted:
        yield from _deletions(call, ctx, meta)


def _arn(call: ApiCall, kind: str, ident: str) -> str:
    return f"arn:aws:bedrock:{call.region or ''}:{call.account or ''}:{kind}/{ident}"


def _is_new_editor(call: ApiCall, ctx: DetectContext, agent: str) -> tuple[bool, int]:
    """Record the caller as an editor of ``agent``; (first time for this caller, editors known before)."""
    key = f"agent:editors:{call.account}:{call.region}:{agent}"
    known = {m.member for m in ctx.state.members(key)}
    ctx.state.add(key, call.actor_key, ctx.when(call.time).timestamp(), BASELINE_TTL)
    return call.actor_key not in known, len(known)


def _agent_edit(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, trusted: bool) -> Iterator[Finding]:
    p = call.request_parameters
    agent = p.get("agentId")
    if not isinstance(agent, str):
        return
    new_editor, known = _is_new_editor(call, ctx, agent)
    resources = [Resource(type="AWS::Bedrock::Agent", id=_arn(call, "agent", agent))]
    foreign = list(_foreign_wiring(call, ctx, meta, agent, trusted))
    if foreign:
        yield from foreign
        return
    if trusted or not new_editor or not known:
        return  # the agent's creator and known editors are its baseline
    yield ctx.call_finding(
        meta, call, key=f"agent-editor:{call.event_id or agent}",
        title="Bedrock agent changed by a new principal",
        description=(f"{call.actor_arn or call.actor_key} called {call.event_name} on agent {agent}, which "
                     f"it never changed before ({known} known editor(s))."),
        severity="medium", resources=resources,
        evidence={"agent_id": agent, "known_editors": known,
                  "knowledge_base_id": p.get("knowledgeBaseId"),
                  "action_group": p.get("actionGroupName")})


def _foreign_wiring(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, agent: str,
                    trusted: bool) -> Iterator[Finding]:
    outsider = _outside_target(call)
    if not outsider:
        return
    what, target = outsider
    yield ctx.call_finding(
        meta, call, key=f"agent-foreign:{call.event_id or agent}",
        title="Bedrock agent wired to another account",
        description=(f"{call.actor_arn or call.actor_key} called {call.event_name} on agent {agent}: its "
                     f"{what} {target} is in account {arn_account(target)}, so that account receives "
                     "the agent's calls and shapes its answers."),
        severity="high", resources=[Resource(type="AWS::Bedrock::Agent", id=_arn(call, "agent", agent))],
        evidence={"agent_id": agent, what.replace(" ", "_"): target, "trusted_principal": trusted})


def _outside_target(call: ApiCall) -> tuple[str, str] | None:
    """(what, ARN) when a Lambda the agent hands work to, or a collaborator alias, lives in another account.

    Besides action-group executors and collaborators, CreateAgent/UpdateAgent name a custom-orchestration Lambda
    (``customOrchestration.executor.lambda``: it decides when the model and the tools run) and a parser Lambda
    (``promptOverrideConfiguration.overrideLambda``: it reads the model's raw output), per the Bedrock API reference.
    """
    p = call.request_parameters
    candidates = [("executor lambda", member(p, "actionGroupExecutor", "lambda")),
                  ("collaborator alias", member(p, "agentDescriptor", "aliasArn")),
                  ("orchestration lambda", member(p, "customOrchestration", "executor", "lambda")),
                  ("parser lambda", member(p, "promptOverrideConfiguration", "overrideLambda"))]
    for what, target in candidates:
        owner = arn_account(target) if isinstance(target, str) else None
        if owner and call.account and owner != call.account:
            return what, target  # type: ignore[return-value]
    return None


def _data_source(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p = call.request_parameters
    kb = p.get("knowledgeBaseId")
    config = p.get("dataSourceConfiguration")
    s3 = config.get("s3Configuration") if isinstance(config, dict) else None
    if not isinstance(s3, dict) or not isinstance(kb, str):
        return
    owner = s3.get("bucketOwnerAccountId")
    bucket = s3.get("bucketArn")
    if not isinstance(owner, str) or not owner or owner == call.account:
        return
    yield ctx.call_finding(
        meta, call, key=f"kb-foreign-bucket:{call.event_id or kb}",
        title="Bedrock knowledge base reads a bucket owned by another account",
        description=(f"{call.actor_arn or call.actor_key} pointed a data source of knowledge base {kb} at "
                     f"{bucket}, owned by account {owner}: that account decides what the agent retrieves."),
        severity="high",
        resources=[Resource(type="AWS::Bedrock::KnowledgeBase", id=_arn(call, "knowledge-base", kb))],
        evidence={"knowledge_base_id": kb, "bucket_arn": bucket, "bucket_owner": owner,
                  "data_source": p.get("name") or p.get("dataSourceId")})


_INGEST_WORDING = {
    "StartIngestionJob": ("ingestion started", "started an ingestion job on",
                          "Ingestion loads whatever the data source now holds into what the agent retrieves."),
    "IngestKnowledgeBaseDocuments": ("documents written directly", "wrote documents directly into",
                                     "They are what the agent retrieves from now on, with no data source sync."),
    "DeleteKnowledgeBaseDocuments": ("documents deleted directly", "deleted documents directly from",
                                     "The agent no longer retrieves them."),
}


def _ingestion(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, kb: Any) -> Iterator[Finding]:
    """A principal that never changed this knowledge base's content before (any of INGEST_CALLS) does."""
    if not isinstance(kb, str):
        return
    key = f"kb:ingesters:{call.account}:{call.region}:{kb}"
    known = {m.member for m in ctx.state.members(key)}
    ctx.state.add(key, call.actor_key, ctx.when(call.time).timestamp(), BASELINE_TTL)
    if not known or call.actor_key in known:
        return
    what, did, effect = _INGEST_WORDING[call.event_name]
    p = call.request_parameters
    docs = p.get("documents") if call.event_name == "IngestKnowledgeBaseDocuments" else p.get("documentIdentifiers")
    yield ctx.call_finding(
        meta, call, key=f"kb-ingest:{call.event_id or kb}",
        title=f"Bedrock knowledge base: {what} by a new principal",
        description=(f"{call.actor_arn or call.actor_key} {did} knowledge base {kb}; only {len(known)} other "
                     f"identity(ies) changed its content before. {effect}"),
        severity="medium",
        resources=[Resource(type="AWS::Bedrock::KnowledgeBase", id=_arn(call, "knowledge-base", kb))],
        evidence={"knowledge_base_id": kb, "data_source_id": p.get("dataSourceId"), "known_ingesters": len(known),
                  **({"documents": len(docs)} if isinstance(docs, list) else {})})


def _foreign_documents(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, kb: Any,
                       trusted: bool) -> Iterator[Finding]:
    """Documents ingested from an S3 object whose bucket another account owns (custom data sources name the
    owner in ``custom.s3Location.bucketOwnerAccountId``)."""
    docs = call.request_parameters.get("documents")
    if not isinstance(kb, str) or not isinstance(docs, list):
        return
    foreign: dict[str, str] = {}
    for doc in docs:
        content = member(doc, "content")
        for loc in (member(content, "custom", "s3Location"), member(content, "s3", "s3Location")):
            owner = member(loc, "bucketOwnerAccountId")
            uri = member(loc, "uri")
            if isinstance(owner, str) and owner and owner != call.account and isinstance(uri, str):
                foreign.setdefault(uri[:300], owner)
    if not foreign:
        return
    owners = sorted(set(foreign.values()))
    yield ctx.call_finding(
        meta, call, key=f"kb-foreign-documents:{call.event_id or kb}",
        title="Bedrock knowledge base fed documents from another account's bucket",
        description=(f"{call.actor_arn or call.actor_key} ingested {len(foreign)} document(s) into knowledge base "
                     f"{kb} from S3 owned by account(s) {', '.join(owners)}: that account decides what the agent "
                     "retrieves."),
        severity="high",
        resources=[Resource(type="AWS::Bedrock::KnowledgeBase", id=_arn(call, "knowledge-base", kb))],
        evidence={"knowledge_base_id": kb, "data_source_id": call.request_parameters.get("dataSourceId"),
                  "bucket_owners": owners, "document_uris": list(foreign)[:5],
                  "trusted_principal": trusted})


def _deletions(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    kb = call.request_parameters.get("knowledgeBaseId")
    if not isinstance(kb, str):
        return
    t = ctx.when(call.time)
    recent = ctx.state.window_count(f"kb:deletes:{call.account}:{call.actor_key}", call.event_id or kb,
                                    t.timestamp(), DELETE_WINDOW, {"kb": kb})
    if len(recent) < DELETE_BURST:
        return
    kbs = sorted({str(m.data.get("kb")) for m in recent})
    yield ctx.call_finding(
        meta, call, key=f"kb-deletes:{call.account}:{call.actor_key}:{window_start(t, DELETE_WINDOW)}",
        title="Several Bedrock knowledge bases deleted",
        description=(f"{call.actor_arn or call.actor_key} deleted {len(recent)} knowledge bases within "
                     f"{DELETE_WINDOW // 60} minutes."),
        severity="high",
        resources=[Resource(type="AWS::Bedrock::KnowledgeBase", id=_arn(call, "knowledge-base", k))
                   for k in kbs[:20]],
        evidence={"knowledge_base_ids": kbs[:20], "count": len(recent)},
        event_ids=[m.member for m in recent])
