"""Rule guards for what sentence embeddings miss: refusals, keyword lists, other languages.

An embedding places "I'd refuse to apologise and hang up" close to a good answer about apologies,
and a bare list of the rubric's words close to the answer that uses them. These checks read the
text itself; each returns a :class:`Guard` finding that caps the question's score and is shown to
the recruiter as a flag with its quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.concept_match import ConceptMatch
from dialogue.lang import for_language
from dialogue.lang.other import function_words, language_name
from dialogue.text import (
    Language,
    clauses,
    en_words,
    english_share,
    identify_language,
    normalize,
    normalize_apostrophes,
    quantities,
    zh_tokens,
)

__all__ = [
    "Guard",
    "affirmative_reading",
    "content_words",
    "impersonal",
    "keyword_list",
    "negated_only",
    "negated_stance",
    "other_language",
    "private_story",
    "refusal",
    "self_as_subject",
    "sentences",
    "withheld",
]


@dataclass(frozen=True)
class Guard:
    """One guard that fired: its kind, a one-line reason and the verbatim quote that shows it."""

    kind: str
    reason: str
    quote: str


# --- sentences (verbatim, for quotes) -------------------------------------------------------

_SENTENCE_END = re.compile(r"[^.!?;。！？；\n]+[.!?;。！？；]*")
#: A quote longer than this is cut (at a word boundary for English) so the report stays readable.
MAX_QUOTE_CHARS = 220


def sentences(text: str) -> list[str]:
    """The sentences of one turn, each a verbatim substring of ``text`` (trimmed)."""
    found = [m.group(0).strip() for m in _SENTENCE_END.finditer(text)]
    out = []
    for sentence in found:
        if len(sentence) > MAX_QUOTE_CHARS:
            cut = sentence[:MAX_QUOTE_CHARS]
            sentence = cut.rsplit(" ", 1)[0] if " " in cut else cut
        if sentence:
            out.append(sentence)
    return out


# --- language of the answer -------------------------------------------------------------------


#: The share of English among the content words of an answer on another language's frame from
#: which it is English mixed with that language, flagged but scored
#: (:func:`dialogue.text.english_share`: mixed answers 0.4-0.9, whole ones 0-0.4).
MIXED_ENGLISH_SHARE = 0.4


def other_language(text: str, language: Language) -> Guard | None:
    """A flag when the answer is in another language than the script's (``other_language``,
    which caps it), or English mixed with another language (``mixed_language``, which the
    recruiter sees but which is scored on what it says)."""
    found = identify_language(text)
    if found is None or found == language:
        return None
    name = language_name(found)
    quote = sentences(text)[0] if sentences(text) else text[:MAX_QUOTE_CHARS]
    if language == "en" and found != "zh" and english_share(text, found) >= MIXED_ENGLISH_SHARE:
        return Guard("mixed_language", f"mixes {name} into English", quote)
    if language == "zh" and found != "en" and _mandarin_frame(text):
        return Guard("mixed_language", f"mixes {name} into Mandarin", quote)
    return Guard("other_language", f"answered in {name}, not the script's language", quote)


#: Mandarin's own grammar words in an answer with kana or Hangul: this many make it Mandarin.
MANDARIN_FRAME_MARKERS = 2


def _mandarin_frame(text: str) -> bool:
    """Whether an answer in kana or Hangul is built on Mandarin (``MANDARIN_MARKERS``)."""
    return len(_pattern("zh", "MANDARIN_MARKERS").findall(text)) >= MANDARIN_FRAME_MARKERS


# --- no answer at all ------------------------------------------------------------------------

_FILLER_WORDS = "um umm uh uhh er erm hmm mm ah eh oh well 嗯 啊 呃 额 哦 噢 唔 那个 这个"
_FILLERS = frozenset(_FILLER_WORDS.split())
#: Fewer content words than this is no answer ("Um.", 嗯): sentence embeddings of such scraps
#: land anywhere, so they get no points instead of a guess.
MIN_CONTENT_WORDS = 2


def content_words(text: str, language: Language) -> int:
    """Words of ``text`` that carry content (jieba words for Mandarin): not fillers, not
    function words, not hedges ("not sure yet", "I guess, yeah", 看情况吧, 还好吧). An answer
    made of those alone commits to nothing, however long it is."""
    tokens = en_words(text) if language == "en" else zh_tokens(text)
    function = _EN_FUNCTION if language == "en" else _ZH_FUNCTION
    hedges = _hedges(language)
    return sum(t not in _FILLERS and t not in function and t not in hedges for t in tokens)


def _hedges(language: Language) -> frozenset[str]:
    return frozenset(for_language(language).HEDGES.split())


# --- keyword lists ------------------------------------------------------------------------

# Words that make a sentence a sentence: pronouns, auxiliaries, articles, prepositions, links.
_EN_FUNCTION_WORDS = (
    "i i'd i'll i'm i've me my we we'd we'll our us you your they them their he she it it's "
    "the a an to and or but so if then that this these those of for with in on at by from "
    "would will can could should be is am are was were been do did does have has had not "
    "no yes just also first after before when what how all any some there here as "
    "let make sure get give tell say ask don't doesn't didn't won't wouldn't can't couldn't "
    "isn't aren't wasn't haven't hasn't except apart other besides"
)  # not "up" / "out": verb particles of listed terms ("pick up") are no syntax
_EN_FUNCTION = frozenset(_EN_FUNCTION_WORDS.split())
_ZH_FUNCTION_WORDS = (
    "我 我们 你 您 他 她 它 他们 会 的 了 把 给 就 先 然后 再 是 在 和 跟 让 要 能 可以 也 都 "
    "很 吧 呢 着 过 被 对 从 这 那 一 个 去 来 说 有 没有 不 还 又 并 而且 如果 因为 所以 "
    "时候 一下 帮 告诉 问 到 用 做 除了 其他 别的 以外 之外 都行"
)
_ZH_FUNCTION = frozenset(_ZH_FUNCTION_WORDS.split())
#: Between list items: commas and the like, and full stops ("Sorry. Understand. Refund.").
_LIST_SPLIT = re.compile(r"[,;/、，；\n.!?。！？]+")
#: A list item of at least this many words is a phrase, not a term.
_PHRASE_TOKENS = 3.0
#: A comma list of at least this many items of a word or two is a list of terms.
_MANY_ITEMS = 5
#: An answer this many words long without a single break, and few function words, is a list.
_RUN_ON_TOKENS = 10
_ARTICLE = re.compile(r"an? ", re.IGNORECASE)


def _counted_phrase(item: str, language: Language) -> bool:
    """Whether a list item is a phrase (at least :data:`_PHRASE_TOKENS` words) with a counted
    amount in it (a number with its unit; "a day" is no count)."""
    size = len(en_words(item) if language == "en" else zh_tokens(item))
    counted = [q for q in quantities(item, language) if q.unit and not _ARTICLE.match(q.text)]
    return bool(counted) and size >= _PHRASE_TOKENS


def keyword_list(text: str, language: Language) -> Guard | None:
    """A flag when the answer is a list of terms with no sentence around them.

    A sentence needs function words (pronouns, verbs' auxiliaries, articles, particles); a list
    of the rubric's terms has almost none, however many of them it names.
    """
    tokens = en_words(text) if language == "en" else zh_tokens(text)
    if len(tokens) < 4:
        return None
    function = _EN_FUNCTION if language == "en" else _ZH_FUNCTION
    frame = identify_language(text) if language == "en" else None
    if frame not in (None, "en", "zh"):
        # English nouns in another language's sentences ("Maine four years ek BPO mein kaam
        # kiya"): that language's pronouns and auxiliaries make the sentence.
        function = function | function_words(frame)
    ratio = sum(t in function for t in tokens) / len(tokens)
    items = [i for i in _LIST_SPLIT.split(normalize(text)) if i.strip()]
    phrases = [i for i in items if len(en_words(i) if language == "en" else zh_tokens(i)) >= 2]
    counted = any(_counted_phrase(i, language) for i in items)
    if counted and len(items) >= 2 and 2 * len(phrases) >= len(items):
        # "银行呼叫中心四年，一天八十通左右" / "six years, about ninety calls a day": an amount
        # attached to what it counts, among phrases, makes a telegraphic statement; a list of
        # mostly single terms ("三年" or "phone support three years" among them, or "calls a
        # day") is not made one by it, nor is one run of terms with a count inside (scorer
        # 2.9: "呼叫中心热线电话在线客服工单每天八十通三年").
        return None
    short_items = len(items) >= 3 and len(tokens) / len(items) <= 2.5
    # Five or more items of a word or two each ("Sorry, listen, I understand, frustrated,
    # refund, follow up, make sure"): a list even with a pronoun or a verb among the terms.
    many_terms = len(items) >= _MANY_ITEMS and len(tokens) / len(items) <= 2.0
    # One long run with no break at all ("apologise listen let them vent acknowledge ... follow
    # up"): a spoken sentence that long has far more function words.
    run_on = len(items) == 1 and len(tokens) >= _RUN_ON_TOKENS and not counted
    if (
        ratio < 0.1
        or (short_items and ratio < 0.2)
        or (many_terms and ratio < 0.35)
        or (run_on and ratio < 0.2)
    ):
        return Guard("keyword_list", "a list of terms, not an answer", text.strip()[:200])
    return None


# --- refusal and negation -----------------------------------------------------------------

# Phrases that refuse, blame or brush off, whatever the question. A negator right before one
# ("I would never hang up") turns it around, so those are checked per clause.
_EN_REFUSAL = re.compile(
    r"\b(refuse|refusing|not my (?:problem|fault|job|concern|responsibility)|"
    r"none of my business|out of the question|hang up|hung up|their (?:own )?fault|"
    r"(?:don't|do not) care|shut up|calm down or|call (?:us )?back later|"
    r"nothing i can do|not (?:going|gonna) to (?:help|apologi[sz]e|refund)|"
    r"(?:won't|will not|wouldn't|would not|never) (?:apologi[sz]e|say sorry|help|refund|listen))"
)
_EN_NEGATED_BEFORE = re.compile(r"\b(never|not|don't|won't|wouldn't|no need to)\s+(\w+\s+)?$")
_ZH_REFUSAL = re.compile(
    r"(拒绝|不是我的(?:问题|错|责任|事)|不想管|不归我管|跟我(?:们)?没(?:有)?关系|与我无关|挂(?:断|掉)?(?:他的)?电话|"
    r"不会(?:给他)?道歉|不道歉|不(?:给|能)退|不可能退|别(?:嚷|吵|吼)|晚点再打|"
    r"自己弄坏|没办法帮|不管他|不理他|爱买不买)"
)
#: The negator may govern a causative first: 我不会让他将就着用 negates 将就着用.
_ZH_NEGATED_BEFORE = re.compile(
    r"(不会|绝不|不要|决不|从不|不能|不用|用不着|不必|没必要)\s*(?:让|叫|请)?"
    r"(?:他|她|您|你|顾客|客户|对方)?\s*$"
)
#: The phrase named as what not to say or do, earlier in its sentence: "the worst thing you can
#: do is tell them to call back later", 我最不能说的一句话就是“您晚点再打” (scorer 2.9).
_EN_PROHIBITED_BEFORE = re.compile(
    r"\b(?:worst|last) thing (?:\w+ ){0,4}(?:is|would be)\b|"
    r"\b(?:never|don't|do not|wouldn't|would not|won't|shouldn't) (?:ever )?(?:tell|ask|say)\b|"
    r"\bavoid (?:telling|saying)\b"
)
_ZH_PROHIBITED_BEFORE = re.compile(r"(?:不能|不该|不要|不可以|千万别|别)(?:跟\S{0,3})?说|最忌讳")
#: The refusal taken back by the clause after it: "..., so I wouldn't", "..., I'd never do that".
_EN_NEGATED_AFTER = re.compile(
    r"^\W*(?:so |and |but |which )?(?:i|we|i'd|we'd) (?:wouldn't|would not|won't|will not|never|"
    r"don't|do not)(?: (?:do|say) (?:that|it|this))?\W*$"
)


#: The candidate as the one who calls back ("I'll call back later", 我晚点再打给他): a promise
#: to follow up, not the brush-off of telling the customer to call again.
_EN_SELF_BEFORE = re.compile(r"\bi(?:'ll|'d| will| would| can| could)?\s+(?:\w+\s+)?$")
_ZH_SELF_BEFORE = re.compile(r"我(?:会|就|再|可以|要)?\s*$")
_CALLBACK = ("call back later", "call us back later", "晚点再打")
_PASSIVE_BEFORE = re.compile(r"(?:被|遭到|\b(?:be|been|being|was|were|get|got)\s+)$")


def _prohibited(clause: str, start: int, following: str, language: Language) -> bool:
    """The refusal at ``start`` is named as what not to do, or taken back by ``following``."""
    if language == "en":
        return bool(
            _EN_PROHIBITED_BEFORE.search(clause[:start]) or _EN_NEGATED_AFTER.search(following)
        )
    sentence = re.split(r"[。！？!?]", clause[:start])[-1]
    return bool(_ZH_PROHIBITED_BEFORE.search(sentence))


def _refusal_phrase(text: str, language: Language) -> str | None:
    parts = clauses(text) if language == "en" else [normalize(text)]
    for n, clause in enumerate(parts):
        pattern = _EN_REFUSAL if language == "en" else _ZH_REFUSAL
        before = _EN_NEGATED_BEFORE if language == "en" else _ZH_NEGATED_BEFORE
        self_before = _EN_SELF_BEFORE if language == "en" else _ZH_SELF_BEFORE
        following = parts[n + 1] if n + 1 < len(parts) else ""
        for match in pattern.finditer(clause):
            phrase = match.group(0)
            if _prohibited(clause, match.start(), following, language):
                continue  # "the worst thing you can do is tell them to call back later"
            if phrase in _CALLBACK and self_before.search(clause[: match.start()]):
                continue  # the candidate calls back: follow-through
            if phrase in {"refuse", "refusing", "拒绝"} and _PASSIVE_BEFORE.search(
                clause[: match.start()]
            ):
                continue  # 被拒绝 / "being refused": the candidate is the one refused
            starts_negated = phrase.startswith(("won't", "will not", "wouldn't", "would not"))
            negator_first = phrase.startswith(("never", "不会", "不道歉", "不给", "不能", "不可能"))
            if not (starts_negated or negator_first) and before.search(clause[: match.start()]):
                continue  # "I would never hang up": the refusal itself is negated
            # "I'd never refuse" / 我绝不会拒绝 are negated too
            if before.search(clause[: match.start()]) and phrase in {"refuse", "refusing", "拒绝"}:
                continue
            return phrase
    return None


def refusal(text: str, language: Language) -> Guard | None:
    """A flag when the answer refuses, blames or brushes off the customer.

    Read in the candidate's own words: a refusal phrase, where a negated refusal ("I'd never
    hang up", 绝不会挂电话) does not count.
    """
    phrase = _refusal_phrase(text, language)
    kind = "refusal"
    if phrase is None:
        phrase, kind = _dismissive_phrase(text, language), "dismissal"
    if phrase is None:
        return None
    quote = next((s for s in sentences(text) if phrase in normalize(s)), text.strip())
    return Guard(kind, f"refuses, blames or brushes off ({phrase!r})", quote)


_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {}


def _pattern(language: Language, name: str) -> re.Pattern[str]:
    """A regular expression of the language data (:mod:`dialogue.lang`), compiled once."""
    key = (language, name)
    if key not in _PATTERNS:
        _PATTERNS[key] = re.compile(getattr(for_language(language), name))
    return _PATTERNS[key]


def _dismissive_phrase(text: str, language: Language) -> str | None:
    """A brush-off or blame phrase from the language data (``DISMISSIVE``), not negated."""
    pattern = _pattern(language, "DISMISSIVE")
    before = _EN_NEGATED_BEFORE if language == "en" else _ZH_NEGATED_BEFORE
    for clause in clauses(text):
        for match in pattern.finditer(clause):
            if before.search(clause[: match.start()]):
                continue  # "I'd never just move on to the next call"
            return match.group(0)
    return None


#: Where a clause ends, inside a sentence.
_CLAUSE_JOINT = re.compile(r"[,;:，；：、]")


def framed_only(text: str, language: Language) -> Guard | None:
    """A flag when the answer declines to answer, or says the question back, and nothing else.

    "I'd rather not go into my work history", 以前的工作我不太想说，能直接问下一个问题吗 decline
    (``DECLINE`` in :mod:`dialogue.lang`); "So a customer rings up upset ..., and you'd like to
    know what I would do", 您想知道我会怎么做 restate (``QUESTION_BACK``): the words are the
    question's, so the model places them near its answers. What comes after the frame (in its
    sentence, after the clause that holds it) or in other sentences is the answer: "You want to
    know how I'd handle it? I'd apologise ..." or "I'd rather not say, but I'd ..." is not
    flagged.
    """
    said = sentences(text) or [text]
    asks = _pattern(language, "QUESTION_WORD" if language == "en" else "QUESTION_WORDS")
    for name, kind, reason in (
        ("DECLINE", "refusal", "declines to answer the question"),
        ("QUESTION_BACK", "restates_question", "says the question back instead of answering it"),
    ):
        pattern = _pattern(language, name)
        framed, rest = None, 0
        for sentence in said:
            found = list(pattern.finditer(normalize(sentence)))
            if not found:
                rest += content_words(sentence, language)
                continue
            framed = framed or sentence
            # The frame's own clause is the frame; a later clause that asks ("..., 我会怎么处理",
            # "can we move on?") is the question or the decline going on.
            after = _CLAUSE_JOINT.split(normalize(sentence)[found[-1].end() :])[1:]
            rest += sum(content_words(c, language) for c in after if not asks.search(c.strip()))
        if framed is not None and rest < MIN_CONTENT_WORDS:
            return Guard(kind, reason, framed)
    return None


_STORY_SPLIT = {
    "en": re.compile(r"[,;:.!?\n]+|\b(?:and|but|so|then|because|when|while)\b"),
    "zh": re.compile(r"[,;:.!?，；：。！？\n]+"),
}


_POSSESSIVE = re.compile(r"'s\b|(?:[^，。,.]{0,2})的")


def private_story(text: str, language: Language) -> Guard | None:
    """A flag when the answer tells a story about private life, not about doing the job.

    An anecdote about family, friends or a holiday that reuses the rubric's words ("my sister was
    upset when her parcel came broken") lands near good exemplars; what gives it away is that
    nothing in it is about customers, colleagues, shifts or the candidate's own work.
    """
    said = normalize(text)
    private_life = _pattern(language, "PRIVATE_LIFE")
    private = private_life.search(said)
    if private is None:
        return None
    # The job must be the candidate's: a clause about a relative ("my mother worked at a call
    # centre for a year", 我妈妈在呼叫中心干过一年) or told of a third person (he, she) puts
    # the job words in someone else's life, unless the candidate is its subject too ("I
    # worked at my uncle's shop", 我在我家的店里做了两年).
    others = _pattern(language, "THIRD_PERSON")
    myself = _pattern(language, "FIRST_PERSON_AGENT")
    job = _pattern(language, "JOB_CONTEXT")
    for clause in _STORY_SPLIT[language].split(said):
        # A relative as the owner ("my cousin's shop", 我表姐的淘宝店) is where, not who.
        actors = [
            m for m in private_life.finditer(clause) if not _POSSESSIVE.match(clause, m.end())
        ]
        someone_else = actors or others.search(clause)
        if someone_else and not myself.search(clause):
            continue
        if job.search(clause):
            return None
    quote = next((s for s in sentences(text) if private.group(0) in normalize(s)), text.strip())
    return Guard("off_topic", "tells a story about private life, not about the job", quote)


def self_as_subject(text: str, language: Language) -> bool:
    """Whether the candidate is the subject of anything in the answer ("I", 我 but not 我们,
    我爸, 我的): a story of relatives in which they never are is nobody's job."""
    return _pattern(language, "SELF_AS_SUBJECT").search(normalize(text)) is not None


def impersonal(text: str, language: Language) -> Guard | None:
    """A flag when the answer speaks of people in general and never of the candidate.

    "Stress is everywhere these days, lots of people feel it at work", 现在大家压力都很大: the
    words are the question's, but nothing says what the candidate does or did. An opinion frame
    ("I think", 我觉得) does not count as the candidate doing something.
    """
    said = _pattern(language, "OPINION_FRAME").sub(" ", normalize(text))
    if _pattern(language, "SELF").search(said):
        return None
    general = _pattern(language, "PEOPLE_IN_GENERAL").search(said)
    if general is None:
        return None
    quote = next((s for s in sentences(text) if general.group(0) in normalize(s)), text.strip())
    return Guard("off_topic", "speaks of people in general, not of what the candidate does", quote)


_EN_NEGATOR = re.compile(r"\b(?:no|not|never|nothing|none|nobody|neither|nor|cannot|\w+n't)\b")
_ZH_NEGATOR = re.compile(r"[不没未别]|从未|绝不")
#: Clauses of a stance: sentences and coordinated parts ("... not let it get to me and keep
#: working"); a list inside a clause (orders, returns or refunds; 订单、退货、退款) stays in it.
_EN_STANCE_SPLIT = re.compile(r"[;:.!?\n]+|\b(?:and|but|so|then|because|instead)\b")
_ZH_STANCE_SPLIT = re.compile(
    r"[,;:.!?，；：。！？\n]+|然后|而且|但是?|可是|不过|只是|所以|并且|而是|后来"
)


def negated_stance(text: str, language: Language) -> Guard | None:
    """A flag when the answer as a whole says no: every one of its clauses is negated.

    "Never. I haven't handled orders, returns or refunds." / 没有，电话和在线都没做过: each
    clause denies what the question asks for, whatever words it names. Negators that do not
    negate ("no problem", "don't mind", 没问题, 不介意) are left out first; a clause that goes on
    past a few words ("no, but I ..." or an unpunctuated transcript) is more than a no. The no
    after the word counts too: a part that points back and denies doing what was named before
    it ("Online orders, returns, none of that have I done", 换货退款，这些我不答应;
    ``RESUMED_NO`` in :mod:`dialogue.lang`) negates the parts before it (scorer 2.5).
    """
    data = for_language(language)
    exempt = _pattern(language, "NEGATION_EXEMPT")
    negator = _EN_NEGATOR if language == "en" else _ZH_NEGATOR
    split = _EN_STANCE_SPLIT if language == "en" else _ZH_STANCE_SPLIT
    resumed = _pattern(language, "RESUMED_NO")
    # A part after a comma that points back and denies ("..., none of that I've done") is a
    # clause of its own: its no covers the part before it (the no after the word).
    at_resumed = re.compile(rf"[,，]\s*(?=(?:{resumed.pattern}))")
    parts = [
        piece.strip()
        for c in split.split(normalize(text))
        for piece in at_resumed.split(c)
        if piece.strip()
    ]

    def says_no(part: str) -> bool:
        size = len(en_words(part)) if language == "en" else len(part)
        return size <= data.STANCE_CLAUSE_WORDS and bool(negator.search(exempt.sub(" ", part)))

    covered: set[int] = set()  # parts named first and denied by a pointing-back part after them
    for i in range(1, len(parts)):
        if resumed.match(parts[i]) and says_no(parts[i]):
            named = i - 1
            while named >= 0 and not says_no(parts[named]) and named not in covered:
                covered.add(named)
                named -= 1
    if not parts or not all(says_no(p) or i in covered for i, p in enumerate(parts)):
        return None
    if len(parts) == 1 and not negator.match(parts[0]):
        return None  # one clause must open with its no ("Never done it"); a no inside says less
    first = normalize(parts[0])
    quote = next((s for s in sentences(text) if first in normalize(s)), text.strip())
    return Guard("negated", "the answer as a whole says no", quote)


#: Idioms with a negation character that say something positive (an apology, praise).
_ZH_NOT_A_NO = re.compile(r"不好意思|对不起|对不住|过意不去|不客气|了不起|不得了|不错")
#: Clauses for the reading: punctuation (commas too: "..., mornings I can't do") and the
#: conjunctions of :data:`_EN_STANCE_SPLIT` / :data:`_ZH_STANCE_SPLIT`, kept as joints.
_READING_SPLIT = {
    "en": re.compile(r"([,;:.!?\n]+|\b(?:and|but|so|then|because|instead)\b)", re.IGNORECASE),
    "zh": re.compile(f"({_ZH_STANCE_SPLIT.pattern})"),
}
_SENTENCE_JOINT = re.compile(r"[.!?。！？\n]")


def _trailing_no(clause: str, language: Language) -> bool:
    """Whether ``clause`` names something and then declines it ("mornings I can't do",
    "weekends aren't possible", 早上不行, 周末没空): the no after the word (``DECLINED_TAIL`` in
    :mod:`dialogue.lang`), after words that carry content and hold no negator themselves."""
    said = clause.strip().rstrip(".!?。！？…")
    if language == "zh":
        said = _ZH_NOT_A_NO.sub("", said)
    found = _pattern(language, "DECLINED_TAIL").search(said)
    if found is None:
        return False
    head = said[: found.start()]
    if language == "en":
        negator, content = _EN_NEGATOR, [w for w in en_words(head) if w not in _EN_FUNCTION]
        return bool(content) and not negator.search(head)
    return len(head.strip()) >= 2 and not _ZH_NEGATOR.search(head)


def affirmative_reading(text: str, language: Language) -> str:
    """``text`` without the clauses that end in their negation, for the embedding model.

    A sentence embedding reads the topic words of "evenings and weekends are fine, mornings I
    can't do" (晚上和周末都行，早上不行) and misses the no that follows them, so such an answer
    lands next to an all-negative exemplar. The model reads the other clauses; the no is left
    to the guards. Text where no clause ends in a no, or no clause is free of negation, is
    returned as is.
    """
    # Clauses at even indices, the punctuation or conjunction after each at odd ones (verbatim).
    pieces = _READING_SPLIT[language].split(text)
    clauses_at = [i for i in range(0, len(pieces), 2) if pieces[i].strip()]
    dropped = {i for i in clauses_at if _trailing_no(normalize(pieces[i]), language)}
    negator = _EN_NEGATOR if language == "en" else _ZH_NEGATOR
    exempt = _pattern(language, "NEGATION_EXEMPT")
    resumed = _pattern(language, "RESUMED_NO")
    for i in clauses_at:
        said = normalize(pieces[i]).strip()
        if not (resumed.match(said) and negator.search(exempt.sub(" ", said))):
            continue
        # "Breaks, breathing, a plan: none of that works for me" (休息、做计划，这些对我都没用):
        # the pointing-back no takes the things named before it in its sentence with it.
        dropped.add(i)
        j = i - 2
        while j >= 0 and not _SENTENCE_JOINT.search(pieces[j + 1]):
            if negator.search(exempt.sub(" ", normalize(pieces[j]))):
                break
            dropped.add(j)
            j -= 2
    says_yes = [
        i
        for i in clauses_at
        if i not in dropped and not negator.search(exempt.sub(" ", normalize(pieces[i])))
    ]
    if not dropped or not says_yes:
        return text  # no clause ends in a no, or nothing but no's
    for i in sorted(dropped):
        pieces[i] = ""
        # The clause goes with the joint that leads to it, unless that ends a sentence.
        before = i > 0 and not _SENTENCE_JOINT.search(pieces[i - 1])
        joint = i - 1 if before else i + 1
        if joint < len(pieces) and not _SENTENCE_JOINT.search(pieces[joint]):
            pieces[joint] = ""
    return re.sub(r"\s+", " ", "".join(pieces)).strip(" ,，")


def negated_only(matches: list[ConceptMatch]) -> Guard | None:
    """A flag when the criteria are mentioned only negated ("I would not apologise", 我不会道歉).

    Weaker than :func:`refusal` (a negator the matcher misreads, as in 没问题我会退款, looks
    the same), so the scorer acts on it only when the model does not place the answer high.
    """
    negated = [m for m in matches if m.negated]
    if negated and not any(not m.negated for m in matches):
        return Guard("negated", "mentions what counts only to negate it", negated[0].quote)
    return None


def withheld(text: str, language: Language, matches: list[ConceptMatch]) -> Guard | None:
    """A flag when the answer names what the candidate could do and then says they won't.

    "I could apologise and book a replacement, but I won't, it isn't my sofa", 这些我统统做得到，
    但我偏不这么做: the rubric's words are all there, so the model places the answer with good
    ones, and no clause is negated but the last. It needs a criterion met before the no (a
    contrast that withholds something bad, "I could shout back, but I won't", is no flag), a no
    that ends its clause (``WITHHELD_NO``: "but I won't promise what I can't keep" says how),
    and no plan after it (``WITHHELD_ALTERNATIVE``: "..., but I won't; I'd listen instead").
    """
    said = normalize_apostrophes(text).lower()  # the same length: concept spans still apply
    found = _pattern(language, "WITHHELD_NO").search(said)
    if found is None:
        return None
    before, after = said[: found.start()], said[found.end() :]
    if not _pattern(language, "WITHHELD_CAPABLE").search(before):
        return None
    if _pattern(language, "WITHHELD_ALTERNATIVE").search(after):
        return None
    if not any(not m.negated and m.span[1] <= found.start() for m in matches):
        return None
    quote = next(
        (s for s in sentences(text) if normalize(found.group(0)) in normalize(s)), text.strip()
    )
    return Guard("negated", "says what it could do, then that it won't", quote)
