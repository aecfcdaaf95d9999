"""The pure core of campaigns: calling windows, retry policy, carrier outcomes, callback times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agent.campaigns.outcomes import Outcome, from_api_error, from_interview, from_twilio
from agent.campaigns.policy import policy_json, rules_from_json
from agent.campaigns.retry import Backoff, RetryPolicy, retry_delay
from agent.campaigns.window import CallingPolicy, DailyWindow, in_window, next_allowed
from agent.settings import CampaignSettings
from dialogue.callback_time import parse_callback_time
from telephony.twilio_rest import AnsweredBy, CallStatus

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")
LON = ZoneInfo("Europe/London")

POLICY = CallingPolicy(
    countries={"86": DailyWindow(time(9), time(20)), "44": DailyWindow(time(10), time(18))},
    holidays={"*": frozenset({date(2026, 12, 25)}), "86": frozenset({date(2027, 1, 1)})},
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("phone", "zone", "now", "expected"),
    [
        # US default 09:00-21:00 New York (UTC-5 in December)
        ("+12125550100", NY, utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 0)),  # 10:00 local
        ("+12125550100", NY, utc(2026, 12, 1, 12, 0), utc(2026, 12, 1, 14, 0)),  # 07:00 → 09:00
        ("+12125550100", NY, utc(2026, 12, 2, 2, 0), utc(2026, 12, 2, 14, 0)),  # 21:00 → next day
        ("+12125550100", NY, utc(2026, 12, 2, 1, 59), utc(2026, 12, 2, 1, 59)),  # 20:59 inside
        # China override 09:00-20:00 Shanghai (UTC+8)
        ("+8613800138000", SH, utc(2026, 12, 1, 12, 30), utc(2026, 12, 2, 1, 0)),  # 20:30 local
        ("+8613800138000", SH, utc(2026, 12, 1, 2, 0), utc(2026, 12, 1, 2, 0)),  # 10:00 local
        # UK override 10:00-18:00
        ("+447700900123", LON, utc(2026, 12, 1, 9, 0), utc(2026, 12, 1, 10, 0)),
        # Christmas for everyone: Dec 25 skipped to Dec 26 09:00 local
        ("+12125550100", NY, utc(2026, 12, 25, 15, 0), utc(2026, 12, 26, 14, 0)),
        # New Year holiday for +86 only
        ("+8613800138000", SH, utc(2027, 1, 1, 2, 0), utc(2027, 1, 2, 1, 0)),
        ("+12125550100", NY, utc(2027, 1, 1, 15, 0), utc(2027, 1, 1, 15, 0)),
        # DST spring-forward day in New York: 09:00 is EDT (UTC-4)
        ("+12125550100", NY, utc(2027, 3, 14, 6, 0), utc(2027, 3, 14, 13, 0)),
    ],
)
def test_next_allowed(phone: str, zone: ZoneInfo, now: datetime, expected: datetime) -> None:
    got = next_allowed(POLICY, phone, zone, now)
    assert got == expected
    assert in_window(POLICY, phone, zone, got)


def test_window_weekdays_and_errors() -> None:
    weekdays = CallingPolicy(default=DailyWindow(time(9), time(17), frozenset(range(5))))
    # Saturday 2026-12-05 10:00 New York → Monday 09:00
    assert next_allowed(weekdays, "+1212", NY, utc(2026, 12, 5, 15)) == utc(2026, 12, 7, 14)
    with pytest.raises(ValueError):
        DailyWindow(time(21), time(9))
    with pytest.raises(ValueError):
        next_allowed(POLICY, "+1212", NY, datetime(2026, 12, 1, 12))  # naive
    assert DailyWindow.parse("08:30-19:00") == DailyWindow(time(8, 30), time(19))


@pytest.mark.parametrize(
    ("outcome", "attempts", "draw", "expected"),
    [
        (Outcome.BUSY, 1, 0.5, 600.0),  # no jitter at the middle draw
        (Outcome.BUSY, 2, 0.5, 1200.0),  # doubled
        (Outcome.BUSY, 1, 0.0, 480.0),  # -20 %
        (Outcome.BUSY, 1, 1.0, 720.0),  # +20 % (upper bound, exclusive in practice)
        (Outcome.NO_ANSWER, 3, 0.5, 4 * 3600.0),
        (Outcome.VOICEMAIL, 1, 0.5, 3 * 3600.0),
        (Outcome.FAILED, 2, 0.5, 600.0),
        (Outcome.BUSY, 4, 0.5, None),  # max attempts reached
        (Outcome.DECLINED, 1, 0.5, None),  # never retried
        (Outcome.INVALID_NUMBER, 1, 0.5, None),
        (Outcome.ANSWERED, 1, 0.5, None),
        (Outcome.DNC, 1, 0.5, None),
        (Outcome.CALLBACK, 1, 0.5, 0.0),  # at the requested time
        (Outcome.CALLBACK, 4, 0.5, None),
    ],
)
def test_retry_delay(outcome: Outcome, attempts: int, draw: float, expected: float | None) -> None:
    policy = RetryPolicy(
        max_attempts=4,
        backoff={
            Outcome.BUSY: Backoff(600),
            Outcome.NO_ANSWER: Backoff(3600),
            Outcome.FAILED: Backoff(300),
            Outcome.VOICEMAIL: Backoff(3 * 3600),
        },
    )
    got = retry_delay(policy, outcome, attempts, draw)
    assert got == pytest.approx(expected) if expected is not None else got is None


def test_retry_backoff_caps_and_refuses_never_retry() -> None:
    policy = RetryPolicy(max_attempts=20, backoff={Outcome.BUSY: Backoff(600, max_s=3600)})
    assert retry_delay(policy, Outcome.BUSY, 10, 0.5) == 3600
    with pytest.raises(ValueError):
        RetryPolicy(backoff={Outcome.DECLINED: Backoff(60)})


@pytest.mark.parametrize(
    ("status", "answered_by", "sip", "expected"),
    [
        (CallStatus.COMPLETED, AnsweredBy.HUMAN, None, Outcome.ANSWERED),
        (CallStatus.COMPLETED, None, None, Outcome.ANSWERED),
        (CallStatus.COMPLETED, AnsweredBy.UNKNOWN, None, Outcome.ANSWERED),
        (CallStatus.COMPLETED, AnsweredBy.MACHINE_START, None, Outcome.VOICEMAIL),
        (CallStatus.COMPLETED, AnsweredBy.MACHINE_END_BEEP, None, Outcome.VOICEMAIL),
        (CallStatus.COMPLETED, AnsweredBy.MACHINE_END_SILENCE, None, Outcome.VOICEMAIL),
        (CallStatus.COMPLETED, AnsweredBy.MACHINE_END_OTHER, None, Outcome.VOICEMAIL),
        (CallStatus.COMPLETED, AnsweredBy.FAX, None, Outcome.INVALID_NUMBER),
        (CallStatus.BUSY, None, "486", Outcome.BUSY),
        (CallStatus.NO_ANSWER, None, "487", Outcome.NO_ANSWER),
        (CallStatus.FAILED, None, "500", Outcome.FAILED),
        (CallStatus.FAILED, None, "404", Outcome.INVALID_NUMBER),
        (CallStatus.FAILED, None, "604", Outcome.INVALID_NUMBER),
        (CallStatus.CANCELED, None, None, Outcome.CANCELED),
    ],
)
def test_twilio_outcomes(
    status: CallStatus, answered_by: AnsweredBy | None, sip: str | None, expected: Outcome
) -> None:
    assert from_twilio(status, answered_by, sip) is expected


def test_other_outcomes() -> None:
    with pytest.raises(ValueError):
        from_twilio(CallStatus.RINGING)
    assert from_api_error(21211) is Outcome.INVALID_NUMBER
    assert from_api_error(20003) is Outcome.FAILED
    assert from_api_error(None) is Outcome.FAILED
    assert from_interview("opt_out") is Outcome.DECLINED
    assert from_interview("completed", intent="busy") is Outcome.CALLBACK
    assert from_interview("completed") is Outcome.ANSWERED


# Tuesday 2026-12-01, 10:15 local
NOW_NY = datetime(2026, 12, 1, 10, 15, tzinfo=NY)
NOW_SH = datetime(2026, 12, 1, 10, 15, tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "language", "now", "expected"),
    [
        ("Could you call me tomorrow after three?", "en", NOW_NY, (2, 15, 0)),
        ("in two hours please", "en", NOW_NY, (1, 12, 15)),
        ("call me in 30 minutes", "en", NOW_NY, (1, 10, 45)),
        ("maybe in half an hour", "en", NOW_NY, (1, 10, 45)),
        ("in an hour and a half", "en", NOW_NY, (1, 11, 45)),
        ("friday morning works", "en", NOW_NY, (4, 9, 0)),
        ("next monday at 2pm", "en", NOW_NY, (7, 14, 0)),
        ("tonight", "en", NOW_NY, (1, 19, 0)),
        ("this evening around 6:30", "en", NOW_NY, (1, 18, 30)),
        ("at 9am tomorrow", "en", NOW_NY, (2, 9, 0)),
        ("after 5", "en", NOW_NY, (1, 17, 0)),
        ("at 10", "en", NOW_NY, (2, 10, 0)),  # 10:00 has passed today → tomorrow
        ("I'm busy right now", "en", NOW_NY, None),
        ("明天下午三点以后", "zh", NOW_SH, (2, 15, 0)),
        ("周五上午", "zh", NOW_SH, (4, 9, 0)),
        ("两个小时以后吧", "zh", NOW_SH, (1, 12, 15)),
        ("半小时后再打", "zh", NOW_SH, (1, 10, 45)),
        ("一个半小时后", "zh", NOW_SH, (1, 11, 45)),
        ("下周一上午十点", "zh", NOW_SH, (7, 10, 0)),
        ("今晚八点", "zh", NOW_SH, (1, 20, 0)),
        ("后天中午", "zh", NOW_SH, (3, 12, 0)),
        ("三点半", "zh", NOW_SH, (1, 15, 30)),
        ("星期三晚上", "zh", NOW_SH, (2, 19, 0)),
        ("我现在不方便", "zh", NOW_SH, None),
    ],
)
def test_callback_time(
    text: str, language: str, now: datetime, expected: tuple[int, int, int] | None
) -> None:
    got = parse_callback_time(text, language, now)
    if expected is None:
        assert got is None
        return
    assert got is not None
    day, hour, minute = expected
    assert got.tzinfo is now.tzinfo
    assert (got.day, got.hour, got.minute) == (day, hour, minute), got


def test_callback_moved_inside_window() -> None:
    # "tonight" at 22:00 in Shanghai is after the +86 window (20:00): next morning 09:00.
    late = parse_callback_time("今晚十点", "zh", NOW_SH)
    assert late is not None and late.hour == 22
    moved = next_allowed(POLICY, "+8613800138000", SH, late)
    assert moved.astimezone(SH) == datetime(2026, 12, 2, 9, 0, tzinfo=SH)


def test_policy_json_round_trip() -> None:
    policy = policy_json(
        CampaignSettings(), {"window": "08:00-20:00", "holidays": {"*": ["2026-12-25"]}}
    )
    rules = rules_from_json(policy)
    assert rules.calling.default == DailyWindow(time(8), time(20))
    assert date(2026, 12, 25) in rules.calling.holidays_for("+1212")
    assert rules.retry.max_attempts == 4
    assert rules.retry.backoff[Outcome.BUSY].base_s == 600
    with pytest.raises(ValueError):
        policy_json(CampaignSettings(), {"window": "21:00-09:00"})
    with pytest.raises(ValueError):
        policy_json(CampaignSettings(), {"retry_s": {"declined": 60}})
