"""``aidr assess`` command line: help and the no-credentials exit."""

from __future__ import annotations

import pytest
from aidr_cli.main import main


def test_help_names_formats_and_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["assess", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out and "ocsf" in out and "asff" in out and "docs/assess-policy.json" in out


def test_without_credentials_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["assess", "--regions", "us-east-1", "--format", "json"]) == 2
    assert "cannot start" in capsys.readouterr().err
