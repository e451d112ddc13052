"""GuardDuty findings for the detector tests, in EventBridge (camelCase) form, plus a boto3 (PascalCase) converter.

:func:`boto3_form` follows botocore's GuardDuty model: members in PascalCase, map keys left as data,
``AdditionalInfo`` as ``{"Value": "<JSON text>", "Type": "default"}``.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

ACCOUNT = "111122223333"
DETECTOR = "12abc34d567e8fa901bc2d34eexample"
# (parent, camelCase member) -> boto3 member where botocore's model does not simply capitalise.
_UNRENAMED = {("location", "lat"): "Latitude", ("location", "lon"): "Longitude",
              ("productCodes", "productCodeId"): "Code", ("productCodes", "productCodeType"): "ProductType"}


def finding_id(name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, name).hex


def api_call(api: str, service: str, *, org: str = "Example Hosting Ltd", caller: str = "Remote IP",
             ip: str = "203.0.113.50") -> dict[str, Any]:
    return {"actionType": "AWS_API_CALL", "awsApiCallAction": {
        "api": api, "serviceName": service, "callerType": caller,
        "remoteIpDetails": {"ipAddressV4": ip, "organization": {"asn": "64500", "asnOrg": org, "isp": org, "org": org},
                            "geoLocation": {"lat": 52.37, "lon": 4.89}, "country": {"countryName": "Netherlands"}},
        "affectedResources": {}}}


def access_key(user: str = "svc-ml-ci", user_type: str = "IAMUser", key: str = "AKIAEXAMPLEKEY000901"
               ) -> dict[str, Any]:
    return {"accessKeyId": key, "principalId": "AIDAEXAMPLEPRINCIPAL09", "userName": user, "userType": user_type}


def finding(ftype: str, name: str, *, severity: float = 2.0, resource: dict[str, Any] | None = None,
            action: dict[str, Any] | None = None, count: int = 1, sample: bool = False, archived: bool = False,
            description: str = "", detection: dict[str, Any] | None = None, updated: str = "2026-03-02T09:20:41.207Z"
            ) -> dict[str, Any]:
    fid = finding_id(name)
    service: dict[str, Any] = {
        "serviceName": "guardduty", "detectorId": DETECTOR, "action": action or {}, "resourceRole": "TARGET",
        "additionalInfo": {"sample": True} if sample else {"value": "{}", "type": "default"},
        "eventFirstSeen": "2026-03-02T09:00:00.000Z", "eventLastSeen": updated.replace("41.207", "00.000"),
        "archived": archived, "count": count,
    }
    if detection:
        service["detection"] = detection
    return {
        "schemaVersion": "2.0", "accountId": ACCOUNT, "region": "us-east-1", "partition": "aws", "id": fid,
        "arn": f"arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/{DETECTOR}/finding/{fid}", "type": ftype,
        "resource": resource or {"resourceType": "AccessKey", "accessKeyDetails": access_key()},
        "service": service, "severity": severity, "createdAt": "2026-03-02T09:00:30.512Z", "updatedAt": updated,
        "title": f"{ftype} finding", "description": description or f"{ftype} observed.",
    }


def eventbridge(f: dict[str, Any]) -> dict[str, Any]:
    """Wrap a finding (either shape) as EventBridge delivers it."""
    get = lambda k: f.get(k, f.get(k[0].upper() + k[1:]))  # noqa: E731 - camelCase or PascalCase
    return {"version": "0", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, get("id") + get("updatedAt"))),
            "detail-type": "GuardDuty Finding", "source": "aws.guardduty", "account": get("accountId"),
            "time": get("updatedAt")[:19] + "Z", "region": get("region"), "resources": [], "detail": f}


def boto3_form(obj: Any, parent: str = "") -> Any:
    """The finding as ``guardduty.get_findings()`` returns it."""
    if isinstance(obj, list):
        return [boto3_form(v, parent) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if k == "additionalInfo":
            inner = json.loads(v["value"]) if "value" in v else v
            out["AdditionalInfo"] = {"Value": json.dumps(inner), "Type": "default"}
        elif k == "affectedResources":
            out["AffectedResources"] = copy.deepcopy(v)  # a map: its keys are data
        else:
            out[_UNRENAMED.get((parent, k)) or k[0].upper() + k[1:]] = boto3_form(v, k)
    return out
