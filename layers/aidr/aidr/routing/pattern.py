"""EventBridge event-pattern matching, compiled once to closures.

Honours the documented semantics: exact values (strings, numbers, booleans, null), ``prefix``, ``suffix``,
``anything-but`` (values, prefix, suffix, wildcard, equals-ignore-case, single or list), ``numeric``, ``exists``,
``cidr``, ``equals-ignore-case``, ``wildcard``, and ``$or``. The rules that are easy to get wrong (AWS
EventBridge user guide: "Event pattern syntax", "Comparison operators", "Arrays in event patterns"; and the
README of aws/event-ruler, the engine EventBridge runs):

- Matchers see the event's *leaf* values. Arrays are crushed: every element, at any depth, is a value of the
  field, and the field matches when any of them does. An object is not a leaf, so a field whose value is an
  object (or an empty array, or an array of objects) has no value: it counts as absent, and ``exists: false``
  matches it ("c-count isn't a leaf node"). Objects inside arrays are matched against the nested pattern one
  element at a time.
- A nested pattern over a parent that is absent (or not an object) is matched against an empty object, so a
  pattern made only of ``exists: false`` still matches when the whole branch is missing.
- Exact numbers compare by their JSON representation ("300, 300.0 and 3.0e2 are not considered equal"): an
  int never equals a float here. ``numeric`` compares values. JSON ``true`` is not the number 1.
- ``anything-but`` needs a value to be present (a missing field never matches it); every present value that is
  not excluded matches, null and non-strings included, also for its prefix/suffix/wildcard/ignore-case forms.

tests/unit/routing/test_pattern_vs_moto.py checks all of this against moto's implementation and documents
where moto departs from AWS. Known gap: EventBridge also lets a dotted key (``{"a.b": [...]}``) reach a nested
field; aws/event-ruler documents that as not to be relied upon, and this matcher does not do it.

Examples
--------
>>> m = compile_pattern({"source": ["aws.bedrock"], "detail": {"eventName": [{"prefix": "Invoke"}]}})
>>> m({"source": "aws.bedrock", "detail": {"eventName": "InvokeModel"}})
True
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from ..errors import AidrError

Matcher = Callable[[Any], bool]  # takes one leaf value of the event
EventMatcher = Callable[[dict[str, Any]], bool]


class PatternError(AidrError):
    """An event pattern uses a construct EventBridge would reject."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_LOWER_BOUNDS = (">", ">=")
_UPPER_BOUNDS = ("<", "<=")
_STRING_MATCHERS = ("prefix", "suffix", "wildcard", "equals-ignore-case")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _crush(items: list[Any]) -> list[Any]:
    """Leaf values of an event array: nested arrays flattened, objects dropped (they are not leaves)."""
    out: list[Any] = []
    stack = [items]
    while stack:
        for x in stack.pop():
            if isinstance(x, list):
                stack.append(x)
            elif not isinstance(x, dict):
                out.append(x)
    return out


def _objects(items: list[Any]) -> list[dict[str, Any]]:
    """Objects of an event array, at any depth (arrays are crushed out of the pattern's view)."""
    out: list[dict[str, Any]] = []
    stack = [items]
    while stack:
        for x in stack.pop():
            if isinstance(x, dict):
                out.append(x)
            elif isinstance(x, list):
                stack.append(x)
    return out


def _wildcard_regex(pattern: str, where: str) -> re.Pattern[str]:
    """EventBridge wildcard: '*' matches any run of characters, '\\*' a literal star, '\\\\' a backslash."""
    parts: list[str] = []
    buf, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in "*\\":
                raise PatternError(f"{where}: a backslash in a wildcard may only escape '*' or '\\'")
            buf += pattern[i + 1]
            i += 2
            continue
        if c == "*":
            if pattern[i + 1 : i + 2] == "*":
                raise PatternError(f"{where}: consecutive wildcard characters are not allowed")
            parts += [re.escape(buf), ".*"]
            buf = ""
        else:
            buf += c
        i += 1
    parts.append(re.escape(buf))
    return re.compile("".join(parts), re.DOTALL)


def _str_test(kind: str, arg: Any, where: str) -> Callable[[str], bool]:
    """prefix / suffix / wildcard / equals-ignore-case on strings (prefix and suffix may nest equals-ignore-case)."""
    if kind in ("prefix", "suffix") and isinstance(arg, dict):
        if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
            raise PatternError(f"{where}: {kind} takes a string or {{'equals-ignore-case': str}}")
        low = arg["equals-ignore-case"].lower()
        if kind == "prefix":
            return lambda s: s.lower().startswith(low)
        return lambda s: s.lower().endswith(low)
    if kind not in _STRING_MATCHERS:
        raise PatternError(f"{where}: unknown matcher {kind!r}")
    if not isinstance(arg, str):
        raise PatternError(f"{where}: {kind} takes a string, got {type(arg).__name__}")
    if kind == "prefix":
        return lambda s: s.startswith(arg)
    if kind == "suffix":
        return lambda s: s.endswith(arg)
    if kind == "equals-ignore-case":
        low = arg.lower()
        return lambda s: s.lower() == low
    rx = _wildcard_regex(arg, where)
    return lambda s: rx.fullmatch(s) is not None


def _literal(value: Any, where: str) -> Matcher:
    if _is_number(value):
        # Numbers match by representation: an int never equals a float (5 is not 5.0), as EventBridge documents.
        kind = type(value)
        return lambda v: type(v) is kind and v == value
    if value is None:
        return lambda v: v is None
    if isinstance(value, bool):
        return lambda v: v is value
    if isinstance(value, str):
        return lambda v: isinstance(v, str) and v == value
    raise PatternError(f"{where}: a value to match is a string, number, boolean or null, got {value!r}")


def _numeric(spec: Any, where: str) -> Matcher:
    """``["=", x]``, ``[op, x]``, or a range ``[">" | ">=", low, "<" | "<=", high]`` (EventBridge's grammar)."""
    if not isinstance(spec, list) or len(spec) not in (2, 4):
        raise PatternError(f"{where}: numeric takes [op, value] or [lower-op, value, upper-op, value]")
    ops, vals = spec[::2], spec[1::2]
    if any(op not in _NUMERIC_OPS for op in ops) or not all(_is_number(v) for v in vals):
        raise PatternError(f"{where}: bad numeric comparison {spec!r}")
    if len(spec) == 4 and (ops[0] not in _LOWER_BOUNDS or ops[1] not in _UPPER_BOUNDS or not vals[0] < vals[1]):
        raise PatternError(f"{where}: a numeric range is a lower bound then a greater upper bound, got {spec!r}")
    tests = [(_NUMERIC_OPS[op], float(v)) for op, v in zip(ops, vals, strict=True)]
    return lambda v: _is_number(v) and all(f(float(v), b) for f, b in tests)


def _anything_but(spec: Any, where: str) -> Matcher:
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise PatternError(f"{where}: anything-but takes one matcher")
        (kind, arg), = spec.items()
        if kind not in _STRING_MATCHERS:
            raise PatternError(f"{where}: anything-but does not support {kind!r}")
        args = arg if isinstance(arg, list) else [arg]
        if not args or (kind in ("prefix", "suffix") and "" in args):
            raise PatternError(f"{where}: anything-but {kind} needs non-empty strings")
        tests = [_str_test(kind, a, where) for a in args]
        # Any present value the string tests do not exclude matches, non-strings included.
        return lambda v: not (isinstance(v, str) and any(t(v) for t in tests))
    values = spec if isinstance(spec, list) else [spec]
    if not values or not (all(isinstance(x, str) for x in values) or all(_is_number(x) for x in values)):
        raise PatternError(f"{where}: anything-but takes strings or numbers (not mixed, null or booleans)")
    lits = [_literal(x, where) for x in values]
    return lambda v: not any(m(v) for m in lits)


def _cidr(spec: Any, where: str) -> Matcher:
    if not isinstance(spec, str):
        raise PatternError(f"{where}: cidr takes a string, got {type(spec).__name__}")
    try:
        net = ipaddress.ip_network(spec, strict=False)
    except ValueError as e:
        raise PatternError(f"{where}: bad cidr {spec!r}") from e

    def m(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in net
        except ValueError:
            return False

    return m


def _leaf(spec: Any, where: str) -> tuple[Matcher, bool | None]:
    """Return (matcher, exists) where exists is set for an ``exists`` matcher (handled by the caller)."""
    if not isinstance(spec, dict):
        return _literal(spec, where), None
    if len(spec) != 1:
        raise PatternError(f"{where}: a matcher object has exactly one key, got {sorted(spec)}")
    (kind, arg), = spec.items()
    if kind == "exists":
        if not isinstance(arg, bool):
            raise PatternError(f"{where}: exists takes true or false")
        return (lambda v: True), arg
    if kind == "anything-but":
        return _anything_but(arg, where), None
    if kind == "numeric":
        return _numeric(arg, where), None
    if kind == "cidr":
        return _cidr(arg, where), None
    test = _str_test(kind, arg, where)
    return (lambda v: isinstance(v, str) and test(v)), None


def _fast_leaf_list(specs: list[Any], where: str) -> Matcher | None:
    """The shape rules use most, compiled to C-level tests: literal strings and plain prefixes, in any mix.

    Same semantics as the general path: strings only (a number never equals a string), arrays match when
    any leaf does, absent fields and objects never match.
    """
    values: set[str] = set()
    prefixes: list[str] = []
    for spec in specs:
        if isinstance(spec, str):
            values.add(spec)
        elif isinstance(spec, dict) and len(spec) == 1 and isinstance(spec.get("prefix"), str):
            prefixes.append(spec["prefix"])
        else:
            return None
    frozen, starts = frozenset(values), tuple(prefixes)
    if not starts:
        def test(v: str) -> bool:
            return v in frozen
    elif not frozen:
        def test(v: str) -> bool:
            return v.startswith(starts)
    else:
        def test(v: str) -> bool:
            return v in frozen or v.startswith(starts)

    def match(v: Any) -> bool:
        if type(v) is str:
            return test(v)
        if isinstance(v, list):
            return any(test(x) for x in _crush(v) if type(x) is str)
        return False

    return match


def _compile_leaf_list(specs: list[Any], where: str) -> Matcher:
    """A list of matchers for one field: any may match; every leaf value of the field is tried."""
    if not specs:
        raise PatternError(f"{where}: empty matcher list")
    fast = _fast_leaf_list(specs, where)
    if fast is not None:
        return fast
    value_tests: list[Matcher] = []
    exists: set[bool] = set()
    for s in specs:
        m, ex = _leaf(s, where)
        if ex is None:
            value_tests.append(m)
        else:
            exists.add(ex)
    absent_ok = False in exists
    present_ok = True in exists

    def match(v: Any) -> bool:
        if isinstance(v, list):
            leaves = _crush(v)
            if not leaves:
                return absent_ok
            return present_ok or any(t(x) for x in leaves for t in value_tests)
        if v is _MISSING or isinstance(v, dict):
            return absent_ok
        return present_ok or any(t(v) for t in value_tests)

    return match


def _compile_object(pattern: Any, where: str) -> EventMatcher:
    if not isinstance(pattern, dict):
        raise PatternError(f"{where or 'pattern'}: must be an object")
    if not pattern:
        raise PatternError(f"{where or 'pattern'}: empty objects are not allowed")
    tests: list[EventMatcher] = []
    for key, spec in pattern.items():
        path = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(spec, list) or len(spec) < 2:
                raise PatternError(f"{path}: $or takes a list of at least two patterns")
            alts = [_compile_object(alt, path) for alt in spec]
            tests.append(lambda ev, alts=alts: any(a(ev) for a in alts))
        elif isinstance(spec, dict):
            general = _nested(key, _compile_object(spec, path))
            tests.append(_fused_chain({key: spec}, general, path) or general)
        elif isinstance(spec, list):
            leaf = _compile_leaf_list(spec, path)
            tests.append(lambda ev, key=key, leaf=leaf: leaf(ev.get(key, _MISSING)))
        else:
            raise PatternError(f"{path}: a field's pattern must be a list or an object, got {type(spec).__name__}")
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda ev: first(ev) and second(ev)
    return lambda ev: all(t(ev) for t in tests)


def _fused_chain(pattern: dict[str, Any], general: EventMatcher, where: str) -> EventMatcher | None:
    """``{"detail": {"userIdentity": {"type": [...]}}}`` as one walk down dicts instead of a closure per level.

    Only the all-objects path is fused; an absent branch or an array on the way falls back to ``general``,
    which holds the full semantics (absent parents, objects inside arrays).
    """
    keys: list[str] = []
    p: Any = pattern
    while isinstance(p, dict) and len(p) == 1:
        (k, v), = p.items()
        if k == "$or":
            return None
        keys.append(k)
        if isinstance(v, list):
            leaf = _compile_leaf_list(v, where)
            break
        p = v
    else:
        return None

    def chain(ev: dict[str, Any]) -> bool:
        v: Any = ev
        for k in keys:
            if type(v) is not dict:
                return general(ev)
            v = v.get(k, _MISSING)
        return leaf(v)

    return chain


def _nested(key: str, sub: EventMatcher) -> EventMatcher:
    # What the sub-pattern says about a branch with no fields at all (absent parent, leaf, array of leaves).
    when_empty = sub({})

    def nested(ev: dict[str, Any]) -> bool:
        v = ev.get(key, _MISSING)
        if isinstance(v, dict):
            return sub(v)
        if isinstance(v, list):
            objs = _objects(v)
            if objs:
                return any(sub(o) for o in objs)
        return when_empty

    return nested


def _required_leaves(pattern: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[Any]]]:
    """Fields every match must satisfy (outside ``$or``) whose matchers take the fast path."""
    out: list[tuple[tuple[str, ...], list[Any]]] = []
    for key, spec in pattern.items():
        if key == "$or":
            continue
        if isinstance(spec, dict):
            out += _required_leaves(spec, (*path, key))
        elif isinstance(spec, list) and _fast_leaf_list(spec, "") is not None:
            out.append(((*path, key), spec))
    return out


def _anchor(pattern: dict[str, Any]) -> EventMatcher | None:
    """A cheap necessary condition: the deepest required fast field (deep fields are the selective ones, e.g.
    ``detail.userIdentity.userName`` rather than ``detail-type``), read by walking dicts.

    False means the pattern cannot match: a literal or prefix never matches an absent field, and an absent
    parent makes the whole branch absent. Whatever the walk cannot decide (an array on the way) passes.
    """
    leaves = _required_leaves(pattern)
    if not leaves:
        return None
    keys, spec = max(leaves, key=lambda leaf: len(leaf[0]))
    leaf = _fast_leaf_list(spec, "")
    assert leaf is not None

    def anchor(ev: dict[str, Any]) -> bool:
        v: Any = ev
        for k in keys:
            if type(v) is not dict:
                return isinstance(v, list)  # absent or a leaf: no match; an array of objects: undecided
            v = v.get(k, _MISSING)
        return leaf(v)

    return anchor


def compile_pattern(pattern: dict[str, Any]) -> EventMatcher:
    """Compile an EventBridge pattern into a predicate over events (raises PatternError when invalid)."""
    if not isinstance(pattern, dict) or not pattern:
        raise PatternError("an event pattern is a non-empty object")
    full = _compile_object(pattern, "")
    anchor = _anchor(pattern)
    if anchor is None or (len(pattern) == 1 and _fused_chain(pattern, full, "") is not None):
        return full  # a single fused chain is already one walk
    return lambda ev: anchor(ev) and full(ev)


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return compile_pattern(pattern)(event)
