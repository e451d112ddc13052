"""Credentials and personal data in what a model was given or what it answered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...findings.model import SEVERITY_ORDER, Finding
from ...scan.pii import scan_pii
from ...scan.secrets import scan_secrets
from ..context import DetectContext, window_start
from ..registry import detector
from .common import DAY, FUNCTION, INVOCATION_EVENTS, read, subject, summary

# Credentials that grant access on their own.
SECRET_SEVERITY = {
    "private_key": "high",
    "aws_secret_access_key": "high",
    "bedrock_api_key": "high",
    "github_token": "high",
    "gitlab_token": "high",
    "anthropic_api_key": "high",
    "openai_api_key": "high",
    "hugging_face_token": "high",
    "slack_token": "high",
    "google_api_key": "medium",  # often a browser key restricted to referrers or one API
    "jwt": "medium",
    "aws_access_key_id": "low",  # an identifier; with its secret nearby the pair is reported high
}
# Personal data by volume: distinct values for (medium, high); fewer than medium is reported low only for
# kinds where one value already matters (cards, SSNs).
PII_VOLUME = {"card_number": (1, 5), "us_ssn": (3, 10), "email": (10, 50), "phone": (10, 50)}
LOW_SINGLE = frozenset({"us_ssn"})
MAX_SAMPLES = 3


@dataclass
class Exposure:
    """What one side (prompt or completion) exposes: counts per kind, masked samples, worst severity."""

    severity: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)
    fingerprints: set[str] = field(default_factory=set)

    def add(self, kind: str, count: int, samples: list[str], severity: str | None) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + count
        self.samples.setdefault(kind, [])
        self.samples[kind] = (self.samples[kind] + samples)[:MAX_SAMPLES]
        if severity and (self.severity is None or SEVERITY_ORDER[severity] > SEVERITY_ORDER[self.severity]):
            self.severity = severity

    def evidence(self) -> dict[str, Any]:
        return {"kinds": self.kinds, "masked_samples": self.samples}


def _volume_severity(kind: str, distinct: int, real: int) -> str | None:
    medium, high = PII_VOLUME[kind]
    if real >= high:
        return "high"
    if real >= medium:
        return "medium"
    if distinct and (kind in LOW_SINGLE or real < distinct):  # one SSN, or only documented test values
        return "low"
    return None


def assess(text: str) -> Exposure:
    """Scan one text; severities follow the tables above (documented example values count as low)."""
    exp = Exposure()
    if not text:
        return exp
    for hit in scan_secrets(text):
        sev = "low" if hit.test_value else SECRET_SEVERITY[hit.kind]
        exp.add(hit.kind, 1, [hit.masked], sev)
        if hit.fingerprint:
            exp.fingerprints.add(hit.fingerprint)
    for kind, c in scan_pii(text).items():
        sev = _volume_severity(kind, c.distinct, c.distinct - c.test_values)
        if sev:
            exp.add(kind, c.distinct, c.samples, sev)
    return exp


@detector(
    id="invocation.sensitive_data_exposure",
    title="Sensitive data in a model prompt or completion",
    category="sensitive-data-exposure",
    severity="medium",
    phase="enhanced",
    techniques=["AML.T0057"],
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        "The prompt (user, tool and system turns) or the completion of an invocation contains credentials "
        "(AWS access key ids with their secret key nearby, private keys, Bedrock API keys, OpenAI, Anthropic, "
        "Hugging Face and Google API keys, GitHub/GitLab and Slack tokens, JWTs) or personal data (Luhn-valid "
        "card numbers, US SSNs, emails and phone numbers in bulk). Credentials "
        "in model traffic end up in logs, caches and training sets; in completions they are a leak. Evidence is "
        "masked: kinds, counts, masked samples and fingerprints of secrets, never the text."
    ),
    false_positives=[
        "Documented example values (AKIAIOSFODNN7EXAMPLE, processor test cards) are reported low.",
        "Customer-support or CRM assistants that legitimately handle lists of contacts.",
        "Developers pasting short-lived tokens while debugging.",
    ],
    references=["https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    inv = read(event, ctx)
    sides = {
        "prompt": assess("\n".join(t for t in (inv.system_text, inv.prompt_text) if t)),
        "completion": assess(inv.completion_text),
    }
    found = {where: e for where, e in sides.items() if e.severity}
    if not found:
        return
    severity = max((e.severity for e in found.values() if e.severity), key=SEVERITY_ORDER.__getitem__)
    kinds = sorted({k for e in found.values() for k in e.kinds})
    prints = sorted({p for e in found.values() for p in e.fingerprints})
    meta = detect.meta  # type: ignore[attr-defined]
    day = window_start(ctx.when(inv.timestamp), DAY)
    yield ctx.finding(
        meta,
        # Conversations re-send earlier turns: the same secrets from the same identity on one day are one finding.
        key=f"{inv.identity_key}:{day}:{','.join(sorted(found))}:{','.join(prints) or ','.join(kinds)}",
        description=(
            f"{', '.join(kinds)} found in the {' and '.join(sorted(found))} of an invocation of "
            f"{inv.model_id or inv.raw_model_id} by {inv.identity_arn or 'an unknown identity'}."
        ),
        evidence={**summary(inv, ctx), **{where: e.evidence() for where, e in found.items()},
                  "secret_fingerprints": prints, "text_truncated": inv.text_truncated},
        severity=severity,
        **subject(inv, ctx),
    )
