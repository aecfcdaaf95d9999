"""The interviewer's own lines (not from a script), per language.

They are fixed text, so TTS can cache them like script prompts. ``{company}``-style placeholders are
filled from the interview's variables.
"""

from __future__ import annotations

from typing import Literal

from dialogue.text import Language

PhraseKey = Literal[
    "still_there",
    "not_heard",
    "wrap_up",
    "move_on",
    "yes_no_retry",
    "consent_thanks",
    "opt_out_confirm",
    "human_handoff",
    "callback_ask",
    "callback_confirm",
    "faq_unknown",
    "back_to_question",
    "robot_disclosure",
    "clarify_prefix",
    "slow_down",
    "ineligible",
    "no_response",
    "consent_missing",
    "confirm_opt_out",
    "confirm_human",
    "confirm_callback",
    "knockout_confirm",
    "carry_on",
]

PHRASES: dict[Language, dict[PhraseKey, str]] = {
    "en": {
        "still_there": "Are you still there?",
        "not_heard": "Sorry, I didn't catch that.",
        "wrap_up": "Thank you, that's very helpful. In the interest of time, let's move on.",
        "move_on": "No problem, let's move on to the next question.",
        "yes_no_retry": "Sorry, I didn't quite get that. Could you answer yes or no? "
        "You can also press 1 for yes or 2 for no.",
        "consent_thanks": "Thank you. Let's begin.",
        "opt_out_confirm": "Understood, we'll stop the interview here. "
        "Thank you for your time, and have a good day.",
        "human_handoff": "Of course. A recruiter from {company} will call you back "
        "as soon as possible. Thank you, goodbye.",
        "callback_ask": "No problem. When would be a better time for us to call you back?",
        "callback_confirm": "Thank you, we'll call you back then. Goodbye.",
        "faq_unknown": "That's a good question. I don't have that information, "
        "but I've noted it for the recruiter, who will follow up with you.",
        "back_to_question": "Now, back to my question.",
        "robot_disclosure": "Yes, I'm an AI interviewer, not a person. "
        "A recruiter from {company} reviews every interview.",
        "clarify_prefix": "Let me put it another way.",
        "slow_down": "Of course, I'll speak more slowly.",
        "ineligible": "Thank you for letting me know. Unfortunately this role requires that, "
        "so we can't continue the interview today. Thank you for your time, goodbye.",
        "no_response": "I'm not able to hear you, so I'll end the call now. "
        "A recruiter may contact you again. Goodbye.",
        "consent_missing": "Since I couldn't confirm your consent, I'll end the call here. "
        "A recruiter may contact you again. Goodbye.",
        "confirm_opt_out": "Would you like to stop the interview here?",
        "confirm_human": "Would you like a recruiter to call you instead of continuing now?",
        "confirm_callback": "Would you like us to call you back at another time?",
        "knockout_confirm": "Just to make sure I understood you correctly, let me ask once more.",
        "carry_on": "Thank you, let's carry on.",
    },
    "zh": {
        "still_there": "请问您还在吗？",
        "not_heard": "不好意思，我刚才没听清楚。",
        "wrap_up": "谢谢您，这些信息很有帮助。时间关系，我们进入下一个问题。",
        "move_on": "没关系，我们看下一个问题。",
        "yes_no_retry": "不好意思，我没太听明白。请您回答“是”或者“不是”，"
        "也可以按1表示是，按2表示不是。",
        "consent_thanks": "好的，谢谢您，我们开始吧。",
        "opt_out_confirm": "好的，明白了，本次面试就到这里。感谢您抽出时间，祝您生活愉快。",
        "human_handoff": "好的，{company}的招聘同事会尽快给您回电话。谢谢您，再见。",
        "callback_ask": "没问题。请问您什么时间方便，我们再给您打过来？",
        "callback_confirm": "好的，我们到时候再联系您。再见。",
        "faq_unknown": "这个问题问得很好。我这边暂时没有相关信息，"
        "已经帮您记录下来，招聘同事会跟您联系说明。",
        "back_to_question": "那我们回到刚才的问题。",
        "robot_disclosure": "是的，我是AI面试官，不是真人。"
        "每一场面试都会由{company}的招聘同事复核。",
        "clarify_prefix": "我换个方式问一下。",
        "slow_down": "好的，我说慢一点。",
        "ineligible": "谢谢您如实告知。这个岗位对此有要求，"
        "所以今天的面试只能先到这里。感谢您的时间，再见。",
        "no_response": "我这边听不到您的声音，先挂断了，招聘同事之后可能会再联系您。再见。",
        "consent_missing": "由于没能确认您是否同意，本次通话先到这里，"
        "招聘同事之后可能会再联系您。再见。",
        "confirm_opt_out": "请问您是想现在结束面试吗？",
        "confirm_human": "请问您是希望由招聘同事另外联系您，而不是继续现在的面试吗？",
        "confirm_callback": "请问您是希望我们换个时间再给您打电话吗？",
        "knockout_confirm": "为了确认我没有理解错，我再问一次。",
        "carry_on": "好的，谢谢，我们继续。",
    },
}


def phrase(language: Language, key: PhraseKey) -> str:
    """The template of system line ``key`` in ``language`` (placeholders not yet filled)."""
    return PHRASES[language][key]
