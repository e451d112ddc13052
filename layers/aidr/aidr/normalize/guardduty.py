"""GuardDuty findings: EventBridge delivers camelCase, boto3 returns PascalCase. Read both as camelCase."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from .timeutil import parse_time

# Keys whose *children* are user data (tag keys, free-form maps): their keys must not be re-cased.
_OPAQUE = {"additionalInfo", "tags"}


def _camel(key: str) -> str:
    if not key or not key[0].isupper():
        return key
    # "IamInstanceProfile" -> "iamInstanceProfile"; "ID"-style acronyms keep their tail ("Id" -> "id").
    return key[0].lower() + key[1:]


def camelize(obj: Any, _opaque: bool = False) -> Any:
    """Recursively lower the first letter of every key (PascalCase -> camelCase)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            ck = k if _opaque else _camel(k) if isinstance(k, str) else k
            out[ck] = v if ck in _OPAQUE else camelize(v)
        return out
    if isinstance(obj, list):
        return [camelize(v) for v in obj]
    return obj


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


class GuardDutyFinding:
    """Typed view over a camelCase GuardDuty finding."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    @property
    def id(self) -> str | None:
        v = self.raw.get("id")
        return v if isinstance(v, str) else None

    @property
    def type(self) -> str:
        v = self.raw.get("type")
        return v if isinstance(v, str) else ""

    @property
    def title(self) -> str:
        v = self.raw.get("title")
        return v if isinstance(v, str) else self.type

    @property
    def severity_score(self) -> float:
        v = self.raw.get("severity")
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0

    @property
    def account(self) -> str | None:
        v = self.raw.get("accountId")
        return v if isinstance(v, str) else None

    @property
    def region(self) -> str | None:
        v = self.raw.get("region")
        return v if isinstance(v, str) else None

    @property
    def service(self) -> dict[str, Any]:
        return _d(self.raw.get("service"))

    @property
    def resource(self) -> dict[str, Any]:
        return _d(self.raw.get("resource"))

    @property
    def resource_type(self) -> str:
        v = self.resource.get("resourceType")
        return v if isinstance(v, str) else ""

    @property
    def is_sample(self) -> bool:
        """Console-generated sample findings carry ``service.additionalInfo.sample: true``."""
        info = _d(self.service.get("additionalInfo"))
        v = info.get("sample")
        if isinstance(v, dict):  # some exports nest {"value": "true", "type": "default"}
            v = v.get("value")
        return v is True or (isinstance(v, str) and v.lower() == "true")

    @property
    def archived(self) -> bool:
        return self.service.get("archived") is True

    @cached_property
    def first_seen(self) -> datetime | None:
        return parse_time(self.service.get("eventFirstSeen")) or parse_time(self.raw.get("createdAt"))

    @cached_property
    def last_seen(self) -> datetime | None:
        return parse_time(self.service.get("eventLastSeen")) or parse_time(self.raw.get("updatedAt"))

    @property
    def access_key_details(self) -> dict[str, Any]:
        return _d(self.resource.get("accessKeyDetails"))

    @property
    def action(self) -> dict[str, Any]:
        return _d(self.service.get("action"))

    def api_call_action(self) -> dict[str, Any]:
        return _d(self.action.get("awsApiCallAction"))
