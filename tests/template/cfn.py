"""Read template.yaml the way the tests need it: resources by type, functions with Globals applied, references,
policy statements. Plain functions over the dict ``aidr_cli.template.load_template`` returns (short-form tags are
``{"Ref": x}`` / ``{"Fn::GetAtt": [id, attr]}`` / ``{"Fn::If": [...]}`` there)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FUNCTION = "AWS::Serverless::Function"

# Product names that are one word in a folder name: DetectSageMakerFunction <-> functions/detect_sagemaker/.
ONE_WORD = ("SageMaker", "GuardDuty", "CloudTrail", "SecurityHub", "EventBridge", "DynamoDB")


def of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r.get("Type") == type_}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties") or {}


def ref(value: Any) -> str | None:
    """Logical id a ``Ref`` or ``Fn::GetAtt`` points at (None for anything else)."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def getatt(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value and len(value) == 1:
        lid, attr = value["Fn::GetAtt"]
        return lid, attr
    return None


def _merge(globals_: Any, local: Any) -> Any:
    """SAM's Globals merge: maps merge key by key, lists are concatenated (globals first), scalars are replaced."""
    if isinstance(globals_, dict) and isinstance(local, dict) and not (_is_intrinsic(globals_) or _is_intrinsic(local)):
        out = dict(globals_)
        for k, v in local.items():
            out[k] = _merge(globals_[k], v) if k in globals_ else v
        return out
    if isinstance(globals_, list) and isinstance(local, list):
        return [*globals_, *local]
    return local


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each AWS::Serverless::Function's Properties with Globals.Function applied."""
    g = ((template.get("Globals") or {}).get("Function")) or {}
    return {lid: _merge(copy.deepcopy(g), props(r)) for lid, r in of_type(template, FUNCTION).items()}


def code_dir(logical_id: str) -> str:
    """CodeUri a function's logical id implies: DetectBedrockFunction -> functions/detect_bedrock/."""
    name = logical_id.removesuffix("Function")
    for word in ONE_WORD:
        name = name.replace(word, word.capitalize())
    return "functions/" + "_".join(w.lower() for w in re.findall(r"[A-Z][a-z0-9]*", name)) + "/"


@dataclass(frozen=True)
class Rule:
    logical_id: str
    target_id: str
    target: dict[str, Any]
    bus: str | None


def rule_targets(template: dict[str, Any]) -> list[Rule]:
    """Every Target of every AWS::Events::Rule (with the logical id of the resource it points at)."""
    out = []
    for lid, r in of_type(template, "AWS::Events::Rule").items():
        p = props(r)
        for t in p.get("Targets") or []:
            out.append(Rule(lid, ref(t.get("Arn")) or "", t, ref(p.get("EventBusName"))))
    return out


@dataclass(frozen=True)
class Statement:
    resource: str  # logical id of the resource that holds the policy
    kind: str  # "key" | "resource" (queue / topic policy) | "identity"
    body: dict[str, Any]

    @property
    def sid(self) -> str:
        return str(self.body.get("Sid", ""))

    def listed(self, key: str) -> list[Any]:
        v = self.body.get(key)
        return v if isinstance(v, list) else [v]


def _if_branches(item: Any) -> Iterator[Any]:
    """Both branches of ``Fn::If`` (recursively), or the item itself."""
    if isinstance(item, dict) and "Fn::If" in item:
        for branch in item["Fn::If"][1:]:
            yield from _if_branches(branch)
    else:
        yield item


def statements(template: dict[str, Any]) -> list[Statement]:
    """Every policy statement the template writes itself (SAM policy templates are SAM's, checked after transform)."""
    out: list[Statement] = []

    def add(lid: str, kind: str, doc: Any) -> None:
        for s in (doc or {}).get("Statement", []):
            out.append(Statement(lid, kind, s))

    for lid, r in template["Resources"].items():
        p, t = props(r), r.get("Type")
        if t == "AWS::KMS::Key":
            add(lid, "key", p.get("KeyPolicy"))
        elif t in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::Events::EventBusPolicy"):
            add(lid, "resource", p.get("PolicyDocument"))
        elif t in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            add(lid, "identity", p.get("PolicyDocument"))
        elif t == "AWS::IAM::Role":
            for pol in p.get("Policies") or []:
                add(lid, "identity", pol.get("PolicyDocument"))
        elif t == FUNCTION:
            for item in p.get("Policies") or []:
                for branch in _if_branches(item):
                    if isinstance(branch, dict) and "Statement" in branch:
                        add(lid, "identity", branch)
    return out


def local_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    """A copy whose local CodeUri/ContentUri point at S3, as `sam package` leaves them (the SAM translator needs it)."""
    t = copy.deepcopy(template)
    for r in t["Resources"].values():
        p = r.get("Properties") or {}
        for k in ("CodeUri", "ContentUri", "DefinitionUri"):  # DefinitionUri: state machines (issue 5)
            if isinstance(p.get(k), str) and not p[k].startswith("s3://"):
                p[k] = "s3://bucket/key"
    return t
