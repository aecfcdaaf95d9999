"""Eligibility screening, table-driven: each row is (rules, attributes, language) -> outcome and
the rule that decided it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agent.hr.eligibility import Eligibility, EligibilityRules, decide, education_level

OK, NO, ASK = Eligibility.ELIGIBLE, Eligibility.INELIGIBLE, Eligibility.NEEDS_REVIEW

HOME_AGENT = {
    "education": {"min": "high_school"},
    "experience": {"min_years": 1},
    "work_from_home": {"quiet_room": True, "stable_internet": True},
    "region": {"allowed": ["CN", "US-CA"]},
    "language": {"required": ["zh"]},
    "salary": {"min": 4000, "max": 8000},
}
GOOD = {
    "education": "大专",
    "experience_years": "2年",
    "work_from_home": "是",
    "quiet_room": "yes",
    "stable_internet": True,
    "region": "CN-BJ",
    "languages": "zh, en",
    "expected_salary": "6000-7000",
}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str | None, Eligibility, str | None]] = [
    ("no rules: everyone", {}, {}, None, OK, None),
    ("meets every rule", HOME_AGENT, GOOD, "zh", OK, None),
    ("education below", HOME_AGENT, {**GOOD, "education": "初中"}, "zh", NO, "education"),
    ("education english", HOME_AGENT, {**GOOD, "education": "Bachelor's"}, "zh", OK, None),
    ("education unknown", HOME_AGENT, {**GOOD, "education": "self-taught"}, "zh", ASK, "education"),
    ("education missing", HOME_AGENT, {**GOOD, "education": ""}, "zh", ASK, "education"),
    (
        "too little experience",
        HOME_AGENT,
        {**GOOD, "experience_years": 0.5},
        "zh",
        NO,
        "experience",
    ),
    ("experience exactly", HOME_AGENT, {**GOOD, "experience_years": "1"}, "zh", OK, None),
    (
        "experience unreadable",
        HOME_AGENT,
        {**GOOD, "experience_years": "lots"},
        "zh",
        ASK,
        "experience",
    ),
    (
        "cannot work from home",
        HOME_AGENT,
        {**GOOD, "work_from_home": "否"},
        "zh",
        NO,
        "work_from_home",
    ),
    ("no quiet room", HOME_AGENT, {**GOOD, "quiet_room": "no"}, "zh", NO, "work_from_home"),
    (
        "no stable internet",
        HOME_AGENT,
        {**GOOD, "stable_internet": False},
        "zh",
        NO,
        "work_from_home",
    ),
    ("home unknown", HOME_AGENT, {**GOOD, "quiet_room": "maybe"}, "zh", ASK, "work_from_home"),
    (
        "quiet room not required",
        {"work_from_home": {"quiet_room": False}},
        {"work_from_home": "y", "stable_internet": "y"},
        None,
        OK,
        None,
    ),
    ("region outside", HOME_AGENT, {**GOOD, "region": "US-NY"}, "zh", NO, "region"),
    ("sub-region inside", HOME_AGENT, {**GOOD, "region": "us-ca"}, "zh", OK, None),
    ("region prefix is not a match", HOME_AGENT, {**GOOD, "region": "CNX"}, "zh", NO, "region"),
    ("language missing", HOME_AGENT, {**GOOD, "languages": "en"}, "en", NO, "language"),
    ("interview language counts", HOME_AGENT, {**GOOD, "languages": None}, "zh", OK, None),
    ("languages as a list", HOME_AGENT, {**GOOD, "languages": ["ZH"]}, None, OK, None),
    ("salary too high", HOME_AGENT, {**GOOD, "expected_salary": "9,000"}, "zh", NO, "salary"),
    (
        "salary below the range is fine",
        HOME_AGENT,
        {**GOOD, "expected_salary": 3000},
        "zh",
        OK,
        None,
    ),
    ("salary missing", HOME_AGENT, {**GOOD, "expected_salary": None}, "zh", ASK, "salary"),
    # An unknown earlier rule does not hide a later failure: ineligible wins over review.
    (
        "unknown then failing",
        HOME_AGENT,
        {**GOOD, "education": "?", "region": "FR"},
        "zh",
        NO,
        "region",
    ),
    # Of two failures, the first rule in order decides.
    (
        "first failure decides",
        HOME_AGENT,
        {**GOOD, "education": "none", "region": "FR"},
        "zh",
        NO,
        "education",
    ),
]


@pytest.mark.parametrize(
    ("rules", "attributes", "language", "expected", "rule"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(
    rules: dict[str, Any],
    attributes: dict[str, Any],
    language: str | None,
    expected: Eligibility,
    rule: str | None,
) -> None:
    decision = decide(EligibilityRules.model_validate(rules), attributes, language)
    assert (decision.eligibility, decision.rule) == (expected, rule), decision.reason
    assert decision.reason


@pytest.mark.parametrize(
    "rules",
    [
        {"education": {"min": "kindergarten"}},
        {"experience": {"min_years": -1}},
        {"salary": {"max": 0}},
        {"region": {"allowed": []}},
        {"typo_rule": {}},
    ],
)
def test_bad_rules_are_refused(rules: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        EligibilityRules.model_validate(rules)


def test_education_spellings() -> None:
    assert education_level("本科") == "bachelor"
    assert education_level(" PhD ") == "doctorate"
    assert education_level("high school") == "high_school"
    assert education_level("unknown") is None
