"""Detectors that read guardduty events."""
