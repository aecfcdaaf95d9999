"""English language data (see :mod:`dialogue.lang`)."""

from __future__ import annotations


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
    "it is", "it's fine", "that's fine", "i'd love to", "continue", "no doubt", "without a doubt",
    "i sure do", "you got it",
}  # fmt: skip
WEAK_YES = {
    "ok", "okay", "alright", "all right", "right", "fine", "uh huh", "mm hmm", "i guess so",
    "i guess", "mhm",
}  # fmt: skip
NO = {
    "no", "nope", "nah", "not really", "no way", "not at all", "never", "negative", "i don't",
    "i do not", "i don't think so", "i haven't", "i have not", "i can't", "i cannot",
    "i can not", "i'm not", "i am not", "i won't", "i will not", "i'd rather not",
    "i would rather not", "rather not", "unfortunately not", "not yet", "absolutely not",
    "definitely not", "certainly not", "of course not", "no thanks", "no thank you",
    "i don't have", "i do not have", "i have no", "i've got no", "there's no", "there is no",
    "we don't", "not quite", "i'm afraid not", "afraid not", "i guess not", "i don't agree",
    "i disagree", "it isn't", "it's not", "not", "don't", "i do not consent", "without",
    "there isn't", "there aren't", "i lack",
}  # fmt: skip
# Hedges are consumed so their words do not count: "not sure" is not a "not".
NEUTRAL = {
    "not sure", "i'm not sure", "i don't know", "don't know", "maybe", "i'm not certain",
    "not certain", "it depends", "depends", "sort of", "kind of", "more or less", "not always",
    "sometimes", "mostly", "i hope so", "hopefully", "probably",
}  # fmt: skip
#: Hedges that make a yes or no unsure enough to ask once more.
UNSURE = {"not sure", "i'm not sure", "i don't know", "don't know", "maybe", "not always",
          "sometimes", "it depends", "depends", "i hope so", "hopefully", "probably",
          "sort of", "kind of", "more or less", "not certain", "i'm not certain"}  # fmt: skip

#: Words for what a workplace question hopes is absent: "no interruptions" is a yes to "a quiet
#: room without interruptions", "there is some noise" is a no to it. Stems (see concept_match).
BAD_TERMS = _words(
    "interrupt interruption interrupted interrupting disturb disturbed disturbance distraction "
    "distract distracted noise noisy loud problem problems issue issues trouble drop drops "
    "dropout outage outages lag laggy unstable unreliable slow disconnect disconnects "
    "disconnection barking crying shared interruptions distractions"
)
#: Words for what such a question asks for: "not quiet" is a no, "very quiet" a yes.
GOOD_TERMS = _words("quiet private stable reliable fast wired dedicated separate peaceful silent")

#: Words that may come before an answer word while it still leads its clause ("well, yes").
LEAD_WORDS = _words("um uh er erm hmm oh ah well so yes yeah honestly actually and")

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
#: Unit words to normalised units.
UNITS = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "month": "month",
    "months": "month", "week": "week", "weeks": "week", "day": "day", "days": "day",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "dollar": "dollar",
    "dollars": "dollar", "bucks": "dollar",
}  # fmt: skip
