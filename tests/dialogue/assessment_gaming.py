"""More development answers per failure class of issue 10, written for the scorer's guards.

Each entry is (question id, answer). They are new, varied wordings (not the held-out bench sets):
stories about private life that use the job's words, answers negated as a whole, blame and
brush-offs, refusals and keyword lists (Mandarin with and without separators). Each must score no
higher than :data:`CEILING` points.
"""

from __future__ import annotations

CEILING = 10.0

GAMING: dict[str, dict[str, list[tuple[str, str]]]] = {
    "en": {
        "off_topic": [
            (
                "cs_experience",
                "My dad worked on the phones for years and he always told us funny stories "
                "about the calls at dinner.",
            ),
            (
                "angry_customer",
                "Last winter my sister was really upset when her parcel came broken, so we "
                "laughed about it and baked a cake.",
            ),
            (
                "stress",
                "On Sundays I like to stay calm, read a book in the garden and plan the week "
                "with my husband.",
            ),
            (
                "ecommerce",
                "My cousin sells handmade candles online and she posts the orders every Friday "
                "from the village shop.",
            ),
        ],
        "negated": [
            ("cs_experience", "No, I have never worked with customers, not on the phone or chat."),
            ("angry_customer", "I wouldn't say sorry and I wouldn't offer them anything either."),
            ("stress", "I don't take breaks and I don't plan, I never really manage stress."),
            ("ecommerce", "Never. I haven't handled orders, returns or refunds at all."),
        ],
        "blame": [
            (
                "angry_customer",
                "Honestly that's the delivery driver's fault, so I'd tell them to take it up "
                "with the courier.",
            ),
            (
                "angry_customer",
                "They probably broke it themselves when they unpacked it, so it isn't on us.",
            ),
            ("stress", "Stress comes from bad managers and annoying customers, it's their fault."),
        ],
        "dismissive": [
            ("angry_customer", "I'd just say whatever and move on to the next call."),
            ("angry_customer", "I'd tell them to send an email and someone might get to it."),
            ("stress", "I just ignore it, it's not a big deal, whatever happens happens."),
            # scorer 2.7: the promise that someone will get round to it, some day
            (
                "angry_customer",
                "Meh, I'd log it and somebody will get around to them at some point.",
            ),
        ],
        "refusal": [
            ("angry_customer", "I'm not going to apologise for something I didn't do."),
            ("availability", "I won't work weekends or evenings, don't even ask."),
        ],
        "keywords": [
            ("angry_customer", "empathy apology refund replacement callback ownership"),
            ("stress", "Breaks. Lists. Breathing. Patience. Priorities."),
            ("ecommerce", "Shopify / returns / refunds / tracking / couriers"),
        ],
    },
    "zh": {
        "off_topic": [
            ("cs_experience", "我爸以前在电话局上班，每天晚饭的时候都跟我们讲电话里的趣事。"),
            ("angry_customer", "去年冬天我姐姐的快递摔坏了，她特别生气，后来我们一起做了蛋糕。"),
            ("stress", "周末我喜欢在阳台看书喝茶，跟老公一起计划下周去哪儿玩。"),
            ("ecommerce", "我表妹在网上卖手工蜡烛，每周五去镇上的快递点寄订单。"),
        ],
        "negated": [
            ("cs_experience", "没有，我从来没跟客户打过交道，电话和在线都没做过。"),
            ("angry_customer", "我不会跟他说对不起，也不会给他任何补偿。"),
            ("stress", "我不休息也不做计划，压力大了也没什么办法。"),
            ("ecommerce", "没做过，订单、退货、退款都没处理过。"),
        ],
        "blame": [
            ("angry_customer", "这是快递员的责任，我会让他自己去找快递公司。"),
            ("angry_customer", "肯定是他自己拆的时候弄坏的，跟我们没关系。"),
            ("stress", "压力都是领导和难缠的顾客造成的，都怪他们。"),
        ],
        "dismissive": [
            ("angry_customer", "随便应付两句，然后接下一个电话。"),
            ("angry_customer", "让他发个邮件，有空再说吧。"),
            ("stress", "无所谓，不用管它，爱怎样就怎样。"),
            # scorer 2.7: making do with it, a knock being normal
            ("angry_customer", "运输途中有点磕碰也难免，叫他凑合着用一下。"),
        ],
        "refusal": [
            ("angry_customer", "不是我弄的我凭什么道歉。"),
            ("availability", "周末和晚上我都不上班，别问了。"),
        ],
        "keywords": [
            ("angry_customer", "共情、道歉、退款、换货、回访、负责"),
            ("stress", "休息 清单 呼吸 耐心 优先级"),
            ("ecommerce", "淘宝/退货/退款/物流/快递"),
            ("cs_experience", "客服，电话，在线，工单，三年"),
        ],
    },
}
