"""Scanning is linear in the input: megabyte inputs built to trigger catastrophic backtracking complete.

Nothing is timed here (timing belongs to the benchmark); a quadratic or exponential pattern would make
these tests run for minutes or hours instead of about a second in total.
"""

from __future__ import annotations

import pytest
from aidr.config import AidrConfig
from aidr.engine import Engine
from aidr.normalize.invocation import invocation_envelope
from aidr.scan.injection import score_text
from aidr.scan.pii import scan_pii
from aidr.scan.secrets import scan_secrets
from aidr.state import MemoryState

MB = 1_000_000

PATHOLOGICAL = {
    "one long word": "a" * MB,
    "key id prefixes": "AKIA" * (MB // 4),
    "key id then base32": "AKIA" + "A" * MB,
    "jwt prefixes": "eyJ" * (MB // 3),
    "jwt segments": "eyJaaaaaaaaa." * (MB // 13),
    "bedrock key prefix": "ABSK" + "Q" * MB,
    "github prefixes": "ghp_" * (MB // 4),
    "pem headers": "-----BEGIN RSA PRIVATE KEY-----" * (MB // 31),
    "digits": "4" * MB,
    "spaced digits": "4 " * (MB // 2),
    "dashed digits": "4-" * (MB // 2),
    "at signs": "@" * MB,
    "almost emails": "a@" * (MB // 2),
    "dotted domain": "a@" + "b." * (MB // 2),
    "whitespace": " \t\n" * (MB // 3),
    "override words": "ignore all " * (MB // 11),
    "phrase then whitespace": "ignore all " + " \n" * (MB // 2) + "x",
    "repeated phrase starts": "from \t" * (MB // 6),
    "extraction words": "print me the your " * (MB // 18),
    "curl without url": "curl " * (MB // 5),
    "markdown images": "![" * (MB // 2),
    "base64 run": "QUJD" * (MB // 4),
    "hex run": "ab" * (MB // 2),
    "zero width": "\u200b" * MB,
    "ai key markers": "sk-T3BlbkFJ" * (MB // 11),
    "openai key then run": "sk-" + "T3BlbkFJ" * (MB // 8),
    "provider prefixes": "sk-ant-api03-hf_AIzaxoxb-" * (MB // 25),
    "spelled-out letters": "a " * (MB // 2),
    "spelled-out words": "i g n o r e   " * (MB // 14),
    "digits between letters": "a1" * (MB // 2),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_scanners_finish_on_pathological_megabyte(name: str) -> None:
    text = PATHOLOGICAL[name]
    assert isinstance(scan_secrets(text), list)
    assert isinstance(scan_pii(text), dict)
    assert score_text(text).score >= 0


def test_detectors_finish_on_a_pathological_megabyte_prompt() -> None:
    prompt = "".join(PATHOLOGICAL[k][: MB // 8] for k in ("almost emails", "jwt prefixes", "override words",
                                                             "spaced digits", "base64 run", "key id prefixes"))
    record = {"schemaType": "ModelInvocationLog", "requestId": "r-1", "timestamp": "2025-03-04T10:00:00Z",
              "operation": "Converse", "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
              "identity": {"arn": "arn:aws:iam::111122223333:user/a"},
              "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": prompt}]}]}},
              "output": {"outputBodyJson": {"output": {"message": {"content": [{"text": prompt}]}}}}}
    engine = Engine(AidrConfig(require_guardrails=True), MemoryState(), function="DetectInvocationFunction")
    findings = engine.process(invocation_envelope(record))
    assert all(f.detector.startswith("invocation.") for f in findings)
