"""An availability answer read as the share of a seven-day rota it offers (``scale: rota``).

Sentence embeddings rank "any day, any shift" above "weekdays only", but they also place "only
Tuesday mornings" and "evenings and weekends, mornings I can't do" near the strong exemplars,
because the words are the same kind. What such a question measures is a quantity, so it is
counted: the answer is cut into clauses, each clause offers (or, negated, withdraws) the days
it names times the parts of the day it names (either left out means all of them), and the
level is the share of the 7 x 3 grid (mornings, afternoons, evenings) that stays offered.

- A hedged clause ("maybe some weekends", 周末偶尔可以) offers its slots at
  :data:`HEDGED_WEIGHT` and does not count as weekends.
- Only withdrawals ("no weekends") leave the rest unclear: it counts at :data:`UNSTATED_WEIGHT`.
- Mornings and evenings both offered on a day imply its afternoon ("early or late shifts").
- Without weekends the level stops at 3, as the shipped rubrics' level 3 says.
- A time given to something else withdraws it (平时要上课, "my classes are during the day");
  a denial naming no time withdraws the times before it only when it points back ("that isn't
  something I can do"); a hedge naming no time hedges them (到时候再说) (scorer 2.7).
- A clause in the other language's script is read with that language's words (code-switching).

Pure and per language: the word patterns are ``ROTA_*`` in :mod:`dialogue.lang`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType

from dialogue.assessment.guards import content_words
from dialogue.lang import for_language
from dialogue.text import Language, normalize

__all__ = ["HEDGED_WEIGHT", "UNSTATED_WEIGHT", "Rota", "read_rota"]

DAYS = 7
PARTS = 3  # morning, afternoon, evening
WEEKEND = frozenset({5, 6})
#: What a hedged slot ("maybe", "sometimes", 偶尔) counts for.
HEDGED_WEIGHT = 1.0 / 3.0
#: What the slots an answer never mentions count for when it only withdraws some ("no weekends").
UNSTATED_WEIGHT = 0.5
#: Content words besides the time words that make an answer without an offer word a story.
STORY_WORDS = 3
#: The highest level without a weekend slot offered firmly.
NO_WEEKEND_LEVEL = 3.0
#: Content words besides its negation a bare denial may have ("no chance", "also no", 不行).
BARE_DENIAL_WORDS = 1

Slot = tuple[int, int]
ALL_DAYS = frozenset(range(DAYS))
ALL_PARTS = frozenset(range(PARTS))
_WHOLE = frozenset((d, p) for d in ALL_DAYS for p in ALL_PARTS)


@dataclass(frozen=True)
class Rota:
    """What an availability answer offers of the rota.

    Attributes:
        cover: share of the 21 day-part slots offered (hedged ones count :data:`HEDGED_WEIGHT`).
        weekends: a weekend slot is offered without a hedge.
    """

    cover: float
    weekends: bool

    @property
    def level(self) -> float:
        """The rubric level, 1-5: linear in the cover, at most 3 without weekends."""
        level = 1.0 + 4.0 * self.cover
        return level if self.weekends else min(level, NO_WEEKEND_LEVEL)


@dataclass(frozen=True)
class _Clause:
    text: str
    slots: frozenset[Slot]
    negated: bool
    hedged: bool
    days: frozenset[int] = frozenset()  # named (empty: none named, so all)
    hours_only: bool = False  # says only when ("from 2pm to 10pm", "all day", "any time")

    def withdrawn(self) -> _Clause:
        """The clause as a withdrawal of its slots ("Weekends, no", "that isn't something I
        can do")."""
        return _Clause(self.text, self.slots, True, False)

    def narrowed(self, parts: frozenset[int]) -> _Clause:
        """The clause with its days limited to ``parts`` of the day."""
        slots = frozenset((d, p) for d in (self.days or ALL_DAYS) for p in parts)
        return _Clause(self.text, slots, self.negated, self.hedged, self.days)


def _hours(text: str, lang: ModuleType) -> frozenset[int]:
    """Parts of the day an hour range covers ("from eight to four", 早八点到晚十点)."""
    parts: set[int] = set()

    def hour(word: str) -> int | None:
        found: int | None = lang.ROTA_HOUR_WORDS.get(word)
        return int(word) if found is None and word.isdigit() else found

    for m in re.finditer(lang.ROTA_HOUR_RANGE, text):
        start, end = hour(m.group("start")), hour(m.group("end"))
        if start is None or end is None:
            continue
        if m.group("start_pm") and start < 12:
            start += 12
        # "9am to 11", 上午九点到十一点: a morning start before the end keeps the end a.m.
        morning = bool(m.group("start_am") or m.group("end_am")) and end > start
        if (m.group("end_pm") or (end <= start + 2 and not morning)) and end < 12:
            end += 12  # "eight to four", "eight to ten" (the rota's day): the end is p.m.
        if start < 12:
            parts.add(0)
        if start < 17 and end > 12:
            parts.add(1)
        if end > 17:
            parts.add(2)
    return frozenset(parts)


def _clause(text: str, lang: ModuleType) -> _Clause | None:
    days: set[int] = set()
    for m in re.finditer(lang.ROTA_DAY_RANGE, text):
        a, b = lang.ROTA_DAY_INDEX[m.group("a")], lang.ROTA_DAY_INDEX[m.group("b")]
        days |= set(range(a, b + 1)) if a <= b else {*range(a, DAYS), *range(b + 1)}
    for pattern, found in lang.ROTA_DAYS:
        if re.search(pattern, text):
            days |= found
    hours = _hours(text, lang)
    if re.search(lang.ROTA_ALL_DAY, text):
        hours = ALL_PARTS
    parts: set[int] = set(hours)
    for pattern, found in lang.ROTA_PARTS:
        if re.search(pattern, text):
            parts |= found
    anything = re.search(lang.ROTA_ANY, text) is not None
    if not days and not parts and not anything:
        return None
    slots = frozenset((d, p) for d in (days or ALL_DAYS) for p in (parts or ALL_PARTS))
    negated = re.search(lang.ROTA_NEGATED, text) is not None
    hedged = re.search(lang.ROTA_HEDGE, text) is not None
    # Names only when, not which days: "from 2pm to 10pm", "all day", "any time".
    hours_only = not days and ((bool(hours) and parts == hours) or (not parts and anything))
    return _Clause(text.strip(), slots, negated, hedged, frozenset(days), hours_only)


def _parts_only(clause: _Clause) -> bool:
    """A clause that names parts of the day and no days."""
    return not clause.days and {p for _, p in clause.slots} != ALL_PARTS


def _says_when(found: _Clause, piece: str, lang: ModuleType) -> bool:
    """A clause that names parts of the day and no days, and nothing else ("daytime", 白天;
    not "evenings fine", "evenings too", 晚上十点前都OK)."""
    return (
        _parts_only(found)
        and not found.negated
        and not found.hedged
        and _names_only(piece, lang)
        and re.search(lang.ROTA_ALSO, piece) is None
    )


def _names_only(piece: str, lang: ModuleType) -> bool:
    """Names times and says nothing about them ("weekdays", 工作日, "daytime", 白天)."""
    rest = re.sub(lang.ROTA_DAY_RANGE, " ", piece)
    for pattern, _ in (*lang.ROTA_DAYS, *lang.ROTA_PARTS):
        rest = re.sub(pattern, " ", rest)
    return _bare(rest, lang) and re.search(lang.ROTA_NEGATED, rest) is None


def _all_day(clause: _Clause) -> bool:
    """A clause offering days with no part of the day named (all of it)."""
    return bool(clause.days) and not clause.negated and {p for _, p in clause.slots} == ALL_PARTS


def _bare(piece: str, lang: ModuleType) -> bool:
    """Names times without saying anything about them: "Weekends," before its "no"."""
    return not re.search(lang.ROTA_OFFER, piece)


def _bare_denial(piece: str, lang: ModuleType, language: Language) -> bool:
    """A denial that names no time and says nothing else: "no", "no way", "also no", 不行."""
    return re.search(lang.ROTA_NEGATED, piece) is not None and (
        content_words(re.sub(lang.ROTA_NEGATED, " ", piece), language) <= BARE_DENIAL_WORDS
    )


def _clauses(
    text: str, language: Language, lang: ModuleType, other: ModuleType | None = None
) -> list[_Clause]:
    """The clauses of ``text`` (in ``language``) that name times, read with ``lang``'s words
    (``other``'s for a clause in the other language's script)."""
    out: list[_Clause] = []
    # Clauses that only name times, since the last one that said something about its times:
    # a bare denial after them withdraws them, across sentences too ("Weekends, no. Early
    # mornings? Also no.": the no after the word, scorer 2.9).
    bare: list[int] = []
    # "between eight and ten" is one range, not two clauses.
    text = re.sub(r"\b(between \S+) and ", r"\1 to ", normalize(text))
    for sentence in re.split(r"[.!?。！？;；]+", text):
        start = len(out)  # this sentence's clauses are out[start:]
        when: list[int] = []  # parts of the day right after days that named none
        pieces = re.split(f"({lang.ROTA_CLAUSE_SPLIT})", sentence)  # clauses and joints
        for k in range(0, len(pieces), 2):
            piece = pieces[k]
            joined = k > 0 and re.fullmatch(lang.ROTA_AND, pieces[k - 1].strip()) is not None
            if not piece or not piece.strip():
                continue
            # "any day except Sundays" / 除了周日都可以: what "except" takes is withdrawn.
            m = re.search(lang.ROTA_EXCEPT, piece)
            excepted = _clause(m.group("out"), lang) if m is not None else None
            if m is not None and excepted is not None:
                kept = piece[: m.start()] + piece[m.end() :]
                out.append(_clause(kept, lang) or _Clause(kept.strip(), _WHOLE, False, False))
                out.append(excepted.withdrawn())
                bare = []
                continue
            found = _clause(piece, lang)
            if found is None and other is not None and re.search(other.SCRIPT_CHARS, piece):
                found = _clause(piece, other)  # "weekend 和 evening 也可以": code-switched times
            mine = out[start:]
            named_days = any(c.days and not c.negated for c in mine)
            # Days that named no part of the day just before, after a comma: "Weekdays, daytime".
            after_days = (
                bool(mine)
                and _all_day(mine[-1])
                and not mine[-1].hedged
                and _names_only(mine[-1].text, lang)
                and k > 0
                and re.fullmatch(r"[\s,，、]+", pieces[k - 1]) is not None
            )
            if found is not None and found.hours_only and named_days and not found.negated:
                # "Saturdays and Sundays, from 2pm to 10pm" / "Monday to Friday, any time": the
                # hours say when on the days named before them.
                parts = frozenset(p for _, p in found.slots)
                out[start:] = [c.narrowed(parts) if c.days and not c.negated else c for c in mine]
                bare = []
            elif found is not None:
                if joined and bare and found.negated:
                    # "Saturdays and Sundays are my own" / 周六和周日不行: the no of the last
                    # part covers the times joined to it (scorer 2.11).
                    for i in bare:
                        if i >= start:
                            out[i] = out[i].withdrawn()
                elif joined and mine and mine[-1].negated and _bare(piece, lang):
                    found = found.withdrawn()  # "I coach on Saturdays and Sundays"
                out.append(found)
                stated = found.negated or found.hedged or not _bare(piece, lang)
                bare = [] if stated else [*bare, len(out) - 1]
            elif re.search(lang.ROTA_NEGATED, piece) and re.search(lang.ROTA_POINTS_BACK, piece):
                # "Nights and Sundays, that isn't something I can do" / 周末的班，这个我不答应:
                # a denial naming no time that points back at what the sentence named before
                # it ("..., 最好别排太晚的班" says how late, and points at nothing): the times
                # named bare just before it, else the sentence's, unless the clause before it
                # withdrew its own ("..., Tuesday evenings I teach, so not those").
                if not (mine and mine[-1].negated):
                    out[start:] = [c.withdrawn() for c in mine]
                bare = []
            elif bare and _bare_denial(piece, lang, language):
                for i in bare:
                    out[i] = out[i].withdrawn()
                bare = []
            elif found is None and re.search(lang.ROTA_HEDGE, piece):
                # "都行吧，到时候再说" / "any day, probably": a hedge naming no time hedges the
                # offers before it in the sentence.
                out[start:] = [_Clause(c.text, c.slots, c.negated, True, c.days) for c in mine]
                bare = []
            elif found is None and not _bare(piece, lang):
                bare = []  # "that works for me": the times before it are offered
            appended = found is not None and bool(out) and out[-1] is found
            if found is not None and appended and after_days and _says_when(found, piece, lang):
                when.append(len(out) - 1)
        _narrow(out, start, when)
    return out


def _narrow(out: list[_Clause], start: int, when: list[int]) -> None:
    """One part of the day named bare after days that named none says when on them ("Weekdays,
    daytime" / 周一到周五，白天; scorer 2.11). Two or more ("Weekends, evenings, mornings: all
    good"), or more days after it, are a list of what is offered."""
    mine = out[start:]
    if len(when) != 1 or sum(1 for c in mine if _parts_only(c)) != 1:
        return
    at = when[0]
    if any(c.days and not c.negated for c in out[at + 1 :]):
        return  # "Weekdays, evenings, weekends": a list
    parts = frozenset(p for _, p in out[at].slots)
    head = [c.narrowed(parts) if _all_day(c) else c for c in out[start:at]]
    out[start:] = [*head, *out[at + 1 :]]


def _story_words(said: str, lang: ModuleType, language: Language) -> int:
    """Content words of ``said`` besides its time words."""
    rest = said
    patterns = [p for p, _ in (*lang.ROTA_DAYS, *lang.ROTA_PARTS)]
    for pattern in (*patterns, lang.ROTA_ANY, lang.ROTA_HOUR_RANGE):
        rest = re.sub(pattern, " ", rest)
    return content_words(rest, language)


def read_rota(texts: list[str], language: Language) -> Rota | None:
    """What ``texts`` (the turns of one answer) offer of the rota; None if they name no time."""
    lang = for_language(language)
    other = for_language("zh" if language == "en" else "en")
    clauses = [c for text in texts for c in _clauses(text, language, lang, other)]
    if not clauses:
        return None
    said = " ".join(normalize(t) for t in texts)
    if not re.search(lang.ROTA_OFFER, said) and _story_words(said, lang, language) >= STORY_WORDS:
        return None  # days named in a story ("my favourite day is Saturday"), not offered
    weight: dict[Slot, float] = {}
    withdrawn: set[Slot] = set()
    offered = False
    for clause in clauses:
        if clause.negated:
            withdrawn |= clause.slots
            continue
        offered = True
        w = HEDGED_WEIGHT if clause.hedged else 1.0
        for slot in clause.slots:
            weight[slot] = max(weight.get(slot, 0.0), w)
    if not offered:  # only withdrawals: the rest is neither offered nor refused
        weight = dict.fromkeys(_WHOLE, UNSTATED_WEIGHT)
    for day in ALL_DAYS:  # early and late shifts both: the day between them too
        between = min(weight.get((day, 0), 0.0), weight.get((day, 2), 0.0))
        weight[(day, 1)] = max(weight.get((day, 1), 0.0), between)
    for slot in withdrawn:
        weight.pop(slot, None)
    cover = sum(weight.values()) / (DAYS * PARTS)
    weekends = any(d in WEEKEND and w == 1.0 for (d, _), w in weight.items())
    return Rota(round(cover, 4), weekends)
