"""Findings: the model every detector emits, and mappers to Security Hub (ASFF) and OCSF."""

from .model import Finding, Principal, Resource, finding_id

__all__ = ["Finding", "Principal", "Resource", "finding_id"]
