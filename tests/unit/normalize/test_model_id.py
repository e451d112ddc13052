"""Model-id normalisation: every shape a modelId takes in CloudTrail and invocation logs."""

from __future__ import annotations

import pytest
from aidr.config import AidrConfig
from aidr.normalize.model_id import parse_model_id, resolve_model_id

ACCOUNT = "111122223333"


@pytest.mark.parametrize(
    ("raw", "kind", "model", "scope"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", "foundation-model", "anthropic.claude-3-haiku-20240307-v1:0", None),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", "foundation-model",
         "anthropic.claude-3-haiku-20240307-v1:0:200k", None),
        ("  amazon.titan-embed-text-v2:0 ", "foundation-model", "amazon.titan-embed-text-v2:0", None),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "foundation-model",
         "anthropic.claude-v2", None),
        ("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
         "foundation-model", "anthropic.claude-3-haiku-20240307-v1:0", None),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
         "inference-profile", "anthropic.claude-haiku-4-5-20251001-v1:0", "us"),
        (f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:inference-profile/eu.meta.llama3-2-3b-instruct-v1:0",
         "inference-profile", "meta.llama3-2-3b-instruct-v1:0", "eu"),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "inference-profile",
         "anthropic.claude-3-5-sonnet-20241022-v2:0", "us"),
        ("apac.amazon.nova-pro-v1:0", "inference-profile", "amazon.nova-pro-v1:0", "apac"),
        ("global.anthropic.claude-sonnet-4-20250514-v1:0", "inference-profile",
         "anthropic.claude-sonnet-4-20250514-v1:0", "global"),
        ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", "inference-profile",
         "anthropic.claude-3-haiku-20240307-v1:0", "us-gov"),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6",
         "application-inference-profile", None, None),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/a1b2c3d4e5f6", "provisioned-model", None, None),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/amazon.titan-text-express-v1:0:8k/a1b2c3",
         "custom-model", None, None),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:imported-model/a1b2c3d4e5f6", "imported-model", None, None),
        (f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/marketplace-model", "sagemaker-arn", None, None),
        ("dummy-model-v1", "foundation-model", "dummy-model-v1", None),
    ],
)
def test_parse_model_id(raw: str, kind: str, model: str | None, scope: str | None) -> None:
    ref = parse_model_id(raw)
    assert ref is not None
    assert (ref.kind, ref.model_id, ref.scope) == (kind, model, scope)


@pytest.mark.parametrize("raw", [None, "", "   ", 42])
def test_absent_model_ids(raw: object) -> None:
    assert parse_model_id(raw) is None  # type: ignore[arg-type]
    assert resolve_model_id(raw) is None  # type: ignore[arg-type]


def test_profile_arn_keeps_its_region() -> None:
    ref = parse_model_id(f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0")
    assert ref is not None and ref.region == "eu-central-1"


def test_resolved_id_is_what_the_allow_list_compares() -> None:
    cfg = AidrConfig(approved_models=["anthropic.claude-haiku-4-5"])
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert not cfg.model_is_approved(arn)  # the raw ARN does not start with the approved prefix
    assert cfg.model_is_approved(resolve_model_id(arn))
