"""The invocation-log forwarder: from CloudWatch Logs subscriptions (or S3 log objects) to the aidr bus.

``sources`` decodes and splits input into records (or bad records with reasons); ``entries`` sizes and
batches PutEvents entries; ``forwarder`` delivers them with retries, S3 offload and a dead-letter queue.
"""

from .forwarder import Forwarder, ForwardError, ForwardResult
from .sources import BadRecord, S3Object, SourceRecord, records_from_awslogs, records_from_object, s3_objects

__all__ = [
    "BadRecord",
    "ForwardError",
    "ForwardResult",
    "Forwarder",
    "S3Object",
    "SourceRecord",
    "records_from_awslogs",
    "records_from_object",
    "s3_objects",
]
