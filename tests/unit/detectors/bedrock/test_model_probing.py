"""bedrock.model_probing: burst thresholds and the benign errors that are not probes."""

from __future__ import annotations

from pathlib import Path

from llmjacking_records import Delivery, record

from tests.conftest import FIXTURES, load_json

DETECTOR = "bedrock.model_probing"
DENIED = "You don't have access to the model with the specified model ID."


def _denials(n: int, models: int) -> list[dict]:
    return [record("InvokeModel", 20 * i, model=f"anthropic.claude-probe-{i % models}", error="AccessDeniedException",
                   message=DENIED) for i in range(n)]


def test_spread_threshold_is_three_errors_on_two_models() -> None:
    assert not Delivery().send(_denials(2, 2)).of(DETECTOR)
    assert Delivery().send(_denials(3, 2)).of(DETECTOR)


def test_one_model_needs_five_errors() -> None:
    assert not Delivery().send(_denials(4, 1)).of(DETECTOR)
    [finding] = Delivery().send(_denials(5, 1)).of(DETECTOR)
    assert finding.evidence["errors"] == ["AccessDeniedException"]


def test_console_playground_errors_are_one_step_lower() -> None:
    console = [record("InvokeModel", 5 * i, model=f"m{i}", error="AccessDeniedException", message=DENIED, console=True)
               for i in range(3)]
    [finding] = Delivery().send(console).of(DETECTOR)
    assert finding.severity == "low"


def test_benign_errors_are_counted_not_probed() -> None:
    path: Path = FIXTURES / DETECTOR / "negative" / "lifecycle_and_throttling_errors.json"
    records = load_json(path)["records"]
    run = Delivery().send(records)
    assert not run.of(DETECTOR)
    assert run.counters["dropped:benign model error"] == len(records)
