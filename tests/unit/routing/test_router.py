"""Router: its index never drops a route the plain matcher accepts, over template.yaml's own rules."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.normalize.envelope import cloudtrail_detail_type, cloudtrail_source, wrap_cloudtrail
from aidr.routing import Route, Router
from aidr_cli.template import load_router
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTER = load_router()


def _strings(obj: Any) -> set[str]:
    """Every string value in the template's patterns (what a matching event is made of)."""
    if isinstance(obj, dict):
        return set().union(*(_strings(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_strings(v) for v in obj)) if obj else set()
    return {obj} if isinstance(obj, str) else set()


VOCAB = sorted(set().union(*(_strings(r.pattern) for r in ROUTER.routes)))
WORDS = st.one_of(
    st.sampled_from(VOCAB),
    st.builds(lambda w, s: w + s, st.sampled_from(VOCAB), st.sampled_from(["", "X", "Model", "-key"])),
    st.sampled_from(["aws.ec2", "ListBuckets", "AWS API Call via CloudTrail", "ec2.amazonaws.com"]),
)
SERVICES = st.sampled_from(sorted({v.split(".")[0] for v in VOCAB if v.endswith(".amazonaws.com")} | {"ec2"}))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, st.lists(strategy, min_size=1, max_size=2), st.integers(0, 3), st.none())


@st.composite
def _witness(draw: st.DrawFn, pattern: dict[str, Any]) -> dict[str, Any]:
    """An event built to match ``pattern`` (the generator then perturbs it)."""
    ev: dict[str, Any] = {}
    for key, spec in pattern.items():
        if key == "$or":
            ev.update(draw(_witness(draw(st.sampled_from(spec)))))
        elif isinstance(spec, dict):
            ev[key] = draw(_witness(spec))
        else:
            m = draw(st.sampled_from(spec))
            if isinstance(m, str):
                ev[key] = m
            elif isinstance(m, dict) and "prefix" in m and isinstance(m["prefix"], str):
                ev[key] = m["prefix"] + draw(st.sampled_from(["", "Model", "x"]))
            elif m != {"exists": False}:
                ev[key] = draw(WORDS)  # whatever it is, a word may or may not satisfy it
    return ev


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """Events near the template's rules: a rule's witness with some fields dropped or replaced."""
    ev = draw(_witness(draw(st.sampled_from(ROUTER.routes)).pattern))
    detail = ev.get("detail") if isinstance(ev.get("detail"), dict) else {}
    for d, keys in ((ev, ("source", "detail-type")), (detail, ("eventSource", "eventName"))):
        for key in keys:
            action = draw(st.sampled_from(["keep", "keep", "keep", "replace", "drop"]))
            if action == "replace":
                d[key] = draw(_maybe(WORDS))
            elif action == "drop":
                d.pop(key, None)
    return ev


@st.composite
def cloudtrail_records(draw: st.DrawFn) -> dict[str, Any]:
    service = draw(SERVICES)
    rec: dict[str, Any] = {"eventSource": f"{service}.amazonaws.com", "eventName": draw(WORDS),
                           "eventType": draw(st.sampled_from(["AwsApiCall", "AwsServiceEvent"]))}
    if draw(st.booleans()):
        rec["userIdentity"] = {"type": "IAMUser", "userName": draw(WORDS)}
    return rec


def _plain(router: Router, event: dict[str, Any]) -> list[Route]:
    return [r for r in router.routes if r.matcher(event)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=envelopes())
def test_index_agrees_with_plain_matcher(event: dict[str, Any]) -> None:
    assert ROUTER.match(event) == _plain(ROUTER, event)


@settings(max_examples=300, deadline=None)
@given(record=cloudtrail_records())
def test_candidates_keep_every_route_a_raw_record_can_match(record: dict[str, Any]) -> None:
    """replay skips a raw CloudTrail record when candidates() is empty; that must never hide a match."""
    candidates = ROUTER.candidates(cloudtrail_source(record["eventSource"]), record["eventName"])
    env = wrap_cloudtrail(record)
    assert set(map(id, _plain(ROUTER, env))) <= set(map(id, candidates))


@settings(max_examples=300, deadline=None)
@given(record=cloudtrail_records())
def test_detail_precheck_keeps_every_route_a_raw_record_can_match(record: dict[str, Any]) -> None:
    """candidates_for_detail() also runs source-less rules on the raw record; still never hides a match."""
    candidates = ROUTER.candidates_for_detail(cloudtrail_source(record["eventSource"]), record["eventName"],
                                              cloudtrail_detail_type(record), record)
    env = wrap_cloudtrail(record)
    assert set(map(id, _plain(ROUTER, env))) <= set(map(id, candidates))


def test_detail_precheck_drops_a_source_less_rule_that_cannot_match() -> None:
    key_user = {"eventSource": "s3.amazonaws.com", "eventName": "GetObject",
                "userIdentity": {"type": "IAMUser", "userName": "BedrockAPIKey-x1"}}
    other = {**key_user, "userIdentity": {"type": "IAMUser", "userName": "alice"}}
    rules = [[r.rule for r in R.candidates_for_detail("aws.s3", "GetObject", "AWS API Call via CloudTrail", rec)]
             for rec in (key_user, other)]
    assert rules == [["AnySource", "TwoSources"], ["TwoSources"]]


def test_template_events_reach_their_functions() -> None:
    """Sanity of the property tests' domain: real events of the template do route."""
    env = wrap_cloudtrail({"eventSource": "bedrock.amazonaws.com",
                           "eventName": "DeleteModelInvocationLoggingConfiguration"})
    assert "DetectBedrockFunction" in ROUTER.targets(env)
    assert ROUTER.targets({"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification",
                           "detail": {"state": "running"}}) == []


# --- the index on synthetic routes ------------------------------------------------------------------------------

def _api(source: str, names: list[Any] | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {"source": [source], "detail-type": ["AWS API Call via CloudTrail"]}
    if names is not None:
        p["detail"] = {"eventName": names}
    return p


ROUTES = [
    Route("Names", "F1", _api("aws.iam", ["CreateUser", "CreateRole"])),
    Route("AnySource", "F2", {"detail": {"userIdentity": {"userName": [{"prefix": "BedrockAPIKey-"}]}}}),
    Route("Prefix", "F3", _api("aws.sagemaker", [{"prefix": "Create"}])),
    Route("NamesToo", "F4", _api("aws.iam", ["DeleteUser"])),
    Route("TwoSources", "F5", {"source": ["aws.s3", "aws.s3", "aws.iam"]}),
]
R = Router(ROUTES)


def _ev(source: Any, name: Any = None, user: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"eventName": name}
    if user:
        detail["userIdentity"] = {"userName": user}
    return {"source": source, "detail-type": "AWS API Call via CloudTrail", "detail": detail}


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        # TwoSources pins no eventName, so aws.iam keeps all its routes whatever the name.
        ("aws.iam", "ListUsers", ["Names", "AnySource", "NamesToo", "TwoSources"]),
        ("aws.sagemaker", "ListModels", ["AnySource", "Prefix"]),  # a prefix pins nothing: no name filter
        ("aws.ec2", "RunInstances", ["AnySource"]),  # unknown source: only the source-less rule
        ("aws.s3", None, ["AnySource", "TwoSources"]),
    ],
)
def test_candidates(source: str, name: str | None, expected: list[str]) -> None:
    assert [r.rule for r in R.candidates(source, name)] == expected


def test_candidates_are_in_rule_order_without_duplicates() -> None:
    rules = [r.rule for r in R.candidates("aws.s3")]
    assert rules == ["AnySource", "TwoSources"]


def test_name_filter_applies_when_every_rule_of_a_source_pins_names() -> None:
    r = Router(ROUTES[:2] + ROUTES[3:4])  # aws.iam: only Names and NamesToo, both literal
    assert [x.rule for x in r.candidates("aws.iam", "ListUsers")] == ["AnySource"]
    assert [x.rule for x in r.candidates("aws.iam", "DeleteUser")] == ["Names", "AnySource", "NamesToo"]
    assert [x.rule for x in r.match(_ev("aws.iam", "DeleteUser"))] == ["NamesToo"]


@pytest.mark.parametrize(
    "event",
    [
        _ev(["aws.iam"], "CreateUser"),  # an array source matches element-wise
        _ev("aws.iam", ["ListUsers", "CreateUser"]),  # so does an array eventName
        _ev(7, "CreateUser"),
        {"detail-type": "x", "detail": {"userIdentity": {"userName": "BedrockAPIKey-1"}}},  # no source at all
        {"source": "aws.iam", "detail": "not an object"},
    ],
)
def test_odd_events_never_crash_and_never_lose_routes(event: dict[str, Any]) -> None:
    assert R.match(event) == _plain(R, event)


def test_targets_deduplicate_in_order() -> None:
    r = Router([Route(name, fn, {"source": ["x"]}) for name, fn in (("A", "F"), ("B", "G"), ("C", "F"))])
    assert r.targets({"source": "x"}) == ["F", "G"]
