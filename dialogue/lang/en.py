"""English language data (see :mod:`dialogue.lang`)."""

from __future__ import annotations

from dialogue.lang.rules import RequestRule


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# --- yes / no ------------------------------------------------------------------------------------

YES = {
    "yes", "yeah", "yea", "yep", "yup", "ya", "sure", "sure thing", "certainly", "absolutely",
    "definitely", "of course", "correct", "that's correct", "that's right", "go ahead",
    "please go ahead", "i do", "i have", "i've got", "i can", "i will", "i agree",
    "agreed", "affirmative", "indeed", "yes please", "sounds good", "that works", "no problem",
    "not a problem", "no worries", "why not", "i don't mind", "don't mind", "i think so",
    "you bet", "totally", "for sure", "please do", "let's go", "let's do it", "ready",
    "i'm ready", "go on", "we have", "there is", "i consent", "happy to", "of course i do",
    "it is", "it's fine", "that's fine", "i'd love to", "continue", "carry on", "proceed",
    "keep going", "no doubt", "without a doubt", "i sure do", "you got it", "no complaints",
}  # fmt: skip
WEAK_YES = {
    "ok", "okay", "alright", "all right", "right", "fine", "uh huh", "mm hmm", "i guess so",
    "i guess", "mhm",
}  # fmt: skip
WEAK_NO = {"unfortunately", "sadly", "i'm afraid", "regrettably"}
NO = {
    "no", "nope", "nah", "not really", "no way", "not at all", "never", "negative", "i don't",
    "i do not", "i don't think so", "i haven't", "i have not", "i can't", "i cannot",
    "i can not", "i'm not", "i am not", "i won't", "i will not", "i'd rather not",
    "i would rather not", "rather not", "unfortunately not", "not yet", "absolutely not",
    "definitely not", "certainly not", "of course not", "no thanks", "no thank you",
    "i don't have", "i do not have", "i have no", "i've got no", "there's no", "there is no",
    "we don't", "not quite", "i'm afraid not", "afraid not", "i guess not", "i don't agree",
    "i disagree", "it isn't", "it's not", "not", "don't", "i do not consent", "without",
    "there isn't", "there aren't", "i lack", "no chance",
}  # fmt: skip
# Hedges are consumed so their words do not count: "not sure" is not a "not".
NEUTRAL = {
    "not sure", "i'm not sure", "i don't know", "don't know", "maybe", "i'm not certain",
    "not certain", "it depends", "depends", "sort of", "kind of", "more or less", "not always",
    "sometimes", "mostly", "i hope so", "hopefully", "probably",
}  # fmt: skip
#: Hedges that make a yes or no unsure enough to ask once more (doubt, not frequency:
#: "sometimes" answers "Would anything interrupt you?").
UNSURE = {"not sure", "i'm not sure", "i don't know", "don't know", "maybe", "not always",
          "it depends", "depends", "i hope so", "hopefully", "probably",
          "sort of", "kind of", "more or less", "not certain", "i'm not certain"}  # fmt: skip

#: Words for what a workplace question hopes is absent: "no interruptions" is a yes to "a quiet
#: room without interruptions", "there is some noise" is a no to it. Stems (see concept_match).
BAD_TERMS = _words(
    "interrupt interruption interrupted interrupting disturb disturbed disturbance distraction "
    "distract distracted noise noisy loud problem problems issue issues trouble drop drops "
    "dropout outage outages lag laggy unstable unreliable slow disconnect disconnects "
    "disconnection barking crying shared interruptions distractions bother bothers bothered "
    "bothering "
    # The line cutting out: "never cuts out, no buffering" (scorer 2.9.1).
    "cut cuts buffering freeze freezes freezing"
)
#: Who or what could make a room loud: said to be absent ("not a soul in the house, no kids,
#: no dog") they are a yes to a quiet room; merely there ("my housemates are out a lot", "the
#: kids are at school") they say nothing (scorer 2.9.1).
ABSENT_TERMS = _words(
    "kids children baby babies dog dogs pets soul flatmates housemates roommates neighbours "
    "neighbors traffic"
)
#: An occasional problem ("it cuts out now and then") is worth asking about, not a plain no.
OCCASIONAL = (
    r"\b(?:now and (?:then|again)|sometimes|occasionally|once in a while|from time to time|"
    r"every so often|the odd time)\b"
)
#: Whoever would be in the way is away ("but he's at school in the day", "she works nights"):
#: in a "but" after a no, a counterpoint worth asking about, not part of the no.
AWAY = (
    r"\b(?:at (?:school|work|college|uni|university|nursery|daycare|the office|the shop)|"
    r"out (?:all day|at work|during the day|in the day)|away (?:all day|during the day|a lot)|"
    r"works? (?:nights|days|away|late|full[- ]time)|(?:is|are|'s|'re) (?:out|away)\b)"
)
#: Words for what such a question asks for: "not quiet" is a no, "very quiet" a yes.
GOOD_TERMS = _words("quiet private stable reliable fast wired dedicated separate peaceful silent")

#: Words that may come before an answer word while it still leads its clause ("well, yes").
LEAD_WORDS = _words("um uh er erm hmm oh ah well so yes yeah honestly actually and")

#: Words after which a leading "no" is still the answer ("no I don't", "no the room is shared");
#: before anything else it is a determiner ("no kids, no pets"): what is absent decides, and a
#: bare "no <thing>" is only a weak no.
NO_ANSWER_NEXT = _words(
    "i i'm i've i'd i'll we we're we've it it's its there there's they they're that that's this "
    "the my our sorry thanks thank unfortunately sadly not never nope no nah but because actually "
    "really honestly so well sir ma'am mate"
)

#: Answer words that are only a verb when more follows in the clause (none in English).
COPULA: frozenset[str] = frozenset()

# --- negation ------------------------------------------------------------------------------------

NEGATORS = _words(
    "not no never without hardly barely scarcely rarely seldom nor neither nobody nothing none "
    "cannot dont didnt doesnt wont cant couldnt wouldnt shouldnt isnt arent wasnt werent "
    "havent hasnt hadnt mustnt aint"
)
# "not only ... but also", "no matter what", "no doubt", "no problem, I'll refund": negators
# that do not negate what follows.
NOT_NEGATING_NEXT = _words("only matter doubt problem problems worries worry question")
# Words that start a new proposition: negation does not reach across them.
SCOPE_END = _words("but and so because although though however yet while whereas instead then")
#: A clause opening with one of these is a concession after the answer.
CONTRAST = _words("but although though however")
#: After a concept, these (within its clause) say it is not on offer: "weekends don't work",
#: "evenings are out", "mornings are not possible" (each a tuple of words, stemmed forms).
POST_NEGATORS: tuple[tuple[str, ...], ...] = (
    ("dont", "work"), ("doesnt", "work"), ("wont", "work"), ("not", "work"),
    ("are", "out"), ("is", "out"), ("not", "possible"), ("impossible",), ("are", "not"),
    ("is", "not"), ("isnt",), ("arent",), ("no", "good"), ("not", "for", "me"),
    ("are", "a", "no"), ("is", "a", "no"), ("cant",), ("i", "cant"), ("not", "an", "option"),
)  # fmt: skip

# Irregular past forms common in interview answers ("I lost my temper", "I kept calm"), for the
# concept matcher's stemmer.
IRREGULAR_FORMS = dict(
    pair.split(":")
    for pair in _words(
        "lost:lose kept:keep felt:feel made:make took:take taken:take spoke:speak spoken:speak "
        "told:tell said:say went:go gone:go did:do done:do got:get gotten:get gave:give "
        "given:give thought:think taught:teach brought:bring bought:buy sold:sell dealt:deal "
        "led:lead met:meet left:leave stood:stand understood:understand wrote:write "
        "written:write began:begin begun:begin children:child people:person"
    )
)

# --- requests inside answers ---------------------------------------------------------------------

#: Words that make a phrase part of a described scene rather than a request to the interviewer:
#: "I'd promise to call back", "tell them to stop", "the customer was not interested".
NARRATIVE = (
    r"\b(?:i'd|i would|i will|i'll|i'm going to|i'd also|we'd|we would|we will) "
    r"(?:\w+ )?(?:say|tell|promise|offer|ask|explain|apologi[sz]e|reassure|let|make|arrange|"
    r"schedule|assure|give|call|try|check|follow|get|send|confirm|escalate|listen|acknowledge)"
    r"|\b(?:promise|promised|offer|offered|agree|agreed|arrange|arranged|schedule|scheduled) to\b"
    r"|\b(?:tell|told|ask|asked|let|help|helped|remind|reminded) (?:them|him|her|the customer|"
    r"the caller|the client|customers|callers|clients)\b"
    r"|\b(?:they|them|he|she|him|her|customer|customers|caller|callers|client|clients|people|"
    r"someone|somebody|manager|supervisor|colleague|colleagues|boss)\b"
    r"|\b(?:if|whenever|until|unless) "
)
#: A modal right before "call back" makes it the candidate's own action: "I'd call back
#: customers", "we always call back" (but "I'd like to stop" is a request).
MODAL_BEFORE = (
    r"\b(?:i'd|i would|i will|i'll|we'd|we would|we will|we'll|i always|i usually|i often|"
    r"i normally|we always|we usually) $"
)
MODAL_ACTIONS = ("call", "ring", "phone", "get back")

#: Words that do not count against a request being clearly meant ("Can you call me back?").
REQUEST_WORDS = _words(
    "i i'm im me my you can could would will please sorry now right just really honestly um uh "
    "er oh well so okay ok thanks thank the a it this that to be is are am"
)

# --- numbers -------------------------------------------------------------------------------------

NUMBER_WORDS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "couple": 2, "few": 3,
    "several": 3, "half": 0.5,
}  # fmt: skip
#: Words an amount said on its own may have around it ("about fifteen dollars an hour?"): such
#: a turn ending in "?" is a rising tone, not a question (dialogue.intents.looks_like_question).
AMOUNT_WORDS = _words(
    "about around roughly maybe like um uh dollars dollar bucks pounds euros an a per hour hours "
    "year month week k thousand grand and fifty cents or so minimum at least"
)
#: Unit words to normalised units.
UNITS = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "month": "month",
    "months": "month", "week": "week", "weeks": "week", "day": "day", "days": "day",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "dollar": "dollar",
    "dollars": "dollar", "bucks": "dollar",
}  # fmt: skip


# --- requests to the interviewer -----------------------------------------------------------------
# Per intent (the values of dialogue.intents.Intent): see RequestRule for the three strengths.

_TARGET = (
    r"(?:a |an |the |your |some )?(?:real |actual |live |human )?"
    r"(?:person|human being|human|someone|somebody|recruiter|representative|operator|"
    r"hiring manager|manager|people|hr|staff member|agent)"
)
_SPEAK = r"(?:speak|talk|chat) (?:to|with)"

INTENT_RULES: dict[str, RequestRule] = {
    "robot": RequestRule(
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
    "human": RequestRule(
        phrases=(
            rf"(?:can|could|may|let) (?:i|me) (?:please )?{_SPEAK} {_TARGET}",
            rf"i(?:'d| would)? (?:like|want|need|prefer) to {_SPEAK} {_TARGET}",
            rf"i wanna {_SPEAK} {_TARGET}",
            rf"(?:put|get|transfer|connect) me (?:through )?(?:to|with) {_TARGET}",
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
    "opt_out": RequestRule(
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
            # (not "I'll pass on that one": declining one question, see DECLINE)
            r"(?:i'll|i will) pass(?! on (?:that|this|the) (?:one|question|bit|part)\b)",
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
    "busy": RequestRule(
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
    "slow_down": RequestRule(
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
    "repeat": RequestRule(
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
    "clarify": RequestRule(
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

# A phrase right after a negation does not count ("I don't want to stop", "no need to transfer me").
REQUEST_NEGATION = (
    r"\b(?:don't|do not|didn't|did not|never|won't|wouldn't|doesn't|no need to|not)\s+"
    r"(?:(?:want|need|wanna|going|have|like|mean|plan|wish|intend)\s+(?:to\s+)?)?$"
)
# "I never think I want to quit", "I don't feel like I need to stop": a negated frame a few
# words back.
NEGATED_FRAME = (
    r"\b(?:never|don't|do not|didn't|did not|won't|wouldn't) (?:think|feel|say|said|believe|"
    r"feel like) (?:that )?(?:i|i'd|i'll|we)(?: \w+)?\s*$"
)
FILLERS = (
    r"^(?:(?:um+|uh+|er+m?|hmm+|oh|ah|well|so|hey|hi|ok|okay|sorry|excuse me|i'm sorry|please|"
    r"just)\s+)+|(?:\s+(?:please|thanks|thank you|then|now|sorry))+$"
)
# A question word followed by a verb or quantity ("what is", "how much"), or an inverted auxiliary
# ("do you", "is there"): "What I do is ..." and "How about twenty" are answers.
QUESTION_START = (
    r"^(?:(?:what|how|when|where|who|which|why)(?:'s|'re|\s+(?:is|are|was|were|do|does|did|can|"
    r"could|will|would|should|much|many|long|often|kind|time|type|exactly|if))"
    r"|(?:is|are|do|does|did|can|could|will|would|should|may|am|have|has)\s+(?:i|you|we|it|there|"
    r"this|that|the|your|they|he|she|a|an|my))\b"
)
QUESTION_CUE = (
    r"\b(?:i'd like to know|i want to know|i was wondering|quick question|i have a question|"
    r"tell me (?:more )?about|can i ask)\b"
)
#: Question words used indefinitely, which ask nothing: "whatever works", "whichever shift",
#: "any day works", "anything is fine". A sentence that ends in "?" (a transcriber's guess at a
#: rising tone) with one of these and no other question shape is an answer.
INDEFINITE_WH = (
    r"\b(?:whatever|whichever|whenever|wherever|however|whoever)\b"
    r"|\b(?:any ?(?:time|one|body|thing|where)|any \w+(?: \w+)?|either(?: \w+)?)"
    r" (?:works?|would work|will work|is fine|is ok(?:ay)?|is good|is great|suits|will do|goes)\b"
)
#: What is left of such a sentence still asks when it has a question word or starts with an
#: auxiliary ("Does any day work?").
QUESTION_WORD = (
    r"\b(?:what|how|when|where|who|which|why)\b"
    r"|^(?:is|are|do|does|did|can|could|will|would|should|may|am|have|has|shall)\b"
)

#: A clause about a condition or a plan, not about what the candidate has now: "if I get the job
#: I'll get broadband" / "I'm planning to get fibre" is no evidence of a yes.
HYPOTHETICAL = (
    r"\b(?:if|unless|in case|plan(?:ning)? to|going to (?:get|set up|install|order|sort)|"
    r"(?:i'll|i will|i'd|i would|i could|i can|we'll|we could|we can) (?:get|set up|install|"
    r"order|sort out|look into|arrange)|next (?:week|month|year)|as soon as|once i)\b"
)

# --- turn-taking ---------------------------------------------------------------------------------

#: Backchannels: sounds a listener makes without taking the floor (never answer words).
BACKCHANNELS = {
    "mm", "mmm", "mhm", "mm-hm", "mm-hmm", "mmhm", "hmm", "hm", "uh-huh", "uh", "um", "ah", "oh",
    "aha", "i see", "right", "got it",
}  # fmt: skip

#: Words an unfinished sentence ends on ("and", "um"): the speaker has more to say.
OPEN_ENDINGS = {
    "and", "but", "so", "because", "or", "um", "uh", "erm", "er", "like", "then", "the", "a",
    "an", "to", "of", "with", "my", "for", "if", "hmm", "hum", "mm",
}  # fmt: skip

#: Words that open a sentence or clause continuing the last one ("And then, um, ..."). Such a
#: word with at most two more after it ends nothing, however Whisper punctuates it: it misheard
#: "and then, um," as "And then, come." and "... team and then, hum." and ended a 60 s answer.
CONTINUATION_OPENERS = {"and", "but", "so", "then", "because", "or", "also", "plus"}

#: Real words Whisper writes for a filler ("um" heard as "come"; the fillers themselves are in
#: OPEN_ENDINGS). After a connective they end nothing either: "... team and then come." ended a
#: 60 s answer at its thinking pause (loaded run, issue 11), though "and then" plus a real word
#: ("and then apologise.") is an ending.
MISHEARD_FILLERS = {"come", "thumb", "calm"}

# --- assessment guards (dialogue.assessment.guards) ---------------------------------------------

#: Brush-offs the script-independent refusal guard reads, besides refusing and blaming phrases.
DISMISSIVE = (
    r"^(?:\w+ )?whatever$|say whatever|whatever happens|not a big deal|no big deal|"
    r"(?:just|simply) ignore (?:it|them)|just move on to the next|"
    r"someone (?:might|may|will) get (?:to|back to) (?:it|them) (?:eventually|some ?time)|"
    r"might get to it|deal with it later|not worth (?:it|my time)|can't be bothered|"
    r"\b(?:someone|somebody)(?:'ll| will| might| may)? get (?:round |around )?to (?:it|them)\b|"
    r"\bget (?:round|around) to (?:it|them) (?:eventually|at some point|one day)\b|^meh\b|"
    r"(?:it's|that's|it is|that is) (?:on|up to) (?:them|the customer|the courier)|"
    r"(?:the )?(?:courier|driver|delivery company|warehouse)'s fault|"
    r"(?:broke|damaged) it (?:themselves|himself|herself)|isn't on us|not on us|"
    # Refusal frames worded afresh: leaving the problem to the customer, ending the contact,
    # walking away from the work, declining to be treated that way.
    r"\b(?:sort|take|settle|deal with|figure)\b[^.;!?]{0,40}\bthemselves\b|"
    r"\b(?:then|and|just)(?: i'd| i'll| i)? (?:just )?(?:end|cut off|drop|close) "
    r"the (?:call|chat)\b|"
    r"\blog (?:off|out) early\b|\b(?:leave|go home) early\b|\bwalk (?:out|off)\b|"
    r"\bnot (?:paid|here) to (?:be|get) (?:shouted|yelled|screamed) at\b|"
    r"\b(?:not|won't|wouldn't|never) (?:going to )?put(?:ting)? up with\b"
)
#: Declining to answer ("I'd rather not go into that", "skip this one", "next question"):
#: an answer that says only this answers nothing (dialogue.assessment.guards.framed_only).
DECLINE = (
    r"\b(?:rather|prefer(?:red)?) not(?: to)? (?:say|answer|talk|discuss|go into|get into|share|"
    r"comment|elaborate)\b|\b(?:rather|prefer) not(?: to)?[.!]*$|"
    r"\b(?:don't|do not|didn't) (?:want|wish|feel like|care) to (?:say|answer|talk|discuss|"
    r"go into|get into|share)\b|\bnot (?:comfortable|happy) (?:saying|answering|talking|sharing)\b|"
    r"\bskip (?:this|that|it|the question)\b|\bnext question\b|\bno comment\b|"
    r"\bpass on (?:this|that)\b|\bnone of your business\b|\bnot (?:going|gonna) to (?:answer|say)\b"
)
#: The question said back to the interviewer ("... and you'd like to know what I would do").
QUESTION_BACK = (
    r"\byou(?:'d| would) (?:like|want) to know\b|\byou (?:want|wanna) to know\b|"
    r"\byou(?:'re| are) asking(?: me)?\b|\bthe question (?:is|was)\b|"
    r"\byou want me to (?:tell|say|describe|explain)\b"
)
#: A story about someone's private life: the candidate's family and friends, holidays (issue 10:
#: anecdotes that reuse the job's words score like answers). Things a shop sells (garden
#: furniture, cat food, birthday cards) are not on the list.
PRIVATE_LIFE = (
    r"\bmy (?:mum|mom|mother|dad|father|parents?|grand(?:ma|pa|mother|father|parents?)|nan|"
    r"sister|brother|siblings?|cousin|aunt|uncle|husband|wife|partner|boyfriend|girlfriend|"
    r"kids?|children|son|daughter|family|friends?|neighbou?r)\b|"
    r"\b(?:on holiday|vacation|picnic|camping|went to the beach)\b"
)
#: Words that put an answer in the job: customers, colleagues, shifts, the candidate's own work.
JOB_CONTEXT = (
    r"\b(?:customers?|callers?|clients?|shoppers?|buyers?|guests?|colleagues?|co-?workers?|"
    r"managers?|supervisors?|team ?leads?|shifts?|rota|schedule|queue|tickets?|agents?|"
    r"available|availability|hours)\b|"
    r"\b(?:handling|answering|processing|managing|dealing with|looking after|taking care of|"
    r"serving|selling|packing|shipping)\b|"
    r"\bfor (?:a|one|two|three|four|five|six|\d+|a few|several) (?:years?|months?)\b|"
    r"\bi(?:'ve| have| had)? (?:worked|work|handled|handle|answered|answer|took|take|dealt|deal|"
    r"did|do|managed|manage|ran|processed|process|can|could|would|'d|will|'ll)\b|"
    r"\b(?:my|our|the) (?:last |previous |old |current )?(?:job|work|role|employer|company|shop|"
    r"store|office|desk|centre|center)\b|\bat work\b"
)
#: Third-person subjects: a clause told of "he" or "she" is someone else's story, not the
#: candidate's job (customers are "they" or "the customer" in these answers).
THIRD_PERSON = r"\b(?:he|she|his|her|him)\b"
#: The candidate as the subject of a clause ("I worked at my uncle's shop").
FIRST_PERSON_AGENT = r"\b(?:i|i'm|i've|i'd|i'll)\b"
#: The candidate as a subject anywhere in an answer (a family story without it is nobody's job).
SELF_AS_SUBJECT = FIRST_PERSON_AGENT
#: The candidate (or the candidate's team) anywhere in an answer: an answer about what the
#: candidate did or would do names them.
SELF = r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|we'd|we'll|us|our)\b"
#: An opinion frame ("I think ...") names the candidate without saying what they do.
OPINION_FRAME = (
    r"\bi (?:think|feel|believe|guess|reckon|suppose|would say|'d say)\b|"
    r"\bin my (?:opinion|view)\b|\bpersonally\b"
)
#: People in general as the subject ("people feel it", "everybody orders online"); not as the
#: customers of a telegraphic answer ("taking people's questions", "people who were upset").
#: Customers ("they", "the customer") are not here: an answer about them is about the job.
PEOPLE_IN_GENERAL = (
    r"\b(?:people|everyone|everybody|someone|somebody|anyone|anybody|society|the world|folks|"
    r"the public|most of us)\b(?!'s| who| that| with| like)"
)
#: Words that commit to nothing ("not sure yet", "I guess, yeah", "it depends"): an answer of
#: these, function words and fillers alone is no answer (dialogue.assessment.guards).
HEDGES = (
    "know sure guess depends depend maybe perhaps yeah yep dunno yet really idea think thing "
    "things stuff okay ok like kind sort probably honestly basically whatever see"
)
#: A clause that names something and then declines it: "mornings I can't do", "weekends
#: aren't possible", "nights don't work for me". The embedding model reads the named words and
#: misses the no after them (dialogue.assessment.guards.affirmative_reading).
DECLINED_TAIL = (
    r"\b(?:i |we )?(?:can't|cannot|can not|couldn't|won't be able to)(?: do| make| manage| work)?"
    r"(?: (?:it|them|that|those))?$|"
    r"\b(?:is|are|'s|'re)? ?(?:not|n't|never) (?:possible|an option|okay|ok|good|available)$|"
    r"\b(?:isn't|aren't) (?:possible|an option|okay|ok|good|available)$|"
    r"\b(?:don't|doesn't|won't|wouldn't) work(?: for me)?$|\bno good$|\bnot for me$"
)
#: A clause longer than this (in words) says more than its negator (an unpunctuated transcript).
STANCE_CLAUSE_WORDS = 12
#: The no after the word, through a word that points back to what was named first ("Online
#: orders, returns, deliveries, none of that I've done"; "Apologising, that I wouldn't do"): the
#: negation's scope runs back over the named things. A part of a clause after a comma that opens
#: like this, and is negated, negates the parts before it. Only denials of doing, agreeing,
#: offering and having done: a pointing-back clause that negates a verb of its own ("that I never
#: forget", "those I never take personally", "none of that is hard") says how, not no.
_DOING = (
    r"(?:do|did|done|doing|agree|agreed|accept|offer|give|handle|handled|work|worked|cover|"
    r"manage|managed|touch|touched|try|tried|deal|dealt|say|said)"
)
#: "I could apologise and book a replacement, but I won't": the answer names what it could do,
#: then takes it all back with a no that ends its clause (a no with an object of its own, "but
#: I won't promise what I can't keep", says how, not no) (``guards.withheld``).
WITHHELD_NO = (
    r"\b(?:but|though|yet|however)\b[^.!?;]{0,25}?\b(?:i|we) ?(?:won't|will not|wouldn't|would not|"
    r"(?:'m|am|'re|are) not (?:going to|gonna)|don't want to|do not want to|"
    r"refuse to|can't be bothered|don't bother|never do|'m not doing|am not doing|don't)"
    r"(?: do| bother| do so)?(?: (?:it|that|this|them|any of (?:it|that|this|them)))?"
    r"(?: (?:though|honestly|anyway|really))?\s*(?=[,.;!?]|$)"
)
#: What the candidate could do, before the withheld no ("I could", "I know how to").
WITHHELD_CAPABLE = (
    r"\b(?:i|we) (?:could|can|know how to|am able to|'m able to|would be able to|"
    r"know (?:i|we) (?:should|could|ought to))\b|\bi know (?:what|how)\b"
)
#: A plan after the withheld no makes it an answer ("..., but I won't; I'd listen instead").
WITHHELD_ALTERNATIVE = (
    r"\b(?:instead|rather|what i(?:'d| would) do)\b|"
    r"\b(?:i'd|i would|i'll|i will)\s+(?!not\b|never\b|rather not\b)\w+"
)
RESUMED_NO = (
    # "Breaks, breathing, a plan: none of that works for me" denies that the named things help.
    r"(?:none|nothing|neither|not one|not any) of (?:that|this|those|these|it|them) "
    r"(?:works?|helps?|does anything|is any (?:good|use))\b|"
    r"(?:that|this|those|these|it) (?:doesn't|don't|won't|never|does not|do not) (?:works?|helps?)"
    r"(?: for me| me)?[.!]*$|"
    r"(?:none|nothing|neither|not one|not any) of (?:that|this|those|these|it|them)"
    r"(?: (?:is|are) anything)? (?:(?:have|has|did) )?(?:i|we)\b|"
    r"(?:that|this|those|these|it|which)(?:'s| is| are|'re| isn't| aren't| is not| are not)? "
    r"(?:not )?(?:something|anything) (?:that )?(?:i|we)\b|"
    r"(?:that|this|those|these|them|it) (?:i|we)(?:'ve|'d)? (?:\w+n't|never|cannot|can not|"
    rf"will not|would not|do not|did not|have not)(?: ever)? {_DOING}\b"
    r"(?: (?:to|with|for|on|it|that|them|either|ever))?[.!]*$"
)
#: Negators that do not make a clause negative ("don't mind", "no problem", "never mind").
NEGATION_EXEMPT = (
    r"\b(?:don't|do not|wouldn't|would not) mind\b|\bno (?:problem|matter|doubt|worries)\b|"
    r"\bnever mind\b|\bnot only\b|\bcan't wait\b|"
    r"\bnot (?:a |an )?(?:problem|issue|bother)\b|"
    r"\bnone of (?:that|this|it|them) (?:is|are|was|were) (?:a |an )?(?:problem|issue|bother)\b"
)
#: Hesitation sounds anywhere, and pleasantries that open an answer ("No problem, I'd refund
#: them"): no content, left out of the text the scorer's model reads (never out of quotes).
#: "No problem" is otherwise read as near "not my problem".
NO_CONTENT = (
    r"\b(?:um+|uh+|erm+|er|hmm+|mm+)\b[,.]?\s*|"
    r"^(?:(?:no problem|no worries|sure|okay|ok|right|well|so|oh|yeah|of course|good question)"
    r"\b[,.!]?\s*)+"
)
#: Sentences that stand for "private life" and "doing the job": a story whose words look like
#: the job is told apart by which of these it is nearer (the scorer's embedding model).
PRIVATE_LIFE_ANCHORS = (
    "This is a story about my family and friends at home.",
    "We spent the weekend relaxing together as a family.",
    "My relatives told us about their day over dinner.",
)
JOB_ANCHORS = (
    "At work I helped customers and handled their requests.",
    "In my job I dealt with callers and fixed their problems.",
    "I would help the customer and sort out the problem.",
)

# --- availability on a rota (dialogue/assessment/rota.py) -----------------------------------------

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Day words and the days (0 = Monday) they name.
ROTA_DAYS: tuple[tuple[str, frozenset[int]], ...] = (
    (
        r"\bweekdays?\b|\bweek ?days?\b|\bmonday (?:to|through|thru|-) friday\b|"
        r"\bworking days\b|\bduring the week\b|\bin the week\b|\bmon-fri\b",
        frozenset(range(5)),
    ),
    (r"\bweekends?\b", frozenset({5, 6})),
    (
        r"\b(?:any|every|each|whichever|whatever) day\b|\bseven days\b|\bdaily\b|"
        r"\ball week\b|\bdays? of the week\b|\b7 days\b|\bevery ?day\b",
        frozenset(range(7)),
    ),
    *((rf"\b{name}s?\b", frozenset({i})) for i, name in enumerate(_WEEKDAY_NAMES)),
)
_DAY = "|".join(_WEEKDAY_NAMES)
#: A run of days ("Wednesday to Friday"): ``a`` and ``b`` are keys of :data:`ROTA_DAY_INDEX`.
ROTA_DAY_RANGE = rf"\b(?P<a>{_DAY})s?\s*(?:to|through|thru|till|until|-)\s*(?P<b>{_DAY})s?\b"
ROTA_DAY_INDEX = {name: i for i, name in enumerate(_WEEKDAY_NAMES)}
#: Parts of the day (0 morning, 1 afternoon, 2 evening) and the words for them.
ROTA_PARTS: tuple[tuple[str, frozenset[int]], ...] = (
    (r"\bmornings?\b|\bearly(?: shifts?)?\b|\bearlies\b|\bopening shifts?\b", frozenset({0})),
    (r"\bafternoons?\b|\bmidday\b|\blunchtimes?\b|\bmid shifts?\b", frozenset({1})),
    (
        r"\bevenings?\b|\bnights?\b|\blate(?: shifts?)?\b|\blates\b|\bclosing shifts?\b|"
        r"\bafter (?:5|five|six|6|work)\b",
        frozenset({2}),
    ),
    (r"\bdaytimes?\b|\bduring the day\b|\bday shifts?\b", frozenset({0, 1})),
)
#: Words that offer the whole rota, or the whole of the days or times named with them.
ROTA_ANY = (
    r"\bany ?(?:time|shifts?|hours?|schedule)\b|\bwhenever\b|\bflexible\b|\bwhatever you need\b|"
    r"\bopen availability\b|\bfully available\b|\bcompletely free\b|\bround the clock\b|"
    r"\ball (?:of )?(?:the )?(?:shifts|hours|times)\b|\bany of (?:them|those|the shifts)\b|"
    r"\banytime\b|\b24/7\b|\bfull[- ]time\b|\bno restrictions?\b|"
    r"^(?:pretty much |just about )?(?:anything|any of it|any of them)\b|\bmost days\b"
)
#: The whole day, said of the days named before it ("Wednesdays and Fridays, all day").
ROTA_ALL_DAY = r"\ball day\b|\bthe whole day\b|\ball the day\b|\bfull days?\b"
#: Hour ranges: "from eight to four", "9am-5pm", "between eight and ten".
ROTA_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "noon": 12, "midday": 12,
}  # fmt: skip
_HOUR = r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday"
_MERIDIEM = r"(?::\d\d)?\s*(?:o'clock\s*)?(?:(?P<{0}_am>a\.?m\.?)|(?P<{0}_pm>p\.?m\.?))?"
ROTA_HOUR_RANGE = (
    rf"(?P<start>{_HOUR}){_MERIDIEM.format('start')}\s*(?:to|till|until|and|through|-)\s*"
    rf"(?P<end>{_HOUR}){_MERIDIEM.format('end')}"
)
#: A clause that withdraws what it names: "mornings I can't do", "no weekends", "not Sundays".
ROTA_NEGATED = (
    r"\b(?:no|not|never|neither|nor|can't|cannot|couldn't|won't|don't|isn't|aren't|wasn't|"
    r"doesn't|unable|impossible|unavailable|out of the question)\b"
    r"(?! (?:problem|matter|doubt|worries|mind)\b)|\bare out\b|\bis out\b|"
    # A time given to something else: "mornings I've got the school run", "evenings I have
    # classes" (scorer 2.7).
    r"\b(?:i have|i've got|i got|i've) (?:school|classes|class|college|uni|lectures|the kids|"
    r"childcare|another job|my other job|the school run)\b|\bschool run\b|"
    r"\bpick(?:ing)? up the kids\b|\bpick(?:ing)? the kids up\b|\bschool pick-?ups?\b|"
    r"\bmy (?:classes|lectures|course|other job|day job)\b|"
    r"\brather (?:keep|have) (?:\w+ )?(?:free|off)\b|\bkeep (?:\w+ )?free\b|"
    # "I keep the weekends for the grandkids", "weekends I'm with my kids" (scorer 2.9).
    r"\bkeep (?:the |my )?\w+ for\b|^\s*i keep\b(?! (?:\w+ )?free)|"
    r"\bfor (?:my|the) (?:family|kids|children|grandkids)\b|"
    r"\bi'?m (?:with (?:my|the) (?:kids|children|grandkids|family)|at church)\b|"
    r"\b(?:nope|nah)\b|"
    # "the weekends are mine", "I work the door Thursday to Sunday", "I teach a class on
    # Tuesdays": the time is kept, or given to other work (scorer 2.11).
    r"\b(?:are|is) (?:mine|my own)\b|\bto myself\b|"
    r"\bi (?:teach|coach|volunteer)\b|\bi work (?:the|at|in|as|for|my|another|a|an)\b"
)
#: A clause that offers its slots only partly: "maybe some weekends", "every other Saturday".
ROTA_HEDGE = (
    r"\b(?:maybe|sometimes|occasionally|some|might|possibly|perhaps|harder|difficult|tricky|"
    r"depends|depending|every other|alternate|once|twice|a few|now and then|if needed|"
    r"if i have to|not always|rarely|the odd|one or two|a couple|probably|we'll see|"
    r"see how it goes|one weekend day|one day at (?:the )?weekends?)\b"
)
#: A denial that names no time and points back at the times named before it ("Nights and
#: Sundays, that isn't something I can do"), not one that says how ("not too late, please").
ROTA_POINTS_BACK = r"\b(?:that|this|those|these|them|it|which|none|neither)\b"
#: Words that make a sentence an offer to work (a story that names days is not one).
ROTA_OFFER = (
    r"\b(?:can|could|available|free|fine|ok|okay|work|works|working|do|happy|open|only|prefer|"
    r"good|suits?|possible|able|manage|cover|willing|ready|shifts?|rota|schedule|hours|no problem|"
    r"flexible|any|whenever|not|no|never|can't|cannot)\b"
)
#: Characters of this language's script: a clause in it inside an answer in the other language
#: is read with these word lists (code-switching, dialogue.assessment.rota).
SCRIPT_CHARS = r"[a-z]{2,}"
#: A clause that adds its times to those before it ("weekends, evenings too").
ROTA_ALSO = r"\b(?:too|also|as well|plus)\b"
#: Times joined so that what is said of the last covers them ("Saturdays and Sundays are out").
ROTA_AND = r"and|&"
#: Where one clause ends and the next begins.
ROTA_CLAUSE_SPLIT = r"[.,;:!?]+|\b(?:and|but|though|although|plus|also|or|while|whereas)\b"
#: "any day except Sundays": ``out`` is withdrawn from the rest of the clause.
ROTA_EXCEPT = r"\b(?:except(?: for)?|apart from|other than|besides|excluding|bar)\b(?P<out>.*)$"
