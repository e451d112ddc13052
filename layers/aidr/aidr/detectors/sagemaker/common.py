"""Small readers shared by the SageMaker detectors.

SageMaker is a JSON-protocol API and CloudTrail records its request members in lowerCamelCase
(``notebookInstanceName``, ``primaryContainer``); exports and hand-made records sometimes keep the API's
PascalCase. ``param`` reads either, so a detector never silently misses a field.
"""

from __future__ import annotations

from typing import Any

from ...normalize.cloudtrail import ApiCall

SERVICE = "sagemaker"
FUNCTION = "DetectSageMakerFunction"


def param(d: Any, name: str) -> Any:
    """``d[name]`` (lowerCamelCase, as CloudTrail writes it) or its PascalCase twin; None when absent."""
    if not isinstance(d, dict):
        return None
    if name in d:
        return d[name]
    return d.get(name[:1].upper() + name[1:])


def text(d: Any, name: str) -> str | None:
    v = param(d, name)
    return v if isinstance(v, str) and v else None


def items(d: Any, name: str) -> list[dict[str, Any]]:
    """The dict members of a list parameter (or of a single dict given where a list is expected)."""
    v = param(d, name)
    if isinstance(v, dict):
        return [v]
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def flag(d: Any, name: str) -> bool | None:
    """A boolean or ``Enabled``/``Disabled`` parameter as a bool; None when absent or unreadable."""
    v = param(d, name)
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.lower()
        if low in ("enabled", "true"):
            return True
        if low in ("disabled", "false"):
            return False
    return None


def scope(call: ApiCall) -> str:
    """Account and region: SageMaker resource names are unique only within both."""
    return f"{call.account or '-'}:{call.region or '-'}"


def arn(call: ApiCall, kind: str, name: str) -> str:
    """The ARN SageMaker gives a resource (names are lower-cased in SageMaker ARNs)."""
    return f"arn:aws:sagemaker:{call.region or ''}:{call.account or ''}:{kind}/{name.lower()}"


def ts(call: ApiCall, fallback: float) -> float:
    return call.time.timestamp() if call.time else fallback
