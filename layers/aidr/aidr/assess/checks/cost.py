"""Denial of wallet: a budget and CloudWatch alarms on Bedrock usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..collect import BEDROCK_USAGE_CALLS, bedrock_regions, bedrock_usage
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check

# The SERVICE dimension value of Bedrock in Budgets and Cost Explorer.
BEDROCK_SERVICE = "Amazon Bedrock"


def _names_bedrock(expr: dict[str, Any]) -> bool:
    """Whether a Budgets filter expression selects Bedrock by its SERVICE dimension (not under a ``Not``)."""
    dim = expr.get("Dimensions") or {}
    if dim.get("Key") == "SERVICE" and BEDROCK_SERVICE in (dim.get("Values") or []):
        return True
    return any(_names_bedrock(e) for e in [*(expr.get("And") or []), *(expr.get("Or") or [])])


def covers_bedrock(budget: dict[str, Any]) -> bool:
    """A cost budget covers Bedrock when it has no filter (all spend) or its SERVICE filter names Amazon Bedrock.

    A region, tag, linked-account or other filter narrows the budget to part of the spend, so it does not.
    ``FilterExpression`` (returned with ``ShowFilterExpression``) is read first; ``CostFilters`` (deprecated) when
    it is absent.

    Examples
    --------
    >>> region_only = {"BudgetType": "COST", "CostFilters": {"Region": ["us-east-1"]}}
    >>> covers_bedrock({"BudgetType": "COST"}), covers_bedrock(region_only)
    (True, False)
    >>> covers_bedrock({"BudgetType": "COST", "FilterExpression": {"And": [
    ...     {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
    ...     {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}]}})
    True
    """
    if budget.get("BudgetType") != "COST":
        return False
    expr = budget.get("FilterExpression")
    if expr:
        return _names_bedrock(expr)
    filters = {k: v for k, v in (budget.get("CostFilters") or {}).items() if v}
    return not filters or BEDROCK_SERVICE in (filters.get("Service") or [])


@check(id="cost.bedrock_budget", title="A budget with alerts covers Bedrock spend", layer="application",
       phase="enhanced", severity="medium", scope="account",
       api_calls=["budgets:DescribeBudgets", "budgets:DescribeNotificationsForBudget", *BEDROCK_USAGE_CALLS],
       remediation="Create an AWS Budget (cost, monthly) filtered to Amazon Bedrock, or an account budget, with "
                   "an ACTUAL and a FORECASTED alert.",
       references={"owasp_llm_2025": ["LLM10"], "mitre_atlas": ["AML.T0034"]})
def bedrock_budget(ctx: AssessContext, region: str) -> Iterator[Result]:
    budgets = ctx.client("budgets", "us-east-1")
    found = ctx.paginate("budgets", "us-east-1", "describe_budgets", "Budgets", AccountId=ctx.account,
                         ShowFilterExpression=True)
    covering = [b for b in found if covers_bedrock(b)]
    alerted = [b for b in covering if budgets.describe_notifications_for_budget(
        AccountId=ctx.account, BudgetName=b["BudgetName"]).get("Notifications")]
    if alerted:
        yield passed(f"budget {alerted[0]['BudgetName']} alerts on Bedrock spend",
                     f"arn:aws:budgets::{ctx.account}:budget/{alerted[0]['BudgetName']}")
    elif not bedrock_regions(ctx):
        yield not_applicable("Bedrock is not used")
    else:
        yield failed("no cost budget with alerts covers Bedrock: a stolen key can run up spend unnoticed"
                     if not covering else "budgets covering Bedrock have no alert", exposure=2)


@check(id="cost.bedrock_usage_alarm", title="CloudWatch alarms watch Bedrock invocations or tokens",
       layer="application", phase="enhanced", severity="medium",
       api_calls=["cloudwatch:DescribeAlarms", *BEDROCK_USAGE_CALLS],
       remediation="Alarm on AWS/Bedrock Invocations, InputTokenCount or OutputTokenCount (anomaly detection or "
                   "a static threshold) in every region that uses Bedrock.",
       references={"owasp_llm_2025": ["LLM10"], "mitre_atlas": ["AML.T0034", "AML.T0040"]})
def bedrock_usage_alarm(ctx: AssessContext, region: str) -> Iterator[Result]:
    alarms = ctx.paginate("cloudwatch", region, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])

    def watches(a: dict) -> bool:
        if a.get("Namespace") == "AWS/Bedrock":
            return True
        return any((m.get("MetricStat") or {}).get("Metric", {}).get("Namespace") == "AWS/Bedrock"
                   for m in a.get("Metrics") or [])
    hits = [a for a in alarms if watches(a)]
    if hits:
        yield passed(f"alarm {hits[0]['AlarmName']} watches Bedrock", hits[0].get("AlarmArn"))
    elif usage := bedrock_usage(ctx, region):
        yield failed(f"Bedrock is used ({', '.join(usage)}) but no alarm watches its metrics", exposure=2)
    else:
        yield not_applicable("Bedrock is not used")
