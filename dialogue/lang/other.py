"""Languages a candidate may answer in that no script is written in: enough to name them.

The scorer flags an answer given in another language than the script's (and caps it: the role
works in the script's language). Han against Latin letters tells Mandarin from English, but a
multilingual embedding understands Romanian or Polish as well as English, so an answer in them
scored like an English one, unflagged. Other writing systems are told by their letters
(:data:`SCRIPTS`); languages written in Latin letters by their commonest words
(:data:`FUNCTION_WORDS`): articles, pronouns, prepositions and auxiliaries, which every sentence
has and which differ between languages even where the nouns are borrowed ("customer", "refund").

Code-switching is told apart from another language by how many of the words are English at all
(:func:`english_words`): Taglish or Hinglish on a Tagalog or Hindi frame carries half its words
or more in English ("Four years po ako sa isang BPO, inbound calls, billing concerns"), a whole
Romanian or Polish answer a third or less (the short words the languages share).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources

#: Writing system -> (language code, name), by Unicode block. Kana before Han: Japanese mixes
#: them, and a text with kana is Japanese.
SCRIPTS: tuple[tuple[str, str, str], ...] = (
    ("\u3040-\u30ff", "ja", "Japanese"),
    ("\uac00-\ud7af\u1100-\u11ff", "ko", "Korean"),
    ("\u0400-\u04ff", "ru", "a Cyrillic-script language"),
    ("\u0e00-\u0e7f", "th", "Thai"),
    ("\u0600-\u06ff", "ar", "Arabic"),
    ("\u0900-\u097f", "hi", "Hindi"),
    ("\u0590-\u05ff", "he", "Hebrew"),
    ("\u0370-\u03ff", "el", "Greek"),
)

#: Names of the languages scripts are written in.
SCRIPT_LANGUAGES = {"en": "English", "zh": "Mandarin"}

#: Language code -> (name, its commonest words). English's list is what an English answer is
#: told by; a word two languages share counts for both (the shares are compared).
FUNCTION_WORDS: dict[str, tuple[str, str]] = {
    "en": (
        "English",
        "i i'm i'd i'll i've me my we our you your he she it it's they them their the a an "
        "and or but so to of for with in on at from by about that this is am are was were be "
        "been have has had do did would will can could should not don't didn't what when "
        "if then there just also very after before because no yes only any some all more "
        "one like well really",
    ),
    "es": (
        "Spanish",
        "el la los las un una unos del al y que en es son por para con como pero muy yo mi "
        "mis tengo he soy estoy sí cuando también porque sin sobre hasta hay donde todo nos "
        "les lo le se su sus más ya este esta eso esto años trabajé",
    ),
    "pt": (
        "Portuguese",
        "o os as um uma do da dos das e que em no na é são com para por como mas eu meu "
        "minha tenho sou estou não também quando muito já isso você ele ela nós foi anos "
        "trabalhei",
    ),
    "fr": (
        "French",
        "le la les un une des du de et est sont que qui dans pour pas sur au aux avec ce "
        "cette ces il elle ils je j nous vous on mais ou où donc ne se sa son ses mon ma mes "
        "leur par plus très suis ai été être fait c'est j'ai",
    ),
    "de": (
        "German",
        "der die das und ist nicht ein eine einen einem ich du er sie es wir ihr mit auf für "
        "von zu den dem des im auch sich dass als aber wie wenn oder noch nach bei aus habe "
        "hat haben bin sind war kann mich mir mein meine sehr nur schon jahre",
    ),
    "it": (
        "Italian",
        "il lo la gli le di da del della dei delle che e è non un una per con su sono ho ha "
        "hanno mi ti si ci come ma anche più molto questo questa quello nel nella al alla io "
        "lui lei noi sempre ogni dopo anni",
    ),
    "nl": (
        "Dutch",
        "de het een en van ik je dat die niet met op te zijn voor er maar om hij ze wat aan "
        "ook als bij dan nog naar kan heb heeft uit wel zo mijn geen worden door jaar",
    ),
    "pl": (
        "Polish",
        "i w z na się nie że jest jak ale co po tak za od jestem mam mnie mi był była było są "
        "ten ta te tego tej ich jego jej już tylko bardzo czy przez dla który która które "
        "oraz jako może więc także lub gdy żeby lat",
    ),
    "ro": (
        "Romanian",
        "și în de la cu pe nu un o este sunt am ai a că care mai să din pentru ce se mă îmi "
        "le lui ei el ea eu noi dar sau când foarte după fost fi au ar aș ani",
    ),
    "sv": (
        "Swedish",
        "och att det som en på är av för med den har de inte om ett han men var jag sig "
        "från vi så kan hon när efter eller också mycket min mitt mina år",
    ),
    "tl": (
        "Tagalog",
        "ang ng sa na mga at ay ko ako ka mo siya kami tayo sila naman lang po opo yung "
        "iyong hindi din rin kasi pero para kung may wala nang ba pa talaga",
    ),
    "id": (
        "Indonesian or Malay",
        "yang dan di ke dari ini itu dengan untuk tidak ada saya kami kita mereka akan sudah "
        "bisa juga atau pada karena tapi dalam jadi kalau saja lagi sangat boleh tak tahun",
    ),
    "hi": (
        "Hindi",
        "hai hain ka ki ke ko se mein main maine mujhe mera meri mere aur bhi nahi nahin kya "
        "kiya kar karta karti karunga hoon hun tha thi ek yeh ye woh wo kuch sab liye par pe "
        "toh bahut ji haan abhi phir jaise uske baad",
    ),
    "tr": (
        "Turkish",
        "ve bir bu da de için ile çok ben sen biz ne gibi daha ama olarak var yok değil mi mı "
        "ki kadar sonra her şey çalıştım yıl",
    ),
    "vi": (
        "Vietnamese",
        "tôi là có không của và một những các được cho với này đã sẽ thì làm ở người khách "
        "em anh chị mình rất cũng nhưng vì khi năm",
    ),
    "af": (
        "Afrikaans",
        "die en is nie het ek jy ons van wat in te op vir met dit sy hy maar ook baie was sal "
        "kan nog al as om jaar",
    ),
}


@cache
def function_words(code: str) -> frozenset[str]:
    """The commonest words of a language in :data:`FUNCTION_WORDS` (empty when not listed)."""
    return frozenset(FUNCTION_WORDS[code][1].split()) if code in FUNCTION_WORDS else frozenset()


def language_name(code: str) -> str:
    """A language's name for a recruiter's flag ("Romanian"); the code itself when unknown."""
    if code in SCRIPT_LANGUAGES:
        return SCRIPT_LANGUAGES[code]
    if code in FUNCTION_WORDS:
        return FUNCTION_WORDS[code][0]
    return next((name for _block, c, name in SCRIPTS if c == code), code)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """English words, lower case: the pronunciation lexicons (American, about 180,000 words and
    forms) of misaki, which the Mandarin voice already installs (``pyproject.toml``)."""
    data = resources.files("misaki") / "data"
    words: set[str] = set()
    for name in ("us_gold.json", "us_silver.json"):
        words.update(key.lower() for key in json.loads((data / name).read_text("utf-8")))
    return frozenset(words)


#: The plain yes and no of the languages above (and Welsh), said first: "Ναι, εντάξει",
#: "Evet, devam edebiliriz", "ได้ค่ะ". A candidate who answers the consent or a yes/no question
#: in another language has answered it; the answers are flagged as in that language, not taken
#: for silence. Only a word that opens the answer counts.
YES_WORDS = (
    # (Indonesian "ya" is left to English, which reads it already)
    "ναι", "evet", "sí", "si", "sim", "oui", "ja", "jawohl", "tak", "da", "oo", "opo", "iya",
    "haan", "हाँ", "हां", "да", "はい", "네", "예", "vâng", "dạ", "có", "نعم", "ie", "iawn",
    "ได้", "ครับ", "ค่ะ", "ใช่", "כן",
    # and their plain "okay, go ahead"
    "d'accord", "claro", "certo", "vale", "tamam", "boleh", "bisa", "silakan", "dobrze", "gut",
    "хорошо", "ладно", "좋아요", "괜찮아요",
)  # fmt: skip
NO_WORDS = (
    "όχι", "hayır", "não", "non", "nein", "nie", "nu", "hindi", "tidak", "nahin", "नहीं", "нет",
    "いいえ", "아니요", "아니오", "không", "لا", "na", "ไม่", "לא",
)  # fmt: skip
