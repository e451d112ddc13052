"""Who is who: normalise the ARNs a caller and a finding name, so an assumed-role session compares equal to its role.

A caller reaches aidr as an STS session (``arn:aws:sts::111122223333:assumed-role/OnCall/alice``), while a
finding may name the role (``arn:aws:iam::111122223333:role/team/OnCall``), a session of it, or an IAM user.
:func:`principal_key` reduces each to ``(account, kind, name)``: the role's name (IAM role names are unique per
account, whatever the path), the user's name, the federated user's name, or ``root``. A session of a role is that
role: anyone who can act as the role under containment is its subject and may not approve its containment.

Examples
--------
>>> principal_key("arn:aws:sts::111122223333:assumed-role/OnCall/alice")
('111122223333', 'role', 'OnCall')
>>> same_principal("arn:aws:iam::111122223333:role/team/OnCall", "arn:aws:sts::111122223333:assumed-role/OnCall/bob")
True
>>> role_arn("arn:aws-us-gov:sts::111122223333:assumed-role/OnCall/alice")
'arn:aws-us-gov:iam::111122223333:role/OnCall'
"""

from __future__ import annotations

import re

_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<resource>.+)$")


def principal_key(arn: str | None) -> tuple[str, str, str] | None:
    """``(account, kind, name)`` of an IAM/STS principal ARN; None for anything else (Slack users, malformed)."""
    m = _ARN.match(arn or "")
    if not m:
        return None
    account, service, resource = m.group("account", "service", "resource")
    if resource == "root":
        return account, "root", "root"
    kind, _, rest = resource.partition("/")
    if not rest:
        return None
    if service == "sts" and kind == "assumed-role":
        return account, "role", rest.split("/")[0]
    if service == "sts" and kind == "federated-user":
        return account, "federated-user", rest
    if service == "iam" and kind in ("role", "user"):
        return account, kind, rest.rpartition("/")[2]
    return None


def same_principal(a: str | None, b: str | None) -> bool:
    """True when both ARNs name the same principal (a role and any of its sessions are the same)."""
    ka, kb = principal_key(a), principal_key(b)
    return ka is not None and ka == kb


def role_arn(arn: str) -> str:
    """The path-less role ARN of an assumed-role session ARN (other ARNs are returned unchanged)."""
    m = _ARN.match(arn)
    if m and m.group("service") == "sts" and m.group("resource").startswith("assumed-role/"):
        return f"arn:{m.group('partition')}:iam::{m.group('account')}:role/{m.group('resource').split('/')[1]}"
    return arn
