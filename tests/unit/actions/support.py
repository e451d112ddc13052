"""Test support for containment actions: clients that record every AWS call as the IAM action it needs."""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "210987654321"

# Operations whose IAM action is not "<signing name>:<operation>" (S3 docs for each operation say which it needs).
IAM_ACTION_FOR_OPERATION = {
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeleteBucketTagging": "s3:PutBucketTagging",
}
READ_PREFIXES = ("Get", "List", "Describe")


@dataclass(frozen=True)
class Call:
    service: str  # the signing name, i.e. the IAM service prefix (bedrock-agent signs as "bedrock")
    operation: str
    params: dict[str, Any]

    @property
    def iam_action(self) -> str:
        name = f"{self.service}:{self.operation}"
        return IAM_ACTION_FOR_OPERATION.get(name, name)

    @property
    def mutates(self) -> bool:
        return not self.operation.startswith(READ_PREFIXES)


# Making a boto3 client costs ~0.1 s: clients are shared by all recorders (moto intercepts clients whatever their
# age) and each call is handed to the live recorders that gave that client out.
_SHARED: dict[tuple[str, str], Any] = {}
_LIVE: weakref.WeakSet[Recorder] = weakref.WeakSet()


def _dispatch(key: tuple[str, str], params: dict[str, Any], model: Any, **_: Any) -> None:
    for recorder in list(_LIVE):
        if key in recorder.keys:
            recorder.record(params, model)


@dataclass(eq=False)
class Recorder:
    """A client factory for actions (``client_factory=rec``) that records each call before it is sent."""

    calls: list[Call] = field(default_factory=list)
    keys: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        _LIVE.add(self)

    def __call__(self, service: str, region: str | None) -> Any:
        key = (service, region or REGION)
        if key not in _SHARED:
            _SHARED[key] = boto3.client(service, region_name=key[1])
            _SHARED[key].meta.events.register("before-parameter-build.*.*", functools.partial(_dispatch, key))
        self.keys.add(key)
        return _SHARED[key]

    def watch(self, client: Any) -> Any:
        """Record the calls of a client of the test's own (e.g. one wrapped in a Stubber)."""
        client.meta.events.register("before-parameter-build.*.*", self.record)
        return client

    def record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(Call(model.service_model.signing_name, model.name, dict(params)))

    def mutations(self) -> list[str]:
        return [c.iam_action for c in self.calls if c.mutates]

    def iam_actions(self) -> set[str]:
        return {c.iam_action for c in self.calls}

    def clear(self) -> None:
        self.calls.clear()


def stubbed(service: str, region: str = REGION) -> tuple[Any, Any, Recorder]:
    """A client wrapped in botocore's Stubber (for what moto cannot emulate), its stubber, and a recorder of its
    calls. Pass ``client_factory=lambda service, region: client`` to the action."""
    from botocore.stub import Stubber

    client = boto3.client(service, region_name=region)
    rec = Recorder()
    rec.watch(client)
    return client, Stubber(client), rec
