"""A campaign's rules as stored JSON, and as the pure core's objects.

A campaign copies the settings' defaults when it is created (``policy_json``), so changing the
settings later does not change a running campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from agent.campaigns.outcomes import Outcome
from agent.campaigns.retry import Backoff, RetryPolicy
from agent.campaigns.window import CallingPolicy, DailyWindow
from agent.settings import CampaignSettings

__all__ = ["CampaignRules", "policy_json", "rules_from_json"]


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """The window and retry policy of one campaign."""

    calling: CallingPolicy
    retry: RetryPolicy


def policy_json(
    defaults: CampaignSettings, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The policy a new campaign stores: the settings' defaults with ``overrides`` applied."""
    policy: dict[str, Any] = {
        "window": defaults.window,
        "country_windows": dict(defaults.country_windows),
        "holidays": {k: [d.isoformat() for d in v] for k, v in defaults.holidays.items()},
        "max_attempts": defaults.max_attempts,
        "retry_s": dict(defaults.retry_s),
        "retry_jitter": defaults.retry_jitter,
    }
    policy.update({k: v for k, v in (overrides or {}).items() if v is not None})
    rules_from_json(policy)  # refuse a policy the dialer could not follow, now
    return policy


def rules_from_json(policy: dict[str, Any]) -> CampaignRules:
    """Parse a stored policy.

    Raises:
        ValueError: a malformed window, date, outcome or number.
    """
    countries = {
        str(code): DailyWindow.parse(str(text))
        for code, text in dict(policy.get("country_windows") or {}).items()
    }
    holidays = {
        str(code): frozenset(date.fromisoformat(str(d)) for d in days)
        for code, days in dict(policy.get("holidays") or {}).items()
    }
    calling = CallingPolicy(
        default=DailyWindow.parse(str(policy.get("window", "09:00-21:00"))),
        countries=MappingProxyType(countries),
        holidays=MappingProxyType(holidays),
    )
    jitter = float(policy.get("retry_jitter", 0.2))
    backoff = {
        Outcome(name): Backoff(base_s=float(seconds), jitter=jitter)
        for name, seconds in dict(policy.get("retry_s") or {}).items()
    }
    retry = RetryPolicy(
        max_attempts=int(policy.get("max_attempts", 4)), backoff=MappingProxyType(backoff)
    )
    return CampaignRules(calling, retry)
