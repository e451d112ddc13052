"""EventBridge event-pattern matching, compiled once to closures.

Honours the documented semantics: exact values (strings, numbers by value, booleans, null), ``prefix``,
``suffix``, ``anything-but`` (values, prefix, suffix, wildcard, equals-ignore-case), ``numeric``,
``exists``, ``cidr``, ``equals-ignore-case``, ``wildcard``, and ``$or``. An event array matches when
any element matches. Tested against moto's reference implementation.

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

Matcher = Callable[[Any], bool]  # takes the event value (or _MISSING)
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


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    # EventBridge: '*' matches any run of characters; '\*' is a literal star.
    parts, buf, i = [], "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            buf += pattern[i + 1]
            i += 2
            continue
        if c == "*":
            parts.append(re.escape(buf))
            parts.append(".*")
            buf = ""
        else:
            buf += c
        i += 1
    parts.append(re.escape(buf))
    return re.compile("".join(parts), re.DOTALL)


def _str_test(kind: str, arg: Any, where: str) -> Callable[[str], bool]:
    """prefix / suffix / wildcard / equals-ignore-case on strings (arg may nest equals-ignore-case)."""
    if kind in ("prefix", "suffix") and isinstance(arg, dict):
        if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
            raise PatternError(f"{where}: {kind} takes a string or {{'equals-ignore-case': str}}")
        low = arg["equals-ignore-case"].lower()
        if kind == "prefix":
            return lambda s: s.lower().startswith(low)
        return lambda s: s.lower().endswith(low)
    if not isinstance(arg, str):
        raise PatternError(f"{where}: {kind} takes a string, got {type(arg).__name__}")
    if kind == "prefix":
        return lambda s: s.startswith(arg)
    if kind == "suffix":
        return lambda s: s.endswith(arg)
    if kind == "equals-ignore-case":
        low = arg.lower()
        return lambda s: s.lower() == low
    if kind == "wildcard":
        rx = _wildcard_regex(arg)
        return lambda s: rx.fullmatch(s) is not None
    raise PatternError(f"{where}: unknown string matcher {kind!r}")


def _literal(value: Any) -> Matcher:
    if _is_number(value):
        fv = float(value)
        return lambda v: _is_number(v) and float(v) == fv
    if value is None:
        return lambda v: v is None
    if isinstance(value, bool):
        return lambda v: v is value
    if isinstance(value, str):
        return lambda v: isinstance(v, str) and v == value
    raise PatternError(f"unsupported literal {value!r}")


def _numeric(spec: Any, where: str) -> Matcher:
    if not isinstance(spec, list) or not spec or len(spec) % 2:
        raise PatternError(f"{where}: numeric takes [op, value, ...]")
    tests = []
    for op, val in zip(spec[::2], spec[1::2], strict=True):
        if op not in _NUMERIC_OPS or not _is_number(val):
            raise PatternError(f"{where}: bad numeric comparison {op!r} {val!r}")
        tests.append((_NUMERIC_OPS[op], float(val)))
    return lambda v: _is_number(v) and all(f(float(v), b) for f, b in tests)


def _anything_but(spec: Any, where: str) -> Matcher:
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise PatternError(f"{where}: anything-but takes one matcher")
        (kind, arg), = spec.items()
        if kind == "equals-ignore-case" and isinstance(arg, list):
            lows = {a.lower() for a in arg if isinstance(a, str)}
            return lambda v: isinstance(v, str) and v.lower() not in lows
        if kind == "prefix" and isinstance(arg, list):
            tests = [_str_test("prefix", a, where) for a in arg]
            return lambda v: isinstance(v, str) and not any(t(v) for t in tests)
        test = _str_test(kind, arg, where)
        return lambda v: isinstance(v, str) and not test(v)
    values = spec if isinstance(spec, list) else [spec]
    lits = [_literal(x) for x in values]
    return lambda v: v is not _MISSING and not any(m(v) for m in lits)


def _cidr(spec: Any, where: str) -> Matcher:
    try:
        net = ipaddress.ip_network(spec, strict=False)
    except (TypeError, ValueError) as e:
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
        return _literal(spec), None
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


def _compile_leaf_list(specs: list[Any], where: str) -> Matcher:
    """A list of matchers for one field: any may match; arrays in the event match element-wise."""
    if not specs:
        raise PatternError(f"{where}: empty matcher list")
    value_tests: list[Matcher] = []
    exists_tests: list[bool] = []
    for s in specs:
        m, ex = _leaf(s, where)
        if ex is None:
            value_tests.append(m)
        else:
            exists_tests.append(ex)

    def match(v: Any) -> bool:
        if v is _MISSING:
            return False in exists_tests
        if True in exists_tests and not isinstance(v, dict):
            return True
        if isinstance(v, list):
            return any(t(x) for x in v for t in value_tests)
        return any(t(v) for t in value_tests)

    return match


def _compile_object(pattern: dict[str, Any], where: str) -> EventMatcher:
    if not isinstance(pattern, dict):
        raise PatternError(f"{where}: pattern must be an object")
    tests: list[EventMatcher] = []
    for key, spec in pattern.items():
        path = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(spec, list) or len(spec) < 2:
                raise PatternError(f"{path}: $or takes a list of at least two patterns")
            alts = [_compile_object(alt, path) for alt in spec]
            tests.append(lambda ev, alts=alts: any(a(ev) for a in alts))
        elif isinstance(spec, dict):
            sub = _compile_object(spec, path)

            absent_ok = _only_absence(spec)

            def nested(ev: dict[str, Any], key: str = key, sub: EventMatcher = sub, absent_ok: bool = absent_ok
                       ) -> bool:
                v = ev.get(key, _MISSING)
                if isinstance(v, dict):
                    return sub(v)
                if isinstance(v, list):
                    return any(isinstance(x, dict) and sub(x) for x in v)
                return v is _MISSING and absent_ok

            tests.append(nested)
        elif isinstance(spec, list):
            leaf = _compile_leaf_list(spec, path)
            tests.append(lambda ev, key=key, leaf=leaf: leaf(ev.get(key, _MISSING)))
        else:
            raise PatternError(f"{path}: a field's pattern must be a list or an object, got {type(spec).__name__}")
    return lambda ev: all(t(ev) for t in tests)


def _only_absence(spec: dict[str, Any]) -> bool:
    """True when every leaf under ``spec`` is ``exists: false`` (so a missing parent still matches)."""
    for k, v in spec.items():
        if k == "$or":
            return False
        if isinstance(v, dict):
            if not _only_absence(v):
                return False
        elif not (isinstance(v, list) and v == [{"exists": False}]):
            return False
    return True


def compile_pattern(pattern: dict[str, Any]) -> EventMatcher:
    """Compile an EventBridge pattern into a predicate over events (raises PatternError when invalid)."""
    if not isinstance(pattern, dict) or not pattern:
        raise PatternError("an event pattern is a non-empty object")
    return _compile_object(pattern, "")


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return compile_pattern(pattern)(event)
