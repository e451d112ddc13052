"""EventBridge routing: the pattern matcher and an index of rules (the same patterns as template.yaml)."""

from .pattern import PatternError, compile_pattern, matches
from .router import Route, Router

__all__ = ["PatternError", "Route", "Router", "compile_pattern", "matches"]
