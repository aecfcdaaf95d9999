"""Retry policy: after an outcome, whether and when to try the number again.

Pure: :func:`retry_delay` takes the random draw as an argument (tests pass fixed values; the
dialer passes ``random.random()``), so the backoff with jitter is deterministic under test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from agent.campaigns.outcomes import Outcome

__all__ = ["NEVER_RETRY", "Backoff", "RetryPolicy", "retry_delay"]

#: Outcomes that end a candidate's attempts whatever the policy says.
NEVER_RETRY = frozenset(
    {
        Outcome.ANSWERED,
        Outcome.DECLINED,
        Outcome.INVALID_NUMBER,
        Outcome.DNC,
        Outcome.CANCELED,
    }
)


@dataclass(frozen=True, slots=True)
class Backoff:
    """``delay = min(base * factor**(n-1), max) * (1 ± jitter)`` after the n-th failure."""

    base_s: float
    factor: float = 2.0
    max_s: float = 24 * 3600.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.factor < 1 or self.max_s < self.base_s:
            raise ValueError("backoff needs base_s > 0, factor >= 1 and max_s >= base_s")
        if not 0 <= self.jitter < 1:
            raise ValueError("backoff jitter must be in [0, 1)")


def _default_backoff() -> Mapping[Outcome, Backoff]:
    return MappingProxyType(
        {
            Outcome.BUSY: Backoff(base_s=10 * 60),
            Outcome.NO_ANSWER: Backoff(base_s=60 * 60),
            Outcome.FAILED: Backoff(base_s=5 * 60),
            Outcome.VOICEMAIL: Backoff(base_s=3 * 3600),
        }
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Per-outcome backoff and the most attempts (dialled calls) one candidate gets.

    A requested callback is not a failure: it is always honoured, but still counts towards
    ``max_attempts`` so that a candidate who keeps deferring is not called forever.
    """

    max_attempts: int = 4
    backoff: Mapping[Outcome, Backoff] = field(default_factory=_default_backoff)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if bad := set(self.backoff) & NEVER_RETRY:
            raise ValueError(f"outcomes {sorted(bad)} are never retried")


def retry_delay(
    policy: RetryPolicy, outcome: Outcome, attempts_made: int, draw: float
) -> float | None:
    """Seconds to wait before the next attempt, or None when there is none.

    Args:
        attempts_made: dialled attempts so far, including the one that just ended.
        draw: a uniform random number in [0, 1) for the jitter.
    """
    if outcome in NEVER_RETRY or attempts_made >= policy.max_attempts:
        return None
    if outcome is Outcome.CALLBACK:
        return 0.0  # the caller supplies the requested time instead
    backoff = policy.backoff.get(outcome)
    if backoff is None:
        return None
    delay = min(backoff.base_s * backoff.factor ** max(attempts_made - 1, 0), backoff.max_s)
    return delay * (1 + backoff.jitter * (2 * draw - 1))
