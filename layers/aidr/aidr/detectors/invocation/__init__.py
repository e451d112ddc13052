"""Detectors that read Bedrock model-invocation-log records (the AI application layer).

The log forwarder puts each record on the aidr bus as a ``Bedrock Model Invocation Log`` event; the
``InvocationLogRule`` routes them to ``DetectInvocationFunction``. Every detector reads the record through
:func:`aidr.normalize.invocation.invocation_from_event` (parsed once per event) and never the raw shape.
"""
