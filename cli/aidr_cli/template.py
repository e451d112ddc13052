"""Read template.yaml: the EventBridge rules and the functions they target.

`aidr replay` routes with exactly these patterns, so what replay detects is what the deployed stack detects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aidr.errors import TemplateError
from aidr.routing import Route, Router


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML loader that keeps CloudFormation short-form tags as {'Fn::X': value} / {'Ref': value}.

    libyaml's loader when PyYAML has it: every replay (and every worker of its pool) reads the template.
    """


def _tag_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    # !Ref and !Condition have no "Fn::" in their long form.
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag_constructor)


def default_template_path() -> Path:
    """template.yaml of this checkout (AIDR_TEMPLATE overrides)."""
    env = os.environ.get("AIDR_TEMPLATE")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "template.yaml"
        if candidate.is_file():
            return candidate
    return Path("template.yaml")


def load_template(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    p = Path(path) if path else default_template_path()
    try:
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_CfnLoader)
    except OSError as e:
        raise TemplateError(f"{p}: cannot read template: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise TemplateError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError(f"{p}: no Resources section")
    return doc


@dataclass(frozen=True)
class Conditions:
    """Evaluate template Conditions for chosen parameter values (defaults otherwise)."""

    template: dict[str, Any]
    parameters: dict[str, str]

    @classmethod
    def for_template(cls, template: dict[str, Any], overrides: dict[str, str] | None = None) -> Conditions:
        params = {
            name: str(spec.get("Default", ""))
            for name, spec in (template.get("Parameters") or {}).items()
            if isinstance(spec, dict)
        }
        params.update(overrides or {})
        return cls(template, params)

    def value(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (k, v), = expr.items()
            if k == "Ref":
                if v in self.parameters:
                    return self.parameters[v]
                raise TemplateError(f"condition refers to {v!r}, which is not a parameter")
            if k == "Fn::Equals":
                a, b = (self.value(x) for x in v)
                return str(a) == str(b)
            if k == "Fn::Not":
                return not self.value(v[0])
            if k == "Fn::And":
                return all(self.value(x) for x in v)
            if k == "Fn::Or":
                return any(self.value(x) for x in v)
            if k == "Condition":
                return self.holds(v)
            raise TemplateError(f"unsupported function {k!r} in a condition")
        return expr

    def holds(self, name: str | None) -> bool:
        if name is None:
            return True
        conds = self.template.get("Conditions") or {}
        if name not in conds:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self.value(conds[name]))


def _target_logical_id(arn: Any) -> str | None:
    if isinstance(arn, dict):
        if "Fn::GetAtt" in arn:
            return arn["Fn::GetAtt"][0]
        if "Ref" in arn:
            return arn["Ref"]
        if "Fn::Sub" in arn:
            s = arn["Fn::Sub"] if isinstance(arn["Fn::Sub"], str) else arn["Fn::Sub"][0]
            if s.startswith("${") and "." in s:
                return s[2 : s.index(".")]
    return None


def _pattern_values(pattern: Any, conds: Conditions, where: str) -> Any:
    """An EventPattern with parameter Refs (e.g. a bucket name) replaced by the parameter's value."""
    if isinstance(pattern, dict):
        if set(pattern) == {"Ref"}:
            if pattern["Ref"] not in conds.parameters:
                raise TemplateError(f"{where}: the pattern refers to {pattern['Ref']!r}, which is not a parameter")
            return conds.parameters[pattern["Ref"]]
        if any(k.startswith("Fn::") for k in pattern):
            raise TemplateError(f"{where}: replay cannot evaluate {sorted(pattern)[0]} inside an EventPattern")
        return {k: _pattern_values(v, conds, where) for k, v in pattern.items()}
    if isinstance(pattern, list):
        return [_pattern_values(v, conds, where) for v in pattern]
    return pattern


def _bus_name(ref: Any) -> str:
    if ref is None:
        return "default"
    if isinstance(ref, dict) and "Ref" in ref:
        return ref["Ref"]
    if isinstance(ref, dict) and "Fn::GetAtt" in ref:
        return ref["Fn::GetAtt"][0]
    return str(ref)


def routes_from_template(template: dict[str, Any], parameters: dict[str, str] | None = None) -> list[Route]:
    """Every enabled rule → function route: AWS::Events::Rule resources and SAM function events."""
    conds = Conditions.for_template(template, parameters)
    resources: dict[str, Any] = template["Resources"]
    routes: list[Route] = []
    for lid, res in resources.items():
        if not isinstance(res, dict) or not conds.holds(res.get("Condition")):
            continue
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Events::Rule":
            state = props.get("State", "ENABLED")
            if isinstance(state, dict) and "Fn::If" in state:
                c, a, b = state["Fn::If"]
                state = a if conds.holds(c) else b
            state = conds.value(state)
            if state == "DISABLED" or "EventPattern" not in props:
                continue
            pattern = _pattern_values(props["EventPattern"], conds, lid)
            for t in props.get("Targets") or []:
                target = _target_logical_id(t.get("Arn"))
                if target and resources.get(target, {}).get("Type") == "AWS::Serverless::Function":
                    routes.append(Route(lid, target, pattern, _bus_name(props.get("EventBusName"))))
        elif res.get("Type") == "AWS::Serverless::Function":
            for ename, ev in (props.get("Events") or {}).items():
                if not isinstance(ev, dict) or ev.get("Type") not in ("EventBridgeRule", "CloudWatchEvent"):
                    continue
                eprops = ev.get("Properties") or {}
                if eprops.get("State") == "DISABLED" or "Pattern" not in eprops:
                    continue
                routes.append(Route(f"{lid}.{ename}", lid, eprops["Pattern"], _bus_name(eprops.get("EventBusName"))))
    if not routes:
        raise TemplateError("template declares no EventBridge rule that targets a function")
    return routes


def load_router(path: str | os.PathLike[str] | None = None, parameters: dict[str, str] | None = None) -> Router:
    return Router(routes_from_template(load_template(path), parameters))
