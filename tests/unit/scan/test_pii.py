from __future__ import annotations

import random

import pytest
from aidr.scan.pii import _NUMBER_RUN, _RUN_BYTES, _RUN_TABLE, luhn_ok, scan_pii


def _complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


VISA = _complete("455673758689985")
MASTERCARD = _complete("542523343010990")


@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_card_numbers_in_common_formats(sep: str) -> None:
    written = sep.join(VISA[i:i + 4] for i in range(0, 16, 4))
    found = scan_pii(f"pay with {written}. Thanks")
    assert found["card_number"].distinct == 1
    assert found["card_number"].samples == ["…" + VISA[-4:]]


@pytest.mark.parametrize(
    "text",
    [
        VISA[:-1] + str((int(VISA[-1]) + 1) % 10),  # Luhn fails
        f"{VISA[:4]} {VISA[4:8]}-{VISA[8:12]} {VISA[12:]}",  # mixed separators: a list of numbers
        "1234567890123452",  # issuer prefix 1 does not exist
        "order 0000000000000000",
        f"v{VISA}",  # part of an identifier
        f"{VISA}.25",  # an amount
    ],
)
def test_card_lookalikes(text: str) -> None:
    assert "card_number" not in scan_pii(text)


def test_processor_test_cards_are_marked() -> None:
    found = scan_pii("4111 1111 1111 1111 and " + MASTERCARD)
    assert (found["card_number"].distinct, found["card_number"].test_values) == (2, 1)


def test_emails_are_counted_distinct() -> None:
    text = " ".join(f"user{i}@corp.example.com, USER{i}@corp.example.com" for i in range(12))
    found = scan_pii(text)["email"]
    assert found.distinct == 12
    assert len(found.samples) == 3 and all("…@corp.example.com" in s for s in found.samples)


@pytest.mark.parametrize("phone", ["+1 202-555-0143", "(202) 555-0143", "202.555.0143", "+44 20 7946 0958"])
def test_phone_numbers_written_as_phone_numbers(phone: str) -> None:
    assert scan_pii(f"call {phone} today")["phone"].distinct == 1


@pytest.mark.parametrize("text", ["id 2025550143", "ts 1741083302000", "v1.2.3.4"])
def test_bare_digit_runs_are_not_phones(text: str) -> None:
    assert "phone" not in scan_pii(text)


def test_ssn_ranges() -> None:
    found = scan_pii("ssn 123-45-6789; 000-12-3456; 666-12-3456; 900-12-3456; 123-00-4567; 123-45-0000")
    assert found["us_ssn"].distinct == 1


def test_ascii_fast_path_finds_the_same_number_runs_as_the_pattern() -> None:
    """scan_pii maps ASCII text to bytes to find digit runs quickly; the runs must be the pattern's own."""
    rng = random.Random(5)
    for _ in range(500):
        text = "".join(rng.choices("0123456789 ().-+x\n@a", k=rng.randint(0, 80)))
        fast = [m.span() for m in _RUN_BYTES.finditer(text.encode().translate(_RUN_TABLE))]
        assert fast == [m.span() for m in _NUMBER_RUN.finditer(text)], text


def test_skipping_short_number_runs_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    alphabet = "0123456789" * 4 + " ().-+x\n"
    texts = ["".join(rng.choices(alphabet, k=rng.randint(5, 60))) for _ in range(3000)]
    texts += ["+1 23 45", "(555) 123-4567", "+44 20 7946 0958", "078-05-1120", "4111 1111 1111 1111", "2026-01-01"]

    def found(text: str) -> dict[str, list[str]]:
        return {k: sorted(c.samples) for k, c in scan_pii(text).items()}

    fast = [found(t) for t in texts]
    monkeypatch.setattr("aidr.scan.pii.MIN_DIGITS", 0)
    monkeypatch.setattr("aidr.scan.pii.MIN_DIGITS_AFTER_PLUS", 0)
    assert fast == [found(t) for t in texts]
    assert sum(bool(f) for f in fast) > 20  # the texts do hold numbers
