"""Detectors that read audit events."""
