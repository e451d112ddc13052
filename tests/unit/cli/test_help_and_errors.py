"""Every `aidr` command explains itself in --help, and AWS errors come out as a message that says what to do, not a
traceback."""

from __future__ import annotations

import argparse

import pytest
from aidr_cli.main import build_parser, main


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                                          argparse.ArgumentParser]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append(((*path, name), sub))
                out.extend(_subparsers(sub, (*path, name)))
    return out


@pytest.mark.parametrize(("path", "parser"), _subparsers(build_parser()), ids=lambda v: " ".join(v)
                         if isinstance(v, tuple) else "")
def test_every_command_help_says_what_it_does(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    assert parser.description and len(parser.description.split()) >= 4, f"`aidr {' '.join(path)} --help`"
    assert parser.description in parser.format_help() or parser.description.split()[0] in parser.format_help()


NO_CREDENTIALS = {
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance metadata service
}


@pytest.mark.parametrize("argv", [
    ["approvals", "list", "--stack", "aidr-prod", "--region", "us-east-1"],
    ["approvals", "show", "ap-1", "--table", "t", "--region", "us-east-1"],
    ["approvals", "approve", "ap-1", "--reason", "ok", "--table", "t", "--region", "us-east-1"],
    ["audit", "verify", "--table", "ledger", "--region", "us-east-1"],
])
def test_approvals_without_credentials_say_so(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in NO_CREDENTIALS.items():
        monkeypatch.setenv(var, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "credentials" in err.lower() and "--profile" in err


@pytest.mark.parametrize("regions", ["bad region", "us-east-1,,EU_WEST", "us-east-1;eu-west-1"])
def test_assess_refuses_what_is_not_a_region_name(regions: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unusable --regions is exit 2 (`aidr assess --help`), not a report of 72 COULD_NOT_ASSESS with exit 0."""
    assert main(["assess", "--demo", "--regions", regions, "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "region" in err and "us-east-1" in err  # says what a region name looks like


def test_assess_unwritable_output_is_refused_before_the_run(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-dir" / "report.json"
    assert main(["assess", "--demo", "--format", "json", "--output", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and str(target.parent) in err and "Traceback" not in err
    assert "results:" not in err  # refused up front, not after a whole assessment


def test_demo_unusable_report_dir_is_refused_before_the_run(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """The report is written after every scenario ran: a directory that cannot be made fails up front, exit 2."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["demo", "--scenario", "llmjacking", "--approve", "auto", "--report-dir", str(blocker / "x")]) == 2
    out, err = capsys.readouterr()
    assert "=== scenario" not in out and str(blocker / "x") in err and "Traceback" not in err


@pytest.mark.parametrize("options", [["--approve", "reject"], ["--mode", "auto"],
                                     ["--approve", "auto", "--mode", "notify"]])
def test_respond_options_without_respond_are_refused(options: list[str], tmp_path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", *options, str(tmp_path)]) == 2
    assert "only with --respond" in capsys.readouterr().err
