"""Masking: what a finding may say about a secret or a personal datum without disclosing it."""

from __future__ import annotations

import hashlib


def mask_token(value: str, keep_start: int = 4, keep_end: int = 2) -> str:
    """Keep a recognisable prefix and a short tail; never more than a third of the value.

    Examples
    --------
    >>> mask_token("AKIAZZZZZZZZZZZZZZZZ")
    'AKIA…ZZ'
    >>> mask_token("short")
    '…'
    """
    budget = len(value) // 3
    if budget < 2:
        return "…"
    start = min(keep_start, budget)
    end = min(keep_end, max(budget - start, 0))
    return value[:start] + "…" + (value[-end:] if end else "")


def mask_email(value: str) -> str:
    """First letter of the local part and the domain: ``j…@example.com``."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}…@{domain}"


def mask_digits(value: str, keep_end: int = 4) -> str:
    """Only the last digits: ``…1111`` (PCI DSS allows showing the last four of a card number)."""
    digits = [c for c in value if c.isdigit()]
    return "…" + "".join(digits[-keep_end:])


def fingerprint(value: str) -> str:
    """A short stable hash so the same high-entropy secret can be correlated across findings.

    Only for high-entropy values (keys, tokens): the hash of a card or phone number could be brute-forced.
    """
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
