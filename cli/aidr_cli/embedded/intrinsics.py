"""CloudFormation intrinsic functions, resolved against an emulated stack.

Only what a template can need at deploy time of *this* kind of stack is supported (Ref, Fn::GetAtt, Fn::Sub in
both forms, Fn::If with Conditions, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::GetAZs, Fn::Base64 and
Condition functions); anything else is a :class:`~aidr.errors.TemplateError` naming the resource and the
function, so a template change the emulator cannot follow fails loudly instead of deploying something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aidr.errors import TemplateError

from ..template import Conditions

NO_VALUE = object()  # AWS::NoValue: the key (or list item) disappears

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition")


@dataclass
class Stack:
    """Names the resolver needs: pseudo parameters, parameters, conditions and what each resource resolved to."""

    name: str
    account: str
    region: str
    template: dict[str, Any]
    conditions: Conditions
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Called for a Ref/GetAtt of a logical id that has no value yet (an implicit SAM resource, a skipped one).
    fallback: Callable[[str, str | None], Any] | None = None

    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.name}/embedded",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }


class Resolver:
    """Resolve intrinsic functions in a resource's properties; ``where`` names the resource in errors."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            out = [self.resolve(v, where) for v in value]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._function(key, arg, where)
        out = {k: self.resolve(v, where) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    # ------------------------------------------------------------------ functions
    def _function(self, key: str, arg: Any, where: str) -> Any:
        if key == "Ref":
            return self.ref(arg, where)
        if key == "Fn::GetAtt":
            lid, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.get_att(self.resolve(lid, where), self.resolve(attr, where), where)
        if key == "Fn::Sub":
            return self._sub(arg, where)
        if key == "Fn::If":
            cond, yes, no = arg
            return self.resolve(yes if self.stack.conditions.holds(cond) else no, where)
        if key == "Fn::Join":
            sep, items = arg
            parts = self.resolve(items, where)
            return str(self.resolve(sep, where)).join(str(p) for p in parts)
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items, where)[int(self.resolve(index, where))]
        if key == "Fn::Split":
            sep, text = arg
            return str(self.resolve(text, where)).split(str(self.resolve(sep, where)))
        if key == "Fn::FindInMap":
            name, top, second = (self.resolve(a, where) for a in arg[:3])
            try:
                return self.stack.template["Mappings"][name][top][second]
            except KeyError:
                raise TemplateError(f"{where}: Fn::FindInMap [{name}, {top}, {second}] is not in Mappings") from None
        if key == "Fn::GetAZs":
            region = self.resolve(arg, where) or self.stack.region
            return [f"{region}{z}" for z in "abc"]
        if key == "Fn::Base64":
            import base64

            return base64.b64encode(str(self.resolve(arg, where)).encode()).decode()
        if key in CONDITION_FUNCTIONS:
            return self.stack.conditions.value({key: arg})
        raise TemplateError(f"{where}: the embedded runtime does not support the intrinsic function {key}")

    def ref(self, name: str, where: str) -> Any:
        pseudo = self.stack.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.stack.conditions.parameters:
            return self._parameter(name)
        if name in self.stack.refs:
            return self.stack.refs[name]
        if self.stack.fallback is not None:
            return self.stack.fallback(name, None)
        raise TemplateError(f"{where}: Ref to {name!r}, which is neither a parameter nor a created resource")

    def get_att(self, lid: str, attr: str, where: str) -> Any:
        attrs = self.stack.attrs.get(lid)
        if attrs is not None and attr in attrs:
            return attrs[attr]
        if self.stack.fallback is not None:
            return self.stack.fallback(lid, attr)
        raise TemplateError(f"{where}: Fn::GetAtt {lid}.{attr} has no value in the emulated account")

    def _parameter(self, name: str) -> Any:
        value = self.stack.conditions.parameters[name]
        spec = (self.stack.template.get("Parameters") or {}).get(name) or {}
        if str(spec.get("Type", "")).startswith("CommaDelimitedList") or str(spec.get("Type", "")).startswith("List<"):
            return [v.strip() for v in value.split(",")] if value else []
        return value

    def _sub(self, arg: Any, where: str) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v, where) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}

        def one(m: re.Match[str]) -> str:
            name = m.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                lid, attr = name.split(".", 1)
                return str(self.get_att(lid, attr, where))
            return str(self.ref(name, where))

        # "${!Literal}" is how a template writes a literal "${Literal}".
        return _SUB_VAR.sub(one, str(text)).replace("${!", "${")


def references(value: Any) -> set[str]:
    """Logical ids (or parameter names) a value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg}
            if key == "Fn::GetAtt":
                lid = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                return {lid} if isinstance(lid, str) else references(lid)
            if key == "Fn::Sub":
                text, variables = (arg[0], arg[1] or {}) if isinstance(arg, list) else (arg, {})
                for m in _SUB_VAR.finditer(str(text)):
                    name = m.group(1).strip()
                    if name not in variables:
                        found.add(name.split(".", 1)[0] if not name.startswith("AWS::") else name)
                return found | references(variables)
        for v in value.values():
            found |= references(v)
    return found
