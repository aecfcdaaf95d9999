"""Answer sets for the shipped customer-service scripts, in three qualities per language.

Shared by the scoring tests and the report tests (which run them through the engine). Strong
answers mention most expected points, mediocre ones a few, poor ones almost none; the yes/no
eligibility questions are answered "yes" in all sets so every interview runs to the end.
"""

from __future__ import annotations

ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "strong": {
            "cs_experience": (
                "I worked for three years in a call center, handling about sixty calls a day, "
                "plus live chat and email tickets for an online furniture store."
            ),
            "angry_customer": (
                "First I would apologize and say I'm sorry, then listen and let them explain. "
                "I understand how frustrating that is. I would arrange a replacement or a refund "
                "right away, and I would follow up to keep them updated until it is resolved."
            ),
            "stress": (
                "I stay calm and patient, I prioritize and take one call at a time, and I take "
                "a short break to breathe between rushes. For example, last year during the "
                "holiday sale I made a list and kept positive."
            ),
            "quiet_space": "Yes, I have a private home office with a door.",
            "internet": "Yes, I have a wired fiber connection.",
            "availability": (
                "I'm flexible, I can work mornings, evenings and weekends, any shift really."
            ),
            "salary": "About eighteen dollars an hour.",
            "ecommerce": (
                "Yes, at the furniture store I handled orders, tracking and delivery problems, "
                "returns and refunds on our website and on Amazon, mostly sofas and kitchenware."
            ),
        },
        "mediocre": {
            "cs_experience": "I answered the phone at a shop for a while, helping customers.",
            "angry_customer": (
                "I would say sorry and tell them we will fix it. Then I would see what the "
                "company can do for them."
            ),
            "stress": "I try to stay calm and just keep going until the shift is over.",
            "quiet_space": "Yes.",
            "internet": "Yes, I think so.",
            "availability": "Mostly mornings on weekdays.",
            "salary": "Twenty dollars.",
            "ecommerce": "I have bought things online and sometimes tracked an order.",
        },
        "poor": {
            "cs_experience": "Not really, no.",
            "angry_customer": "I don't know, I would not apologize, it is not my fault.",
            "stress": "I don't know.",
            "quiet_space": "Yes.",
            "internet": "Yes.",
            "availability": "Not sure.",
            "salary": "A lot.",
            "ecommerce": "No.",
        },
    },
    "zh": {
        "strong": {
            "cs_experience": (
                "我在呼叫中心做了三年电话客服，每天大概接八十通电话，后来在京东店铺做在线客服，"
                "处理工单和售后问题。"
            ),
            "angry_customer": (
                "我会先真诚地道歉，对不起让您久等了，然后耐心听顾客说完，表示理解他的心情。"
                "接着马上帮他安排换货或者退款，必要时上门维修，之后我会跟进处理进度，回访确认顾客满意。"
            ),
            "stress": (
                "我会保持冷静，心态积极，把事情分清主次，一件一件处理。累了就休息一下，深呼吸，"
                "喝点水。比如去年双十一的时候，我就是这样坚持下来的。"
            ),
            "quiet_space": "有的，我家里有一个单独的书房。",
            "internet": "有，家里是有线宽带，一百兆。",
            "availability": "我时间比较灵活，早班晚班都可以，周末和节假日也可以上班。",
            "salary": "五千五左右吧。",
            "ecommerce": (
                "做过，我在天猫的家居网店做过售后，处理订单、物流和退换货，主要卖沙发和床垫这些家具。"
            ),
        },
        "mediocre": {
            "cs_experience": "我以前在商场做过导购，接待过不少顾客。",
            "angry_customer": "我会跟他说对不起，然后看看公司能怎么帮他解决。",
            "stress": "我一般就是保持心态，尽量坚持把班上完。",
            "quiet_space": "有的。",
            "internet": "有的。",
            "availability": "工作日的早上可以。",
            "salary": "六千。",
            "ecommerce": "我自己经常网购，知道怎么查快递。",
        },
        "poor": {
            "cs_experience": "没有做过。",
            "angry_customer": "不知道，我不会道歉，又不是我的错。",
            "stress": "不知道。",
            "quiet_space": "有的。",
            "internet": "有的。",
            "availability": "不确定。",
            "salary": "越多越好。",
            "ecommerce": "没有。",
        },
    },
}

#: Delivery metrics of a comfortable speaker, and of one far outside every reference range.
TYPICAL_DELIVERY: dict[str, dict[str, float | None]] = {
    "en": {
        "speech_rate_per_min": 150.0,
        "pause_ratio": 0.12,
        "filler_rate_per_100": 1.0,
        "response_latency_s": 0.8,
    },
    "zh": {
        "speech_rate_per_min": 230.0,
        "pause_ratio": 0.12,
        "filler_rate_per_100": 0.5,
        "response_latency_s": 0.8,
    },
}
EXTREME_DELIVERY: dict[str, float | None] = {
    "speech_rate_per_min": 20.0,
    "pause_ratio": 0.95,
    "filler_rate_per_100": 60.0,
    "response_latency_s": 40.0,
}
