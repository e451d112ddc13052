"""The layer's requirements are installed with --no-deps (layers/aidr/Makefile), so the list itself must be
closed: every dependency of a listed package is listed too, or comes with the Lambda python3.12 runtime."""

from __future__ import annotations

import re
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LAYER = ROOT / "layers" / "aidr" / "requirements.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
# What the python3.12 Lambda runtime ships (boto3 and its dependency tree).
RUNTIME_PROVIDED = {canonicalize_name(n) for n in
                    ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")}
# The Lambda environment the markers are evaluated for.
LAMBDA_ENV = {**default_environment(), "python_version": "3.12", "python_full_version": "3.12.0",
              "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
              "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def _pins(path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+)", line)
        assert m, f"{path.name}: not an exact pin: {line!r}"
        pins[canonicalize_name(m.group(1))] = m.group(3)
    return pins


def test_layer_pins_match_the_constraints() -> None:
    layer, constraints = _pins(LAYER), _pins(CONSTRAINTS)
    assert {n: v for n, v in layer.items() if constraints.get(n) != v} == {}


def test_layer_requirements_are_closed_under_dependencies() -> None:
    layer = set(_pins(LAYER))
    missing: dict[str, set[str]] = {}
    for name in layer:
        extras = {"tracer"} if name == "aws-lambda-powertools" else set()
        for spec in metadata.requires(name) or []:
            req = Requirement(spec)
            envs = [{**LAMBDA_ENV, "extra": e} for e in extras | {""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            dep = canonicalize_name(req.name)
            if dep not in layer and dep not in RUNTIME_PROVIDED:
                missing.setdefault(name, set()).add(dep)
    assert missing == {}


def test_the_layer_leaves_the_runtime_packages_out() -> None:
    assert set(_pins(LAYER)) & RUNTIME_PROVIDED == set()
