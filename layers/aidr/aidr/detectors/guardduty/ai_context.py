"""Whether a GuardDuty finding touches AI workloads, and why.

A link is *direct* when the finding itself names AI activity or data: models (``resource.modelDetails``), a Bedrock
guardrail, API calls to Bedrock or SageMaker (the API call action, attack-sequence indicators and resources, or the
``service:Api`` list GuardDuty writes into attack-sequence descriptions), a Bedrock API key's IAM user, or a bucket in
``protected_data_buckets``. It is *indirect* when only configuration or naming ties it: tags in ``ai_resource_tags``,
or "sagemaker"/"bedrock" in a role, user, instance profile or function name.

Examples
--------
>>> from aidr.config import AidrConfig
>>> from aidr.normalize.guardduty import GuardDutyFinding
>>> f = GuardDutyFinding({"resource": {"modelDetails": [{"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}]}})
>>> link = ai_link(f, AidrConfig())
>>> link.linked, link.direct
(True, True)
>>> ai_link(GuardDutyFinding({"resource": {"resourceType": "Instance"}}), AidrConfig()).linked
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...config import AidrConfig
from ...normalize.guardduty import GuardDutyFinding

AI_SERVICES = ("bedrock", "sagemaker")
_AI_API = re.compile(r"\b(?:bedrock|sagemaker)[a-z-]*:[A-Za-z]+", re.IGNORECASE)
_AI_ARN = re.compile(r"^arn:aws[a-z-]*:(?:bedrock|sagemaker):", re.IGNORECASE)
_AI_NAME = re.compile(r"sagemaker|bedrock", re.IGNORECASE)
# IAM users minted for long-term Bedrock API keys are named BedrockAPIKey-<id>.
BEDROCK_API_KEY_USER = "BedrockAPIKey-"


@dataclass
class AiLink:
    reasons: list[str] = field(default_factory=list)
    direct: bool = False

    @property
    def linked(self) -> bool:
        return bool(self.reasons)

    def add(self, reason: str, direct: bool) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.direct |= direct


def _is_ai_service(name: str | None) -> bool:
    return bool(name and name.lower().startswith(AI_SERVICES))


def ai_link(f: GuardDutyFinding, config: AidrConfig) -> AiLink:
    """Every reason the finding is tied to AI workloads (empty when it is not)."""
    link = AiLink()
    if models := f.model_ids:
        link.add(f"models invoked: {', '.join(sorted(set(models))[:5])}", True)
    if f.guardrail_details:
        link.add("a Bedrock guardrail intervened", True)
    if _is_ai_service(f.api_service_name):
        link.add(f"API calls to {f.api_service_name}", True)
    affected = f.api_call_action().get("affectedResources")
    if isinstance(affected, dict) and any(_AI_ARN.match(str(v)) or "bedrock" in k.lower() or "sagemaker" in k.lower()
                                          for k, v in affected.items()):
        link.add("affects Bedrock or SageMaker resources", True)
    _sequence(f, link)
    if apis := sorted(set(_AI_API.findall(f.description))):
        link.add(f"AI APIs named by GuardDuty: {', '.join(apis[:5])}", True)
    user = f.user_name or ""
    if user.startswith(BEDROCK_API_KEY_USER):
        link.add(f"the IAM user of a Bedrock API key ({user})", True)
    for bucket in _bucket_names(f):
        if bucket in config.protected_data_buckets:
            link.add(f"protected data bucket {bucket}", True)
    for key, value in f.tags():
        wanted = config.ai_resource_tags.get(key)
        if wanted is not None and (not wanted or value in wanted):
            link.add(f"tagged {key}={value}", False)
    for name in _names(f):
        if _AI_NAME.search(name) and not user.startswith(BEDROCK_API_KEY_USER):
            link.add(f"AI workload name {name}", False)
    return link


def _sequence(f: GuardDutyFinding, link: AiLink) -> None:
    for res in f.sequence_resources:
        rtype = str(res.get("resourceType") or "")
        uid = str(res.get("uid") or "")
        if rtype.startswith(("BEDROCK_", "SAGEMAKER_")) or _is_ai_service(str(res.get("service") or "")) \
                or _AI_ARN.match(uid):
            link.add(f"attack sequence involves {rtype or 'resource'} {res.get('name') or uid}", True)
    for key, value in f.indicator_values():
        if _AI_API.match(value) or _is_ai_service(value):
            link.add(f"attack sequence indicator {key}: {value}", True)


def _bucket_names(f: GuardDutyFinding) -> set[str]:
    names = {str(b["name"]) for b in f.buckets if b.get("name")}
    names |= {str(r["name"]) for r in f.sequence_resources if r.get("resourceType") == "S3_BUCKET" and r.get("name")}
    return names


def _names(f: GuardDutyFinding) -> list[str]:
    """Identity and workload names that may reveal an AI role (e.g. AmazonSageMaker-ExecutionRole-...)."""
    r: dict[str, Any] = f.resource
    instance = r.get("instanceDetails") if isinstance(r.get("instanceDetails"), dict) else {}
    profile = instance.get("iamInstanceProfile") if isinstance(instance.get("iamInstanceProfile"), dict) else {}
    lam = r.get("lambdaDetails") if isinstance(r.get("lambdaDetails"), dict) else {}
    candidates = [f.user_name, profile.get("arn"), lam.get("functionName"), lam.get("functionArn")]
    return [c for c in candidates if isinstance(c, str) and c]
