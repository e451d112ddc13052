"""Detectors that read S3 events on AI data: object writes (data events) and bucket access changes."""
