"""What the suite invokes, discovered at run time: template.yaml's functions and events/<LogicalId>/*.json."""

from __future__ import annotations

import functools
from pathlib import Path

from aidr_cli.template import load_template

from tests.conftest import EVENTS, ROOT

# Invoke order where samples build on one another: approvals are requested before the API and Slack decide them;
# within a function, the samples named here come first, in this order (the approval is read before it is decided).
ORDER = ["RequestApprovalFunction", "ApprovalApiFunction", "SlackInteractivityFunction"]
SAMPLE_ORDER = {"RequestApprovalFunction": ["request"],
                "ApprovalApiFunction": ["show", "list-pending", "reject-self-approval", "unsigned"]}


@functools.cache
def functions() -> list[str]:
    """Logical ids of every AWS::Serverless::Function in template.yaml, in template order."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    return [lid for lid, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"]


def samples() -> list[Path]:
    """Every sample of a template function, detectors first, then by :data:`ORDER`, then by name."""
    known = set(functions())
    found = [p for p in EVENTS.glob("*/*.json") if p.parent.name in known]
    rank = {fn: i for i, fn in enumerate(ORDER)}

    def key(p: Path) -> tuple[int, str, int, str]:
        first = SAMPLE_ORDER.get(p.parent.name, [])
        return (rank.get(p.parent.name, -1), p.parent.name,
                first.index(p.stem) if p.stem in first else len(first), p.name)

    return sorted(found, key=key)


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"
