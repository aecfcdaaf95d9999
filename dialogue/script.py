"""Interview scripts: the YAML schema (pydantic v2 models), the loader and the shipped catalogue.

A script is data only. :func:`load_script` parses YAML with line numbers, validates the schema and
the cross-references (see :mod:`dialogue.checks`), and raises :class:`ScriptError` naming file, line
and problem. Invariant: a script loads if and only if ``lint_script`` reports no errors.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic import field_validator as _field_validator
from pydantic_core import ErrorDetails

from dialogue.events import Outcome
from dialogue.text import Language
from dialogue.yaml_source import Loc, SourceMap, YamlSyntaxError, parse

SCRIPTS_DIR = Path(__file__).parent / "scripts"
YesNo = Literal["yes", "no"]
Severity = Literal["error", "warning"]
#: Variables every script may use; others must be declared (with defaults) under ``variables``.
BUILTIN_VARIABLES = ("candidate_name", "company", "role")
#: Record names the engine itself writes; a question's ``record`` must not reuse them.
RESERVED_RECORDS = frozenset(
    {"consent", "callback_time", "candidate_questions", "barge_ins", "speech_rate"}
)


@dataclass(frozen=True)
class Issue:
    """One problem found in a script file; ``str()`` is ``path:line: severity: message``."""

    severity: Severity
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.severity}: {self.message}"


class ScriptError(ValueError):
    """A script could not be loaded; the message lists every error as ``path:line: ...``."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class _Model(BaseModel):
    # Unknown keys are typos ("dimensons:"), not extensions: reject them with a line number.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Model):
    """A display label per language; lint warns when one is missing."""

    en: str | None = None
    zh: str | None = None

    @model_validator(mode="after")
    def _one_label(self) -> Labels:
        if not (self.en or self.zh):
            raise ValueError("give at least one of en / zh")
        return self


class Dimension(_Model):
    """A scored trait; ``weight`` is its share of the total score (all weights sum to 1)."""

    id: str = Field(min_length=1)
    weight: float = Field(ge=0, le=1)
    label: Labels


class Tiers(_Model):
    """Score thresholds (0-100) for the recommendation tier."""

    strong_recommend: float = Field(default=85, ge=0, le=100)
    pending: float = Field(default=60, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        if self.pending > self.strong_recommend:
            raise ValueError("pending threshold must not exceed strong_recommend")
        return self

    def tier_for(self, score: float) -> str:
        """``strong_recommend`` / ``pending`` / ``reject`` for a 0-100 score."""
        if score >= self.strong_recommend:
            return "strong_recommend"
        return "pending" if score >= self.pending else "reject"


class Timing(_Model):
    """Turn-taking for one Listen, in seconds (interview defaults: thinking pauses are normal)."""

    end_silence_s: float = Field(default=1.2, gt=0)
    min_answer_s: float = Field(default=0.0, ge=0)
    max_answer_s: float = Field(default=90.0, gt=0)
    no_input_timeout_s: float = Field(default=8.0, gt=0)
    # A short end silence suits "yes"; a reply that runs past long_answer_s is a story and
    # must not be cut at its first short pause (issue 10: a 43 s reply cut 14 s in). It then
    # needs long_end_silence_s of silence; unset, the script's own end_silence_s.
    long_answer_s: float = Field(default=3.0, gt=0)
    long_end_silence_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _min_below_max(self) -> Timing:
        if self.min_answer_s > self.max_answer_s:
            raise ValueError("min_answer_s must not exceed max_answer_s")
        return self


class TimingOverride(_Model):
    """Per-question changes to the script's :class:`Timing`; unset fields inherit."""

    end_silence_s: float | None = Field(default=None, gt=0)
    min_answer_s: float | None = Field(default=None, ge=0)
    max_answer_s: float | None = Field(default=None, gt=0)
    no_input_timeout_s: float | None = Field(default=None, gt=0)
    long_answer_s: float | None = Field(default=None, gt=0)
    long_end_silence_s: float | None = Field(default=None, gt=0)


class Greeting(_Model):
    """Opening turn. Its parts are required so no script can skip the compliance notices."""

    intro: str = Field(min_length=1)
    ai_disclosure: str = Field(min_length=1)
    recording_notice: str = Field(min_length=1)
    consent: str = Field(min_length=1)
    clarify: str | None = None


class Concept(_Model):
    """Something a good answer mentions; matched by its synonyms (in the script's language)."""

    id: str = Field(min_length=1)
    label: str | None = None
    synonyms: list[str] = Field(default_factory=list)


class FollowUp(_Model):
    """A probe asked once when none of ``if_missing`` was mentioned or the answer is too short.

    The concepts listed in ``if_missing`` are alternatives: mentioning any one of them is enough.
    """

    id: str | None = None
    text: str = Field(min_length=1)
    if_missing: list[str] = Field(default_factory=list)
    min_words: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _has_condition(self) -> FollowUp:
        if not self.if_missing and self.min_words is None:
            raise ValueError("a follow-up needs if_missing concepts and/or min_words")
        return self


class BranchTarget(_Model):
    """Where a yes/no answer leads: ``goto`` a question, or ``end`` with an outcome."""

    goto: str | None = None
    end: Outcome | None = None
    say: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BranchTarget:
        if (self.goto is None) == (self.end is None):
            raise ValueError("a branch target needs exactly one of goto / end")
        return self


class Branch(_Model):
    """Targets per answer of a yes/no question; a missing answer falls through to the next one."""

    yes: BranchTarget | None = None
    no: BranchTarget | None = None

    def target(self, answer: YesNo) -> BranchTarget | None:
        """The target for ``answer`` (None = next question)."""
        return self.yes if answer == "yes" else self.no


class Knockout(_Model):
    """An eligibility condition: this answer ends the call politely as ``ineligible``."""

    answer: YesNo = "no"
    say: str | None = None


#: The kinds of red flag a rubric may name; the report shows them to the recruiter as such.
RedFlagKind = Literal["refusal", "blame", "hostility", "dismissal"]
#: Rubric levels: 1 (poor) to 5 (excellent), the behaviourally anchored rating scale.
RUBRIC_LEVELS = (1, 2, 3, 4, 5)
#: Exemplar levels every rubric must cover so the scale has a bottom, a middle and a top.
REQUIRED_EXEMPLAR_LEVELS = (1, 3, 5)


class Exemplar(_Model):
    """A sample answer in the script's language, placed on the rubric's 1-5 scale."""

    level: int = Field(ge=1, le=5)
    text: str = Field(min_length=1)


class RedFlag(_Model):
    """Something a recruiter must see: ``examples`` are sentences that show it (script language)."""

    kind: RedFlagKind
    label: str | None = None
    examples: list[str] = Field(min_length=1)


class Rubric(_Model):
    """An anchored rating scale for one question (structured-interview practice).

    ``measures`` says what the question is for; ``levels`` describe answers at 1-5; exemplars are
    answers at known levels that the model-backed scorer compares a candidate's answer with; the
    question's concepts are the criteria the evidence lists as met or missed.
    """

    measures: str = Field(min_length=1)
    levels: dict[int, str] = Field(min_length=1)
    exemplars: list[Exemplar] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)
    #: A list of facts is a full answer here (availability: "weekends, evenings"), so the
    #: keyword-list guard stays off.
    lists_ok: bool = False
    #: How the level is found: ``anchors`` by meaning, from the exemplars; ``rota`` for an
    #: availability question, as the share of a seven-day rota (mornings, afternoons, evenings)
    #: the answer offers (dialogue/assessment/rota.py), the exemplars where it names no time.
    scale: Literal["anchors", "rota"] = "anchors"
    #: Answers from reviewed interviews at the level a reviewer gave them: more anchors for
    #: the level (the exemplars show the scale; these show how real candidates say it). They do
    #: not define what the question is about (its topic and floor come from the exemplars).
    calibration: list[Exemplar] = Field(default_factory=list)

    @_field_validator("levels")
    @classmethod
    def _levels_in_range(cls, value: dict[int, str]) -> dict[int, str]:
        bad = sorted(k for k in value if k not in RUBRIC_LEVELS)
        if bad:
            raise ValueError(f"rubric levels must be 1-5, got {bad}")
        return value


class Question(_Model):
    """One interview question."""

    id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    type: Literal["open", "yes_no"] = "open"
    clarify: str | None = None
    dimensions: list[str] = Field(default_factory=list)
    concepts: list[Concept] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    max_follow_ups: int = Field(default=1, ge=0)
    timing: TimingOverride = Field(default_factory=TimingOverride)
    branch: Branch | None = None
    knockout: Knockout | None = None
    record: str | None = None
    rubric: Rubric | None = None

    @_field_validator("knockout", mode="before")
    @classmethod
    def _knockout_shorthand(cls, value: Any) -> Any:
        # ``knockout: no`` is the common case; expand it to ``{answer: no}``.
        return {"answer": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _yes_no_only(self) -> Question:
        if self.type != "yes_no" and (self.branch or self.knockout):
            raise ValueError("branch and knockout need type: yes_no")
        if self.branch and self.knockout and self.branch.target(self.knockout.answer):
            raise ValueError(f"knockout answer '{self.knockout.answer}' also has a branch")
        return self


class FaqEntry(_Model):
    """A candidate question the interviewer can answer: keywords/synonyms -> answer."""

    id: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)


class Script(_Model):
    """A whole interview script (validated)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    version: str = "unversioned"
    role: str = Field(min_length=1)
    language: Language
    voice: str | None = None
    company: str = Field(min_length=1)
    variables: dict[str, str] = Field(default_factory=dict)
    dimensions: list[Dimension] = Field(min_length=1)
    tiers: Tiers = Field(default_factory=Tiers)
    timing: Timing = Field(default_factory=Timing)
    greeting: Greeting
    questions: list[Question] = Field(min_length=1)
    closing: str = Field(min_length=1)
    faq: list[FaqEntry] = Field(default_factory=list)
    # Prompt key (``greeting:consent``, ``q:<id>``, ...) -> WAV file relative to this script
    # file, played instead of synthesizing that prompt (see dialogue/recordings.py).
    recordings: dict[str, str] = Field(default_factory=dict)

    _source_path: Path | None = PrivateAttr(default=None)
    _source_map: SourceMap = PrivateAttr(default_factory=SourceMap)

    @_field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # ``version: 1.2`` parses as a float; it is a label, so keep it as text.
        return str(value) if isinstance(value, int | float) else value

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical (sorted-key JSON) form of the validated script."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def source_path(self) -> Path | None:
        """The file this script was loaded from (None if built in code)."""
        return self._source_path

    def line_of(self, loc: Loc) -> int | None:
        """Source line of the node at ``loc`` (e.g. ``("questions", 2, "branch")``)."""
        return self._source_map.line_of(loc)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if none)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def question_shares(self) -> dict[str, float]:
        """Each scored question's share of the total (0-1): the dimension weights it carries.

        A dimension's weight is split evenly over the questions that measure it, so the shares
        sum to the weight of the measured dimensions. Lint warns when one question carries so
        much that it alone would decide the tier.
        """
        shares: dict[str, float] = {}
        for dim in self.dimensions:
            measuring = [q.id for q in self.questions if dim.id in q.dimensions]
            for qid in measuring:
                shares[qid] = shares.get(qid, 0.0) + dim.weight / len(measuring)
        return shares

    def timing_for(self, question: Question | None) -> Timing:
        """Effective timing of ``question`` (script defaults plus its overrides)."""
        if question is None:
            return self.timing
        changes = question.timing.model_dump(exclude_none=True)
        return self.timing.model_copy(update=changes)


def _issue(path: Path, source: SourceMap, loc: Loc, message: str, severity: Severity) -> Issue:
    return Issue(severity, str(path), source.line_of(loc), message)


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_script(path: Path) -> tuple[Script | None, list[Issue]]:
    """Parse and schema-validate ``path``; return the script (None on failure) and issues.

    Issues here are syntax/schema errors and duplicate YAML keys; cross-reference checks are
    :func:`dialogue.checks.check_script`'s job.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Issue("error", str(path), None, f"cannot read script: {exc.strerror}")]
    try:
        data, source = parse(text)
    except YamlSyntaxError as exc:
        return None, [Issue("error", str(path), exc.line, f"YAML syntax: {exc}")]
    issues = [
        Issue("error", str(path), line, f"duplicate key '{loc[-1]}'")
        for loc, line in source.duplicates
    ]
    if not isinstance(data, dict):
        issues.append(_issue(path, source, (), "a script must be a YAML mapping", "error"))
        return None, issues
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            issues.append(_issue(path, source, tuple(error["loc"]), _describe(error), "error"))
        return None, issues
    script._source_path = path
    script._source_map = source
    return script, issues


def resolve(ref: str | Path) -> Path:
    """A path for a script reference: an existing file, or the id of a shipped script."""
    path = Path(ref)
    if path.suffix in {".yaml", ".yml"} or path.is_file() or len(path.parts) > 1:
        return path
    return SCRIPTS_DIR / f"{ref}.yaml"


def load_script(ref: str | Path) -> Script:
    """Load a script from a file path or a shipped id; raise :class:`ScriptError` if invalid."""
    from dialogue.checks import check_script  # checks imports this module's models

    path = resolve(ref)
    if not path.is_file() and path.parent == SCRIPTS_DIR:
        known = ", ".join(list_scripts()) or "none"
        raise ScriptError([Issue("error", str(ref), None, f"unknown script (shipped: {known})")])
    script, issues = parse_script(path)
    if script is not None:
        issues += check_script(script)
    errors = [i for i in issues if i.severity == "error"]
    if errors or script is None:
        raise ScriptError(errors)
    return script


def list_scripts() -> list[str]:
    """Ids of the shipped scripts in ``dialogue/scripts``."""
    return sorted(p.stem for p in SCRIPTS_DIR.glob("*.yaml"))
