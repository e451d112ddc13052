"""cfn-lint (what `sam validate --lint` runs) finds nothing, informational findings included. Offline."""

from __future__ import annotations

from pathlib import Path

from aidr_cli.template import default_template_path
from cfnlint.api import ManualArgs, lint_file

CONFIG = ManualArgs(regions=["us-east-1"], include_checks=["I"])


def test_template_is_lint_clean() -> None:
    matches = lint_file(default_template_path(), config=CONFIG)
    assert not matches, "\n".join(str(m) for m in matches)


def test_lint_would_catch_a_broken_dead_letter_config(tmp_path: Path) -> None:
    """Guards the test above: the same call does report an error in a copy of this template."""
    text = default_template_path().read_text(encoding="utf-8")
    broken = tmp_path / "template.yaml"
    broken.write_text(text.replace("DeadLetterConfig: {Arn:", "DeadLetterConfig: {TargetArn:", 1), encoding="utf-8")
    assert [m for m in lint_file(broken, config=CONFIG) if m.rule.id.startswith("E")]
