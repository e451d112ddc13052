"""The detection taxonomy (shared/detection-taxonomy.md): every finding carries exactly one category."""

from __future__ import annotations

from typing import Literal, get_args

Category = Literal[
    "prompt-injection",
    "guardrail-block-burst",
    "sensitive-data-exposure",
    "unguarded-invocation",
    "model-abuse",
    "model-probing",
    "unapproved-model",
    "agent-tampering",
    "agent-boundary-escape",
    "logging-tampering",
    "guardrail-tampering",
    "model-recon",
    "model-access-grant",
    "credential-misuse",
    "privilege-escalation",
    "training-data-tampering",
    "data-exposure",
    "model-supply-chain",
    "notebook-compromise",
    "endpoint-exposure",
    "credential-compromise",
    "ai-resource-threat",
]
CATEGORIES: tuple[str, ...] = get_args(Category)

# The layer each category belongs to (a detector's layer must agree).
CATEGORY_LAYER: dict[str, str] = {
    "prompt-injection": "application",
    "guardrail-block-burst": "application",
    "sensitive-data-exposure": "application",
    "unguarded-invocation": "application",
    "model-abuse": "application",
    "model-probing": "application",
    "unapproved-model": "application",
    "agent-tampering": "application",
    "agent-boundary-escape": "application",
    "logging-tampering": "identity-data",
    "guardrail-tampering": "identity-data",
    "model-recon": "identity-data",
    "model-access-grant": "identity-data",
    "credential-misuse": "identity-data",
    "privilege-escalation": "identity-data",
    "training-data-tampering": "identity-data",
    "data-exposure": "identity-data",
    "model-supply-chain": "infrastructure",
    "notebook-compromise": "infrastructure",
    "endpoint-exposure": "infrastructure",
    "credential-compromise": "identity-data",
    "ai-resource-threat": "infrastructure",
}

PLAYBOOKS = ("revoke-principal", "quarantine-bucket", "disable-endpoint", "restore-logging", "rollback")
