"""No event is dropped silently: every hop has retries and a dead-letter queue, and someone hears about it."""

from __future__ import annotations

import re
from typing import Any

from tests.template.cfn import FUNCTION, _if_branches, functions, getatt, of_type, props, ref, rule_targets

QUEUE = "AWS::SQS::Queue"


def _queue(template: dict[str, Any], value: Any) -> str:
    """Logical id of the SQS queue an ARN reference points at (fails when it is anything else)."""
    target = getatt(value)
    assert target and target[1] == "Arn", f"{value!r} is not !GetAtt <queue>.Arn"
    assert template["Resources"][target[0]]["Type"] == QUEUE, f"{target[0]} is not an SQS queue"
    return target[0]


STATE_MACHINES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
# Resources that invoke a function they name: subscription filters, schedules.
INVOKERS = ("AWS::Logs::SubscriptionFilter", "AWS::Scheduler::Schedule")


def _named(value: Any) -> set[str]:
    """Logical ids referenced anywhere in ``value`` (Ref, GetAtt, and ${X}/${X.Arn} inside Sub strings)."""
    out: set[str] = set()
    if isinstance(value, dict):
        if (r := ref(value)) or (r := (getatt(value) or (None,))[0]):
            out.add(r)
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) else sub
        if isinstance(text, str):
            out |= {m.split(".")[0] for m in re.findall(r"\$\{([A-Za-z0-9.]+)\}", text)}
        for v in value.values():
            out |= _named(v)
    elif isinstance(value, list):
        for v in value:
            out |= _named(v)
    return out


def test_every_function_has_an_invoker(template: dict[str, Any]) -> None:
    """No orphan function: each is the target of a rule, an API route, a state machine task, or a named invoker."""
    invoked = {r.target_id for r in rule_targets(template)}
    for lid, p in functions(template).items():
        if any(e.get("Type") == "Api" for e in (p.get("Events") or {}).values()):
            invoked.add(lid)
    for type_ in (*STATE_MACHINES, *INVOKERS):
        for res in of_type(template, type_).values():
            invoked |= _named(props(res))
    assert set(of_type(template, FUNCTION)) - invoked == set()


def test_rule_targets_retry_then_dead_letter(template: dict[str, Any]) -> None:
    targets = rule_targets(template)
    assert targets
    for r in targets:
        _queue(template, (r.target.get("DeadLetterConfig") or {}).get("Arn"))
        retry = r.target.get("RetryPolicy") or {}
        assert {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"} <= set(retry), r.logical_id
        assert 0 < retry["MaximumEventAgeInSeconds"] <= 86400 and 0 <= retry["MaximumRetryAttempts"] <= 185


def test_each_rule_may_invoke_its_function_and_only_from_that_rule(template: dict[str, Any]) -> None:
    perms = {
        (ref(props(p)["FunctionName"]), ref(props(p)["SourceArn"]))
        for p in of_type(template, "AWS::Lambda::Permission").values()
        if props(p).get("Principal") == "events.amazonaws.com" and props(p).get("Action") == "lambda:InvokeFunction"
    }
    for r in rule_targets(template):
        if template["Resources"][r.target_id]["Type"] == FUNCTION:
            assert (r.target_id, r.logical_id) in perms, f"no Lambda permission for {r.logical_id} -> {r.target_id}"
    assert all(src for _, src in perms), "a permission without SourceArn lets any rule invoke"


def test_functions_keep_failed_async_events(template: dict[str, Any]) -> None:
    for lid, p in functions(template).items():
        _queue(template, (p.get("DeadLetterQueue") or {}).get("TargetArn"))
        assert p["DeadLetterQueue"]["Type"] == "SQS"
        invoke = p.get("EventInvokeConfig") or {}
        assert 0 <= invoke.get("MaximumRetryAttempts", -1) <= 2, lid
        on_failure = (invoke.get("DestinationConfig") or {}).get("OnFailure") or {}
        assert on_failure.get("Type") == "SQS", lid
        _queue(template, on_failure.get("Destination"))


def test_functions_log_to_their_own_group_with_retention(template: dict[str, Any]) -> None:
    groups = of_type(template, "AWS::Logs::LogGroup")
    seen: set[str] = set()
    for lid, p in functions(template).items():
        group = ref((p.get("LoggingConfig") or {}).get("LogGroup"))
        assert group in groups, f"{lid}: LoggingConfig.LogGroup must be !Ref to a log group of this template"
        assert group not in seen, f"{lid} shares log group {group}"
        seen.add(group)
        assert props(groups[group]).get("RetentionInDays") == {"Ref": "LogRetentionDays"}, group


def test_rule_dead_letter_queue_accepts_exactly_the_rules_that_use_it(template: dict[str, Any]) -> None:
    senders: dict[str, set[str]] = {}
    for r in rule_targets(template):
        senders.setdefault(_queue(template, r.target["DeadLetterConfig"]["Arn"]), set()).add(r.logical_id)
    for lid, bus in of_type(template, "AWS::Events::EventBus").items():
        if "DeadLetterConfig" in props(bus):
            senders.setdefault(_queue(template, props(bus)["DeadLetterConfig"]["Arn"]), set()).add(lid)
    allowed = _service_senders(template, "events.amazonaws.com")
    assert senders == allowed


def _service_senders(template: dict[str, Any], service: str) -> dict[str, set[str]]:
    """queue logical id -> logical ids whose ARN the queue policies accept as aws:SourceArn for ``service``."""
    out: dict[str, set[str]] = {}
    for pol in of_type(template, "AWS::SQS::QueuePolicy").values():
        for s in props(pol)["PolicyDocument"]["Statement"]:
            if s["Effect"] != "Allow" or (s.get("Principal") or {}).get("Service") != service:
                continue
            assert s["Action"] == "sqs:SendMessage"
            arns = s["Condition"]["ArnEquals"]["aws:SourceArn"]
            out.setdefault(ref(s["Resource"]) or "", set()).update(ref(a) or "" for a in arns)
    return out


def test_function_queues_accept_the_function_roles(template: dict[str, Any]) -> None:
    fns = functions(template)
    queues = {ref(p["DeadLetterQueue"]["TargetArn"]) for p in fns.values()}
    queues |= {ref(p["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"]) for p in fns.values()}
    for queue in queues:
        principals: set[str] = set()
        for pol in of_type(template, "AWS::SQS::QueuePolicy").values():
            for s in props(pol)["PolicyDocument"]["Statement"]:
                resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                if s["Effect"] == "Allow" and queue in {ref(x) for x in resources} and "AWS" in s["Principal"]:
                    # A conditional function's role is listed under Fn::If (AWS::NoValue when it is off).
                    principals |= {ref(b) for a in s["Principal"]["AWS"] for b in _if_branches(a)} - {"AWS::NoValue"}
        assert principals == {f"{f}Role" for f in fns}, queue


def test_alarms_watch_every_queue_and_function(template: dict[str, Any]) -> None:
    alarms = [props(a) for a in of_type(template, "AWS::CloudWatch::Alarm").values()]
    topics = set(of_type(template, "AWS::SNS::Topic"))
    for a in alarms:
        assert a["AlarmActions"] and {ref(x) for x in a["AlarmActions"]} <= topics, a
        assert a["TreatMissingData"] == "notBreaching"

    def watched(namespace: str, metric: str) -> set[str]:
        return {ref(d["Value"]) for a in alarms if (a["Namespace"], a["MetricName"]) == (namespace, metric)
                for d in a["Dimensions"]}

    assert watched("AWS/SQS", "ApproximateNumberOfMessagesVisible") == set(of_type(template, QUEUE))
    assert watched("AWS/Lambda", "Errors") == set(of_type(template, FUNCTION))
