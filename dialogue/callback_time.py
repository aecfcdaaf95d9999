"""When a candidate asks to be called back: "tomorrow after three", "in two hours",
"明天下午三点以后", "周五上午" → an aware datetime in the candidate's time zone.

Pure text in, datetime out (``now`` is passed in, in the candidate's zone). The result is the
earliest moment the words allow ("after three" is 15:00); the campaign then moves it inside the
calling window (``agent/campaigns/window.py``). A bare hour without am/pm is read as the
business-hours guess people mean on the phone (1-7 → afternoon/evening).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from dialogue.text import _en_number, _zh_number

__all__ = ["parse_callback_time"]

_PARTS_OF_DAY = {"morning": 9, "noon": 12, "afternoon": 14, "evening": 18, "tonight": 19}
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_HOURS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
)  # fmt: skip
_EN_MINUTES = {"o'clock": 0, "oclock": 0, "fifteen": 15, "thirty": 30, "forty-five": 45}

_EN_RELATIVE = re.compile(
    r"\bin\s+(?:(?P<half>half an?)|(?P<n>\d+(?:\.\d+)?|an?|[a-z]+(?:[ -][a-z]+)?))\s+"
    r"(?P<unit>minutes?|mins?|hours?|hrs?)(?P<andhalf>\s+and\s+a\s+half)?\b"
)
_EN_TIME = re.compile(
    r"(?:\b(?P<marker>at|after|around|about|by|from|past)\s+)?\b(?P<h>\d{1,2}|"
    + "|".join(_EN_HOURS)
    + r")(?::(?P<m>\d{2})|\s+(?P<mw>o'?clock|fifteen|thirty|forty-five))?"
    r"\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?![\w:])"
)
_EN_DAY = re.compile(
    r"\b(?P<rel>today|tonight|tomorrow|day after tomorrow)\b|"
    r"\b(?:(?P<next>next|this|on)\s+)?(?P<wd>" + "|".join(_EN_WEEKDAYS) + r")\b"
)
_EN_PART = re.compile(r"\b(?P<part>morning|noon|afternoon|evening|tonight|lunchtime)\b")

_ZH_NUM = r"[零〇一二两俩三四五六七八九十\d]{1,3}"
_ZH_RELATIVE = re.compile(
    rf"(?P<n>{_ZH_NUM}|半)(?:个)?(?P<half>半)?(?P<unit>小时|钟头|分钟)(?:以后|之后|后)"
)
_ZH_TIME = re.compile(
    rf"(?P<h>{_ZH_NUM})(?:点|點|时)(?:(?P<half>半)|(?P<q>一刻)|(?P<m>{_ZH_NUM})分?)?"
)
_ZH_DAY = re.compile(
    r"(?P<rel>大后天|后天|明天|明早|明晚|今天|今晚)|"
    r"(?P<next>下(?:个)?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])"
)
_ZH_PART = {
    "早上": 9, "上午": 9, "早晨": 9, "明早": 9, "中午": 12, "下午": 14, "傍晚": 18,
    "晚上": 19, "今晚": 19, "明晚": 19,
}  # fmt: skip
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_DAY_OFFSETS = {"今天": 0, "今晚": 0, "明天": 1, "明早": 1, "明晚": 1, "后天": 2, "大后天": 3}
_EN_DAY_OFFSETS = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}


def parse_callback_time(text: str, language: str, now: datetime) -> datetime | None:
    """The moment ``text`` asks to be called back, in ``now``'s time zone; None when it names
    no time. ``now`` must be timezone-aware (the candidate's local time)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if language.startswith("zh"):
        return _parse_zh(text, now)
    return _parse_en(text.lower().replace("\u2019", "'"), now)


def _next_weekday(now: datetime, weekday: int, next_week: bool) -> int:
    """Days from ``now`` to ``weekday``: the coming one, or the one in next calendar week."""
    if next_week:
        return 7 - now.weekday() + weekday
    ahead = (weekday - now.weekday()) % 7
    return ahead or 7


def _compose(
    now: datetime, day_offset: int | None, hour: int | None, minute: int, part: int | None
) -> datetime | None:
    if day_offset is None and hour is None and part is None:
        return None
    if hour is None:
        hour, minute = (part, 0) if part is not None else (0, 0)
    elif part is not None and part >= 12 and hour < 12:
        hour += 12  # "下午三点", "three in the afternoon"
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    base = now.date() + timedelta(days=day_offset or 0)
    at = datetime.combine(base, time(hour, minute), tzinfo=now.tzinfo)
    if day_offset is None and at <= now:
        at += timedelta(days=1)  # "after three" said at five means tomorrow
    return at


def _parse_en(text: str, now: datetime) -> datetime | None:
    relative = _EN_RELATIVE.search(text)
    if relative:
        amount = 0.5 if relative["half"] else _en_number(relative["n"])
        if amount is not None and amount > 0:
            if relative["andhalf"]:
                amount += 0.5
            seconds = 60.0 if relative["unit"].startswith("m") else 3600.0
            return now + timedelta(seconds=amount * seconds)
    day_offset: int | None = None
    day = _EN_DAY.search(text)
    if day and day["rel"]:
        day_offset = _EN_DAY_OFFSETS[day["rel"]]
    elif day:
        day_offset = _next_weekday(now, _EN_WEEKDAYS.index(day["wd"]), day["next"] == "next")
    part_match = _EN_PART.search(text)
    part = None
    if part_match:
        part = _PARTS_OF_DAY.get(part_match["part"], 12)
    elif day and day["rel"] == "tonight":
        part = _PARTS_OF_DAY["tonight"]
    hour, minute, explicit = _en_clock(text)
    if hour is not None and part is None and not explicit and hour < 8:
        hour += 12  # a bare "three" on a work call is the afternoon
    return _compose(now, day_offset, hour, minute, part)


def _en_clock(text: str) -> tuple[int | None, int, bool]:
    """(hour, minute, whether am/pm was said) of the first clock time in ``text``."""
    for m in _EN_TIME.finditer(text):
        # A bare number is only a time with a marker ("at", "after"), am/pm or minutes.
        if not (m["marker"] or m["ampm"] or m["m"] or m["mw"]):
            continue
        raw = m["h"]
        hour = int(raw) if raw.isdigit() else _EN_HOURS.index(raw) + 1
        minute = int(m["m"]) if m["m"] else _EN_MINUTES.get((m["mw"] or "o'clock"), 0)
        ampm = (m["ampm"] or "").replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23:
            continue
        return hour, minute, bool(ampm)
    return None, 0, False


def _parse_zh(text: str, now: datetime) -> datetime | None:
    relative = _ZH_RELATIVE.search(text)
    if relative:
        amount = 0.5 if relative["n"] == "半" else _zh_number(relative["n"])
        if amount is not None and amount > 0:
            if relative["half"]:
                amount += 0.5
            seconds = 60.0 if relative["unit"] == "分钟" else 3600.0
            return now + timedelta(seconds=amount * seconds)
    day_offset: int | None = None
    day = _ZH_DAY.search(text)
    if day and day["rel"]:
        day_offset = _ZH_DAY_OFFSETS[day["rel"]]
    elif day:
        day_offset = _next_weekday(now, _ZH_WEEKDAYS[day["wd"]], bool(day["next"]))
    part = next((hour for word, hour in _ZH_PART.items() if word in text), None)
    hour: int | None = None
    minute = 0
    clock = _ZH_TIME.search(text)
    if clock:
        value = _zh_number(clock["h"])
        hour = int(value) if value is not None else None
        if clock["half"]:
            minute = 30
        elif clock["q"]:
            minute = 15
        elif clock["m"]:
            minutes = _zh_number(clock["m"])
            minute = int(minutes) if minutes is not None else 0
        if hour is not None and part is None and 1 <= hour < 8:
            hour += 12  # "三点以后" on a work call is the afternoon
    return _compose(now, day_offset, hour, minute, part)
