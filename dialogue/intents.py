"""Rule-based intents of a candidate turn, English and Mandarin (zh-CN). Pure functions.

Two questions are asked of a turn:

* :func:`classify` — is it a request to the interviewer (repeat, stop, talk to a person, call me
  later, a question...) rather than an answer? Such *global* intents only fire on short turns, on a
  whole clause ("exact" rules) or on a clear phrase ("phrase" rules), and a phrase preceded by a
  negation ("I don't want to stop", "不用转人工") does not count. A long substantive answer that
  happens to contain "no" or "later" is an answer.
* :func:`yes_no` — is an answer a yes or a no? Greedy longest-phrase matching over words (English)
  or jieba words (Mandarin), so "no problem" is a yes and "对不起" is not "对".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

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
    """A classified turn; ``faq_id`` is set for a QUESTION that matched an FAQ entry."""

    intent: Intent
    faq_id: str | None = None


# --- global intent rules -----------------------------------------------------------------------
# Regex fragments per intent, at three strengths: ``phrases`` may appear anywhere in a short turn;
# ``clauses`` must be a whole clause ("I'm busy" but not "I'm busy on weekends"); ``alone`` must be
# the whole turn, for words that are fillers elsewhere ("sorry?" vs "sorry, no"; "啊？" vs
# "啊，有的").


@dataclass(frozen=True)
class _Rule:
    phrases: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    alone: tuple[str, ...] = ()


_EN_TARGET = (
    r"(?:a |an |the |your |some )?(?:real |actual |live |human )?"
    r"(?:person|human being|human|someone|somebody|recruiter|representative|operator|"
    r"hiring manager|manager|people|hr|staff member|agent)"
)
_EN_SPEAK = r"(?:speak|talk|chat) (?:to|with)"

_EN_RULES: dict[Intent, _Rule] = {
    Intent.ROBOT: _Rule(
        phrases=(
            r"are you (?:a |an )?(?:robot|bot|machine|computer|ai|real person|real human|human|"
            r"person|recording|automated|real|artificial)",
            r"is (?:this|that|it) (?:a |an )?(?:robot|bot|machine|computer|recording|real person|"
            r"automated|ai|human|person|recorded message)",
            r"am i (?:talking|speaking|chatting) (?:to|with) (?:a |an )?(?:robot|bot|machine|"
            r"computer|real person|human|person|ai|recording|real)",
            r"(?:is this|are you) (?:an? )?(?:automated|artificial)",
        ),
        clauses=(r"are you real", r"is this real"),
        alone=(r"(?:a )?robot", r"bot"),
    ),
    Intent.HUMAN: _Rule(
        phrases=(
            rf"(?:can|could|may|let) (?:i|me) (?:please )?{_EN_SPEAK} {_EN_TARGET}",
            rf"i(?:'d| would)? (?:like|want|need|prefer) to {_EN_SPEAK} {_EN_TARGET}",
            rf"i wanna {_EN_SPEAK} {_EN_TARGET}",
            rf"(?:put|get|transfer|connect) me (?:through )?(?:to|with) {_EN_TARGET}",
            r"transfer me",
            r"connect me",
            r"(?:give|get) me (?:a |an )?(?:real |actual |live )?(?:person|human)",
            r"is there (?:a |an |any )?(?:real |actual |live )?(?:person|human|recruiter|someone)",
            r"i want (?:a |an )?(?:real |actual |live )?(?:person|human|recruiter)",
            r"(?:real|actual|live) (?:person|human) please",
            r"human please",
        ),
        clauses=(
            r"(?:a )?(?:real |actual |live )?(?:person|human)",
            r"human being",
            r"operator",
            r"representative",
            r"(?:a )?recruiter",
            r"person please",
        ),
    ),
    Intent.OPT_OUT: _Rule(
        phrases=(
            r"(?:want|like|need|wanna) to stop(?: now| here| the interview| this| the call)?",
            r"(?:want|like|wanna) to (?:end|quit|leave|hang up|withdraw|cancel)",
            r"wanna (?:stop|quit|end)",
            r"stop (?:the|this) (?:interview|call|screening|process)",
            r"end (?:the|this) (?:interview|call)",
            r"not interested",
            r"no longer interested",
            r"(?:don't|do not) want to (?:continue|go on|proceed|do this|do the interview|"
            r"carry on|keep going|answer any more|be interviewed)",
            r"(?:i'd|i would) rather not (?:continue|go on|do this|proceed)",
            r"opt out",
            r"withdraw (?:my|the) application",
            r"i withdraw",
            r"take me off (?:your|the) list",
            r"(?:don't|do not|stop) call(?:ing)? me",
            r"please stop",
            r"(?:i'll|i will) pass",
            r"(?:i've|i have) changed my mind",
            r"cancel (?:the|this|my) (?:interview|application|call)",
            r"let's (?:stop|end) (?:here|now|this|it)",
            r"i quit",
            r"count me out",
        ),
        clauses=(
            r"stop(?: it| please| now)?",
            r"no thanks",
            r"no thank you",
            r"forget it",
            r"i'm out",
            r"(?:good)?bye",
        ),
        alone=(r"quit", r"enough"),
    ),
    Intent.BUSY: _Rule(
        phrases=(
            r"call (?:me )?back",
            r"call me (?:later|tomorrow|another time|again|in the (?:evening|afternoon|morning))",
            r"(?:do|talk|continue|speak|chat|try) (?:this |it |me )?(?:again )?"
            r"(?:later|tomorrow|another time|some other time)",
            r"not (?:a |the )?(?:good|great|convenient|right) time",
            r"(?:it's|it is|this is|now's|now is) (?:a )?(?:really )?(?:bad|terrible|busy|"
            r"inconvenient) time",
            r"reschedule",
            r"i(?:'m| am) (?:driving|at work|in a meeting|in the middle of something|on the road|"
            r"busy right now|busy at the moment|not free right now|not available right now)",
            r"(?:can't|cannot|can not) (?:really )?talk (?:right )?(?:now|at the moment)",
            r"i (?:have|need|got) to go",
            r"gotta go",
            r"(?:give|call) me (?:a call|a ring) (?:later|tomorrow|back)",
        ),
        clauses=(
            r"(?:i'm |i am )?(?:a bit |kind of |really )?busy(?: now| right now)?",
            r"later please",
            r"not now",
            r"not right now",
            r"i'm driving",
            r"bad time",
            r"call later",
            r"(?:at )?(?:another|some other) time(?: please)?",
            r"can we do this later",
        ),
        alone=(r"later", r"driving"),
    ),
    Intent.SLOW_DOWN: _Rule(
        phrases=(
            r"(?:please |can you |could you )slow down",
            r"slow down(?: please| a bit| a little)",
            r"(?:speak|talk|go) (?:more )?slowly",
            r"(?:speak|talk|go) (?:a bit |a little )?slower",
            r"you(?:'re| are)? (?:talking|speaking|going|talk|speak) (?:too|so|really|a bit|"
            r"a little) fast",
        ),
        clauses=(r"slow down", r"slower(?: please)?", r"too fast", r"slowly please"),
        alone=(r"slowly",),
    ),
    Intent.REPEAT: _Rule(
        phrases=(
            r"(?:can|could|would|will) you (?:please )?repeat",
            r"repeat (?:that|the question|it|yourself|please)",
            r"please repeat",
            r"say (?:that|it|the question) again",
            r"say again",
            r"come again",
            r"(?:didn't|did not|couldn't|could not|can't|cannot) (?:quite )?(?:catch|hear|get) "
            r"(?:that|it|you|what you said|the question)",
            r"what did you (?:just )?say",
            r"what was the question",
            r"one more time",
            r"(?:you|it|the line) (?:cut|broke|are cutting|were cutting|keep cutting|"
            r"are breaking|were breaking) (?:out|up)",
            r"i missed (?:that|it|the question|what you said)",
            r"(?:ask|go over) (?:that |it |the question )?again",
            r"sorry what",
            r"pardon",
        ),
        clauses=(r"what was that", r"repeat(?: please)?", r"say what"),
        alone=(
            r"what",
            r"huh",
            r"eh",
            r"pardon(?: me)?",
            r"excuse me",
            r"again",
            r"hello",
            r"sorry",
        ),
    ),
    Intent.CLARIFY: _Rule(
        phrases=(
            r"what do you mean",
            r"what does (?:that|it|this) mean",
            r"(?:don't|do not) (?:understand|get) (?:the|your|what you)",
            r"(?:can|could) you (?:explain|clarify|rephrase|elaborate|be more specific)",
            r"(?:not sure|unsure) what you(?:'re| are) asking",
            r"what (?:exactly )?are you asking",
            r"in what sense",
            r"what do you want to know",
        ),
        clauses=(r"(?:i )?(?:don't|do not) understand", r"i don't get it", r"like what"),
        alone=(r"meaning", r"explain", r"rephrase", r"such as"),
    ),
}

_ZH_RULES: dict[Intent, _Rule] = {
    Intent.ROBOT: _Rule(
        phrases=(
            r"你是(?:不是)?(?:一个)?(?:机器人|真人|人工智能|ai|电脑|录音|自动|人吗|真的人)",
            r"(?:是不是|是)机器人",
            r"机器人吗",
            r"真人吗",
            r"(?:是不是|是)(?:ai|人工智能)",
            r"人工智能吗",
            r"ai吗",
            r"是录音吗",
            r"是人还是机器",
            r"机器还是人",
        ),
        alone=(r"机器人", r"你是谁"),
    ),
    Intent.HUMAN: _Rule(
        phrases=(
            r"转人工",
            r"转接人工",
            r"找人工",
            r"要人工(?!智能)",
            r"人工服务",
            r"人工客服",
            r"人工坐席",
            r"找真人",
            r"要真人",
            r"换(?:个)?真人",
            r"有没有真人",
            r"(?:跟|和|让)真人",
            r"真人(?:来|面试|跟我|和我)",
            r"(?:我要|我想|我需要|帮我|给我|麻烦|能不能|可不可以|可以|请)(?:找|转|转接|联系|跟|和)"
            r"(?:你们的?)?(?:hr|人事|招聘(?:人员|专员|负责人)?|负责人|面试官|工作人员|真人|人工)",
            r"(?:跟|和)人(?:说|聊|谈)",
        ),
        clauses=(r"人工", r"真人", r"找人"),
    ),
    Intent.OPT_OUT: _Rule(
        phrases=(
            r"不想(?:面试|继续|做|参加|聊|谈|应聘|干|弄)了?",
            r"不(?:面|做|面试|参加|聊|应聘|干)了",
            r"我放弃",
            r"放弃(?:面试|这个机会|应聘|这份工作)",
            r"不感兴趣",
            r"没(?:有)?兴趣",
            r"别(?:再)?打(?:电话)?了",
            r"不要再打",
            r"结束(?:面试|通话)",
            r"停止面试",
            r"退出面试",
            r"我退出",
            r"取消(?:面试|申请|应聘)",
            r"挂(?:了吧|电话吧)",
            r"不用(?:再)?面(?:了|试了)",
            r"不要了(?!解)",
            r"就到这(?:里|儿)吧",
        ),
        clauses=(
            r"算了吧?",
            r"不用了",
            r"不需要了",
            r"停下?",
            r"别问了",
            r"再见",
            r"拜拜",
            r"结束吧",
            r"挂了",
        ),
    ),
    Intent.BUSY: _Rule(
        phrases=(
            r"(?:现在|这会儿|目前|暂时)不(?:太)?方便",
            r"不方便(?:接电话|说话|接听|聊)",
            r"(?:等|过)(?:一)?(?:下|会儿|会)再(?:打|说|聊|联系)",
            r"晚(?:一)?点(?:再)?(?:打|说|聊|联系)",
            r"稍后再(?:打|说|聊|联系)",
            r"回头再(?:打|说|聊|联系)",
            r"待会(?:儿)?再(?:打|说|聊|联系)",
            r"改天(?:再)?(?:打|说|聊|联系|吧)",
            r"换个时间",
            r"下次再(?:说|聊|打)",
            r"明天再(?:打|说|聊|联系)",
            r"(?:我|正|现在)在(?:开车|开会)",
            r"正在忙",
            r"现在(?:在)?忙",
            r"现在(?:没空|没时间)",
            r"没空接",
            r"再打(?:给我|过来)",
        ),
        clauses=(
            r"我?(?:现在|正)?在忙(?:着)?(?:呢)?",
            r"忙着呢",
            r"我?(?:现在|这会儿|目前|暂时)不(?:太)?方便",
            r"(?:现在|这会儿)?(?:没空|没时间)",
            r"我?(?:现在)?(?:有点)?有事",
            r"晚点吧",
            r"下次吧",
            r"改天吧",
            r"在上班",
        ),
        # "不方便" alone is "not now"; inside an answer it is a no ("家里有小孩，不太方便").
        alone=(r"忙", r"晚点", r"我?不(?:太)?方便"),
    ),
    Intent.SLOW_DOWN: _Rule(
        phrases=(
            r"(?:说|讲|念)(?:得|的)?(?:慢一?点|慢些|太快)",
            r"(?:你|您)(?:说|讲)?(?:得|的)?太快",
            r"语速",
            r"能不能慢",
            r"(?:你|您|请|能|可以)慢一?点",
        ),
        clauses=(r"慢一?点(?:说|讲)?(?:吧|好吗)?", r"慢些", r"太快了?"),
    ),
    Intent.REPEAT: _Rule(
        phrases=(
            r"再(?:说|讲|问|念|来)(?:一)?(?:遍|次|下)",
            r"重复(?:一)?(?:遍|下|次)",
            r"请重复",
            r"没听(?:清|清楚|见|到|懂你说)",
            r"听不(?:清|到|见)",
            r"(?:刚才|你|您)说(?:的是)?(?:什么|啥)",
            r"说的什么",
            r"信号不好",
            r"能再说",
            r"再说说",
        ),
        clauses=(r"再说", r"再来", r"重复"),
        alone=(r"什么", r"啥", r"啊", r"嗯", r"喂", r"哪里"),
    ),
    Intent.CLARIFY: _Rule(
        phrases=(
            r"什么意思",
            r"啥意思",
            r"是指什么",
            r"指的是什么",
            r"具体(?:是)?指什么",
            r"没(?:听)?懂(?:你|您)?的?(?:意思|问题)",
            r"听不懂(?:你|您|问题)",
            r"不(?:太)?明白(?:你|您)的?(?:意思|问题)",
            r"能(?:不能)?解释",
            r"解释一下",
            r"能举个例子",
            r"换个说法",
            r"怎么理解",
        ),
        clauses=(
            r"我?(?:不太|不|没)(?:明白|懂|理解)(?:你的意思|您的意思|这个问题)?",
            r"听不懂",
            r"没懂",
        ),
    ),
}

_GLOBAL_ORDER = (
    Intent.ROBOT,
    Intent.HUMAN,
    Intent.OPT_OUT,
    Intent.BUSY,
    Intent.SLOW_DOWN,
    Intent.REPEAT,
    Intent.CLARIFY,
)

# A phrase right after a negation does not count ("I don't want to stop", "no need to transfer me").
_EN_NEGATION = re.compile(
    r"\b(?:don't|do not|didn't|did not|never|won't|wouldn't|doesn't|no need to|not)\s+"
    r"(?:(?:want|need|wanna|going|have|like|mean|plan|wish|intend)\s+(?:to\s+)?)?$"
)
_ZH_NEGATION = re.compile(r"(?:不|没|别|不用|不需要|不要|不想|没必要|用不着|不是要|不是想)$")
_EN_FILLERS = re.compile(
    r"^(?:(?:um+|uh+|er+m?|hmm+|oh|ah|well|so|hey|hi|ok|okay|sorry|excuse me|i'm sorry|please|"
    r"just)\s+)+|(?:\s+(?:please|thanks|thank you|then|now|sorry))+$"
)
_ZH_FILLERS = re.compile(
    r"^(?:嗯|呃|啊|哦|喂|那个|就是|不好意思|对不起|麻烦你|麻烦|请|你好|您好)+|(?:啊|呀|吧|呢|哈|嘛|哦|喔)+$"
)


@dataclass(frozen=True)
class _Compiled:
    phrase: re.Pattern[str] | None
    clause: re.Pattern[str] | None
    alone: re.Pattern[str] | None


def _either(fragments: tuple[str, ...], edge: str = "") -> re.Pattern[str] | None:
    return re.compile(edge + "(?:" + "|".join(fragments) + ")" + edge) if fragments else None


@lru_cache(maxsize=2)
def _rules(language: Language) -> dict[Intent, _Compiled]:
    table = _EN_RULES if language == "en" else _ZH_RULES
    edge = r"\b" if language == "en" else ""
    return {
        intent: _Compiled(_either(r.phrases, edge), _either(r.clauses), _either(r.alone))
        for intent, r in table.items()
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
        return bool(_EN_NEGATION.search(before))
    return bool(_ZH_NEGATION.search(before.replace(" ", "")))


def _phrase_hit(pattern: re.Pattern[str], text: str, language: Language) -> bool:
    return any(not _negated(text[: m.start()], language) for m in pattern.finditer(text))


def _global_intent(text: str, language: Language) -> Intent | None:
    flat = strip_punctuation(text)
    if language == "zh":
        flat = flat.replace(" ", "")
    parts = [v for c in clauses(text) for v in _variants(c, language)]
    whole = _variants(flat, language)
    for intent in _GLOBAL_ORDER:
        rule = _rules(language)[intent]
        if (
            (rule.alone and any(rule.alone.fullmatch(w) for w in whole))
            or (rule.clause and any(rule.clause.fullmatch(p) for p in parts))
            or (rule.phrase and _phrase_hit(rule.phrase, flat, language))
        ):
            return intent
    return None


# --- candidate questions -------------------------------------------------------------------------

# A question word followed by a verb or quantity ("what is", "how much"), or an inverted auxiliary
# ("do you", "is there"): "What I do is ..." and "How about twenty" are answers.
_EN_QUESTION_START = re.compile(
    r"^(?:(?:what|how|when|where|who|which|why)(?:'s|'re|\s+(?:is|are|was|were|do|does|did|can|"
    r"could|will|would|should|much|many|long|often|kind|time|type|exactly|if))"
    r"|(?:is|are|do|does|did|can|could|will|would|should|may|am|have|has)\s+(?:i|you|we|it|there|"
    r"this|that|the|your|they|he|she|a|an|my))\b"
)
_EN_QUESTION_CUE = re.compile(
    r"\b(?:i'd like to know|i want to know|i was wondering|quick question|i have a question|"
    r"tell me (?:more )?about|can i ask)\b"
)
_ZH_QUESTION_CUE = re.compile(
    r"^(?:请问|我想问|想问|问一下|问下|我想了解|想了解|我有个问题|我能问)"
)
_ZH_WH = re.compile(r"什么|多少|怎么|哪|几|吗|呢|是不是|有没有|能不能|会不会|可不可以")


def looks_like_question(text: str, language: Language) -> bool:
    """Whether the turn (its last sentence) is shaped like a question to the interviewer."""
    last = last_sentence(text)
    if last.endswith(("?", "？")):
        return True
    body = strip_punctuation(last)
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
    if language == "zh" and faq_id and _ZH_WH.search(strip_punctuation(text)):
        shaped = True  # "工资多少" has no question mark in many transcripts
    if not shaped:
        return None
    return IntentResult(Intent.QUESTION, faq_id)


def classify(
    text: str, language: Language, faq: Mapping[str, Sequence[str]] | None = None
) -> IntentResult:
    """The global intent of a candidate turn (``Intent.NONE`` = treat it as an answer).

    ``faq`` maps FAQ ids to their keywords/synonyms. Long turns are always answers.
    """
    if not text.strip() or not is_short(text, language):
        return IntentResult(Intent.NONE)
    intent = _global_intent(text, language)
    if intent is not None:
        return IntentResult(intent)
    question = _candidate_question(text, language, faq or {})
    return question or IntentResult(Intent.NONE)


# --- yes / no ------------------------------------------------------------------------------------

_EN_YES = {
    "yes", "yeah", "yea", "yep", "yup", "ya", "sure", "sure thing", "certainly", "absolutely",
    "definitely", "of course", "correct", "that's correct", "that's right", "go ahead",
    "please go ahead", "i do", "i have", "i've got", "i can", "i will", "i agree",
    "agreed", "affirmative", "indeed", "yes please", "sounds good", "that works", "no problem",
    "not a problem", "no worries", "why not", "i don't mind", "don't mind", "i think so",
    "you bet", "totally", "for sure", "please do", "let's go", "let's do it", "ready",
    "i'm ready", "go on", "we have", "there is", "i consent", "happy to", "of course i do",
    "it is", "it's fine", "that's fine", "i'd love to", "continue",
}  # fmt: skip
_EN_WEAK_YES = {
    "ok", "okay", "alright", "all right", "right", "fine", "uh huh", "mm hmm", "i guess so",
    "i guess", "mhm",
}  # fmt: skip
_EN_NO = {
    "no", "nope", "nah", "not really", "no way", "not at all", "never", "negative", "i don't",
    "i do not", "i don't think so", "i haven't", "i have not", "i can't", "i cannot",
    "i can not", "i'm not", "i am not", "i won't", "i will not", "i'd rather not",
    "i would rather not", "rather not", "unfortunately not", "not yet", "absolutely not",
    "definitely not", "certainly not", "of course not", "no thanks", "no thank you",
    "i don't have", "i do not have", "i have no", "i've got no", "there's no", "there is no",
    "we don't", "not quite", "i'm afraid not", "afraid not", "i guess not", "i don't agree",
    "i disagree", "it isn't", "it's not", "not", "don't", "i do not consent",
}  # fmt: skip
_ZH_YES = {
    "是", "是的", "是啊", "对", "对的", "对啊", "没错", "好", "好的", "好啊", "行", "行啊", "行的",
    "可以", "可以的", "可以啊", "没问题", "没有问题", "当然", "当然可以", "当然有", "有", "有的",
    "有啊", "会", "会的", "能", "能的", "愿意", "我愿意", "同意", "我同意", "ok", "okay", "yes",
    "好滴", "中", "成", "没事", "接受", "能接受", "开始吧", "继续", "来吧", "嗯嗯", "需要",
    "稳定", "具备", "方便",
}  # fmt: skip
_ZH_WEAK_YES = {"嗯", "好吧", "哦", "嗯哼"}
_ZH_NO = {
    "不", "不是", "不对", "不行", "不可以", "不好", "不要", "不用", "没有", "没", "不会", "不能",
    "不愿意", "不同意", "不太行", "不太可以", "不接受", "不能接受", "算了", "不了", "没法",
    "没办法", "恐怕不行", "不方便", "不太方便", "不太", "不需要", "no", "没得", "木有", "不稳定",
    "没有的", "并没有", "不具备",
}  # fmt: skip
# Hedges are consumed so their words do not count: "not sure" is not a "not", "不知道" not a "不".
_EN_NEUTRAL = {
    "not sure", "i'm not sure", "i don't know", "don't know", "maybe", "i'm not certain",
    "not certain", "it depends", "depends",
}  # fmt: skip
_ZH_NEUTRAL = {"不知道", "不确定", "不一定", "看情况", "可能", "不清楚", "说不好", "不好说", "不错"}
_MAX_PHRASE_WORDS = 4
_Polarity = tuple[Intent, bool] | None  # (YES/NO, is_weak); None = a hedge


def _lexicon(language: Language) -> dict[str, _Polarity]:
    if language == "en":
        sets = (_EN_NEUTRAL, _EN_WEAK_YES, _EN_YES, _EN_NO)
    else:
        sets = (_ZH_NEUTRAL, _ZH_WEAK_YES, _ZH_YES, _ZH_NO)
    neutral, weak, yes, no = sets
    table: dict[str, _Polarity] = {w: None for w in neutral}
    table.update({w: (Intent.YES, True) for w in weak})
    table.update({w: (Intent.YES, False) for w in yes})
    table.update({w: (Intent.NO, False) for w in no})
    return table


_LEXICON = {"en": _lexicon("en"), "zh": _lexicon("zh")}


def _polarity_hits(tokens: list[str], language: Language) -> list[tuple[Intent, bool]]:
    """(YES/NO, is_weak) for each lexicon phrase found, left to right, longest first."""
    table = _LEXICON[language]
    joiner = " " if language == "en" else ""
    hits: list[tuple[Intent, bool]] = []
    i = 0
    while i < len(tokens):
        for span in range(min(_MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            words = joiner.join(tokens[i : i + span])
            if words in table:
                polarity = table[words]
                if polarity is not None:
                    hits.append(polarity)
                i += span
                break
        else:
            i += 1
    return hits


def yes_no(text: str, language: Language) -> Intent | None:
    """``Intent.YES`` / ``Intent.NO`` for a yes/no answer, None if it is neither or unclear.

    English answers lead with the answer, so the first clear word decides ("yes, I have a room,
    it's not noisy" → YES). Mandarin answers often give the reason first and the answer last
    ("家里有小孩，没有安静的地方"), so there the last clause with a clear word decides. Weak words
    like "okay" or "嗯" count only when nothing clearer is said.
    """
    if language == "en":
        hits = _polarity_hits(en_words(text), language)
    else:
        per_clause = [_polarity_hits(zh_tokens(c), language) for c in clauses(text)]
        decisive = [h for h in per_clause if any(not weak for _, weak in h)]
        hits = decisive[-1] if decisive else [h for c in per_clause for h in c]
    strong = [intent for intent, is_weak in hits if not is_weak]
    if strong:
        return strong[0]
    return hits[0][0] if hits else None
