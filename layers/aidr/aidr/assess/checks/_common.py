"""Small helpers the check modules share: per-resource verdicts and ARNs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..model import Result, failed, not_applicable, passed


def evaluate(
    items: Iterable[Any],
    *,
    none: str,
    resource: Callable[[Any], str | None],
    problem: Callable[[Any], str | None],
    ok: str | Callable[[Any], str],
    exposure: int | Callable[[Any], int] = 1,
    skip: Callable[[Any], str | None] | None = None,
) -> Iterator[Result]:
    """NOT_APPLICABLE (``none``) when there are no items, else one PASS or FAIL per item.

    ``problem(item)`` returns why the item fails, or None when it passes. ``skip(item)`` returns why the control
    cannot apply to the item (NOT_APPLICABLE for it), or None.
    """
    items = list(items)
    if not items:
        yield not_applicable(none)
        return
    for it in items:
        if skip and (na := skip(it)):
            yield not_applicable(na, resource(it))
            continue
        why = problem(it)
        if why:
            yield failed(why, resource(it), exposure(it) if callable(exposure) else exposure)
        else:
            yield passed(ok(it) if callable(ok) else ok, resource(it))


def partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def bucket_of(uri: str | None) -> str | None:
    """The bucket of an ``s3://bucket/key`` URI or a bucket ARN."""
    if not uri:
        return None
    if uri.startswith("s3://"):
        return uri[5:].split("/", 1)[0] or None
    if uri.startswith("arn:") and ":s3:::" in uri:
        return uri.split(":::", 1)[1].split("/", 1)[0] or None
    return None
