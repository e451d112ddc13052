"""deactivate-bedrock-api-keys with botocore's Stubber (moto 5.2.5 has no service-specific credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import Target, get_action
from aidr.errors import ActionFailed

from tests.unit.actions.support import stubbed

USER = Target.from_arn("arn:aws:iam::111122223333:user/ci-bot")
LIST = {"UserName": "ci-bot", "ServiceName": "bedrock.amazonaws.com"}


def creds(statuses: dict[str, str], marker: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"ServiceSpecificCredentials": [
        {"UserName": "ci-bot", "Status": status, "ServiceUserName": f"ci-bot-at-{cid[-4:]}",
         "CreateDate": datetime(2025, 7, 1, tzinfo=UTC), "ServiceSpecificCredentialId": cid,
         "ServiceName": "bedrock.amazonaws.com"} for cid, status in statuses.items()]}
    if marker:
        out.update(IsTruncated=True, Marker=marker)
    return out


def update(cid: str, status: str) -> dict[str, Any]:
    return {"UserName": "ci-bot", "ServiceSpecificCredentialId": cid, "Status": status}


K1, K2, K3 = "ACCAEXAMPLE1111111111", "ACCAEXAMPLE2222222222", "ACCAEXAMPLE3333333333"


@pytest.fixture
def env() -> Iterator[tuple[Any, Any, Any, Any]]:
    client, stub, rec = stubbed("iam")

    def make(**options: Any) -> Any:
        return get_action("deactivate-bedrock-api-keys")(options or None, client_factory=lambda s, r: client)

    with stub:
        yield make, stub, rec, client
        stub.assert_no_pending_responses()


def test_apply_verify_undo(env: tuple[Any, ...]) -> None:
    make, stub, rec, _ = env
    action = make()
    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Inactive"}), LIST)
    snap = action.snapshot(USER)
    assert snap.state == {"statuses": {K1: "Active", K2: "Inactive"}}

    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Inactive"}), LIST)
    assert action.plan(snap) == [f"deactivate Bedrock API key {K1} of {USER.label}"]

    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Inactive"}), LIST)
    stub.add_response("update_service_specific_credential", {}, update(K1, "Inactive"))
    action.apply(snap)
    stub.add_response("list_service_specific_credentials", creds({K1: "Inactive", K2: "Inactive"}), LIST)
    assert action.verify(snap)

    stub.add_response("list_service_specific_credentials", creds({K1: "Inactive", K2: "Inactive"}), LIST)
    stub.add_response("update_service_specific_credential", {}, update(K1, "Active"))
    action.undo(snap)
    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Inactive"}), LIST)
    assert action.verify_undo(snap)
    assert rec.mutations() == ["iam:UpdateServiceSpecificCredential"] * 2
    assert rec.iam_actions() <= set(action.permissions)


def test_apply_and_undo_twice_change_nothing_more(env: tuple[Any, ...]) -> None:
    make, stub, rec, _ = env
    action = make()
    stub.add_response("list_service_specific_credentials", creds({K1: "Active"}), LIST)
    snap = action.snapshot(USER)
    stub.add_response("list_service_specific_credentials", creds({K1: "Inactive"}), LIST)
    action.apply(snap)
    stub.add_response("list_service_specific_credentials", creds({K1: "Active"}), LIST)
    action.undo(snap)
    assert rec.mutations() == []


def test_a_key_created_after_the_snapshot_is_deactivated_and_stays_so(env: tuple[Any, ...]) -> None:
    make, stub, _, _ = env
    action = make()
    stub.add_response("list_service_specific_credentials", creds({K1: "Active"}), LIST)
    snap = action.snapshot(USER)
    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K3: "Active"}), LIST)
    stub.add_response("update_service_specific_credential", {}, update(K1, "Inactive"))
    stub.add_response("update_service_specific_credential", {}, update(K3, "Inactive"))
    action.apply(snap)
    stub.add_response("list_service_specific_credentials", creds({K1: "Inactive", K3: "Inactive"}), LIST)
    stub.add_response("update_service_specific_credential", {}, update(K1, "Active"))  # K3 not in the prior state
    action.undo(snap)


def test_only_the_named_keys(env: tuple[Any, ...]) -> None:
    make, stub, _, _ = env
    action = make(credential_ids=[K2])
    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Active"}), LIST)
    snap = action.snapshot(USER)
    stub.add_response("list_service_specific_credentials", creds({K1: "Active", K2: "Active"}), LIST)
    stub.add_response("update_service_specific_credential", {}, update(K2, "Inactive"))
    action.apply(snap)


def test_a_named_key_that_is_not_there_fails_the_snapshot(env: tuple[Any, ...]) -> None:
    make, stub, _, _ = env
    stub.add_response("list_service_specific_credentials", creds({K1: "Active"}), LIST)
    with pytest.raises(ActionFailed, match=f"Bedrock API key {K3} not found"):
        make(credential_ids=[K3]).snapshot(USER)


def test_pages_are_followed(env: tuple[Any, ...]) -> None:
    make, stub, _, _ = env
    stub.add_response("list_service_specific_credentials", creds({K1: "Active"}, marker="m1"), LIST)
    stub.add_response("list_service_specific_credentials", creds({K2: "Inactive"}), {**LIST, "Marker": "m1"})
    assert make().snapshot(USER).state["statuses"] == {K1: "Active", K2: "Inactive"}
