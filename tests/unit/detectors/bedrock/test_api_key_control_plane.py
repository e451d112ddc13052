"""bedrock.api_key_control_plane: the CloudTrail bearer-token marker in both of its JSON forms."""

from __future__ import annotations

import pytest
from llmjacking_records import Delivery, record

DETECTOR = "bedrock.api_key_control_plane"
API_KEY_USER = {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER00904",
                "arn": "arn:aws:iam::111122223333:user/BedrockAPIKey-7f3a", "accountId": "111122223333",
                "userName": "BedrockAPIKey-7f3a"}


@pytest.mark.parametrize("flag", [True, "true"])
def test_bearer_token_marker(flag: object) -> None:
    rec = record("DeleteGuardrail", 0, identity=API_KEY_USER,
                 extra={"readOnly": False, "additionalEventData": {"callWithBearerToken": flag}})
    [finding] = Delivery().send([rec]).of(DETECTOR)
    assert finding.severity == "high"


def test_false_marker_is_sigv4() -> None:
    rec = record("DeleteGuardrail", 0, extra={"readOnly": False, "additionalEventData": {"callWithBearerToken": False}})
    assert not Delivery().send([rec]).of(DETECTOR)
