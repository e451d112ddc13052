"""Rough on-demand prices, to turn token counts into an estimated cost for the abuse baseline.

Approximate list prices in USD per million input / output tokens (us-east-1, on-demand). They rank usage
and size a spike; they are not billing. The longest matching model-id prefix wins; unknown models get a
mid-range default so an attacker cannot hide spend behind an unlisted model.
"""

from __future__ import annotations

from functools import lru_cache

from ...normalize.invocation import Invocation

PRICES: dict[str, tuple[float, float]] = {
    "anthropic.claude-3-opus": (15.0, 75.0),
    "anthropic.claude-opus-4": (15.0, 75.0),  # Opus 4 and 4.1
    **dict.fromkeys(("anthropic.claude-opus-4-5", "anthropic.claude-opus-4-6", "anthropic.claude-opus-4-7"),
                    (5.0, 25.0)),
    "anthropic.claude-3-sonnet": (3.0, 15.0),
    "anthropic.claude-3-5-sonnet": (3.0, 15.0),
    "anthropic.claude-3-7-sonnet": (3.0, 15.0),
    "anthropic.claude-sonnet-4": (3.0, 15.0),
    "anthropic.claude-3-5-haiku": (0.8, 4.0),
    "anthropic.claude-haiku-4-5": (1.0, 5.0),
    "anthropic.claude-3-haiku": (0.25, 1.25),
    "anthropic.claude-v2": (8.0, 24.0),
    "anthropic.claude-instant": (0.8, 2.4),
    "amazon.nova-micro": (0.035, 0.14),
    "amazon.nova-lite": (0.06, 0.24),
    "amazon.nova-pro": (0.8, 3.2),
    "amazon.nova-premier": (2.5, 12.5),
    "amazon.titan-text-express": (0.2, 0.6),
    "amazon.titan-text-lite": (0.15, 0.2),
    "amazon.titan-embed": (0.02, 0.0),
    "meta.llama3-70b": (2.65, 3.5),
    "meta.llama3-8b": (0.3, 0.6),
    "meta.llama": (0.72, 0.72),
    "mistral.mistral-large": (4.0, 12.0),
    "mistral.mixtral": (0.45, 0.7),
    "mistral.mistral-7b": (0.15, 0.2),
    "cohere.command-r-plus": (3.0, 15.0),
    "cohere.command-r": (0.5, 1.5),
    "cohere.embed": (0.1, 0.0),
    "ai21.jamba-1-5-large": (2.0, 8.0),
    "ai21.jamba": (0.5, 0.7),
    "deepseek.": (1.35, 5.4),
    "openai.gpt-oss-120b": (0.15, 0.6),
    "openai.gpt-oss-20b": (0.07, 0.3),
}
DEFAULT_PRICE = (3.0, 15.0)
CACHE_READ_FACTOR = 0.1  # cache reads bill at a tenth of the input price
CACHE_WRITE_FACTOR = 1.25

_BY_LENGTH = sorted(PRICES, key=len, reverse=True)


@lru_cache(maxsize=1024)  # a few models, every record
def price_of(model_id: str | None) -> tuple[float, float]:
    """(input, output) USD per million tokens.

    >>> price_of("anthropic.claude-3-haiku-20240307-v1:0")
    (0.25, 1.25)
    """
    if model_id:
        for prefix in _BY_LENGTH:
            if model_id.startswith(prefix):
                return PRICES[prefix]
    return DEFAULT_PRICE


def estimated_cost(inv: Invocation) -> float:
    """Estimated USD cost of one invocation."""
    p_in, p_out = price_of(inv.model_id)
    tokens_in = (inv.input_tokens or 0) + CACHE_READ_FACTOR * (inv.cache_read_tokens or 0) \
        + CACHE_WRITE_FACTOR * (inv.cache_write_tokens or 0)
    return (tokens_in * p_in + (inv.output_tokens or 0) * p_out) / 1_000_000
