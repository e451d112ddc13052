"""State for windows, sequences, first-seen sets and last-known values.

DynamoDB with TTL in AWS (:mod:`aidr.state.dynamodb`), memory in replay (:mod:`aidr.state.memory`).
Writes are conditional: adding a member twice (a re-delivered event) changes nothing.
"""

from .base import Member, StateStore
from .memory import MemoryState

__all__ = ["Member", "MemoryState", "StateStore"]
