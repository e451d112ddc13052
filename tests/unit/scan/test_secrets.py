from __future__ import annotations

import pytest
from aidr.scan.mask import mask_email, mask_token
from aidr.scan.secrets import SECRET_NEAR_CHARS, scan_secrets

from tests.unit.scan.secret_values import (
    ANTHROPIC_KEY,
    BEDROCK_KEY,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    GOOGLE_KEY,
    HUGGING_FACE_TOKEN,
    JWT,
    KEY_ID,
    OPENAI_KEY,
    PEM,
    SECRET_KEY,
    SHORT_TERM_BEDROCK_KEY,
    SLACK_TOKEN,
    TEMP_KEY_ID,
)


def kinds(text: str) -> list[str]:
    return [h.kind for h in scan_secrets(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"aws_access_key_id={KEY_ID}", ["aws_access_key_id"]),
        (f"AWS_ACCESS_KEY_ID={TEMP_KEY_ID}", ["aws_access_key_id"]),
        (f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET_KEY}\n",
         ["aws_access_key_id", "aws_secret_access_key"]),
        # env dump: the secret follows "=" directly
        (f"AWS_ACCESS_KEY_ID={TEMP_KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n",
         ["aws_access_key_id", "aws_secret_access_key"]),
        (f"here:\n{PEM}\n", ["private_key"]),
        (f"export AWS_BEARER_TOKEN_BEDROCK={BEDROCK_KEY}", ["bedrock_api_key"]),
        (f"token {SHORT_TERM_BEDROCK_KEY}", ["bedrock_api_key"]),
        (f"git clone https://{GITHUB_TOKEN}@github.com/acme/app", ["github_token"]),
        (f"PRIVATE-TOKEN: {GITLAB_TOKEN}", ["gitlab_token"]),
        (f"Authorization: Bearer {JWT}", ["jwt"]),
        (f"export ANTHROPIC_API_KEY={ANTHROPIC_KEY}", ["anthropic_api_key"]),
        (f"client = OpenAI(api_key='{OPENAI_KEY}')", ["openai_api_key"]),
        (f"huggingface-cli login --token {HUGGING_FACE_TOKEN}", ["hugging_face_token"]),
        (f"https://generativelanguage.googleapis.com/v1beta/models?key={GOOGLE_KEY}", ["google_api_key"]),
        (f"SLACK_BOT_TOKEN={SLACK_TOKEN}", ["slack_token"]),
    ],
)
def test_each_credential_kind_is_found(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "commit 4558683307e3a1a10bd0ff946faf045ed014d135 and 9f2c1e0b7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b",
        "request 6f9e9644-95a1-4c3c-892f-b51372320d5e role AROA1234567890EXAMPLE",
        "keys that start with AKIA are long-term; ASIA keys are temporary",
        "the file begins with -----BEGIN OPENSSH PRIVATE KEY----- followed by the key",
        "eyJhbGciOi.eyJzdWIiOi.notasignature",  # too short to be a token
        "ghp_short and glpat-short",
        "keys look like sk-ant-api03-... and sk-proj-...T3BlbkFJ...; tokens like hf_... and xoxb-...",
        "def hf_" + "load_pretrained_weights_from_local_cache(path):",  # an identifier, not a token
        "AIza" + "Sy-too-short and sk-" + "T3BlbkFJ",
    ],
)
def test_lookalikes_are_not_credentials(text: str) -> None:
    assert scan_secrets(text) == []


def test_secret_key_only_counts_near_its_key_id() -> None:
    far = f"{KEY_ID}" + " filler" * (SECRET_NEAR_CHARS // 5) + f" {SECRET_KEY}"
    assert kinds(far) == ["aws_access_key_id"]
    assert kinds(f"{SECRET_KEY} alone") == []


def test_jwt_needs_a_json_header() -> None:
    _header, payload, sig = JWT.split(".")
    assert kinds(f"eyJub3RqcXNvbg.{payload}.{sig}") == []


def test_documented_examples_are_marked() -> None:
    (key, secret) = scan_secrets("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert key.test_value and secret.test_value


def test_hits_are_masked_and_fingerprinted() -> None:
    values = (KEY_ID, SECRET_KEY, GITHUB_TOKEN, BEDROCK_KEY, JWT, ANTHROPIC_KEY, OPENAI_KEY, HUGGING_FACE_TOKEN,
              GOOGLE_KEY, SLACK_TOKEN)
    hits = scan_secrets(" ".join(values))
    assert len(hits) == len(values)
    for h in hits:
        assert h.fingerprint and len(h.fingerprint) == 12
        for value in values:
            assert value not in h.masked
        assert len(h.masked.replace("…", "")) <= 8
    assert scan_secrets(KEY_ID)[0].fingerprint == scan_secrets(f"x {KEY_ID} y")[0].fingerprint


def test_masks_keep_a_third_at_most() -> None:
    assert mask_token("abcdef") == "ab…"
    assert mask_token("abc") == "…"
    assert mask_email("jane.doe@example.com") == "j…@example.com"
