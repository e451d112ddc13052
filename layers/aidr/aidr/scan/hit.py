"""What a scanner reports: the kind of datum and a masked form, never the value itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """One sensitive value found in a text.

    ``masked`` is safe to put in a finding; ``fingerprint`` (high-entropy secrets only) correlates the same
    secret across findings; ``test_value`` marks documented example values (``AKIAIOSFODNN7EXAMPLE``, test
    card numbers) that are almost never a real leak.
    """

    kind: str
    masked: str
    start: int
    fingerprint: str | None = None
    test_value: bool = False
