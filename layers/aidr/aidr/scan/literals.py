"""Which of many literals occur in a text, in one pass (Aho-Corasick), for the scanners' gates.

A scanner runs a pattern only when a literal every match of it contains is in the text. Testing each literal
with ``in`` costs a pass over the text per literal; one automaton over all of them costs one pass.

Examples
--------
>>> LiteralSet(["AKIA", "eyJ"]).present("key AKIAIOSFODNN7EXAMPLE")
frozenset({'AKIA'})
"""

from __future__ import annotations

from collections.abc import Iterable

from ahocorasick_rs import AhoCorasick, Implementation


class LiteralSet:
    """A fixed set of literals to look for (case-sensitive; lower-case the text for case-insensitive gates)."""

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals = frozenset(literals)
        # The DFA is the fastest automaton to search and small for a few hundred short literals.
        self._automaton = AhoCorasick(sorted(self.literals), implementation=Implementation.DFA)

    def __contains__(self, literal: object) -> bool:
        return literal in self.literals

    def present(self, text: str) -> frozenset[str]:
        """The literals that occur in ``text``, overlapping ones included."""
        try:
            return frozenset(self._automaton.find_matches_as_strings(text, overlapping=True))
        except UnicodeEncodeError:  # lone surrogates (never from JSON): test each literal instead
            return frozenset(lit for lit in self.literals if lit in text)
