"""Rule-based intents, English and Mandarin: many real phrasings per intent, and answers that
must stay answers."""

from __future__ import annotations

import pytest

from dialogue.intents import Intent, classify, looks_like_question, match_faq, read_yes_no, yes_no
from dialogue.text import Language

# --- global intents ---------------------------------------------------------------------------

GLOBAL_EN: dict[Intent, list[str]] = {
    Intent.REPEAT: [
        "Come again?",
        "Sorry, what was that?",
        "Can you repeat the question?",
        "Could you please repeat that?",
        "Say that again?",
        "Pardon?",
        "What?",
        "Huh?",
        "I didn't catch that.",
        "Sorry, I couldn't hear you.",
        "What did you say?",
        "One more time, please.",
        "You cut out, what was the question?",
        "Excuse me?",
        "Um, sorry, I missed that.",
        "Can you ask that again?",
        "Sorry?",
    ],
    Intent.OPT_OUT: [
        "I want to stop.",
        "I'd like to stop the interview.",
        "Stop.",
        "Please stop.",
        "I'm not interested anymore.",
        "Not interested, thanks.",
        "I don't want to continue.",
        "I'd rather not continue.",
        "I want to withdraw my application.",
        "Take me off your list.",
        "Don't call me again.",
        "I changed my mind, I'll pass.",
        "Let's end this here.",
        "No thanks, bye.",
        "I quit.",
        "Cancel the interview please.",
        "I want to end the call.",
    ],
    Intent.HUMAN: [
        "Can I speak to a real person?",
        "I want to talk to a human.",
        "Can I talk to someone?",
        "Let me speak with a recruiter.",
        "I'd like to speak to a real person please.",
        "Transfer me to an agent.",
        "Put me through to a representative.",
        "Real person please.",
        "Is there a real person I can talk to?",
        "Operator.",
        "Human, please.",
        "I need to talk to someone from HR.",
        "Could I please speak with the hiring manager?",
        "Connect me to a person.",
        "I want a real person.",
        "Get me a human.",
    ],
    Intent.BUSY: [
        "Now's not a good time.",
        "Can you call me back later?",
        "I'm busy right now.",
        "I'm driving, can we do this later?",
        "Sorry, I'm at work.",
        "It's a bad time.",
        "Could you call me tomorrow?",
        "Can we reschedule?",
        "I can't talk right now.",
        "Not now.",
        "I'm in a meeting.",
        "I have to go, call me back in an hour.",
        "Busy.",
        "Another time please.",
        "Can we talk later?",
        "Call me in the evening.",
        "This is not a good time for me.",
    ],
    Intent.SLOW_DOWN: [
        "Slow down please.",
        "Could you speak more slowly?",
        "You're talking too fast.",
    ],
    Intent.CLARIFY: ["What do you mean?", "I don't understand the question.", "Could you explain?"],
    Intent.ROBOT: ["Are you a robot?", "Is this a real person?", "Am I talking to a machine?"],
}

GLOBAL_ZH: dict[Intent, list[str]] = {
    Intent.REPEAT: [
        "再说一遍",
        "没听清",
        "没听清楚，能再说一下吗？",
        "你说什么？",
        "什么？",
        "啊？",
        "不好意思，我没听到",
        "能重复一下吗",
        "请重复一遍问题",
        "刚才说的是什么",
        "信号不好，听不清",
        "麻烦再讲一遍",
        "您说啥？",
        "再问一次好吗",
        "喂？",
        "再来一遍",
    ],
    Intent.OPT_OUT: [
        "不想面试了",
        "我不面了",
        "不要了",
        "算了吧",
        "我放弃",
        "不感兴趣",
        "没兴趣，谢谢",
        "别打了",
        "不要再打电话了",
        "结束面试吧",
        "我不想继续了",
        "不用了，谢谢",
        "取消面试",
        "我不做了",
        "就到这里吧",
        "我要退出面试",
    ],
    Intent.HUMAN: [
        "我要找人工",
        "转人工",
        "帮我转人工",
        "我要人工服务",
        "有没有真人？",
        "我想跟真人说",
        "找真人来",
        "人工客服",
        "我想找你们的HR",
        "能不能转接招聘人员",
        "请让真人跟我聊",
        "人工",
        "我要跟人说话",
        "给我转人工客服",
        "我需要联系招聘负责人",
        "换个真人吧",
    ],
    Intent.BUSY: [
        "不方便",
        "现在不方便",
        "我现在不太方便接电话",
        "等一下再打",
        "晚点再打给我",
        "我在开车",
        "我在忙",
        "正在开会",
        "过会儿再说吧",
        "改天再聊",
        "稍后再联系",
        "现在没空",
        "回头再打吧",
        "明天再打过来",
        "换个时间吧",
        "我现在有事",
        "待会儿再打",
    ],
    Intent.SLOW_DOWN: ["说慢一点", "你说得太快了", "能不能慢点说"],
    Intent.CLARIFY: ["什么意思？", "我不太明白", "能解释一下吗"],
    Intent.ROBOT: ["你是机器人吗", "你是真人吗？", "是不是AI啊"],
}

# Substantive or ordinary answers that mention trigger words and must stay answers.
ANSWERS_EN = [
    "No, I don't have experience with that, but I learn fast.",
    "I'd tell the customer I'm sorry and that I'll call them back later today with an update.",
    "I would never hang up on a customer, I'd let them vent and then offer a replacement.",
    "I don't want to stop.",
    "I'm busy on weekends but free on weekdays.",
    "Later I worked at a furniture store handling returns.",
    "If they want to speak to a manager, I'd get my supervisor.",
    "I'd make sure they speak to the right person in the warehouse.",
    "I had to slow down and listen carefully when customers were upset.",
    "What I do is take a deep breath and prioritize one call at a time.",
    "In a long answer I might say no, stop, later, repeat, or real person, but I am really "
    "describing my experience at a call center where I answered sixty calls a day for a bank.",
    "No need to transfer me, I'm fine.",
    "It's not a bad time at all.",
    "Sorry, no.",
    "Yes, I can work evenings.",
    "About eighteen dollars an hour.",
]
ANSWERS_ZH = [
    "我在银行做过两年客服",
    "我会先道歉，然后安抚客户情绪，如果解决不了再找主管",
    "不用转人工，继续吧",
    "我不想停",
    "周末没时间，工作日都可以",
    "家里有小孩，不太方便",
    "我会慢点说话，让顾客冷静下来",
    "没什么经验，但是我学得快",
    "啊，有的",
    "期望薪资五千左右",
    "我在忙的时候也能保持冷静，一件一件处理",
    "对不起，我没有这方面的经验",
    "有一次双十一，我一天接了两百多个电话，虽然很忙但是都处理好了，顾客要求退款，我先道歉再帮他申请，"
    "最后他还给了好评，这说明耐心很重要，不能随便说算了或者不要了",
    "好的，可以",
    "可以，没问题",
]


def _cases(table: dict[Intent, list[str]]) -> list[tuple[str, Intent]]:
    return [(text, intent) for intent, texts in table.items() for text in texts]


@pytest.mark.parametrize(("text", "intent"), _cases(GLOBAL_EN))
def test_global_intents_en(text: str, intent: Intent) -> None:
    assert classify(text, "en").intent == intent


@pytest.mark.parametrize(("text", "intent"), _cases(GLOBAL_ZH))
def test_global_intents_zh(text: str, intent: Intent) -> None:
    assert classify(text, "zh").intent == intent


@pytest.mark.parametrize(
    ("table", "intent"),
    [(t, i) for t in (GLOBAL_EN, GLOBAL_ZH) for i in (Intent.REPEAT, Intent.OPT_OUT, Intent.HUMAN)]
    + [(GLOBAL_EN, Intent.BUSY), (GLOBAL_ZH, Intent.BUSY)],
)
def test_tables_have_enough_phrasings(table: dict[Intent, list[str]], intent: Intent) -> None:
    assert len(table[intent]) >= 15


@pytest.mark.parametrize("text", ANSWERS_EN)
def test_answers_are_not_requests_en(text: str) -> None:
    assert classify(text, "en").intent == Intent.NONE


@pytest.mark.parametrize("text", ANSWERS_ZH)
def test_answers_are_not_requests_zh(text: str) -> None:
    assert classify(text, "zh").intent == Intent.NONE


# --- yes / no ---------------------------------------------------------------------------------

YES_EN = [
    "Yes.",
    "Yeah.",
    "Yep, sure.",
    "Sure thing.",
    "Absolutely.",
    "Of course.",
    "Definitely, go ahead.",
    "Okay.",
    "That's fine.",
    "No problem.",
    "I don't mind.",
    "Yes, I have a spare room I use as an office.",
    "I do.",
    "Correct.",
    "Uh huh.",
    "Sounds good.",
    "Yes please, let's do it.",
]
NO_EN = [
    "No.",
    "Nope.",
    "Nah.",
    "Not really.",
    "No, I don't.",
    "I don't have one.",
    "I have no quiet room, sorry.",
    "Unfortunately not.",
    "I'm afraid not.",
    "Not at all.",
    "I'd rather not.",
    "I don't think so.",
    "Absolutely not.",
    "Never.",
    "Not yet.",
    "I can't.",
]
YES_ZH = [
    "是的",
    "好的",
    "可以",
    "行",
    "没问题",
    "有的",
    "有",
    "对",
    "嗯，可以",
    "当然可以",
    "没有问题",
    "好啊",
    "同意",
    "愿意",
    "行啊，没问题",
    "我家里有一个书房",
]
NO_ZH = [
    "不行",
    "不可以",
    "没有",
    "不是",
    "不要",
    "不太行",
    "不太方便",
    "不愿意",
    "不同意",
    "没有的",
    "恐怕不行",
    "不能",
    "家里有小孩，没有安静的地方",  # reason first, answer last
    "家里有小孩，不太方便",
    "算了",
    "不用",
    "没办法",
]
UNCLEAR = [
    ("I'm not sure.", "en"),
    ("Maybe, it depends.", "en"),
    ("My apartment is near the station.", "en"),
    ("不知道", "zh"),
    ("看情况吧", "zh"),
    ("我在银行工作", "zh"),
    ("对不起", "zh"),
]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [(t, "en", Intent.YES) for t in YES_EN]
    + [(t, "en", Intent.NO) for t in NO_EN]
    + [(t, "zh", Intent.YES) for t in YES_ZH]
    + [(t, "zh", Intent.NO) for t in NO_ZH],
)
def test_yes_no(text: str, language: Language, expected: Intent) -> None:
    assert yes_no(text, language) == expected


@pytest.mark.parametrize(("text", "language"), UNCLEAR)
def test_yes_no_unclear(text: str, language: Language) -> None:
    assert yes_no(text, language) is None


def test_yes_no_tables_have_enough_phrasings() -> None:
    assert min(len(YES_EN), len(NO_EN), len(YES_ZH), len(NO_ZH)) >= 15


# --- candidate questions ----------------------------------------------------------------------

FAQ_EN = {"pay": ["pay", "salary", "wage"], "equipment": ["headset", "computer", "equipment"]}
FAQ_ZH = {"pay": ["工资", "薪资", "待遇"], "equipment": ["电脑", "耳麦", "设备"]}


@pytest.mark.parametrize(
    ("text", "language", "faq", "faq_id"),
    [
        ("How much does it pay?", "en", FAQ_EN, "pay"),
        ("What's the salary", "en", FAQ_EN, "pay"),
        ("Do you provide a headset?", "en", FAQ_EN, "equipment"),
        ("Is there a dress code?", "en", FAQ_EN, None),
        ("工资多少？", "zh", FAQ_ZH, "pay"),
        ("待遇怎么样", "zh", FAQ_ZH, "pay"),
        ("请问公司提供电脑吗", "zh", FAQ_ZH, "equipment"),
        ("可以穿便装吗？", "zh", FAQ_ZH, None),
    ],
)
def test_candidate_questions(text: str, language: Language, faq: dict, faq_id: str | None) -> None:
    result = classify(text, language, faq)
    assert result.intent == Intent.QUESTION
    assert result.faq_id == faq_id


# Issue 10: "哪天都行，什么班次都可以" was taken as a question about the schedule (哪, 什么 and
# the FAQ keyword 班次) and the availability answer was never recorded. A question word used
# indefinitely ("any day", "whatever") asks nothing, with or without a transcriber's question mark.
FAQ_SCHEDULE = {
    "en": {"schedule": ["schedule", "shift", "hours", "weekend", "part time"]},
    "zh": {"schedule": ["班次", "排班", "几点", "周末", "兼职"]},
}
INDEFINITE_ANSWERS = [
    ("zh", "哪天都行，什么班次都可以"),
    ("zh", "几点都行，周末也可以"),
    ("zh", "不管什么班次我都能上"),
    ("zh", "排班怎么排都行"),
    ("zh", "谁排的班我都听安排"),
    ("zh", "哪天都行？"),
    ("zh", "早班晚班什么的都可以，周末没问题"),
    ("zh", "我以前做过好几年兼职客服"),
    ("en", "Whatever works for you, any shift is fine."),
    ("en", "Any day works, weekends too."),
    ("en", "Whichever shift you need, I'm flexible on the schedule."),
    ("en", "Whatever works?"),
    ("en", "Any shift works?"),
    ("en", "Whenever you need me, evenings and weekend hours included."),
]
INDEFINITE_QUESTIONS = [
    ("zh", "哪天上班？"),
    ("zh", "你们几点上班"),
    ("zh", "哪个班次都可以，你们怎么安排？"),
    ("zh", "什么班次都可以吗？"),
    ("en", "Does any shift work?"),
    ("en", "Any day works, what are the shift hours?"),
    ("en", "Which days are the shifts?"),
]


@pytest.mark.parametrize(("language", "text"), INDEFINITE_ANSWERS)
def test_question_words_used_indefinitely_ask_nothing(language: Language, text: str) -> None:
    assert classify(text, language, FAQ_SCHEDULE[language]).intent == Intent.NONE


@pytest.mark.parametrize(("language", "text"), INDEFINITE_QUESTIONS)
def test_questions_next_to_indefinite_words_stay_questions(language: Language, text: str) -> None:
    result = classify(text, language, FAQ_SCHEDULE[language])
    assert result.intent == Intent.QUESTION


def test_question_shape_uses_last_sentence() -> None:
    assert not looks_like_question("Do I have experience? Yes, five years in a call center.", "en")
    assert looks_like_question("I see. What are the hours?", "en")
    assert not looks_like_question("How about twenty dollars", "en")


def test_faq_picks_the_best_match() -> None:
    assert match_faq("Will you pay for the headset and computer?", "en", FAQ_EN) == "equipment"
    assert match_faq("nothing relevant", "en", FAQ_EN) is None


# Issue 10: a long "no" whose last clause is a plan ("如果能入职的话再去办宽带") was read as yes.
# A condition or a plan is no evidence of what the candidate has now; a no said next to it stands.
PLANS = [
    ("internet", "zh", "暂时没有，等入职了我再去装一条。", Intent.NO),
    ("internet", "zh", "还没有宽带，我打算下个月装，现在用流量。", Intent.NO),
    ("quiet_space", "zh", "没有，家里人多，不过要是录用的话我可以去租个小房间。", Intent.NO),
    ("internet", "zh", "有，如果需要的话我还可以升级到五百兆。", Intent.YES),
    ("quiet_space", "zh", "有的，孩子上学以后家里很安静。", Intent.YES),
    (
        "internet",
        "en",
        "Not at the moment, I use my phone, but I'd get broadband installed if I got the job.",
        Intent.NO,
    ),
    ("internet", "en", "No, I'm planning to get fibre next month though.", Intent.NO),
    ("quiet_space", "en", "No, but I'll set up a room if I get the job.", Intent.NO),
    ("internet", "en", "Yes, fibre, and I could upgrade it if you need faster.", Intent.YES),
]


@pytest.mark.parametrize(("question", "language", "text", "expected"), PLANS)
def test_a_plan_or_condition_is_not_a_yes(
    question: str, language: Language, text: str, expected: Intent
) -> None:
    from dialogue.script import load_script

    prompt = load_script(f"cs_home_{language}").question(question).prompt
    reading = read_yes_no(text, language, prompt)
    assert (reading.answer, reading.sure) == (expected, True), reading


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Fifteen?"),
        ("en", "About eighteen dollars an hour?"),
        ("en", "$19.50?"),
        ("zh", "五千左右？"),
        ("zh", "每小时二十块？"),
    ],
)
def test_an_amount_said_with_a_rising_tone_is_no_question(language: Language, text: str) -> None:
    # The blind set's "Fifteen?" to the pay question was answered as a question, again and
    # again, until the interview ended no_response.
    assert not looks_like_question(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Fifteen, is that okay?"), ("en", "How much is it?"), ("zh", "多少钱？")],
)
def test_an_amount_with_a_question_stays_a_question(language: Language, text: str) -> None:
    assert looks_like_question(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "没做过，也不想做。"),
        ("zh", "没弄过，也不想弄。"),
        ("en", "Never sold online, not interested in it."),
    ],
)
def test_a_stop_beside_an_answer_clause_is_asked_about_first(language: Language, text: str) -> None:
    result = classify(text, language)
    assert result.intent == Intent.OPT_OUT and not result.clear


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh", "嗯，我不想面试了。"), ("zh", "不想面试了"), ("en", "Um, please stop the interview.")],
)
def test_a_stop_with_only_a_lead_in_is_clear(language: Language, text: str) -> None:
    result = classify(text, language)
    assert result.intent == Intent.OPT_OUT and result.clear


@pytest.mark.parametrize(
    ("question", "text", "expected", "sure"),
    [
        # The blind set's knock-out: read as a sure no, confirmed, and the call ended.
        ("internet", "It drops out sometimes but it's mostly okay.", Intent.NO, False),
        ("quiet_space", "Yes but the kids get loud in the afternoon.", Intent.YES, False),
        ("quiet_space", "No but I could set one up.", Intent.NO, True),
        ("internet", "Yes but only wifi, about a hundred megabits.", Intent.YES, True),
    ],
)
def test_a_but_without_a_comma_is_a_counterpoint_too(
    question: str, text: str, expected: Intent, sure: bool
) -> None:
    from dialogue.script import load_script

    prompt = load_script("cs_home_en").question(question).prompt
    reading = read_yes_no(text, "en", prompt)
    assert (reading.answer, reading.sure) == (expected, sure), reading
