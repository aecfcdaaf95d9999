"""Retry timing for deliveries, pure: exponential backoff with full jitter, capped.

Full jitter (a uniform draw between 0 and the exponential bound) spreads the retries of many
events that failed together, so a receiver coming back up is not hit by all of them at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a failing delivery is retried."""

    base_s: float = 2.0
    cap_s: float = 3600.0
    max_attempts: int = 12

    def bound(self, attempt: int) -> float:
        """The largest delay after failed attempt number ``attempt`` (1-based)."""
        return min(self.cap_s, self.base_s * 2.0 ** min(max(attempt - 1, 0), 62))

    def delay(
        self,
        attempt: int,
        retry_after_s: float | None = None,
        draw: Callable[[float, float], float] = random.uniform,
    ) -> float:
        """Seconds to wait after failed attempt ``attempt``; a receiver's ``Retry-After`` is a
        floor (still capped, so a hostile header cannot park an event for a year)."""
        wait = draw(0.0, self.bound(attempt))
        if retry_after_s is not None and retry_after_s > 0:
            wait = max(wait, min(retry_after_s, self.cap_s))
        return wait

    def exhausted(self, attempts: int) -> bool:
        """Whether ``attempts`` tries is the last one allowed (the delivery goes ``dead``)."""
        return attempts >= self.max_attempts


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()[:64]
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
