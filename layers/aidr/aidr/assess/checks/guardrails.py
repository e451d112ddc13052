"""Bedrock guardrails: present where Bedrock is used, filtering prompt attacks at HIGH, PII and ungrounded answers,
and attached (by a published version) to every agent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..collect import BEDROCK_USAGE_CALLS, agents, bedrock_usage, guardrails
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check
from ._common import evaluate

GUARDRAIL_CALLS = ("bedrock:ListGuardrails", "bedrock:GetGuardrail")
AGENT_CALLS = ("bedrock-agent:ListAgents", "bedrock-agent:GetAgent")


def _arn(g: dict[str, Any]) -> str:
    return str(g.get("guardrailArn") or g.get("guardrailId"))


@check(id="guardrails.present", title="Bedrock guardrails exist where Bedrock is used",
       layer="application", phase="foundational", severity="high", api_calls=[*GUARDRAIL_CALLS, *BEDROCK_USAGE_CALLS],
       remediation="Create a Bedrock guardrail (content filters including PROMPT_ATTACK, sensitive information "
                   "filters) and require it on invocations and agents.",
       references={"owasp_llm_2025": ["LLM01", "LLM02"], "mitre_atlas": ["AML.T0051", "AML.T0054"]})
def present(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = guardrails(ctx, region)
    if found:
        yield passed(f"{len(found)} guardrail(s)")
        return
    usage = bedrock_usage(ctx, region)
    if usage:
        yield failed(f"Bedrock is used ({', '.join(usage)}) but no guardrail exists", exposure=2)
    else:
        yield not_applicable("Bedrock is not used")


def _acts(f: dict[str, Any], side: str) -> bool:
    """Whether filter ``f`` acts on ``side`` ("input" or "output"): evaluation enabled and an action other than NONE.

    ``NONE`` is detect mode (detections only reach the trace). Absent fields are the defaults (enabled; the filter's
    ``action`` for sensitive information entities, else BLOCK).
    """
    if f.get(f"{side}Enabled") is False:
        return False
    return (f.get(f"{side}Action") or f.get("action") or "BLOCK") != "NONE"


def _prompt_attack_problem(g: dict[str, Any]) -> str | None:
    filters = (g.get("contentPolicy") or {}).get("filters") or []
    pa = next((f for f in filters if f.get("type") == "PROMPT_ATTACK"), None)
    if pa is None:
        return "no PROMPT_ATTACK content filter"
    if pa.get("inputStrength") != "HIGH":
        return f"PROMPT_ATTACK input strength is {pa.get('inputStrength')}, not HIGH"
    if pa.get("inputEnabled") is False:
        return "PROMPT_ATTACK filter is disabled on input"
    if not _acts(pa, "input"):
        return "PROMPT_ATTACK filter only detects on input (inputAction NONE): attacks are not blocked"
    return None


@check(id="guardrails.prompt_attack_high", title="Guardrails filter prompt attacks at HIGH",
       layer="application", phase="foundational", severity="high", api_calls=GUARDRAIL_CALLS,
       remediation="Set the PROMPT_ATTACK content filter's input strength to HIGH on every guardrail.",
       references={"owasp_llm_2025": ["LLM01"], "mitre_atlas": ["AML.T0051", "AML.T0054"]})
def prompt_attack_high(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(guardrails(ctx, region), none="no guardrails", resource=_arn,
                        problem=_prompt_attack_problem, ok="PROMPT_ATTACK filter at HIGH on input")


@check(id="guardrails.sensitive_information", title="Guardrails filter sensitive information (PII)",
       layer="application", phase="enhanced", severity="medium", api_calls=GUARDRAIL_CALLS,
       remediation="Add a sensitive information policy (PII entities to block or anonymise, and regexes for "
                   "internal identifiers) to every guardrail.",
       references={"owasp_llm_2025": ["LLM02"], "mitre_atlas": ["AML.T0057"]})
def sensitive_information(ctx: AssessContext, region: str) -> Iterator[Result]:
    def problem(g: dict[str, Any]) -> str | None:
        pol = g.get("sensitiveInformationPolicy") or {}
        filters = [*(pol.get("piiEntities") or []), *(pol.get("regexes") or [])]
        if not filters:
            return "no sensitive information (PII) filter"
        # A filter protects when it blocks or masks both prompts and responses; detect-only (NONE) or a disabled
        # side leaves that side's sensitive data flowing.
        if any(_acts(f, "input") and _acts(f, "output") for f in filters):
            return None
        return "sensitive information filters only detect or are disabled on input or output: " + ", ".join(
            str(f.get("type") or f.get("name")) for f in filters)
    yield from evaluate(guardrails(ctx, region), none="no guardrails", resource=_arn, problem=problem,
                        ok="sensitive information filter blocks or masks prompts and responses")


@check(id="guardrails.contextual_grounding", title="Guardrails check contextual grounding and relevance",
       layer="application", phase="advanced", severity="medium", api_calls=GUARDRAIL_CALLS,
       remediation="Add contextual grounding checks (GROUNDING and RELEVANCE) to guardrails used for RAG and agents.",
       references={"owasp_llm_2025": ["LLM09"]})
def contextual_grounding(ctx: AssessContext, region: str) -> Iterator[Result]:
    def problem(g: dict[str, Any]) -> str | None:
        # A filter with action NONE (detect only) or enabled false does not stop ungrounded answers.
        types = {f.get("type") for f in (g.get("contextualGroundingPolicy") or {}).get("filters") or []
                 if f.get("enabled") is not False and (f.get("action") or "BLOCK") != "NONE"}
        missing = {"GROUNDING", "RELEVANCE"} - types
        return f"no blocking contextual grounding filter for {', '.join(sorted(missing))}" if missing else None
    yield from evaluate(guardrails(ctx, region), none="no guardrails", resource=_arn, problem=problem,
                        ok="GROUNDING and RELEVANCE filters configured")


@check(id="guardrails.customer_managed_key", title="Guardrails are encrypted with a customer managed KMS key",
       layer="identity-data", phase="advanced", severity="low", api_calls=GUARDRAIL_CALLS,
       remediation="Recreate guardrails with kmsKeyId set to a customer managed key.",
       references={"owasp_llm_2025": ["LLM02"]})
def customer_managed_key(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(guardrails(ctx, region), none="no guardrails", resource=_arn,
                        problem=lambda g: None if g.get("kmsKeyArn") else "encrypted with an AWS owned key",
                        ok="customer managed KMS key")


def _agent_arn(a: dict[str, Any]) -> str:
    return str(a.get("agentArn") or a.get("agentId"))


@check(id="agents.guardrail_attached", title="Bedrock agents have a guardrail",
       layer="application", phase="foundational", severity="high", api_calls=AGENT_CALLS,
       remediation="Associate a guardrail with every agent (guardrailConfiguration in UpdateAgent) and prepare it.",
       references={"owasp_llm_2025": ["LLM01", "LLM06"], "mitre_atlas": ["AML.T0051"]})
def agent_guardrail_attached(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(agents(ctx, region), none="no Bedrock agents", resource=_agent_arn,
                        problem=lambda a: None if (a.get("guardrailConfiguration") or {}).get("guardrailIdentifier")
                        else "agent has no guardrail", ok="guardrail attached", exposure=2)


@check(id="agents.guardrail_versioned", title="Agents use a published guardrail version, not the draft",
       layer="application", phase="enhanced", severity="low", api_calls=AGENT_CALLS,
       remediation="Publish a guardrail version (CreateGuardrailVersion) and point agents at it, so edits to the "
                   "draft cannot silently weaken production.",
       references={"owasp_llm_2025": ["LLM01"]})
def agent_guardrail_versioned(ctx: AssessContext, region: str) -> Iterator[Result]:
    guarded = [a for a in agents(ctx, region) if (a.get("guardrailConfiguration") or {}).get("guardrailIdentifier")]

    def problem(a: dict[str, Any]) -> str | None:
        v = str((a.get("guardrailConfiguration") or {}).get("guardrailVersion") or "DRAFT")
        return "agent uses the guardrail's DRAFT" if v.upper() == "DRAFT" else None
    yield from evaluate(guarded, none="no agents with a guardrail", resource=_agent_arn, problem=problem,
                        ok="published guardrail version")


@check(id="agents.customer_managed_key", title="Bedrock agents are encrypted with a customer managed KMS key",
       layer="identity-data", phase="advanced", severity="low", api_calls=AGENT_CALLS,
       remediation="Set customerEncryptionKeyArn on agents (UpdateAgent).",
       references={"owasp_llm_2025": ["LLM02"]})
def agent_customer_managed_key(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(agents(ctx, region), none="no Bedrock agents", resource=_agent_arn,
                        problem=lambda a: None if a.get("customerEncryptionKeyArn") else "no customer managed key",
                        ok="customer managed KMS key")
