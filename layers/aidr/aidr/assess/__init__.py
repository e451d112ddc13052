"""Assessment: baseline an account against the AWS AI Security Framework (layers x phases) and plan the next steps.

``assess()`` runs every registered check (``aidr.assess.checks``) and returns an :class:`Assessment`; renderers in
:mod:`aidr.assess.render` turn it into json (contracts.md section 8), md, html, ocsf or asff.
"""

from .model import CheckMeta, Result
from .registry import all_checks, check
from .report import Assessment, Entry
from .runner import assess, run_checks

__all__ = ["Assessment", "CheckMeta", "Entry", "Result", "all_checks", "assess", "check", "run_checks"]
