"""Everything aidr stores is encrypted with the stack's own customer-managed key, which rotates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import functions, getatt, of_type, props

KEY = "EncryptionKey"
KEY_ARN = {"Fn::GetAtt": [KEY, "Arn"]}

# resource type -> where its KMS key goes
KEY_PROPERTY = {
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::Events::EventBus": ("KmsKeyIdentifier",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
}


def _get(d: dict[str, Any], path: tuple[str, ...]) -> Any:
    for k in path:
        d = (d or {}).get(k)  # type: ignore[assignment]
    return d


def test_the_key_is_customer_managed_and_rotates(template: dict[str, Any]) -> None:
    keys = of_type(template, "AWS::KMS::Key")
    assert list(keys) == [KEY]
    p = props(keys[KEY])
    assert p["EnableKeyRotation"] is True
    assert p.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    # The retained findings table must stay readable after the stack is gone.
    assert keys[KEY]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("type_", sorted(KEY_PROPERTY))
def test_stores_are_encrypted_with_the_key(template: dict[str, Any], type_: str) -> None:
    resources = of_type(template, type_)
    assert resources, f"expected at least one {type_}"
    for lid, r in resources.items():
        assert _get(props(r), KEY_PROPERTY[type_]) == KEY_ARN, f"{lid} is not encrypted with {KEY}"


def test_tables_use_kms_and_point_in_time_recovery(template: dict[str, Any]) -> None:
    for lid, r in of_type(template, "AWS::DynamoDB::Table").items():
        sse = props(r)["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS", lid
        assert props(r)["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, lid


def test_function_environment_is_encrypted_with_the_key(template: dict[str, Any]) -> None:
    for lid, p in functions(template).items():
        assert p.get("KmsKeyArn") == KEY_ARN, lid


def test_only_this_stacks_log_groups_may_use_the_key(template: dict[str, Any]) -> None:
    (logs,) = [s for s in props(template["Resources"][KEY])["KeyPolicy"]["Statement"]
               if "logs." in str(s["Principal"].get("Service", ""))]
    scope = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]["Fn::Sub"]
    prefix = scope.split(":log-group:")[1].removesuffix("*")
    for lid, r in of_type(template, "AWS::Logs::LogGroup").items():
        assert props(r)["LogGroupName"]["Fn::Sub"].startswith(prefix), f"{lid} is outside {prefix}*"


def test_findings_table_is_kept_and_keyed_by_finding_id(template: dict[str, Any]) -> None:
    t = template["Resources"]["FindingsTable"]
    assert t["DeletionPolicy"] == t["UpdateReplacePolicy"] == "Retain"
    assert props(t)["DeletionProtectionEnabled"] is True
    assert props(t)["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_state_table_layout_matches_the_runtime_contract(template: dict[str, Any]) -> None:
    p = props(template["Resources"]["StateTable"])
    assert p["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_bus_dead_letters_what_it_cannot_decrypt(template: dict[str, Any]) -> None:
    for lid, bus in of_type(template, "AWS::Events::EventBus").items():
        target = getatt((props(bus).get("DeadLetterConfig") or {}).get("Arn"))
        assert target and template["Resources"][target[0]]["Type"] == "AWS::SQS::Queue", lid
