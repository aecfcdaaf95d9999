"""Eligibility screening at import: a job's rules against a candidate's attributes, decided by a
pure function (no I/O), so the same rules give the same answer in the API, the CLI and tests.

Rules are checked in a fixed order. The first rule the candidate fails decides ``ineligible``;
if none fails but one cannot be judged (the attribute is missing or unreadable) the first such
rule decides ``needs_review``; otherwise ``eligible``. Every decision names its rule and a
reason without personal data beyond the attribute compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Eligibility(StrEnum):
    """The screening outcome stored on the candidate."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


#: Education levels, lowest first; each with the spellings HR exports use (English, Chinese).
EDUCATION_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("none", ("none", "no formal education", "无")),
    ("middle_school", ("middle school", "junior high", "初中")),
    ("high_school", ("high school", "secondary", "ged", "高中", "中专", "职高", "技校")),
    ("associate", ("associate", "vocational college", "diploma", "大专", "专科", "高职")),
    ("bachelor", ("bachelor", "bachelors", "bachelor's", "ba", "bs", "bsc", "本科", "学士")),
    ("master", ("master", "masters", "master's", "ma", "ms", "msc", "mba", "硕士", "研究生")),
    ("doctorate", ("doctorate", "phd", "ph.d.", "doctor", "博士")),
)
EDUCATION_RANK = {level: rank for rank, (level, _) in enumerate(EDUCATION_LEVELS)}
_EDUCATION_ALIASES = {
    alias: level
    for level, aliases in EDUCATION_LEVELS
    for alias in (level, level.replace("_", " "), *aliases)
}
EducationLevel = str  # one of EDUCATION_RANK's keys (validated by EducationRule)

_TRUE = {"true", "yes", "y", "1", "是", "有", "能", "可以", "t"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有", "不能", "不可以", "f"}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EducationRule(_Rule):
    """The lowest education level accepted (``attributes.education``)."""

    min: str = Field(description=f"one of {', '.join(EDUCATION_RANK)}")

    def model_post_init(self, _context: Any) -> None:
        if self.min not in EDUCATION_RANK:
            raise ValueError(f"education.min must be one of {', '.join(EDUCATION_RANK)}")


class ExperienceRule(_Rule):
    """Minimum years of relevant experience (``attributes.experience_years``)."""

    min_years: float = Field(ge=0, le=80)


class WorkFromHomeRule(_Rule):
    """Home-based work: the candidate can work from home (``attributes.work_from_home``), with a
    quiet room (``attributes.quiet_room``) and stable internet (``attributes.stable_internet``)."""

    quiet_room: bool = True
    stable_internet: bool = True


class RegionRule(_Rule):
    """Regions candidates may live in (``attributes.region``): an entry matches itself and its
    sub-regions (``CN`` matches ``CN-BJ``), case-insensitively."""

    allowed: list[str] = Field(min_length=1, max_length=500)


class LanguageRule(_Rule):
    """Languages the candidate must all speak (``attributes.languages``: a list or a comma
    separated string; the candidate's interview language counts too)."""

    required: list[str] = Field(min_length=1, max_length=20)


class SalaryRule(_Rule):
    """The job's pay range; a candidate expecting more than ``max`` (``attributes
    .expected_salary``: a number or a range like ``6000-8000``, its low end counts) is out."""

    min: float | None = Field(default=None, ge=0)
    max: float = Field(gt=0)


class EligibilityRules(_Rule):
    """A job's screening rules; every rule is optional (none set: everyone is eligible)."""

    education: EducationRule | None = None
    experience: ExperienceRule | None = None
    work_from_home: WorkFromHomeRule | None = None
    region: RegionRule | None = None
    language: LanguageRule | None = None
    salary: SalaryRule | None = None


@dataclass(frozen=True)
class Decision:
    """The screening result: the outcome, the rule that decided it (None: all passed), why."""

    eligibility: Eligibility
    rule: str | None
    reason: str


class _Unknown(Exception):
    """The attribute a rule needs is missing or unreadable: a person must look."""


def _text(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Unknown(f"no {name}")
    return str(value).strip()


def _flag(attributes: Mapping[str, Any], name: str) -> bool:
    value = attributes.get(name)
    if isinstance(value, bool):
        return value
    text = _text(attributes, name).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Unknown(f"{name} is not yes or no")


def _number(attributes: Mapping[str, Any], name: str) -> float:
    value = attributes.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    found = _NUMBER.search(_text(attributes, name).replace(",", ""))
    if found is None:
        raise _Unknown(f"{name} is not a number")
    return float(found.group())


def education_level(value: str) -> str | None:
    """The level an education text names (None when unknown)."""
    key = value.strip().casefold().rstrip(".")
    return _EDUCATION_ALIASES.get(key)


def _check_education(rule: EducationRule, attributes: Mapping[str, Any]) -> str | None:
    level = education_level(_text(attributes, "education"))
    if level is None:
        raise _Unknown("education level not recognised")
    if EDUCATION_RANK[level] < EDUCATION_RANK[rule.min]:
        return f"education {level} is below {rule.min}"
    return None


def _check_experience(rule: ExperienceRule, attributes: Mapping[str, Any]) -> str | None:
    years = _number(attributes, "experience_years")
    if years < rule.min_years:
        return f"{years:g} years of relevant experience, {rule.min_years:g} required"
    return None


def _check_work_from_home(rule: WorkFromHomeRule, attributes: Mapping[str, Any]) -> str | None:
    if not _flag(attributes, "work_from_home"):
        return "cannot work from home"
    if rule.quiet_room and not _flag(attributes, "quiet_room"):
        return "no quiet room"
    if rule.stable_internet and not _flag(attributes, "stable_internet"):
        return "no stable internet"
    return None


def _check_region(rule: RegionRule, attributes: Mapping[str, Any]) -> str | None:
    region = _text(attributes, "region").casefold()
    for allowed in rule.allowed:
        entry = allowed.strip().casefold()
        if region == entry or region.startswith((f"{entry}-", f"{entry}/")):
            return None
    return "region not among the job's regions"


def _languages(attributes: Mapping[str, Any], interview_language: str | None) -> set[str]:
    value = attributes.get("languages")
    items: list[str] = []
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = re.split(r"[,;/、，\s]+", value)
    if interview_language:
        items.append(interview_language)
    spoken = {item.strip().casefold() for item in items if item.strip()}
    if not spoken:
        raise _Unknown("no languages")
    return spoken


def _check_language(
    rule: LanguageRule, attributes: Mapping[str, Any], interview_language: str | None
) -> str | None:
    spoken = _languages(attributes, interview_language)
    missing = [lang for lang in rule.required if lang.strip().casefold() not in spoken]
    return f"does not speak {', '.join(missing)}" if missing else None


def _check_salary(rule: SalaryRule, attributes: Mapping[str, Any]) -> str | None:
    expected = _number(attributes, "expected_salary")  # a range's first number: its low end
    if expected > rule.max:
        return f"expects {expected:g}, the job pays up to {rule.max:g}"
    return None


#: Checks in the order they are applied: rule name -> f(rule, attributes, language) -> why it
#: fails, or None when it passes (raising _Unknown when it cannot tell).
_CHECKS: tuple[tuple[str, Callable[[Any, Mapping[str, Any], str | None], str | None]], ...] = (
    ("education", lambda rule, attrs, _lang: _check_education(rule, attrs)),
    ("experience", lambda rule, attrs, _lang: _check_experience(rule, attrs)),
    ("work_from_home", lambda rule, attrs, _lang: _check_work_from_home(rule, attrs)),
    ("region", lambda rule, attrs, _lang: _check_region(rule, attrs)),
    ("language", _check_language),
    ("salary", lambda rule, attrs, _lang: _check_salary(rule, attrs)),
)


def decide(
    rules: EligibilityRules, attributes: Mapping[str, Any], language: str | None = None
) -> Decision:
    """Screen one candidate: ``attributes`` as imported, ``language`` their interview language."""
    unknown: Decision | None = None
    for name, check in _CHECKS:
        rule = getattr(rules, name)
        if rule is None:
            continue
        try:
            failed = check(rule, attributes, language)
        except _Unknown as exc:
            unknown = unknown or Decision(Eligibility.NEEDS_REVIEW, name, str(exc))
            continue
        if failed:
            return Decision(Eligibility.INELIGIBLE, name, failed)
    return unknown or Decision(Eligibility.ELIGIBLE, None, "meets every rule")
