"""Calling windows: when a candidate may be phoned, in their own time zone.

Pure: a :class:`CallingPolicy` (default 09:00-21:00 local, per-country overrides keyed by the
E.164 calling code, holiday dates per country or for everyone) and :func:`next_allowed`, the
earliest moment at or after ``now`` that falls inside the candidate's window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = ["CallingPolicy", "DailyWindow", "calling_code", "in_window", "next_allowed"]

#: Look this many days ahead before giving up (a policy with every day a holiday).
_HORIZON_DAYS = 370


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Local hours calls may start in: ``start <= t < end`` (``end`` is the last start).

    ``weekdays`` are ``date.weekday()`` numbers (Monday 0); all seven by default.
    """

    start: time = time(9, 0)
    end: time = time(21, 0)
    weekdays: frozenset[int] = frozenset(range(7))

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"calling window must start before it ends ({self.start}-{self.end})")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError("calling window weekdays must be a non-empty subset of 0-6")

    @classmethod
    def parse(cls, text: str, weekdays: frozenset[int] | None = None) -> DailyWindow:
        """``"09:00-21:00"`` as a window."""
        first, sep, last = text.partition("-")
        if not sep:
            raise ValueError(f"calling window {text!r} is not HH:MM-HH:MM")
        return cls(
            time.fromisoformat(first.strip()),
            time.fromisoformat(last.strip()),
            weekdays if weekdays is not None else frozenset(range(7)),
        )


@dataclass(frozen=True, slots=True)
class CallingPolicy:
    """Where the lines are drawn for a campaign.

    Attributes:
        default: the window for numbers no override matches.
        countries: calling code (``"1"``, ``"86"``, ``"44"``) → window; longest code wins.
        holidays: calling code → local dates without calls; key ``"*"`` applies everywhere.
    """

    default: DailyWindow = field(default_factory=DailyWindow)
    countries: Mapping[str, DailyWindow] = field(default_factory=lambda: MappingProxyType({}))
    holidays: Mapping[str, frozenset[date]] = field(default_factory=lambda: MappingProxyType({}))

    def window_for(self, phone: str) -> DailyWindow:
        """The window for an E.164 number."""
        code = calling_code(phone, self.countries)
        return self.countries[code] if code is not None else self.default

    def holidays_for(self, phone: str) -> frozenset[date]:
        """The holiday dates for an E.164 number (its country's plus the global ones)."""
        code = calling_code(phone, self.holidays)
        days = self.holidays.get("*", frozenset())
        return days | self.holidays[code] if code is not None else days


def calling_code(phone: str, codes: Mapping[str, object]) -> str | None:
    """The longest key of ``codes`` that ``phone`` (``+<digits>``) starts with, if any."""
    digits = phone.lstrip("+")
    best: str | None = None
    for code in codes:
        if code != "*" and digits.startswith(code) and (best is None or len(code) > len(best)):
            best = code
    return best


def _allowed_day(day: date, window: DailyWindow, holidays: frozenset[date]) -> bool:
    return day.weekday() in window.weekdays and day not in holidays


def in_window(policy: CallingPolicy, phone: str, zone: ZoneInfo, at: datetime) -> bool:
    """Whether a call to ``phone`` (living in ``zone``) may start at ``at`` (aware)."""
    window = policy.window_for(phone)
    local = at.astimezone(zone)
    return (
        _allowed_day(local.date(), window, policy.holidays_for(phone))
        and window.start <= local.time().replace(tzinfo=None) < window.end
    )


def next_allowed(policy: CallingPolicy, phone: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The earliest instant ``>= now`` a call to ``phone`` may start, in UTC.

    ``now`` must be timezone-aware. Local wall times that do not exist (a DST gap) resolve
    forwards, as :mod:`zoneinfo` does.

    Raises:
        ValueError: ``now`` is naive, or no day in the next year is allowed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if in_window(policy, phone, zone, now):
        return now.astimezone(UTC)
    window = policy.window_for(phone)
    holidays = policy.holidays_for(phone)
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(_HORIZON_DAYS):
        if _allowed_day(day, window, holidays):
            opening = datetime.combine(day, window.start, tzinfo=zone)
            # Round-trip through UTC so a start inside a DST gap lands on a real instant.
            opening = opening.astimezone(UTC)
            if opening >= now:
                return opening
        day += timedelta(days=1)
    raise ValueError(f"no allowed calling day within {_HORIZON_DAYS} days")
