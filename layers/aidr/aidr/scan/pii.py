"""Personal data in free text: payment card numbers (Luhn-checked), emails, phone numbers, US SSNs.

One email address in a prompt is ordinary; dozens are a dump. :func:`scan_pii` therefore counts distinct
values per kind and keeps a few masked samples, and the detector judges by volume (cards excepted).
Patterns are linear for the same reasons as in :mod:`aidr.scan.secrets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .mask import mask_digits, mask_email

_CARD = re.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9-])"
)
# Phone numbers written as phone numbers (separators or a leading +), not any run of ten digits: ids,
# timestamps and amounts would drown the signal.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])"
    r"|(?<![\w+])\+\d{1,3}(?:[ .-]\d{2,4}){2,5}(?![\w-])"
)
# Where any of the numeric kinds can be: a digit followed by six or more digits or separators. Starting with
# a digit class lets the regex engine skip everything else quickly.
_NUMBER_RUN = re.compile(r"\d[\d ().-]{6,}")
# The same runs over ASCII text mapped to "0" (digits) and "." (the separators): the pattern then starts with a
# literal, which the regex engine finds at memchr speed instead of testing \d at every character.
_RUN_TABLE = bytes.maketrans(b"0123456789 ().-", b"0000000000.....")
_RUN_BYTES = re.compile(rb"0[0.]{6,}")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")

# Card numbers published by payment processors for testing.
TEST_CARDS = frozenset({
    "4111111111111111", "4242424242424242", "4000056655665556", "5555555555554444", "5105105105105100",
    "378282246310005", "371449635398431", "6011111111111117", "6011000990139424", "3566002020360505",
})
SAMPLES_PER_KIND = 3


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies.

    >>> luhn_ok("4111111111111111"), luhn_ok("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_digits(candidate: str) -> str | None:
    seps = {c for c in candidate if not c.isdigit()}
    if len(seps) > 1:  # "1234-5678 9012…" mixes separators: a list of numbers, not one card
        return None
    digits = candidate.replace(" ", "").replace("-", "")
    # Issuer prefixes: 2 (Mastercard 2-series), 3 (Amex, Diners, JCB), 4 (Visa), 5 (Mastercard), 6 (Discover).
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456" or len(set(digits)) < 2:
        return None
    return digits if luhn_ok(digits) else None


@dataclass
class PiiCount:
    """Distinct values of one kind: how many, and a few masked samples."""

    distinct: int = 0
    samples: list[str] = field(default_factory=list)
    test_values: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)

    def add(self, value: str, masked: str, test_value: bool = False) -> None:
        if value in self._seen:
            return
        self._seen.add(value)
        self.distinct += 1
        self.test_values += test_value
        if len(self.samples) < SAMPLES_PER_KIND:
            self.samples.append(masked)


# The fewest digits a match can have: an SSN has 9, a card 13, a phone number 10; one written "+1 23 45" 5.
MIN_DIGITS = 9
MIN_DIGITS_AFTER_PLUS = 5


def _digits(text: str, lo: int, hi: int) -> int:
    run = text[lo:hi]
    return len(run) - sum(run.count(c) for c in " ().-")


def _windows(text: str, needle: str, before: int, after: int) -> list[tuple[int, int]]:
    """Spans around each ``needle``, merged where they overlap (linear however many needles there are)."""
    spans: list[tuple[int, int]] = []
    i = text.find(needle)
    while i != -1:
        lo, hi = max(0, i - before), i + after
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
        i = text.find(needle, i + 1)
    return spans


def scan_pii(text: str) -> dict[str, PiiCount]:
    """Distinct personal data values in ``text`` by kind (``card_number``, ``email``, ``phone``, ``us_ssn``).

    One pass finds runs of digits and separators; the card, phone and SSN patterns then run on those runs only
    (with a character of context either side for their boundary checks). Emails are looked for around ``@``.

    Examples
    --------
    >>> found = scan_pii("card 4111 1111 1111 1111, mail jane@example.com")
    >>> found["card_number"].samples, found["email"].samples
    (['…1111'], ['j…@example.com'])
    """
    out: dict[str, PiiCount] = {}
    # Byte offsets are character offsets only in ASCII text; elsewhere (and for non-ASCII digits) use the str pattern.
    runs = _RUN_BYTES.finditer(text.encode().translate(_RUN_TABLE)) if text.isascii() else _NUMBER_RUN.finditer(text)
    for run in runs:
        lo, hi = run.start(), run.end()
        plus = lo > 0 and text[lo - 1] == "+"
        if _digits(text, lo, hi) < (MIN_DIGITS_AFTER_PLUS if plus else MIN_DIGITS):
            continue  # dates, times, amounts: too few digits for a card, an SSN or a phone number
        if lo and text[lo - 1] in "+(":
            lo -= 1
        chunk = text[max(0, lo - 1):hi + 1]
        for m in _CARD.finditer(chunk):
            digits = _card_digits(m.group())
            if digits:
                out.setdefault("card_number", PiiCount()).add(digits, mask_digits(digits), digits in TEST_CARDS)
        for m in _PHONE.finditer(chunk):
            digits = "".join(c for c in m.group() if c.isdigit())
            out.setdefault("phone", PiiCount()).add(digits, mask_digits(digits, 2))
        if "-" in chunk:
            for m in _SSN.finditer(chunk):
                out.setdefault("us_ssn", PiiCount()).add(m.group(), mask_digits(m.group()))
    for lo, hi in _windows(text, "@", 65, 260):
        for m in _EMAIL.finditer(text[lo:hi]):
            email = m.group().lower()
            out.setdefault("email", PiiCount()).add(email, mask_email(email))
    return out
