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


# --- bedrock-mantle: the marker is in requestParameters, and only documented changes are read
MANTLE = "bedrock-mantle.amazonaws.com"


@pytest.mark.parametrize("flag", [True, "true"])
def test_mantle_marker_in_request_parameters(flag: object) -> None:
    rec = record("CreateFineTuningJob", 0, identity=API_KEY_USER, source=MANTLE,
                 extra={"readOnly": False, "requestParameters": {"model": "m", "trainingFile": "file-1",
                                                                 "callWithBearerToken": flag,
                                                                 "bearerTokenType": "short-term-example"}})
    [finding] = Delivery().send([rec]).of(DETECTOR)
    assert finding.severity == "medium"
    assert finding.evidence["credential"] == "bedrock-api-key"
    assert finding.evidence["bearer_token_type"] == "short-term-example"


def test_mantle_reads_and_undocumented_events_are_not_control_plane() -> None:
    marker = {"callWithBearerToken": True}
    recs = [record("ListModels", 0, identity=API_KEY_USER, source=MANTLE, extra={"requestParameters": marker}),
            # readOnly missing: still a documented read, never read by this detector
            record("GetProject", 1, identity=API_KEY_USER, source=MANTLE,
                   extra={"readOnly": None, "requestParameters": {"project_id": "proj_1", **marker}}),
            # an event name bedrock-mantle's CloudTrail page does not list (e.g. an inference data event)
            record("CreateChatCompletion", 2, identity=API_KEY_USER, source=MANTLE,
                   extra={"readOnly": False, "requestParameters": marker})]
    assert not Delivery().send(recs).of(DETECTOR)

