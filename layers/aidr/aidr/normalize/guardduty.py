"""GuardDuty findings: EventBridge delivers camelCase, boto3 returns PascalCase. Read both as camelCase."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any

from .timeutil import parse_time

# boto3 (GetFindings) returns PascalCase members; EventBridge and the API's JSON use each member's locationName,
# which is the member name with its first letter lowered except for these (parent member, member) pairs, read off
# botocore's GuardDuty model.
_RENAMES: dict[tuple[str, str], str] = {
    ("Account", "Name"): "account",
    ("Ec2Instance", "IamInstanceProfile"): "IamInstanceProfile",
    ("KubernetesApiCallAction", "SourceIps"): "sourceIPs",
    ("KubernetesWorkload", "KubernetesResourcesTypes"): "type",
    ("Location", "Latitude"): "lat",
    ("Location", "Longitude"): "lon",
    ("ProductCodes", "Code"): "productCodeId",
    ("ProductCodes", "ProductType"): "productCodeType",
    ("RdsLoginAttemptAction", "LoginAttributes"): "LoginAttributes",
    ("TaskDetails", "TaskCreatedAt"): "createdAt",
}
# Maps in the model: their keys are data, not member names, for this many levels (values below are re-cased).
_DATA_KEY_LEVELS = {"affectedResources": 1, "profiles": 2, "behavior": 2}
# ``additionalInfo`` is the ServiceAdditionalInfo structure {Value, Type} in the API but a free-form map in
# EventBridge: re-case only the structure's two members, never the free-form keys.
_ADDITIONAL_INFO_MEMBERS = {"Value": "value", "Type": "type"}


def _camel(key: str, parent: str = "") -> str:
    if not key or not key[0].isupper():
        return key
    return _RENAMES.get((parent, key)) or key[0].lower() + key[1:]


def camelize(obj: Any, parent: str = "") -> Any:
    """PascalCase (boto3) -> camelCase (EventBridge) GuardDuty finding; camelCase input comes back unchanged.

    Examples
    --------
    >>> camelize({"Service": {"AdditionalInfo": {"Value": '{"sample":true}', "Type": "default"}}})
    {'service': {'additionalInfo': {'value': '{"sample":true}', 'type': 'default'}}}
    >>> camelize({"Resource": {"InstanceDetails": {"Tags": [{"Key": "Project", "Value": "ML"}]}}})
    {'resource': {'instanceDetails': {'tags': [{'key': 'Project', 'value': 'ML'}]}}}
    """
    if isinstance(obj, list):
        return [camelize(v, parent) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            out[k] = v
        elif k in ("AdditionalInfo", "additionalInfo") and isinstance(v, dict):
            out["additionalInfo"] = {_ADDITIONAL_INFO_MEMBERS.get(ik, ik): iv for ik, iv in v.items()}
        elif (ck := _camel(k, parent)) in _DATA_KEY_LEVELS and isinstance(v, dict):
            out[ck] = _camelize_values(v, k, _DATA_KEY_LEVELS[ck])
        else:
            out[ck] = camelize(v, k)
    return out


def _camelize_values(obj: dict[str, Any], parent: str, levels: int) -> dict[str, Any]:
    """Keep ``levels`` levels of data keys as they are, re-case what lies below."""
    if levels <= 1:
        return {k: camelize(v, parent) for k, v in obj.items()}
    return {k: _camelize_values(v, parent, levels - 1) if isinstance(v, dict) else camelize(v, parent)
            for k, v in obj.items()}


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
        """Console-generated sample findings carry ``service.additionalInfo.sample: true``.

        EventBridge puts ``sample`` straight into ``additionalInfo``; the API (boto3, the CLI) returns
        ``additionalInfo`` as ``{"value": "<JSON text>", "type": "default"}`` with ``sample`` inside the text.
        """
        info = _d(self.service.get("additionalInfo"))
        v = info.get("sample")
        if v is None and isinstance(info.get("value"), str) and '"sample"' in info["value"]:
            try:
                v = _d(json.loads(info["value"])).get("sample")
            except ValueError:
                v = None
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

    # --- the activity and who did it
    @property
    def count(self) -> int:
        v = self.service.get("count")
        return v if isinstance(v, int) and not isinstance(v, bool) else 1

    @property
    def feature_name(self) -> str:
        return _s(self.service.get("featureName")) or ""

    @property
    def description(self) -> str:
        return _s(self.raw.get("description")) or ""

    @property
    def api_name(self) -> str | None:
        return _s(self.api_call_action().get("api"))

    @property
    def api_service_name(self) -> str | None:
        return _s(self.api_call_action().get("serviceName"))

    @property
    def caller_type(self) -> str | None:
        """``Remote IP``, ``AWS Service``, ``Domain``... for the API call behind the finding."""
        return _s(self.api_call_action().get("callerType"))

    @property
    def remote_ip(self) -> str | None:
        return _s(_d(self.api_call_action().get("remoteIpDetails")).get("ipAddressV4"))

    @property
    def remote_organization(self) -> str:
        """The ASN organisation / ISP of the caller's address ('' when absent)."""
        org = _d(_d(self.api_call_action().get("remoteIpDetails")).get("organization"))
        return " / ".join(dict.fromkeys(v for k in ("asnOrg", "org", "isp") if (v := _s(org.get(k)))))

    @property
    def access_key_id(self) -> str | None:
        return _s(self.access_key_details.get("accessKeyId"))

    @property
    def user_name(self) -> str | None:
        return _s(self.access_key_details.get("userName"))

    @property
    def user_type(self) -> str | None:
        """``IAMUser``, ``AssumedRole``, ``Root``, ``FederatedUser``..."""
        return _s(self.access_key_details.get("userType"))

    # --- what it touched
    @property
    def model_ids(self) -> list[str]:
        """Models named by AI Protection findings (``resource.modelDetails``)."""
        details = self.resource.get("modelDetails")
        return [m for d in details if (m := _s(_d(d).get("modelId")))] if isinstance(details, list) else []

    @property
    def guardrail_details(self) -> dict[str, Any]:
        return _d(self.resource.get("bedrockGuardrailDetails"))

    @property
    def buckets(self) -> list[dict[str, Any]]:
        details = self.resource.get("s3BucketDetails")
        return [_d(b) for b in details] if isinstance(details, list) else []

    @property
    def sequence(self) -> dict[str, Any]:
        """``service.detection.sequence`` of AttackSequence findings ({} otherwise)."""
        return _d(_d(self.service.get("detection")).get("sequence"))

    @property
    def sequence_resources(self) -> list[dict[str, Any]]:
        res = self.sequence.get("resources")
        return [_d(r) for r in res] if isinstance(res, list) else []

    def indicator_values(self) -> Iterator[tuple[str, str]]:
        """(key, value) of every sequence and signal indicator, e.g. ("HIGH_RISK_API", "iam:CreateRole")."""
        seq = self.sequence
        lists = [seq.get("sequenceIndicators")]
        signals = seq.get("signals")
        if isinstance(signals, list):
            lists += [_d(sig).get("signalIndicators") for sig in signals]
        for indicators in lists:
            for ind in indicators if isinstance(indicators, list) else []:
                key, values = _s(_d(ind).get("key")) or "", _d(ind).get("values")
                for v in values if isinstance(values, list) else []:
                    if isinstance(v, str):
                        yield key, v

    def tags(self) -> list[tuple[str, str]]:
        """(key, value) of every tag on the finding's resources, wherever GuardDuty put them."""
        out: list[tuple[str, str]] = []
        for root in (self.resource, self.sequence_resources):
            _collect_tags(root, out)
        return out


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _collect_tags(obj: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(obj, list):
        for v in obj:
            _collect_tags(v, out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k == "tags" and isinstance(v, list):
                out.extend((t["key"], str(t.get("value") or "")) for t in v
                           if isinstance(t, dict) and isinstance(t.get("key"), str))
            elif isinstance(v, dict | list):
                _collect_tags(v, out)
