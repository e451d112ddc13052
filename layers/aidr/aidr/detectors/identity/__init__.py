"""Detectors that read identity events."""
