"""Detectors, one module per behaviour, grouped by the source they read.

``detectors/bedrock/`` reads Bedrock CloudTrail events, ``detectors/audit/`` CloudTrail and GuardDuty
configuration changes, ``detectors/identity/`` IAM, ``detectors/guardduty/`` GuardDuty findings.
Import :func:`aidr.detectors.registry.load_all` to register them all.
"""
