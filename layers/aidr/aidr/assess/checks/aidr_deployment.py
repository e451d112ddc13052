"""aidr's own deployment in each region that uses AI: stack present, its rules enabled, the phase it runs at,
containment beyond notify, export to Security Hub. A stack is aidr's when it has the ``MaturityPhase`` parameter
and the ``EventBusName`` output of template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..collect import BEDROCK_USAGE_CALLS, SAGEMAKER_USAGE_CALLS, ai_usage
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check
from ._common import evaluate

CFN = "cloudformation:DescribeStacks"
USAGE = (*BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS)


def stacks(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    """aidr stacks in ``region`` with ``_params`` and ``_outputs`` as dicts."""
    def load() -> list[dict[str, Any]]:
        out = []
        for s in ctx.paginate("cloudformation", region, "describe_stacks", "Stacks"):
            if str(s.get("StackStatus", "")).startswith("DELETE"):
                continue
            params = {p["ParameterKey"]: p.get("ParameterValue") for p in s.get("Parameters") or []}
            outputs = {o["OutputKey"]: o.get("OutputValue") for o in s.get("Outputs") or []}
            if "MaturityPhase" in params and "EventBusName" in outputs:
                out.append(dict(s, _params=params, _outputs=outputs))
        return out
    return ctx.memo(("aidr_stacks", region), load)


def _param_check(ctx: AssessContext, region: str, key: str, good: tuple[str, ...], why: str,
                 ok: str) -> Iterator[Result]:
    yield from evaluate(stacks(ctx, region), none="aidr is not deployed here", resource=lambda s: s["StackId"],
                        problem=lambda s: None if str(s["_params"].get(key, "")).lower() in good
                        else why.format(value=s["_params"].get(key)), ok=ok)


@check(id="aidr.deployed", title="aidr is deployed where AI services are used", layer="infrastructure",
       phase="foundational", severity="medium", api_calls=[CFN, *USAGE],
       remediation="Deploy aidr (sam deploy) in every region that uses Bedrock or SageMaker.", references={})
def deployed(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = stacks(ctx, region)
    if found:
        yield passed(f"stack {found[0]['StackName']} (phase {found[0]['_params'].get('MaturityPhase')})",
                     found[0]["StackId"])
    elif usage := ai_usage(ctx, region):
        yield failed(f"AI services are used ({', '.join(usage)}) but aidr is not deployed", exposure=2)
    else:
        yield not_applicable("no AI services used")


@check(id="aidr.rules_enabled", title="aidr's EventBridge rules are enabled", layer="infrastructure",
       phase="foundational", severity="high", api_calls=[CFN, "events:ListRules"],
       remediation="Enable the stack's rules (events:EnableRule) or redeploy the stack.", references={})
def rules_enabled(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = stacks(ctx, region)
    if not found:
        yield not_applicable("aidr is not deployed here")
        return
    for s in found:
        rules = []
        for bus in ("default", s["_outputs"]["EventBusName"]):
            rules += ctx.paginate("events", region, "list_rules", "Rules", NamePrefix=s["StackName"],
                                  EventBusName=bus)
        disabled = [r["Name"] for r in rules if r.get("State") != "ENABLED"]
        if not rules:
            yield failed("no rules of the stack were found", s["StackId"])
        elif disabled:
            yield failed(f"disabled rules: {', '.join(sorted(disabled))}", s["StackId"], exposure=2)
        else:
            yield passed(f"{len(rules)} rules enabled", s["StackId"])


@check(id="aidr.maturity_phase_enhanced", title="aidr runs the enhanced detections", layer="application",
       phase="enhanced", severity="medium", api_calls=[CFN],
       remediation="Redeploy aidr with MaturityPhase=enhanced (or advanced).", references={})
def maturity_phase_enhanced(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _param_check(ctx, region, "MaturityPhase", ("enhanced", "advanced"),
                            "MaturityPhase is {value}", "enhanced detections on")


@check(id="aidr.maturity_phase_advanced", title="aidr runs the advanced detections", layer="application",
       phase="advanced", severity="low", api_calls=[CFN],
       remediation="Redeploy aidr with MaturityPhase=advanced.", references={})
def maturity_phase_advanced(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _param_check(ctx, region, "MaturityPhase", ("advanced",), "MaturityPhase is {value}",
                            "advanced detections on")


@check(id="aidr.response_mode", title="aidr contains threats (approve or auto), not only notifies",
       layer="application", phase="advanced", severity="medium", api_calls=[CFN],
       remediation="Redeploy aidr with ResponseMode=approve (human approval) or auto.", references={})
def response_mode(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _param_check(ctx, region, "ResponseMode", ("approve", "auto"), "ResponseMode is {value}: findings "
                            "are only notified", "containment playbooks run")


@check(id="aidr.security_hub_export", title="aidr exports findings to Security Hub", layer="infrastructure",
       phase="enhanced", severity="low", api_calls=[CFN],
       remediation="Redeploy aidr with EnableSecurityHubExport=true.", references={})
def security_hub_export(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _param_check(ctx, region, "EnableSecurityHubExport", ("true",), "EnableSecurityHubExport is {value}",
                            "findings exported")
