"""Configuration (contracts.md section 4): every key valid and invalid, unknown keys, types, files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aidr.config import KNOWN_KEYS, AidrConfig, load_config_file, load_config_text, parse_config
from aidr.errors import ConfigError

CONTRACT_KEYS = {"approved_models", "trusted_principals", "protected_data_buckets", "approved_artifact_sources",
                 "protected_principals", "require_guardrails", "ai_resource_tags",
                 # response keys (issue 5), an extension of the contract
                 "approvers", "playbook_rules", "approval_timeouts", "approval_timeout_default"}

VALID: dict[str, Any] = {
    "approved_models": ["anthropic.claude-3-haiku", "amazon.titan-embed-text-v2:0"],
    "trusted_principals": ["arn:aws:iam::111122223333:role/ml-platform-*"],
    "protected_data_buckets": ["ml-training-data-111122223333"],
    "approved_artifact_sources": ["s3://ml-artifacts-111122223333/models/",
                                  "111122223333.dkr.ecr.us-east-1.amazonaws.com/"],
    "protected_principals": ["arn:aws:iam::111122223333:role/BreakGlass"],
    "require_guardrails": True,
    "ai_resource_tags": {"Project": ["ml", "genai"], "ai-workload": []},
    "approvers": ["arn:aws:iam::111122223333:role/OnCall-*"],
    "playbook_rules": [{"category": "model-abuse", "playbook": "revoke-principal", "min_severity": "medium"}],
    "approval_timeouts": {"critical": 600},
    "approval_timeout_default": "approve",
}

INVALID: dict[str, list[Any]] = {
    "approved_models": ["anthropic.claude", 5, [7], {"a": 1}],
    "trusted_principals": ["arn:aws:iam::111122223333:role/x", [""], [" "], [3]],
    "protected_data_buckets": ["bucket", [1], {"b": True}],
    "approved_artifact_sources": ["s3://x/", [None]],
    "protected_principals": ["arn:aws:iam::111122223333:role/x", [""], [1]],
    "require_guardrails": ["true", "yes-please", 1, None],
    "ai_resource_tags": [["Project"], {"Project": "ml"}, {"Project": [1]}, {"Project": None}],
    "approvers": ["arn:aws:iam::111122223333:role/x", [""], [2]],
    "playbook_rules": [{"category": "x"}, [{"category": "x", "playbook": "y", "min_severity": "severe"}],
                       [{"category": "x", "playbook": "y", "mode": "auto"}],
                       # a category no finding carries, a playbook that does not exist (contracts.md section 5)
                       [{"category": "llmjacking", "playbook": "revoke-principal"}],
                       [{"category": "logging-tampering", "playbook": "restore-logs"}]],
    "approval_timeouts": [{"hgh": 600}, {"high": 5}, {"high": "600"}],
    "approval_timeout_default": ["ignore", True],
}


def test_contract_keys_are_the_known_keys() -> None:
    assert set(KNOWN_KEYS) == CONTRACT_KEYS == set(VALID) == set(INVALID)


@pytest.mark.parametrize("key", sorted(VALID))
def test_each_key_valid(key: str) -> None:
    cfg = parse_config({key: VALID[key]})
    assert cfg.model_dump()[key] == VALID[key]


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in INVALID.items() for v in vs],
                         ids=lambda v: repr(v)[:30])
def test_each_key_invalid_names_the_key(key: str, value: Any) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({key: value}, "aidr.yaml")
    assert e.value.key is not None and e.value.key.split(".")[0] == key
    assert key in str(e.value) and str(e.value).startswith("aidr.yaml:")


def test_approval_timeout_falls_back_per_severity() -> None:
    cfg = parse_config({"approval_timeouts": {"critical": 600}})
    assert cfg.approval_timeout("critical") == 600
    assert cfg.approval_timeout("high") == AidrConfig().approval_timeout("high") > 600


def test_unknown_key_names_the_key() -> None:
    with pytest.raises(ConfigError) as e:
        load_config_text("approved_models: []\naproved_models: [x]\n", "aidr.yaml")
    assert e.value.key == "aproved_models" and "'aproved_models'" in str(e.value)
    assert "approved_models" in str(e.value)  # the known keys are listed, to spot the typo


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n"])
def test_empty_document_is_defaults(text: str) -> None:
    cfg = load_config_text(text)
    assert cfg == AidrConfig()
    assert cfg.approved_models is None and cfg.trusted_principals == [] and cfg.require_guardrails is False
    assert cfg.model_is_approved("any.model")  # no allow-list: every model is approved


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    p = tmp_path / "aidr.yaml"
    p.write_text("")
    assert load_config_file(p) == AidrConfig()


def test_full_file(tmp_path: Path) -> None:
    p = tmp_path / "aidr.yaml"
    p.write_text(
        "approved_models:\n  - anthropic.claude-3-haiku\n"
        "trusted_principals:\n  - arn:aws:iam::111122223333:role/ml-platform-*\n"
        "require_guardrails: true\n"
        "ai_resource_tags:\n  Project: [ml]\n  ai-workload: []\n"
    )
    cfg = load_config_file(p)
    assert cfg.require_guardrails is True and cfg.ai_resource_tags == {"Project": ["ml"], "ai-workload": []}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("[a, b]\n", "expected a mapping"), ("approved_models: [a\n", "not valid YAML"), ("just words\n", "mapping")],
)
def test_not_a_mapping_or_not_yaml(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_config_text(text)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config_file(tmp_path / "missing.yaml")


def test_config_is_frozen() -> None:
    cfg = parse_config(VALID)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        cfg.require_guardrails = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("arn", "trusted"),
    [
        ("arn:aws:iam::111122223333:role/ml-platform-deployer", True),
        ("arn:aws:iam::111122223333:role/ml-platform-", True),  # '*' matches the empty string too
        ("arn:aws:iam::111122223333:role/ml-other", False),
        ("arn:aws:iam::444455556666:role/ml-platform-deployer", False),
        ("ARN:AWS:IAM::111122223333:ROLE/ML-PLATFORM-X", False),  # case-sensitive, like ARNs
        (None, False),
        ("", False),
    ],
)
def test_trusted_principal_patterns_with_star(arn: str | None, trusted: bool) -> None:
    cfg = parse_config({"trusted_principals": ["arn:aws:iam::111122223333:role/ml-platform-*"]})
    assert cfg.is_trusted(arn) is trusted


def test_star_anywhere_and_protected_principals() -> None:
    cfg = parse_config({"protected_principals": ["arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::111122223333:user/*"]})
    assert cfg.is_protected("arn:aws:iam::444455556666:role/BreakGlass")
    assert cfg.is_protected("arn:aws:iam::111122223333:user/alice")
    assert not cfg.is_protected("arn:aws:iam::111122223333:role/BreakGlassNot")
    assert not cfg.is_trusted("arn:aws:iam::111122223333:user/alice")  # the lists are separate


@pytest.mark.parametrize(
    ("model", "approved"),
    [("anthropic.claude-3-haiku-20240307-v1:0", True), ("anthropic.claude-3-haiku", True),
     ("anthropic.claude-3-opus-20240229-v1:0", False), (None, True), ("", True)],
)
def test_approved_models_are_ids_or_prefixes(model: str | None, approved: bool) -> None:
    cfg = parse_config({"approved_models": ["anthropic.claude-3-haiku"]})
    assert cfg.model_is_approved(model) is approved


def test_empty_allow_list_approves_nothing() -> None:
    assert not parse_config({"approved_models": []}).model_is_approved("anthropic.claude-3-haiku")


@pytest.mark.parametrize(("rule", "field", "hint"), [
    ({"category": "logging-tamper", "playbook": "restore-logging"}, "category", "logging-tampering"),
    ({"category": "logging-tampering", "playbook": "restore-logs"}, "playbook", "restore-logging"),
    ({"category": "model-abuse", "playbook": "rollback"}, "playbook", "revoke-principal"),
])
def test_playbook_rule_typos_are_refused_at_load(rule: dict[str, str], field: str, hint: str) -> None:
    """A typo in a rule would never match (category) or fail every finding at attack time in StartPlaybookFunction
    (playbook): refused when the config is read, naming the field and the valid values."""
    with pytest.raises(ConfigError) as e:
        parse_config({"playbook_rules": [{"category": "data-exposure", "playbook": "quarantine-bucket"}, rule]},
                     "aidr.yaml")
    assert e.value.key == f"playbook_rules.1.{field}" and hint in str(e.value)
