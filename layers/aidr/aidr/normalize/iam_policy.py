"""Reading IAM policy documents as CloudTrail records them: identity, trust and bucket policies.

CloudTrail keeps ``policyDocument`` / ``assumeRolePolicyDocument`` as JSON *strings* (IAM), sometimes
URL-encoded (IAM response elements), and ``bucketPolicy`` as a JSON *object* (S3). Every reader here accepts
all three and never raises on a malformed document: a detector must not crash on what an attacker wrote.

Examples
--------
>>> doc = load_document('{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
>>> grant_level(doc)
'admin'
>>> principals(statements(load_document({"Statement": [{"Principal": {"AWS": "210987654321"}}]}))[0]).accounts
{'210987654321'}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

# Condition keys that pin a wildcard or foreign principal to something the owner controls.
RESTRICTING_CONDITION_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:userid",
    }
)

# Action patterns (lower case) that grant everything, or everything in IAM (which grants everything later).
ADMIN_ACTIONS = frozenset({"*", "*:*", "iam:*"})
# Wildcards over the AI services.
AI_SERVICE_ACTIONS = frozenset({"bedrock:*", "sagemaker:*", "bedrock-agentcore:*"})

_ACCOUNT = re.compile(r"^\d{12}$")
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
_AI_RESOURCE_WILDCARD = re.compile(r"^arn:(?:\*|aws[a-z-]*):(?:bedrock|sagemaker|\*):[*]?:[*]?:\*$")


def load_document(raw: Any) -> dict[str, Any] | None:
    """A policy document from a dict, a JSON string or a URL-encoded JSON string; None when unreadable."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def allows(stmt: dict[str, Any]) -> bool:
    return str(stmt.get("Effect", "")).lower() == "allow"


@dataclass
class Principals:
    """Who a statement names, by kind."""

    wildcard: bool = False
    accounts: set[str] = field(default_factory=set)
    arns: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    federated: set[str] = field(default_factory=set)

    def foreign_accounts(self, own_account: str | None) -> set[str]:
        """Accounts other than ``own_account`` that the statement names (directly or by ARN)."""
        named = set(self.accounts)
        for arn in self.arns:
            m = _ARN_ACCOUNT.match(arn)
            if m:
                named.add(m.group(1))
        return {a for a in named if a != own_account}


def principals(stmt: dict[str, Any]) -> Principals:
    out = Principals()
    p = stmt.get("Principal")
    if p == "*":
        out.wildcard = True
        return out
    if not isinstance(p, dict):
        return out
    for kind, values in p.items():
        for v in as_list(values):
            if not isinstance(v, str):
                continue
            if kind == "AWS":
                if v == "*":
                    out.wildcard = True
                elif _ACCOUNT.match(v):
                    out.accounts.add(v)
                else:
                    out.arns.add(v)
            elif kind == "Service":
                out.services.add(v)
            elif kind == "Federated":
                out.federated.add(v)
    return out


# Keys whose values are ARNs: a wildcard after a fixed account (``arn:aws:iam::111122223333:role/*``) still pins
# the caller to that account.
_ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn"})


def _pins(key: str, values: Any) -> bool:
    """True when every value of ``key`` is fixed: no policy variable and no wildcard, except in the resource part
    of an ARN with a fixed account, or after the role id of an ``aws:userid`` (``AROA...:*``, one role)."""
    vals = as_list(values)
    if not vals:
        return False
    for v in vals:
        if not isinstance(v, str) or not v or "${" in v:
            return False
        if "*" not in v and "?" not in v:
            continue
        if key in _ARN_KEYS:
            parts = v.split(":", 5)
            if len(parts) == 6 and _ACCOUNT.match(parts[4]):
                continue
        if key == "aws:userid" and v.endswith(":*") and "*" not in v[:-2] and "?" not in v:
            continue
        return False
    return True


def restricting_conditions(stmt: dict[str, Any]) -> list[str]:
    """Condition keys of ``stmt`` that pin its principal to fixed values the owner controls (org, account, VPC,
    source).

    Only a positive test pins ("The meaning of public", S3 User Guide; the IAM guide's sensitive keys): negated
    operators, ``...IfExists`` and ``ForAllValues:`` (both pass when the key is absent, as for anonymous callers)
    and wildcard or ``${...}`` values let callers from anywhere through.

    >>> restricting_conditions({"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}})
    ['aws:PrincipalOrgID']
    >>> restricting_conditions({"Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    ...                         "Principal": "*"})
    []
    """
    cond = stmt.get("Condition")
    if not isinstance(cond, dict):
        return []
    keys = []
    for op, block in cond.items():
        low = str(op).lower()
        if not isinstance(block, dict) or "not" in low or low.endswith("ifexists") or low.startswith("forallvalues:"):
            continue
        keys.extend(k for k, v in block.items()
                    if isinstance(k, str) and k.lower() in RESTRICTING_CONDITION_KEYS and _pins(k.lower(), v))
    return sorted(set(keys))


def has_external_id(stmt: dict[str, Any]) -> bool:
    """True when a trust statement requires ``sts:ExternalId`` (the usual third-party integration shape)."""
    cond = stmt.get("Condition")
    return isinstance(cond, dict) and any(
        isinstance(b, dict) and any(str(k).lower() == "sts:externalid" for k in b) for b in cond.values()
    )


def _covers_everything(resources: list[Any]) -> bool:
    return any(r == "*" or (isinstance(r, str) and _AI_RESOURCE_WILDCARD.match(r)) for r in resources)


def granted_wildcards(doc: dict[str, Any] | None) -> dict[str, str]:
    """Wildcard grants on every resource, mapped to their level (``admin`` or ``ai-full``).

    ``*``, ``*:*`` and ``iam:*`` are admin (IAM grants the rest later); ``bedrock:*`` / ``sagemaker:*`` are ai-full;
    an ``Allow`` + ``NotAction`` on ``*`` grants everything it does not name: admin unless it names IAM, ai-full
    unless it names both AI services.
    """
    found: dict[str, str] = {}
    for s in statements(doc):
        if not allows(s) or not _covers_everything(as_list(s.get("Resource"))):
            continue
        for a in as_list(s.get("Action")):
            if isinstance(a, str) and a.lower() in ADMIN_ACTIONS:
                found[a] = "admin"
            elif isinstance(a, str) and a.lower() in AI_SERVICE_ACTIONS:
                found[a] = "ai-full"
        if "NotAction" in s:
            excluded = {str(a).lower() for a in as_list(s.get("NotAction"))}
            label = ("NotAction:" + ",".join(sorted(excluded)))[:120]
            if not excluded & {"*", "iam:*"}:
                found[label] = "admin"
            elif not {"bedrock:*", "sagemaker:*"} <= excluded:
                found[label] = "ai-full"
    return found


def grant_level(doc: dict[str, Any] | None) -> str | None:
    """``admin`` (everything, or all of IAM), ``ai-full`` (all of Bedrock or SageMaker), or None."""
    levels = set(granted_wildcards(doc).values())
    if "admin" in levels:
        return "admin"
    return "ai-full" if levels else None
