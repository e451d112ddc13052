"""Detectors that read SageMaker control-plane events (notebooks, models, endpoints, model packages)."""
