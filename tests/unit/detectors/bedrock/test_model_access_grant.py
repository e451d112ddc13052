"""bedrock.model_access_grant: severity by credential and by grantor history."""

from __future__ import annotations

from llmjacking_records import Delivery, record

DETECTOR = "bedrock.model_access_grant"
DAY = 86400


def _grant(start: float, *, console: bool) -> list[dict]:
    model = f"anthropic.claude-grant-{int(start)}"
    return [
        record("CreateFoundationModelAgreement", start, model=model, console=console),
        record("PutFoundationModelEntitlement", start + 1, model=model, console=console),
    ]


def _severities(run: Delivery) -> list[str]:
    return [f.severity for f in sorted(run.of(DETECTOR), key=lambda f: f.first_seen)]


def test_console_grantor_seen_before_drops_to_low() -> None:
    run = Delivery().send(_grant(0, console=True) + _grant(40 * DAY, console=True))
    assert _severities(run) == ["medium", "low"]


def test_access_keys_raise_a_step_over_the_console() -> None:
    run = Delivery().send(_grant(0, console=False) + _grant(40 * DAY, console=False))
    assert _severities(run) == ["high", "medium"]


def test_an_earlier_grant_delivered_late_is_still_the_first() -> None:
    # A backfill delivers the later grant first: the earlier one is still the identity's first grant.
    run = Delivery().send(_grant(40 * DAY, console=True) + _grant(0, console=True))
    earlier = min(run.of(DETECTOR), key=lambda f: f.first_seen)
    assert earlier.evidence["first_grant_by_identity"] is True


def test_offers_listed_after_the_grant_join_its_finding() -> None:
    offers = record("ListFoundationModelAgreementOffers", 5, model="anthropic.claude-grant-0")
    flow = [*_grant(0, console=False), offers]
    [finding] = Delivery().send(flow).of(DETECTOR)
    assert set(finding.event_ids) == {r["eventID"] for r in flow}
