"""Run checks over an account: regions, per-check error handling, merging of region-level verdicts.

Any exception from a check (access denied, API or region not available, throttling past the retries) becomes a
COULD_NOT_ASSESS result naming the reason, and the results the check had already yielded are kept. Region-level
results (no resource) with the same status and reason in several regions are merged into one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .context import DEFAULT_LOOKBACK, AssessContext
from .errors import reason_for
from .model import Result, could_not_assess
from .registry import Check, all_checks
from .report import Assessment, Entry

if TYPE_CHECKING:
    import boto3

    from ..config import AidrConfig

ProgressFn = Callable[[str, str, int], None]  # (check id, region, total steps)


def run_check(chk: Check, ctx: AssessContext, region: str) -> list[Result]:
    """The results of one check in one region (or the account); exceptions become COULD_NOT_ASSESS."""
    out: list[Result] = []
    try:
        for r in chk.fn(ctx, region):
            out.append(r.with_check(chk.meta.id, region))
    except Exception as e:  # every failure is a verdict: COULD_NOT_ASSESS with its reason
        out.append(could_not_assess(reason_for(e)).with_check(chk.meta.id, region))
    if not out:  # a check that saw nothing must not count as a pass
        out.append(could_not_assess("the check returned no result").with_check(chk.meta.id, region))
    return out


def _merge_regional(results: list[Result], regional: bool) -> list[Result]:
    """Prefix region-level reasons with their region; merge identical ones across regions."""
    if not regional:
        return results
    merged: dict[tuple[str, str], list[str]] = {}
    order: list[Result | tuple[str, str]] = []
    for r in results:
        if r.resource is not None:
            order.append(r)
            continue
        k = (r.status, r.reason)
        if k not in merged:
            merged[k] = []
            order.append(k)
        merged[k].append(r.region or "")
    out: list[Result] = []
    for item in order:
        if isinstance(item, Result):
            out.append(item)
            continue
        regions = merged[item]
        first = next(r for r in results if r.resource is None and (r.status, r.reason) == item)
        label = ", ".join(regions)
        out.append(Result(item[0], f"{label}: {item[1]}", None, label, first.exposure, first.check_id))
    return out


def run_checks(ctx: AssessContext, checks: Iterable[Check] | None = None,
               progress: ProgressFn | None = None) -> list[Entry]:
    entries: list[Entry] = []
    checks = list(checks) if checks is not None else all_checks()
    total = planned_steps(ctx.regions, checks)
    for chk in checks:
        regional = chk.meta.scope == "region"
        results: list[Result] = []
        for region in ctx.regions if regional else [ctx.home_region]:
            results.extend(run_check(chk, ctx, region))
            if progress:
                progress(chk.meta.id, region, total)
        entries.extend(Entry(chk.meta, r) for r in _merge_regional(results, regional))
    return entries


def enabled_regions(session: Any, home_region: str) -> list[str]:
    """Regions enabled for the account (opted-in or not requiring opt-in), sorted."""
    ec2 = session.client("ec2", region_name=home_region)
    resp = ec2.describe_regions(
        Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required", "opted-in"]}], AllRegions=False)
    return sorted(r["RegionName"] for r in resp["Regions"])


def assess(
    session: boto3.session.Session | None = None,
    regions: list[str] | None = None,
    *,
    home_region: str | None = None,
    config: AidrConfig | None = None,
    lookback: int = DEFAULT_LOOKBACK,
    checks: Iterable[Check] | None = None,
    progress: ProgressFn | None = None,
) -> Assessment:
    """Assess the account of ``session`` (default credential chain when None).

    Parameters
    ----------
    regions
        Regions to assess; default: every region enabled for the account (``ec2:DescribeRegions``).
    home_region
        Region of the account-wide checks; default: the session's region, else us-east-1.
    lookback
        Most recent items read from unbounded histories (training and customization jobs).
    progress
        Called with (check id, region, total steps) after each check in each region.
    """
    import boto3

    from ..aws import RETRY_CONFIG

    session = session or boto3.session.Session()
    home = home_region or session.region_name or "us-east-1"
    account = session.client("sts", region_name=home, config=RETRY_CONFIG).get_caller_identity()["Account"]
    regions = list(regions) if regions else enabled_regions(session, home)
    if home not in regions:
        home = regions[0]
    ctx = AssessContext(session, account, regions, home_region=home, lookback=lookback, config=config)
    return Assessment(account, regions, run_checks(ctx, checks, progress))


def planned_steps(regions: list[str], checks: Iterable[Check] | None = None) -> int:
    """How many (check, region) steps a run makes: the progress bar's total."""
    return sum(len(regions) if c.meta.scope == "region" else 1 for c in (all_checks() if checks is None else checks))
