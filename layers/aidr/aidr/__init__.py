"""aidr: AI Detection & Response for AWS.

The library behind every aidr Lambda function, `aidr replay` and the embedded runtime. Detection and
response are plain Python over dicts, so the same code runs in Lambda, offline and in tests.
"""

__version__ = "0.1.0"
