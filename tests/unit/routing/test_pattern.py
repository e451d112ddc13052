"""Table tests of the EventBridge semantics that are easy to get wrong, each with the rule it checks.

Sources: the EventBridge user guide ("Event pattern syntax", "Comparison operators", "Arrays in event
patterns", "Matching null values and empty strings"), aws/event-ruler's README, and LocalStack's
event-pattern cases that were recorded against AWS (tests/aws/services/events/event_pattern_templates).
"""

from __future__ import annotations

from typing import Any

import pytest
from aidr.routing.pattern import PatternError, compile_pattern, matches

CASES = [
    # --- exists, missing fields and leaf nodes
    ("exists:false on a field missing inside a nested object", {"detail": {"c": [{"exists": False}]}},
     {"detail": {"state": "x"}}, True),
    ("exists:false when the whole nested branch is missing (LocalStack content_exists_false, AWS-recorded)",
     {"detail": {"l1": {"l2": {"c": [{"exists": False}]}}}}, {"detail": {"other": 1}}, True),
    ("exists:false when the parent is a leaf, not an object", {"detail": {"c": [{"exists": False}]}},
     {"detail": "x"}, True),
    ("exists:false on an intermediate node ('c-count isn't a leaf node')", {"detail": {"c-count": [{"exists": False}]}},
     {"detail": {"c-count": {"c1": 100}}}, True),
    ("exists:true on an intermediate node does not match", {"detail": {"c-count": [{"exists": True}]}},
     {"detail": {"c-count": {"c1": 100}}}, False),
    ("exists:true on null: the field is present", {"detail": {"c": [{"exists": True}]}}, {"detail": {"c": None}}, True),
    ("exists:false with the field present", {"detail": {"c": [{"exists": False}]}}, {"detail": {"c": 0}}, False),
    ("exists:false inside $or under a missing parent", {"detail": {"$or": [{"a": [{"exists": False}]}, {"b": ["x"]}]}},
     {"source": "s"}, True),
    ("a positive nested pattern under a missing parent", {"detail": {"c": ["x"]}}, {"source": "s"}, False),
    # --- anything-but
    ("anything-but never matches a missing field (LocalStack content_anything_but_string_missing_NEG)",
     {"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {}}, False),
    ("anything-but matches null (LocalStack content_anything_but_string_null)",
     {"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {"state": None}}, True),
    ("anything-but prefix matches a number (LocalStack content_anything_prefix_int_value)",
     {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, {"detail": {"state": 12}}, True),
    ("anything-but wildcard matches a number (LocalStack content_anything_wildcard_int)",
     {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/dir/*"}}]}}, {"detail": {"FilePath": 123}}, True),
    ("anything-but prefix excludes", {"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "us-east-1"}, False),
    ("anything-but suffix list", {"f": [{"anything-but": {"suffix": [".png", ".jpg"]}}]}, {"f": "a.jpg"}, False),
    ("anything-but ignore case", {"s": [{"anything-but": {"equals-ignore-case": ["Stopped"]}}]}, {"s": "STOPPED"},
     False),
    ("anything-but on an array: another element matches", {"s": [{"anything-but": "stopped"}]},
     {"s": ["stopped", "running"]}, True),
    ("anything-but on an array of only excluded values", {"s": [{"anything-but": ["stopped", "x"]}]},
     {"s": ["stopped", "x"]}, False),
    ("anything-but number list", {"x-limit": [{"anything-but": [100, 200, 300]}]}, {"x-limit": 200}, False),
    # --- numbers
    ("numeric '=' compares values: 5 and 5.0", {"n": [{"numeric": ["=", 5]}]}, {"n": 5.0}, True),
    ("exact 5 does not match 5.0 ('300, 300.0, and 3.0e2 are not considered equal')", {"n": [5]}, {"n": 5.0}, False),
    ("exact 5 matches 5", {"n": [5]}, {"n": 5}, True),
    ("exact number does not match its string", {"n": [5]}, {"n": "5"}, False),
    ("numeric range", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5}, True),
    ("numeric range, open top", {"n": [{"numeric": [">", 0, "<", 5]}]}, {"n": 5}, False),
    ("numeric ignores strings", {"n": [{"numeric": [">", 0]}]}, {"n": "7"}, False),
    ("numeric ignores booleans", {"n": [{"numeric": [">", 0]}]}, {"n": True}, False),
    # --- arrays
    ("array event value: non-empty intersection ('Arrays in event patterns')",
     {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},
     {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x",
                    "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}, True),
    ("array event value: empty intersection", {"resources": ["a"]}, {"resources": ["b", "c"]}, False),
    ("array element matched by prefix", {"r": [{"prefix": "arn:aws:s3"}]}, {"r": ["x", "arn:aws:s3:::b"]}, True),
    ("objects inside arrays are matched per element", {"e": {"n": ["Anna"]}}, {"e": [{"n": "John"}, {"n": "Anna"}]},
     True),
    ("empty array has no value: [null] does not match it (LocalStack arrays_empty_null_NEG)",
     {"resources": [None]}, {"resources": []}, False),
    # --- null, empty string, booleans, case
    ("null matches null", {"r": [None]}, {"r": None}, True),
    ("empty string is not null", {"r": [""]}, {"r": None}, False),
    ("null is not the empty string", {"r": [None]}, {"r": ""}, False),
    ("true matches true only", {"b": [True]}, {"b": 1}, False),
    ("exact matching is case-sensitive", {"s": ["ec2"]}, {"s": "EC2"}, False),
    ("equals-ignore-case", {"s": [{"equals-ignore-case": "ec2"}]}, {"s": "EC2"}, True),
    ("prefix ignoring case", {"s": [{"prefix": {"equals-ignore-case": "EVENTB"}}]}, {"s": "eventbridge"}, True),
    ("suffix ignoring case", {"s": [{"suffix": {"equals-ignore-case": "TBRIDGE"}}]}, {"s": "EventBridge"}, True),
    ("prefix needs a string", {"s": [{"prefix": "1"}]}, {"s": 12}, False),
    # --- wildcard, cidr, $or
    ("wildcard", {"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a/b.png"}, True),
    ("wildcard is anchored", {"f": [{"wildcard": "dir/*.png"}]}, {"f": "x/dir/a.png"}, False),
    ("escaped star is literal", {"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"}, True),
    ("escaped star is not a wildcard", {"f": [{"wildcard": "a\\*b"}]}, {"f": "axb"}, False),
    ("cidr v4", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.33"}, True),
    ("cidr v4 outside", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.33"}, False),
    ("cidr v6", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
    ("cidr ignores non-addresses", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "example.com"}, False),
    ("$or: either branch", {"source": ["aws.s3"], "$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"source": "aws.s3", "b": "2"},
     True),
    ("$or: neither branch", {"source": ["aws.s3"], "$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"source": "aws.s3"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_semantics(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected


INVALID = [
    ("empty pattern", {}),
    ("empty nested object ('Empty objects are not allowed')", {"detail": {}}),
    ("empty value list ('Empty arrays are not allowed')", {"source": []}),
    ("scalar instead of a list", {"source": "aws.s3"}),
    ("nested list value", {"source": [["aws.s3"]]}),
    ("two keys in one matcher", {"s": [{"prefix": "a", "suffix": "b"}]}),
    ("unknown matcher", {"s": [{"contains": "a"}]}),
    ("exists takes a boolean", {"s": [{"exists": "true"}]}),
    ("prefix takes a string", {"s": [{"prefix": 5}]}),
    ("equals-ignore-case takes one string (LocalStack content_ignorecase_list_EXC)",
     {"s": [{"equals-ignore-case": ["a", "b"]}]}),
    ("numeric: '=' stands alone", {"n": [{"numeric": ["=", 1, "<", 5]}]}),
    ("numeric: upper bound first", {"n": [{"numeric": ["<", 5, ">", 1]}]}),
    ("numeric: bounds reversed", {"n": [{"numeric": [">", 5, "<", 1]}]}),
    ("numeric: unknown operator", {"n": [{"numeric": ["!=", 1]}]}),
    ("numeric: value must be a number", {"n": [{"numeric": [">", "1"]}]}),
    ("numeric: odd length", {"n": [{"numeric": [">", 1, "<"]}]}),
    ("cidr takes a string (LocalStack content_ip_address_type_EXC)", {"ip": [{"cidr": 10}]}),
    ("cidr must parse", {"ip": [{"cidr": "10.0.0.0/33"}]}),
    ("consecutive wildcards", {"f": [{"wildcard": "a**b"}]}),
    ("backslash escaping another character", {"f": [{"wildcard": "a\\b"}]}),
    ("anything-but mixing strings and numbers", {"s": [{"anything-but": ["a", 1]}]}),
    ("anything-but null", {"s": [{"anything-but": None}]}),
    ("anything-but empty list", {"s": [{"anything-but": []}]}),
    ("anything-but empty prefix (LocalStack content_anything_prefix_empty_EXC)",
     {"s": [{"anything-but": {"prefix": ""}}]}),
    ("anything-but prefix list of non-strings (LocalStack content_anything_prefix_list_type_EXC)",
     {"s": [{"anything-but": {"prefix": [1]}}]}),
    ("anything-but of an unsupported matcher", {"s": [{"anything-but": {"numeric": [">", 1]}}]}),
    ("$or with one alternative", {"$or": [{"a": ["1"]}]}),
    ("$or with a non-object", {"$or": [{"a": ["1"]}, ["b"]]}),
]


@pytest.mark.parametrize("pattern", [c[1] for c in INVALID], ids=[c[0] for c in INVALID])
def test_rejects_what_eventbridge_rejects(pattern: Any) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)


def test_error_names_the_field() -> None:
    with pytest.raises(PatternError, match=r"detail\.size"):
        compile_pattern({"detail": {"size": [{"numeric": ["<", 5, ">", 1]}]}})


def test_compiled_matcher_is_reusable() -> None:
    m = compile_pattern({"source": ["aws.bedrock"], "detail": {"eventName": [{"prefix": "Invoke"}]}})
    assert m({"source": "aws.bedrock", "detail": {"eventName": "InvokeModel"}})
    assert not m({"source": "aws.bedrock", "detail": {"eventName": "Converse"}})
    assert not m({"source": "aws.bedrock"})
