"""Prompt injection and jailbreak attempts in the prompts a model received."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.invocation import Invocation
from ...scan.injection import Signal, score_text
from ..context import DetectContext, window_start
from ..registry import detector
from .common import DAY, FUNCTION, INVOCATION_EVENTS, read, subject, summary, text_digest

# Score -> severity. One category of phrases scores 2-5 (low); two categories, or a guardrail's
# PROMPT_ATTACK verdict, reach medium; three categories or a verdict plus phrases reach high.
HIGH_SCORE = 9
MEDIUM_SCORE = 6
LOW_SCORE = 3
# A guardrail's PROMPT_ATTACK verdict, by the confidence it reports.
GUARDRAIL_WEIGHT = {"HIGH": 6, "MEDIUM": 6, "LOW": 3}
MAX_SIGNALS_IN_EVIDENCE = 10
# A completion that repeats the opening of the system prompt and another part of it verbatim shows an extraction
# that worked (OWASP LLM07). The opening is the persona and rules, which an answer has no reason to quote; a RAG
# passage further down may well be quoted, so a match there alone does not count.
LEAK_WEIGHT = 6
LEAK_MIN_SYSTEM_CHARS = 160
LEAK_PROBE_CHARS = 48
LEAK_PROBES = 4


def _squeeze(text: str) -> str:
    return " ".join(text.lower().split())


def system_prompt_echoed(system: str, completion: str) -> bool:
    """True when ``completion`` holds the opening of ``system`` and at least one later slice of it, verbatim up to
    case and whitespace."""
    if len(system) < LEAK_MIN_SYSTEM_CHARS or len(completion) < LEAK_PROBE_CHARS:
        return False
    # Most records with a system prompt do not echo it: rule that out from the opening's longest word (every word
    # of the squeezed opening is in the lower-cased completion when the opening is there) before squeezing both.
    opening = _squeeze(system[:4 * LEAK_PROBE_CHARS])[:LEAK_PROBE_CHARS]
    if max(opening.split(), key=len, default="") not in completion.lower():
        return False
    sys_text, out = _squeeze(system), _squeeze(completion)
    if len(sys_text) < LEAK_MIN_SYSTEM_CHARS or sys_text[:LEAK_PROBE_CHARS] not in out:
        return False
    last = len(sys_text) - LEAK_PROBE_CHARS
    starts = [last * k // (LEAK_PROBES - 1) for k in range(1, LEAK_PROBES)]  # evenly spread, the end included
    return any(sys_text[i:i + LEAK_PROBE_CHARS] in out for i in starts)


def severity_for(score: int) -> str | None:
    if score >= HIGH_SCORE:
        return "high"
    if score >= MEDIUM_SCORE:
        return "medium"
    if score >= LOW_SCORE:
        return "low"
    return None


def leak_signals(inv: Invocation) -> list[Signal]:
    if system_prompt_echoed(inv.system_text, inv.completion_text):
        return [Signal("leak", "system prompt echoed in the completion", LEAK_WEIGHT)]
    return []


def guardrail_signals(inv: Invocation) -> list[Signal]:
    """PROMPT_ATTACK verdicts on the input, blocked or (detect mode) only flagged."""
    out = []
    for g in inv.guardrails:
        if g.type == "PROMPT_ATTACK" and g.source == "input" and g.flagged:
            conf = (g.confidence or "").upper()
            out.append(Signal("guardrail", f"PROMPT_ATTACK {conf or '?'} {g.action or 'NONE'}",
                              GUARDRAIL_WEIGHT.get(conf, 4)))
    return out


@detector(
    id="invocation.prompt_injection",
    title="Prompt injection or jailbreak attempt",
    category="prompt-injection",
    severity="medium",
    phase="enhanced",
    techniques=["AML.T0051", "AML.T0054"],
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        "The user turns of a prompt (including tool results, where indirect injection arrives) carry evidence of "
        "an attempt to subvert the model: instruction overrides, system-prompt extraction, role-play jailbreaks, "
        "chat-template delimiters, tool-execution or instance-metadata (IMDS) strings, exfiltration links, and "
        "base64/hex payloads that decode to any of these, and the same words spelled out letter by letter or with "
        "digits for letters; a guardrail's PROMPT_ATTACK verdict counts too, and so does a completion that "
        "repeats the system prompt verbatim (an extraction that worked). "
        "Evidence is scored: one kind of phrase alone stays low, several kinds or a guardrail verdict reach "
        "medium or high. Text framed as being about attacks (defence questions, articles, training) is discounted."
    ),
    false_positives=[
        "Security teams and red-teamers testing their own guardrails (consider trusting their roles' findings).",
        "Developers asking about instance metadata or shell commands in a coding assistant.",
        "Discussions quoting attack strings without a recognised framing ('summarise this: ignore previous...').",
    ],
    references=[
        "https://genai.owasp.org/llmrisk/llm01-prompt-injection/",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-prompt-attack.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    inv = read(event, ctx)
    extra = guardrail_signals(inv) + leak_signals(inv)
    if not inv.prompt_text and not extra:
        return
    result = score_text(inv.prompt_text, extra)
    severity = severity_for(result.score)
    if severity is None:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    day = window_start(ctx.when(inv.timestamp), DAY)
    cats = result.categories
    blocked = inv.guardrail_intervened
    yield ctx.finding(
        meta,
        # One finding per identity, day and kind of attempt: a conversation re-sends its history each turn.
        key=f"{inv.identity_key}:{day}:{','.join(cats)}",
        description=(
            f"A prompt from {inv.identity_arn or 'an unknown identity'} to {inv.model_id or inv.raw_model_id} "
            f"scored {result.score} for injection ({', '.join(cats)})"
            + ("; the guardrail intervened." if blocked else "; no guardrail intervened.")
        ),
        evidence={
            **summary(inv, ctx),
            "score": result.score,
            "categories": cats,
            "signals": [{"category": s.category, "phrase": s.phrase}
                        for s in result.signals[:MAX_SIGNALS_IN_EVIDENCE]],
            "benign_framing_discounted": result.benign_context,
            "system_prompt_echoed": any(s.category == "leak" for s in extra),
            "guardrail_intervened": blocked,
            "prompt_chars": len(inv.prompt_text),
            "prompt_sha256": text_digest(inv.prompt_text),
        },
        severity=severity,
        **subject(inv, ctx),
    )
