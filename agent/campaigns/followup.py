"""Follow-up rules per job (issue 15): what a candidate hears after the interview.

Pure: :func:`decide` maps a report or a review to a :class:`FollowUp` — ``>= invite_at`` a
second-round invitation, ``< thank_below`` a thank-you (only ever after a person's review:
DESIGN.md decision 8), otherwise a task for a recruiter — and :func:`render` fills the
message templates in the candidate's language. Sending is ``agent/delivery/sms.py`` and
``agent/delivery/mail.py``; the outbox worker calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from string import Template
from typing import Any, Literal

__all__ = [
    "DEFAULT_TEMPLATES",
    "FollowUp",
    "FollowUpRules",
    "Message",
    "decide",
    "render",
]

MAX_VARIABLE_CHARS = 200


class FollowUp(StrEnum):
    """What a result leads to."""

    SECOND_ROUND = "second_round"
    THANK_YOU = "thank_you"
    RECRUITER_TASK = "recruiter_task"


@dataclass(frozen=True, slots=True)
class FollowUpRules:
    """A job's follow-up rules (``jobs.follow_up_rules`` JSON; defaults from the issue)."""

    invite_at: float = 85.0
    thank_below: float = 60.0
    channels: tuple[str, ...] = ("sms", "email")
    templates: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.thank_below <= self.invite_at:
            raise ValueError("follow-up rules need thank_below <= invite_at")
        if not set(self.channels) <= {"sms", "email"}:
            raise ValueError("follow-up channels are 'sms' and 'email'")

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FollowUpRules:
        """Rules from a job's JSON (unknown keys are refused)."""
        data = dict(data or {})
        extra = set(data) - {"invite_at", "thank_below", "channels", "templates"}
        if extra:
            raise ValueError(f"unknown follow-up rule keys {sorted(extra)}")
        return cls(
            invite_at=float(data.get("invite_at", 85.0)),
            thank_below=float(data.get("thank_below", 60.0)),
            channels=tuple(data.get("channels", ("sms", "email"))),
            templates=dict(data.get("templates") or {}),
        )


def decide(
    rules: FollowUpRules,
    score: float | None,
    *,
    on: Literal["report", "review"],
    review_required: bool,
    override: bool = False,
) -> FollowUp | None:
    """The follow-up a report or a review triggers, or None.

    A job that requires review acts on the review only; otherwise an invitation or a
    recruiter task goes out on the report, and the review later adds only the thank-you.
    A reviewer who changed the recommended tier (``override``) gets a recruiter task: a person
    decides what to tell the candidate.
    """
    if score is None:
        return FollowUp.RECRUITER_TASK if on == "review" or not review_required else None
    if on == "report":
        if review_required or score < rules.thank_below:
            return None
        return FollowUp.SECOND_ROUND if score >= rules.invite_at else FollowUp.RECRUITER_TASK
    if override:
        return FollowUp.RECRUITER_TASK
    if score < rules.thank_below:
        return FollowUp.THANK_YOU
    if not review_required:
        return None  # sent on the report already
    return FollowUp.SECOND_ROUND if score >= rules.invite_at else FollowUp.RECRUITER_TASK


#: Built-in templates per follow-up and language; a job's ``templates`` override any part.
DEFAULT_TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "second_round": {
        "en": {
            "sms": "Hi $name, thank you for your interview for $job_title. We would like to "
            "invite you to a second round: $link",
            "subject": "Second-round interview: $job_title",
            "body": "Dear $name,\n\nThank you for your phone interview for $job_title. We "
            "would like to invite you to a second round. Please choose a time here:\n$link\n",
        },
        "zh": {
            "sms": "$name您好，感谢您参加$job_title岗位的面试。诚邀您参加复试：$link",
            "subject": "复试邀请：$job_title",
            "body": "$name您好：\n\n感谢您参加$job_title岗位的电话面试。诚邀您参加复试，"
            "请通过以下链接选择时间：\n$link\n",
        },
    },
    "thank_you": {
        "en": {
            "sms": "Hi $name, thank you for interviewing for $job_title. We will not be moving "
            "forward this time, and we wish you every success.",
            "subject": "Your application for $job_title",
            "body": "Dear $name,\n\nThank you for your time interviewing for $job_title. After "
            "careful review we will not be moving forward with your application this time. "
            "We wish you every success.\n",
        },
        "zh": {
            "sms": "$name您好，感谢您参加$job_title岗位的面试。"
            "很遗憾本次未能进入下一轮，祝您求职顺利。",
            "subject": "关于您应聘$job_title的结果",
            "body": "$name您好：\n\n感谢您抽出时间参加$job_title岗位的面试。经认真评估，"
            "很遗憾本次未能进入下一轮。祝您求职顺利。\n",
        },
    },
    "recruiter_task": {
        "en": {
            "subject": "Follow up with $name ($job_title)",
            "body": "The interview of $name for $job_title needs a recruiter's decision "
            "(score $score).\n$link\n",
        },
        "zh": {
            "subject": "请跟进候选人$name（$job_title）",
            "body": "候选人$name应聘$job_title的面试需要招聘人员决定（得分$score）。\n$link\n",
        },
    },
}


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered message: SMS text, or an email subject and body."""

    kind: FollowUp
    channel: Literal["sms", "email"]
    language: str
    text: str
    subject: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)


def render(
    rules: FollowUpRules,
    kind: FollowUp,
    channel: Literal["sms", "email"],
    language: str,
    variables: Mapping[str, object],
) -> Message | None:
    """The message for ``kind`` on ``channel`` in ``language`` (English when the language has
    no template); None when there is no such template (recruiter tasks have no SMS).

    Raises:
        ValueError: a template names a variable that was not given.
    """
    lang = "zh" if language.startswith("zh") else "en"
    parts = dict(DEFAULT_TEMPLATES[str(kind)].get(lang) or DEFAULT_TEMPLATES[str(kind)]["en"])
    override = (rules.templates.get(str(kind)) or {}).get(lang) or {}
    parts.update({k: str(v) for k, v in override.items() if k in ("sms", "subject", "body")})
    values = {k: str(v)[:MAX_VARIABLE_CHARS] for k, v in variables.items()}
    try:
        if channel == "sms":
            if "sms" not in parts:
                return None
            return Message(
                kind, "sms", lang, Template(parts["sms"]).substitute(values), variables=values
            )
        subject = Template(parts["subject"]).substitute(values)
        body = Template(parts["body"]).substitute(values)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{kind} template ({lang}, {channel}): missing variable {exc}") from exc
    return Message(kind, "email", lang, body, subject=subject, variables=values)
