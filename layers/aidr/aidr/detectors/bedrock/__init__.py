"""Detectors that read bedrock events."""
