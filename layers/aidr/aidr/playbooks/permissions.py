"""The IAM actions the playbook steps need: what the actions registry declares, plus the guards' lookups.

template.yaml grants PlaybookStepFunction exactly these (a test compares the two), grouped by the resources they
apply to, so a new action cannot ship without its permissions and no permission outlives its action.

Examples
--------
>>> "iam:PutRolePolicy" in responder_permissions() and "iam:GetRole" in responder_permissions()
True
"""

from __future__ import annotations

from ..actions import load_all

# What aidr.guards.check_target reads before anything is touched (roles' and users' paths, a bucket's region).
GUARD_PERMISSIONS = ("iam:GetRole", "iam:GetUser", "s3:GetBucketLocation")


def responder_permissions() -> frozenset[str]:
    """Every IAM action a playbook step may call in the account it contains."""
    out = set(GUARD_PERMISSIONS)
    for cls in load_all().values():
        out.update(cls.permissions)
    return frozenset(out)
