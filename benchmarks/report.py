"""One figure per benchmark and the closing table: measured, baseline, the ratio (or size) and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

PASS, FAIL, SKIP, ERROR = "PASS", "FAIL", "SKIP", "ERROR"


@dataclass(frozen=True)
class Figure:
    """A benchmark's headline number against its target (lower is better for every figure here)."""

    name: str
    value: float | None  # None when skipped or failed to run
    target: float
    unit: str  # "x" for ratios, "MB" for sizes
    note: str = ""
    error: str | None = None  # why there is no value: what went wrong (ERROR), or why it was skipped (SKIP)
    skipped: bool = False

    @property
    def verdict(self) -> str:
        if self.value is None:
            return SKIP if self.skipped else ERROR
        return PASS if self.value <= self.target else FAIL

    def shown(self) -> str:
        return "-" if self.value is None else f"{self.value:.2f}{self.unit}"


def write_table(figures: list[Figure], out: TextIO) -> None:
    rows = [(f.name, f.shown(), f"<= {f.target:g}{f.unit}", f.verdict, f.error or f.note) for f in figures]
    head = ("BENCHMARK", "VALUE", "TARGET", "RESULT", "NOTE")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    out.write("\n")
    for r in [head, *rows]:
        out.write("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] + "\n")
