"""Rule-based intents of a candidate turn, English and Mandarin (zh-CN). Pure functions.

Two questions are asked of a turn:

* :func:`classify` — is it a request to the interviewer (repeat, stop, talk to a person, call me
  later, a question...) rather than an answer? Such *global* intents only fire on short turns, on a
  whole clause ("exact" rules) or on a clear phrase ("phrase" rules), and a phrase preceded by a
  negation ("I don't want to stop", "不用转人工") does not count. A long substantive answer that
  happens to contain "no" or "later" is an answer. A request that would end the interview, inside
  a described scene ("I'd promise to call back"), is no request; inside a longer answer of the
  candidate's own it comes back ``clear=False`` so the engine asks first.
* :func:`read_yes_no` / :func:`yes_no` — is an answer a yes or a no? By meaning, from the whole
  answer, relative to the question: "no problem" and "no interruptions at all" are yes to a quiet
  room, "对不起" is not "对", and hedges make the reading unsure.

The word lists are language data in :mod:`dialogue.lang`. No embedding model is used: the rules
alone decide (the optional ``embed`` seam of DESIGN.md is left for later).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from dialogue import lang
from dialogue.concept_match import en_stem
from dialogue.lang import other
from dialogue.text import (
    Language,
    clauses,
    en_words,
    is_short,
    last_sentence,
    normalize,
    strip_punctuation,
    zh_tokens,
)


class Intent(StrEnum):
    """What a candidate turn means to the interviewer."""

    YES = "yes"
    NO = "no"
    REPEAT = "repeat"
    CLARIFY = "clarify"
    SLOW_DOWN = "slow_down"
    OPT_OUT = "opt_out"
    HUMAN = "human"
    BUSY = "busy"
    QUESTION = "question"
    ROBOT = "robot"
    NONE = "none"  # an answer, not a request


@dataclass(frozen=True)
class IntentResult:
    """A classified turn; ``faq_id`` is set for a QUESTION that matched an FAQ entry.

    ``clear`` is False for a request phrase met inside a longer answer ("... and I'm not
    interested in weekend shifts anyway"): the interviewer should ask before acting on it.
    """

    intent: Intent
    faq_id: str | None = None
    clear: bool = True


# --- global intent rules -----------------------------------------------------------------------
# The phrase tables are language data: dialogue/lang/en.py and dialogue/lang/zh.py.

_GLOBAL_ORDER = (
    Intent.ROBOT,
    Intent.HUMAN,
    Intent.OPT_OUT,
    Intent.BUSY,
    Intent.SLOW_DOWN,
    Intent.REPEAT,
    Intent.CLARIFY,
)

_EN_NEGATION = re.compile(lang.en.REQUEST_NEGATION)
_ZH_NEGATION = re.compile(lang.zh.REQUEST_NEGATION)
_EN_NEGATED_FRAME = re.compile(lang.en.NEGATED_FRAME)
_EN_FILLERS = re.compile(lang.en.FILLERS)
_ZH_FILLERS = re.compile(lang.zh.FILLERS)


@dataclass(frozen=True)
class _Compiled:
    phrase: re.Pattern[str] | None
    clause: re.Pattern[str] | None
    alone: re.Pattern[str] | None


def _either(fragments: tuple[str, ...], edge: str = "") -> re.Pattern[str] | None:
    return re.compile(edge + "(?:" + "|".join(fragments) + ")" + edge) if fragments else None


@lru_cache(maxsize=2)
def _rules(language: Language) -> dict[Intent, _Compiled]:
    table = lang.for_language(language).INTENT_RULES
    edge = r"\b" if language == "en" else ""
    return {
        Intent(name): _Compiled(_either(r.phrases, edge), _either(r.clauses), _either(r.alone))
        for name, r in table.items()
    }


def _variants(text: str, language: Language) -> set[str]:
    """``text`` as is and with leading/trailing fillers stripped ("um, sorry, what was that")."""
    fillers = _EN_FILLERS if language == "en" else _ZH_FILLERS
    stripped = text
    for _ in range(3):  # fillers can stack: "oh sorry, um ..."
        stripped = fillers.sub("", stripped).strip()
    found = {text, stripped}
    if language == "zh":
        found = {f.replace(" ", "") for f in found}
    return {f for f in found if f}


def _negated(before: str, language: Language) -> bool:
    if language == "en":
        return bool(_EN_NEGATION.search(before) or _EN_NEGATED_FRAME.search(before))
    return bool(_ZH_NEGATION.search(before.replace(" ", "")))


#: Intents that end the interview: they are acted on only when clearly meant (see classify).
ENDING_INTENTS = frozenset({Intent.OPT_OUT, Intent.HUMAN, Intent.BUSY})
_NARRATIVE = {
    "en": re.compile(lang.en.NARRATIVE),
    "zh": re.compile(lang.zh.NARRATIVE),
}
_SENTENCE_END = re.compile(r"[.!?。！？]+")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z' ]*[A-Za-z]")
#: Words (English) or characters (Mandarin) besides the request itself that still leave a
#: request clearly meant: "tomorrow", "in the evening", "明天".
_CLEAR_REST = {"en": 3, "zh": 4}


def _flat(text: str, language: Language) -> str:
    flat = strip_punctuation(text)
    return flat.replace(" ", "") if language == "zh" else flat


_EN_MODAL_BEFORE = re.compile(lang.en.MODAL_BEFORE)


def _described(before: str, phrase: str, language: Language) -> bool:
    """Whether the words before a phrase in its sentence make it part of a described scene:
    "I'd promise to call back", "客户说不感兴趣", "if they're not interested", "I'd call back
    customers"."""
    if _NARRATIVE[language].search(before):
        return True
    return (
        language == "en"
        and phrase.startswith(lang.en.MODAL_ACTIONS)
        and bool(_EN_MODAL_BEFORE.search(before))
    )


def _phrase_hits(
    pattern: re.Pattern[str], text: str, language: Language, described_ok: bool
) -> bool:
    for sentence in _SENTENCE_END.split(text):
        flat = _flat(sentence, language)
        for m in pattern.finditer(flat):
            if _negated(flat[: m.start()], language):
                continue
            if not described_ok and _described(flat[: m.start()], m.group(), language):
                continue
            return True
    return False


_ZH_REQUEST_CHARS = re.compile("[" + lang.zh.REQUEST_CHARS + "]")


def _clearly_meant(
    pattern: re.Pattern[str],
    text: str,
    language: Language,
    clause_rule: re.Pattern[str] | None = None,
) -> bool:
    """The turn is little more than the request: what is left without the request phrase(s)
    and politeness is at most a few words ("Can you call me back tomorrow?")."""
    rest = pattern.sub(" ", _flat(text, language))
    if language == "en":
        words = [w for w in en_words(rest) if w not in lang.en.REQUEST_WORDS]
        short = len(words) <= _CLEAR_REST["en"]
    else:
        short = len(_ZH_REQUEST_CHARS.sub("", rest.replace(" ", ""))) <= _CLEAR_REST["zh"]
    # ``clause_rule``: the same request said as a clause of its own (算了，不感兴趣).
    return short and _nothing_beside(
        text,
        language,
        lambda c: (
            bool(pattern.search(_flat(c, language)))
            or (clause_rule is not None and _whole_clause(clause_rule, language)(c))
        ),
    )


def _whole_clause(rule: re.Pattern[str], language: Language) -> Callable[[str], bool]:
    """A test of whether ``rule`` matches a clause as a whole (in any of its variants)."""
    return lambda clause: any(rule.fullmatch(v) for v in _variants(clause, language))


def _nothing_beside(text: str, language: Language, is_request: Callable[[str], bool]) -> bool:
    """Whether every clause of ``text`` that is not the request says nothing: a clause of its
    own that says something is an answer beside the request ("没弄过，也不想弄": never done it,
    nor want to), however few its words."""
    return all(_says_nothing(c, language) for c in clauses(text) if not is_request(c))


def _says_nothing(clause: str, language: Language) -> bool:
    """Whether a clause is only politeness or a lead-in ("well", "好的", "嗯")."""
    if language == "en":
        skip = lang.en.REQUEST_WORDS | lang.en.LEAD_WORDS
        return all(w in skip for w in en_words(clause))
    flat = _ZH_REQUEST_CHARS.sub("", _flat(clause, language))
    return flat in lang.zh.LEAD_WORDS or len(flat) <= 1 or flat in {"好的", "好", "那个", "是的"}


def _global_intent(text: str, language: Language) -> tuple[Intent, bool] | None:
    """The request in a short turn and whether it is clearly meant (None: no request)."""
    parts = [v for c in clauses(text) for v in _variants(c, language)]
    whole = _variants(_flat(text, language), language)
    for intent in _GLOBAL_ORDER:
        rule = _rules(language)[intent]
        if rule.alone and any(rule.alone.fullmatch(w) for w in whole):
            return intent, True
        if rule.clause and any(rule.clause.fullmatch(p) for p in parts):
            # "没做过，也不想做" answers "have you done it?": a request clause beside another
            # clause that says something is not clearly meant (an ending one is asked first).
            alone = _nothing_beside(text, language, _whole_clause(rule.clause, language))
            return intent, alone or intent not in ENDING_INTENTS
        ending = intent in ENDING_INTENTS
        if rule.phrase and _phrase_hits(rule.phrase, text, language, described_ok=not ending):
            # A phrase inside a longer answer may be part of it: the engine asks first.
            return intent, not ending or _clearly_meant(rule.phrase, text, language, rule.clause)
    return None


# --- candidate questions -------------------------------------------------------------------------

_EN_QUESTION_START = re.compile(lang.en.QUESTION_START)
_EN_QUESTION_CUE = re.compile(lang.en.QUESTION_CUE)
_ZH_QUESTION_CUE = re.compile(lang.zh.QUESTION_CUE)
_ZH_WH = re.compile(lang.zh.QUESTION_WORDS)
_INDEFINITE = {
    "en": re.compile(lang.en.INDEFINITE_WH),
    "zh": re.compile(lang.zh.INDEFINITE_WH),
}
_EN_QUESTION_WORD = re.compile(lang.en.QUESTION_WORD)


def without_indefinites(text: str, language: Language) -> str:
    """``text`` (normalised, punctuation as spaces) without its question words used
    indefinitely: 哪天都行 and "whatever works" ask nothing."""
    return _INDEFINITE[language].sub(" ", strip_punctuation(text))


def _asks(body: str, language: Language) -> bool:
    """Whether text (punctuation stripped) still has a question word or an interrogative start."""
    if language == "en":
        return bool(_EN_QUESTION_WORD.search(body.strip()))
    return bool(_ZH_WH.search(body.replace(" ", "")))


def _amount_only(body: str, language: Language) -> bool:
    """Whether ``body`` (punctuation stripped) is an amount and nothing else."""
    if language == "en":
        words = body.split()

        def number(w: str) -> bool:
            return w in lang.en.NUMBER_WORDS or w.strip("$").replace(".", "").isdigit()

        return any(map(number, words)) and all(
            number(w) or w in lang.en.AMOUNT_WORDS for w in words
        )
    compact = body.replace(" ", "")
    numerals = set(lang.zh.DIGITS) | set(lang.zh.MULTIPLIERS) | set("0123456789.")
    has_number = any(c in numerals for c in compact)
    return has_number and all(c in numerals or c in lang.zh.AMOUNT_CHARS for c in compact)


def looks_like_question(text: str, language: Language) -> bool:
    """Whether the turn (its last sentence) is shaped like a question to the interviewer.

    A question mark alone does not make one when the sentence's question words are used
    indefinitely ("Whatever works?", "哪天都行？": a transcriber's guess at a rising tone).
    """
    last = last_sentence(text)
    body = strip_punctuation(last)
    if last.endswith(("?", "？")) and _amount_only(body, language):
        return False  # "Fifteen?": an answer said with a rising tone
    if last.endswith(("?", "？")):
        rest = without_indefinites(last, language)
        return rest == body or _asks(rest, language) or body.replace(" ", "").endswith(("吗", "呢"))
    if language == "en":
        return bool(_EN_QUESTION_START.search(body) or _EN_QUESTION_CUE.search(body))
    compact = body.replace(" ", "")
    return bool(_ZH_QUESTION_CUE.search(compact) or compact.endswith(("吗", "呢")))


def match_faq(text: str, language: Language, faq: Mapping[str, Sequence[str]]) -> str | None:
    """The FAQ id whose keywords the text mentions most (None when none match)."""
    flat = strip_punctuation(text)
    best: tuple[int, str] | None = None
    for faq_id, keywords in faq.items():
        hits = 0
        for keyword in keywords:
            key = normalize(keyword)
            if language == "en":
                hits += bool(re.search(r"\b" + re.escape(key) + r"(?:s|es)?\b", flat))
            else:
                hits += key.replace(" ", "") in flat.replace(" ", "")
        if hits and (best is None or hits > best[0]):
            best = (hits, faq_id)
    return best[1] if best else None


def _candidate_question(
    text: str, language: Language, faq: Mapping[str, Sequence[str]]
) -> IntentResult | None:
    faq_id = match_faq(text, language, faq)
    shaped = looks_like_question(text, language)
    if language == "zh" and faq_id and _asks(without_indefinites(text, language), language):
        # "工资多少" has no question mark in many transcripts; "哪天都行，什么班次都可以"
        # asks nothing.
        shaped = True
    if not shaped:
        return None
    return IntentResult(Intent.QUESTION, faq_id)


def classify(
    text: str, language: Language, faq: Mapping[str, Sequence[str]] | None = None
) -> IntentResult:
    """The global intent of a candidate turn (``Intent.NONE`` = treat it as an answer).

    ``faq`` maps FAQ ids to their keywords/synonyms. Long turns are always answers. A request that
    ends the interview (stop, a person, call me later) inside a described scene ("I'd apologise and
    promise to call back", "客户说不感兴趣") is no request at all; met in a longer answer it comes
    back with ``clear=False``; a short request on its own ("Can you call me back tomorrow?") is
    clear.
    """
    if not text.strip() or not is_short(text, language):
        return IntentResult(Intent.NONE)
    found = _global_intent(text, language)
    english = " ".join(_LATIN_RUN.findall(text)) if language == "zh" else ""
    if found is None and len(en_words(english)) >= 2:
        # Code-switching: "sorry，can you repeat 一下？" asks in English inside Mandarin.
        found = _global_intent(english, "en")
    if found is not None:
        return IntentResult(found[0], clear=found[1])
    question = _candidate_question(text, language, faq or {})
    return question or IntentResult(Intent.NONE)


# --- yes / no ------------------------------------------------------------------------------------

_MAX_PHRASE_WORDS = 4
_Polarity = tuple[Intent, bool] | None  # (YES/NO, is_weak); None = a hedge
#: Weight of a yes/no word that does not lead its clause ("there is no call parked ...").
_INNER_WEIGHT = {"en": 0.6, "zh": 0.5}
#: How far back (words) a negator reaches a bad/good term ("no real interruptions").
_TERM_REACH = 3
#: Negative-polarity words before a term, over which a negation reaches further, and how far.
_NPI = frozenset({"any", "single"})
_NPI_REACH = 3
# "It's not that I don't have one", "不是没有": two negations make a yes.
_DOUBLE_NEGATIVE = {
    "en": re.compile(
        r"\b(?:it's |it is )?not (?:that|like|as if) (?:i|we) (?:don't|do not|can't|cannot|"
        r"haven't|have not|won't)\b|\bnot without\b|\bi can't say (?:i|we) don't\b"
    ),
    "zh": re.compile(r"(?:并)?不是没(?:有)?|没有不|不是不(?:能|会|行|可以)"),
}


def _lexicon(language: Language) -> dict[str, _Polarity]:
    data = lang.for_language(language)
    table: dict[str, _Polarity] = {w: None for w in data.NEUTRAL}
    table.update({w: (Intent.YES, True) for w in data.WEAK_YES})
    table.update({w: (Intent.NO, True) for w in data.WEAK_NO})
    table.update({w: (Intent.YES, False) for w in data.YES})
    table.update({w: (Intent.NO, False) for w in data.NO})
    return table


_LEXICON = {"en": _lexicon("en"), "zh": _lexicon("zh")}


@dataclass
class _Hit:
    start: int  # token index
    end: int
    phrase: str
    polarity: _Polarity


def _lexicon_hits(tokens: list[str], language: Language) -> list[_Hit]:
    """Lexicon phrases found left to right, longest first (hedges included, polarity None)."""
    hits: list[_Hit] = []
    i = 0
    while i < len(tokens):
        # Code-switching: English words inside a Mandarin answer ("可以，no problem") are read
        # with the English lexicon, a run of them at a time.
        english = language == "zh" and tokens[i].isascii()
        table = _LEXICON["en" if english else language]
        joiner = " " if language == "en" or english else ""
        for span in range(min(_MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            if english and not all(t.isascii() for t in tokens[i : i + span]):
                continue
            words = joiner.join(tokens[i : i + span])
            if words in table:
                hits.append(_Hit(i, i + span, words, table[words]))
                i += span
                break
        else:
            i += 1
    return hits


def _term_kind(token: str, language: Language) -> tuple[str, bool] | None:
    """("bad" | "good", negated inside the token) for a bad/good term token ("不吵" is negated)."""
    data = lang.for_language(language)
    if language == "en" or token.isascii():  # English words in Mandarin answers too
        stem = en_stem(token)
        for kind in ("bad", "good", "absent"):
            if stem in _en_term_stems(kind):
                return kind, False
        return None
    if token in data.BAD_TERMS:
        return "bad", False
    if token in data.GOOD_TERMS:
        return "good", False
    if language == "zh" and len(token) >= 2 and token[0] in "不没":
        rest = token[1:]
        if rest in data.BAD_TERMS:
            return "bad", True
        if rest in data.GOOD_TERMS:
            return "good", True
    return None


@lru_cache(maxsize=3)
def _en_term_stems(kind: str) -> frozenset[str]:
    terms = {"bad": lang.en.BAD_TERMS, "good": lang.en.GOOD_TERMS, "absent": lang.en.ABSENT_TERMS}
    return frozenset(en_stem(t) for t in terms[kind])


def _plain_negator_before(
    tokens: list[str], i: int, language: Language, covered: set[int], reach: int = _TERM_REACH
) -> bool:
    """A negator word (not a yes/no phrase or hedge) shortly before token ``i``: nobody, never,
    没人 - but not the "not" of "I'm not sure"."""
    data = lang.for_language(language)
    for j in range(max(0, i - reach), i):
        if j in covered:
            continue
        word = tokens[j].replace("'", "")
        if language == "en" and word in data.NEGATORS:
            return True
        if language == "zh" and (
            word in data.NEGATORS
            or (word[0] in data.NEGATION_CHARS and len(word) <= 3 and word not in data.NOT_NEGATING)
            or re.fullmatch(data.POTENTIAL_NEGATIVE, word)
        ):
            return True
    return False


def _tokens(text: str, language: Language) -> list[str]:
    return en_words(text) if language == "en" else zh_tokens(text)


@dataclass(frozen=True)
class _Evidence:
    weight: float  # signed: > 0 yes, < 0 no
    weak: bool = False
    hedge: bool = False
    occasional: bool = False  # an unwanted thing said to happen now and then


def _clause_evidence(
    clause: str, language: Language, frame: int, asked: frozenset[str] = frozenset()
) -> list[_Evidence]:
    """What one clause says for yes (+) or no (-). ``frame`` is -1 when the question asks about
    something unwanted ("Would anything interrupt your calls?"), so "no interruptions" is a no;
    ``asked`` holds the stems of the question's words ("no space" denies what it asks for)."""
    if _DOUBLE_NEGATIVE[language].search(clause.replace(" ", "") if language == "zh" else clause):
        return [_Evidence(1.0)]
    tokens = _tokens(clause, language)
    hits = _lexicon_hits(tokens, language)
    covered = {i for h in hits for i in range(h.start, h.end)}
    used: set[int] = set()  # hits consumed as the negator of a term
    found: list[_Evidence] = []
    for i, token in enumerate(tokens):
        kind = None if i in covered else _term_kind(token, language)
        if kind is None:
            continue
        term, negated = kind
        # "never given me any trouble": a negation reaches further over "any" (scorer 2.9.1).
        reach = _TERM_REACH + (_NPI_REACH if i and tokens[i - 1] in _NPI else 0)
        if not negated:
            for n, hit in enumerate(hits):
                if (
                    n not in used
                    and hit.polarity is not None
                    and hit.polarity[0] == Intent.NO
                    and hit.end <= i <= hit.end + reach - 1
                ):
                    used.add(n)
                    negated = True
                    break
        if not negated and _plain_negator_before(tokens, i, language, covered, reach):
            negated = True  # "nobody disturbs me", "没人打扰"
        if not negated and language == "zh":
            # Mandarin negates after the thing too: 一点问题都没有, 什么打扰都没有.
            for n, hit in enumerate(hits):
                if n not in used and hit.polarity == (Intent.NO, False) and 0 < hit.start - i <= 2:
                    used.add(n)
                    negated = True
                    break
        if term == "absent":
            if negated:  # "no kids": nobody to make noise; "the kids are at school": nothing
                found.append(_Evidence(float(frame)))
            continue
        wanted = (term == "good") != negated  # "quiet", "no noise": what the question wants
        # "it cuts out now and then": an occasional problem is asked about, not a plain no.
        occasional = (
            frame > 0 and not wanted and re.search(lang.for_language(language).OCCASIONAL, clause)
        )
        found.append(_Evidence(frame * (1.0 if wanted else -1.0), occasional=bool(occasional)))
    # A negation right before a yes word negates it: 不太稳定, 不是很方便 are one "no".
    for n, hit in enumerate(hits[1:], start=1):
        before = hits[n - 1]
        if (
            n - 1 not in used
            and hit.polarity == (Intent.YES, False)
            and before.polarity is not None
            and before.polarity[0] == Intent.NO
            and hit.start - before.end <= 1
        ):
            used.add(n)
    data = lang.for_language(language)
    lead = data.LEAD_WORDS
    for n, hit in enumerate(hits):
        if n in used:
            continue
        if hit.polarity is None:
            found.append(_Evidence(0.0, hedge=hit.phrase in data.UNSURE))
            continue
        intent, weak = hit.polarity
        if hit.phrase in data.COPULA and hit.end < len(tokens):
            continue  # 是合租的单间: a description, not a "yes"
        if language == "en" and hit.phrase == "no" and hit.end < len(tokens):
            # "no kids": a determiner; the thing said to be absent carries the meaning: only a
            # weak no unless it is what the question asks for ("there is just no space").
            following = tokens[hit.end]
            weak = weak or (
                following not in data.NO_ANSWER_NEXT and en_stem(following) not in asked
            )
        leading = all(t in lead for t in tokens[: hit.start])
        weight = 1.0 if leading else _INNER_WEIGHT[language]
        found.append(_Evidence(weight if intent == Intent.YES else -weight, weak=weak))
    if _hypothetical(clause, language):
        # "如果能入职的话再去办宽带", "I'll get broadband if I start": a plan is not a yes.
        found = [e for e in found if e.weight <= 0]
    return found


_HYPOTHETICAL: dict[str, re.Pattern[str]] = {}


def _hypothetical(clause: str, language: Language) -> bool:
    """Whether the clause states a condition or a plan (the language's ``HYPOTHETICAL``)."""
    if language not in _HYPOTHETICAL:
        _HYPOTHETICAL[language] = re.compile(lang.for_language(language).HYPOTHETICAL)
    return bool(_HYPOTHETICAL[language].search(clause.lower()))


def question_frame(question: str | None, language: Language) -> int:
    """+1 when a yes/no question asks for something wanted ("Do you have a quiet room without
    interruptions?"), -1 when it asks about something unwanted ("Would anything interrupt you?")."""
    if not question:
        return 1
    for clause in clauses(question):
        for evidence in _clause_evidence(clause, language, 1):
            if evidence.weight < 0 and not evidence.weak:
                # An unwanted thing asked about without negation: a yes means trouble.
                tokens = _tokens(clause, language)
                if any(_term_kind(t, language) for t in tokens):
                    return -1
    return 1


@dataclass(frozen=True)
class YesNoReading:
    """What a yes/no answer says.

    Attributes:
        answer: ``Intent.YES`` / ``Intent.NO``, or None when it says neither.
        sure: False when hedged or contradictory; the interviewer should ask once more.
        clause: the clause that weighed most in the decision (for the record).
    """

    answer: Intent | None
    sure: bool
    clause: str | None = None


_EN_BUT = re.compile(r"\s+(?=but\b)")


def _answer_clauses(text: str, language: Language) -> list[str]:
    """The clauses of a yes/no answer; in English a "but" starts one even without a comma
    ("It drops out sometimes but it's mostly okay" is a no and a counterpoint)."""
    said = clauses(text)
    if language != "en":
        return said
    return [part for clause in said for part in _EN_BUT.split(clause) if part]


def _agreeing_no(clause: str, before: str, value_before: float, language: Language) -> bool:
    """Whether ``clause`` is a bare "no" that agrees with the negative statement before it:
    "Nobody would bother me, no." / 不会有人打扰我的，不会。 says the room is quiet twice, the
    second time by echoing the negation (a yes, when the clause before it reads as one)."""
    data = lang.for_language(language)
    said = " ".join(_tokens(clause, language))
    if value_before <= 0 or said not in data.NO:
        return False
    return any(t in data.NEGATORS or t in data.NO for t in _tokens(before, language))


_OPENER = re.compile(r"\s*([^\s,.;:!?，。！？、；：]+)")
#: Scripts that may run a yes into the next word (Thai, kana, Hangul).
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\uac00-\ud7af]")


def _other_language_opener(text: str) -> Intent | None:
    """The yes or no of another language that opens the answer (:data:`YES_WORDS`), if any."""
    found = _OPENER.match(normalize(text))
    if found is None:
        return None
    word = found.group(1)
    unspaced = _UNSPACED.match(word) is not None
    for words, intent in ((other.NO_WORDS, Intent.NO), (other.YES_WORDS, Intent.YES)):
        # Thai, Japanese and Korean may write no space after it: "ได้ค่ะ" opens with ได้.
        if word in words or (unspaced and any(word.startswith(w) for w in words)):
            return intent
    return None


def read_yes_no(text: str, language: Language, question: str | None = None) -> YesNoReading:
    """Read a yes/no answer by what it means, from the whole answer.

    Each clause gives evidence: yes/no words (weaker when they do not lead the clause: "there is
    no call parked on that extension" is not an answer), and what the question wants, negated or
    not ("No interruptions at all" is a yes to a quiet room; "有的，不会被打扰" too), with double
    negatives ("it's not that I don't have one"). English answers lead with the answer, so the
    first clause that says anything weighs three times; Mandarin answers often give the reason
    first and the answer last ("家里有小孩，没有安静的地方"), so there the first and last weigh
    more (a last clause opening with 但是 / 不过 is a concession and does not). Weak words
    ("okay", "嗯", "unfortunately") count only when nothing clearer is said; a hedge ("not sure",
    "看情况") with anything against the answer, or a near tie, makes the reading unsure.
    """
    frame = question_frame(question, language)
    asked: frozenset[str] = frozenset()
    if language == "en":
        asked = frozenset(en_stem(t) for t in en_words(question or ""))
    per_clause = [
        (c, _clause_evidence(c, language, frame, asked)) for c in _answer_clauses(text, language)
    ]
    decisive = [
        i for i, (_, ev) in enumerate(per_clause) if any(e.weight and not e.weak for e in ev)
    ]
    hedged = any(e.hedge for _, ev in per_clause for e in ev)
    # "It's alright, it cuts out now and then": an occasional problem is worth asking about,
    # unless the answer also says no outright ("we don't have broadband ... it drops out now and
    # then").
    evidence = [e for _, ev in per_clause for e in ev]
    occasional_only = any(e.occasional for e in evidence) and not any(
        e.weight < 0 and not e.weak and not e.occasional for e in evidence
    )
    if not decisive:
        opener = _other_language_opener(text)
        if opener is not None:  # "Ναι, εντάξει", "Evet, devam edebiliriz": answered, elsewhere
            return YesNoReading(opener, True, text.strip())
        weak = [e for _, ev in per_clause for e in ev if e.weak]
        if weak and not hedged:
            return YesNoReading(Intent.YES if weak[0].weight > 0 else Intent.NO, True, None)
        return YesNoReading(None, not hedged)
    first, last = decisive[0], decisive[-1]
    yes = no = 0.0
    conceded: list[float] = []  # scores of "but ..." clauses after the answer
    best: tuple[float, str] | None = None
    values = [max(-1.0, min(1.0, sum(e.weight for e in ev if not e.weak))) for _, ev in per_clause]
    for i in range(1, len(per_clause)):
        if _agreeing_no(per_clause[i][0], per_clause[i - 1][0], values[i - 1], language):
            values[i] = values[i - 1]
    for i, (clause, evidence) in enumerate(per_clause):
        value = values[i]
        opening = _tokens(clause, language)[:1]
        conceding = bool(opening) and opening[0] in lang.for_language(language).CONTRAST
        if language == "en":
            weight = 3.0 if i == first else 1.0
        else:
            weight = 2.0 if i == first else 2.5 if i == last and not conceding else 1.0
        score = weight * value
        yes, no = yes + max(score, 0.0), no + max(-score, 0.0)
        if conceding and i > first:
            # "... but it's mostly okay": a weak word against the answer in its "but" clause is
            # still a counterpoint worth asking about.
            counter = max(-1.0, min(1.0, sum(e.weight for e in evidence)))
            if not counter and re.search(lang.for_language(language).AWAY, clause):
                # "I share a room with my brother, but he's at school in the day": whoever
                # would be in the way is away, which is what the question asks about.
                counter = float(frame)
            conceded.append(score or counter)
        if score and (best is None or abs(score) > best[0]):
            best = (abs(score), clause)
    if yes == no:
        return YesNoReading(None, False, best[1] if best else None)
    answer = Intent.YES if yes > no else Intent.NO
    big, small = max(yes, no), min(yes, no)
    # A hedge with anything against the answer ("有的，不过有时候网络不太稳定"), or inside the
    # clause that decides ("I'm not sure how fast it is"), is worth asking about.
    deciding = per_clause[first if language == "en" else last][1]
    sign = 1.0 if answer == Intent.YES else -1.0
    sure = (
        big > 2.0 * small
        and not (hedged and small > 0)
        and not any(e.hedge for e in deciding)
        # "Yes, but it's not very quiet": a "but" against the answer is worth asking about.
        and not any(score * sign < 0 for score in conceded)
        and not occasional_only
    )
    return YesNoReading(answer, sure, best[1] if best else None)


def yes_no(text: str, language: Language, question: str | None = None) -> Intent | None:
    """``Intent.YES`` / ``Intent.NO`` for a yes/no answer, None if it is neither or unsure.

    See :func:`read_yes_no`; ``question`` (the prompt) lets "no interruptions" mean yes or no.
    """
    reading = read_yes_no(text, language, question)
    return reading.answer if reading.sure else None
