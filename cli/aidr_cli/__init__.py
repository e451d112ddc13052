"""The `aidr` command line: replay, demo (and later assess). Not shipped in the Lambda layer."""
