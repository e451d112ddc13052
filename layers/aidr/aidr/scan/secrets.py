"""Credentials in free text: AWS keys, private keys, Bedrock API keys, other AI providers' API keys (OpenAI,
Anthropic, Hugging Face, Google), GitHub/GitLab and Slack tokens, JWTs.

Every pattern is linear in the input: it starts with a negative look-behind on its own character class (so
it is only tried where a run of such characters begins, not at each position inside a long run) and any
unbounded repetition is over one character class followed by a character outside it (nothing to backtrack
into). ``tests/unit/scan`` feeds each scanner pathological megabyte inputs to keep it that way.
"""

from __future__ import annotations

import base64
import binascii
import re

import orjson

from .hit import Hit
from .literals import LiteralSet
from .mask import fingerprint, mask_token

# AWS access key ids: long-term (AKIA) and temporary (ASIA) keys; base32 alphabet after the prefix.
_AWS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])")
# A secret access key: exactly 40 characters of base64 without padding. "=" may precede it (env dumps:
# AWS_SECRET_ACCESS_KEY=...); padding only ever ends a base64 run, so it cannot hide a longer token there.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# How far from a key id a secret key still counts as "its" secret (config files, env dumps, code).
SECRET_NEAR_CHARS = 300

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40}")

# Bedrock API keys: long-term keys are "ABSK" + base64 of "BedrockAPIKey-…"; short-term keys are
# "bedrock-api-key-" + base64 of a pre-signed URL.
_BEDROCK_KEY = re.compile(r"(?<![A-Za-z0-9+/_-])(?:ABSK|bedrock-api-key-)[A-Za-z0-9+/]{32,}={0,2}")

_GITHUB = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,255})(?![A-Za-z0-9_])"
)
_GITLAB = re.compile(r"(?<![A-Za-z0-9_-])(?:glpat|glptt|gldt|glrt|glsoat|glft)-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])")

# JWS compact form: base64url(header).base64url(payload).signature; header and payload are JSON objects,
# so both segments start with "eyJ" ('{"').
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")

# Other AI providers' keys: what LLMjacking crews harvest next to cloud keys. Each has a fixed marker: Anthropic
# "sk-ant-api03-"/"sk-ant-admin01-"; OpenAI keys carry "T3BlbkFJ" (base64 of "OpenAI") between two random parts;
# Hugging Face "hf_" and 34 random letters; Google (Gemini, Maps...) "AIza" and 35 characters.
_ANTHROPIC = re.compile(r"(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])")
_OPENAI = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}(?![A-Za-z0-9_-])")
_HUGGING_FACE = re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34}(?![A-Za-z0-9_])")
_GOOGLE = re.compile(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")
# Slack bot/user/app tokens: "xoxb-", "xoxp-", ... then numbered, dash-separated parts.
_SLACK = re.compile(r"(?<![A-Za-z0-9-])xox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])")

_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
_GITLAB_PREFIXES = ("glpat-", "glptt-", "gldt-", "glrt-", "glsoat-", "glft-")


def _has_mixed_case(value: str) -> bool:
    # A random 40-character secret has both cases; a 40-hex git SHA or a base32 id has not.
    return not value.isupper() and not value.islower()


def _is_example(value: str) -> bool:
    return "EXAMPLE" in value.upper()


def _secret(kind: str, value: str, start: int, keep: int = 4) -> Hit:
    return Hit(kind, mask_token(value, keep_start=keep), start, fingerprint(value), _is_example(value))


def _aws_keys(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _AWS_KEY_ID.finditer(text):
        key_id = m.group()
        hits.append(Hit("aws_access_key_id", mask_token(key_id, keep_start=4, keep_end=4), m.start(),
                        fingerprint(key_id), _is_example(key_id)))
        lo, hi = max(0, m.start() - SECRET_NEAR_CHARS), m.end() + SECRET_NEAR_CHARS
        for s in _AWS_SECRET.finditer(text, lo, hi):
            if _has_mixed_case(s.group()):
                hits.append(_secret("aws_secret_access_key", s.group(), s.start(), keep=2))
                break
    return hits


def _private_keys(text: str) -> list[Hit]:
    hits = []
    for m in _PRIVATE_KEY.finditer(text):
        # A header alone is a mention; a header followed by key material is a key.
        if _KEY_BODY.search(text, m.end(), m.end() + 400):
            header = m.group().strip("-").replace("BEGIN ", "")
            hits.append(Hit("private_key", f"{header} …", m.start(), None, False))
    return hits


def _jwt_header_ok(token: str) -> bool:
    header = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        obj = orjson.loads(decoded)
    except (binascii.Error, ValueError):
        return False
    return isinstance(obj, dict) and "alg" in obj


# Literals every match of a pattern contains: one pass finds which occur, and only their patterns run.
_GATE = LiteralSet(("AKIA", "ASIA", "PRIVATE KEY", "ABSK", "bedrock-api-key-", *_GITHUB_PREFIXES, *_GITLAB_PREFIXES,
                    "eyJ", "sk-ant-", "T3BlbkFJ", "hf_", "AIza", "xox"))


def _tokens(text: str, present: frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    if "ABSK" in present or "bedrock-api-key-" in present:
        hits += [_secret("bedrock_api_key", m.group(), m.start(), keep=4) for m in _BEDROCK_KEY.finditer(text)]
    if not present.isdisjoint(_GITHUB_PREFIXES):
        hits += [_secret("github_token", m.group(), m.start(), keep=4) for m in _GITHUB.finditer(text)]
    if not present.isdisjoint(_GITLAB_PREFIXES):
        hits += [_secret("gitlab_token", m.group(), m.start(), keep=6) for m in _GITLAB.finditer(text)]
    if "sk-ant-" in present:
        hits += [_secret("anthropic_api_key", m.group(), m.start(), keep=6) for m in _ANTHROPIC.finditer(text)]
    if "T3BlbkFJ" in present:
        hits += [_secret("openai_api_key", m.group(), m.start(), keep=3) for m in _OPENAI.finditer(text)]
    if "hf_" in present:  # 34 random letters and digits have both cases; an identifier in code rarely does
        hits += [_secret("hugging_face_token", m.group(), m.start(), keep=3) for m in _HUGGING_FACE.finditer(text)
                 if _has_mixed_case(m.group()[3:])]
    if "AIza" in present:
        hits += [_secret("google_api_key", m.group(), m.start(), keep=4) for m in _GOOGLE.finditer(text)]
    if "xox" in present:
        hits += [_secret("slack_token", m.group(), m.start(), keep=5) for m in _SLACK.finditer(text)]
    if "eyJ" in present:
        hits += [_secret("jwt", m.group(), m.start(), keep=3) for m in _JWT.finditer(text) if _jwt_header_ok(m.group())]
    return hits


def scan_secrets(text: str) -> list[Hit]:
    """Credentials in ``text``, masked, in order of appearance.

    Examples
    --------
    >>> [h.kind for h in scan_secrets("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")]
    ['aws_access_key_id']
    >>> scan_secrets("AKIAIOSFODNN7EXAMPLE")[0].masked
    'AKIA…LE'
    """
    hits: list[Hit] = []
    present = _GATE.present(text)
    if not present:
        return hits
    if "AKIA" in present or "ASIA" in present:
        hits += _aws_keys(text)
    if "PRIVATE KEY" in present:
        hits += _private_keys(text)
    hits += _tokens(text, present)
    hits.sort(key=lambda h: h.start)
    return hits
