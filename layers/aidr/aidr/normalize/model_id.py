"""Bedrock model identifiers, reduced to the foundation model they name.

A ``modelId`` in CloudTrail or in an invocation log may be a bare foundation-model id
(``anthropic.claude-3-haiku-20240307-v1:0``), a foundation-model ARN, a cross-region inference-profile id
(``us.anthropic.claude-...``, ``global.``, ``eu.``, ``apac.`` ...) or its ARN, or the ARN of something whose model
cannot be read from the id alone (application inference profiles, provisioned throughput, custom and imported
models, prompt routers). Allow-lists and per-model baselines must compare the foundation model, so normalise
first.

Examples
--------
>>> resolve_model_id("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2")
'anthropic.claude-v2'
>>> resolve_model_id("arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-haiku-v1:0")
'anthropic.claude-3-haiku-v1:0'
>>> resolve_model_id("global.anthropic.claude-sonnet-4-20250514-v1:0")
'anthropic.claude-sonnet-4-20250514-v1:0'
>>> resolve_model_id("arn:aws:bedrock:us-east-1:111122223333:provisioned-model/a1b2c3d4e5f6") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Geographic scopes of system-defined cross-region inference profiles (the id's first dot-separated part).
# No model provider uses one of these names, so a bare id starting with one is a profile id.
PROFILE_SCOPES = frozenset({"us", "eu", "apac", "us-gov", "jp", "au", "ca", "global"})

FOUNDATION_MODEL = "foundation-model"
INFERENCE_PROFILE = "inference-profile"


@dataclass(frozen=True)
class ModelRef:
    """What a ``modelId`` names.

    ``model_id`` is the foundation-model id, or None when it cannot be known from the identifier alone
    (``kind`` then says what the identifier is). ``scope`` is the inference profile's geography.
    """

    raw: str
    kind: str
    model_id: str | None
    scope: str | None = None
    region: str | None = None


def _from_profile_id(raw: str, profile_id: str, region: str | None) -> ModelRef:
    scope, sep, rest = profile_id.partition(".")
    if sep and scope in PROFILE_SCOPES and rest:
        return ModelRef(raw, INFERENCE_PROFILE, rest, scope, region)
    return ModelRef(raw, INFERENCE_PROFILE, None, None, region)


def parse_model_id(raw: str | None) -> ModelRef | None:
    """Classify a ``modelId``; None when it is absent or not a string."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _parse(raw)


@lru_cache(maxsize=4096)  # an account calls a handful of models, every record names one
def _parse(raw: str) -> ModelRef:
    value = raw.strip()
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[2] != "bedrock" or "/" not in parts[5]:
            # Not a Bedrock model ARN (e.g. a SageMaker endpoint serving a Marketplace model).
            return ModelRef(value, f"{parts[2] if len(parts) > 2 else 'unknown'}-arn", None)
        region = parts[3] or None
        kind, _, resource_id = parts[5].partition("/")
        if kind == FOUNDATION_MODEL:
            return ModelRef(value, kind, resource_id or None, None, region)
        if kind == INFERENCE_PROFILE:
            return _from_profile_id(value, resource_id, region)
        # application-inference-profile, provisioned-model, custom-model, imported-model, prompt-router...:
        # the id does not name the model; only the Bedrock API can say which one it wraps.
        return ModelRef(value, kind, None, None, region)
    scope, sep, rest = value.partition(".")
    if sep and scope in PROFILE_SCOPES and "." in rest:
        return ModelRef(value, INFERENCE_PROFILE, rest, scope)
    return ModelRef(value, FOUNDATION_MODEL, value)


def resolve_model_id(raw: str | None) -> str | None:
    """The foundation-model id ``raw`` names, or None when it cannot be resolved from the id alone."""
    ref = parse_model_id(raw)
    return ref.model_id if ref else None
