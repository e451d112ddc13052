"""Linear-time text scanners for model prompts and completions: credentials, personal data, injection.

Scanners return masked hits and scores; the raw values never leave this package in a finding.
"""

from .hit import Hit
from .injection import InjectionScore, Signal, score_text
from .pii import PiiCount, scan_pii
from .secrets import scan_secrets

__all__ = ["Hit", "InjectionScore", "PiiCount", "Signal", "scan_pii", "scan_secrets", "score_text"]
