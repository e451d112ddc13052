"""Export findings to Security Hub (ASFF, :mod:`aidr.findings.asff`) under the account's default product."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import ExportFailed

if TYPE_CHECKING:
    from ..findings.model import Finding


def import_findings(findings: Iterable[Finding], account: str, region: str, client: Any) -> int:
    """BatchImportFindings under ``account``'s default product in ``region``; returns how many succeeded.

    An import is an upsert by finding id, so importing the same finding again is harmless.

    Raises
    ------
    ExportFailed
        When Security Hub refuses any finding (``FailedCount`` > 0); the message carries its reasons.
    """
    from ..findings.asff import default_product_arn, to_asff

    product_arn = default_product_arn(account, region)
    docs = [to_asff(f, product_arn, account=account, region=region) for f in findings]
    if not docs:
        return 0
    resp = client.batch_import_findings(Findings=docs)
    if resp.get("FailedCount"):
        reasons = "; ".join(
            f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}" for f in resp.get("FailedFindings", [])
        )
        raise ExportFailed(f"Security Hub refused {resp['FailedCount']} of {len(docs)} findings: {reasons}")
    return int(resp.get("SuccessCount", len(docs)))
