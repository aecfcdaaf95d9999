"""Development answers for the model-backed scorer, written apart from the scripts' exemplars.

Per language and scored question: a strong, a mediocre and a poor answer, a plain-words
paraphrase of the strong one (none of the script's synonyms where it can be helped), a bare
keyword list, a negated or refusing answer, an off-topic answer, an answer in the other language
and an ASR-style noisy version of the strong one. The eligibility and fact questions get fixed
answers so every interview runs to the end. The labelled evaluation sets of ``bench/`` are held
out from this file on purpose.
"""

from __future__ import annotations

OPEN_QUESTIONS = ("cs_experience", "angry_customer", "stress", "availability", "ecommerce")
VARIANTS = (
    "strong",
    "mediocre",
    "poor",
    "paraphrase",
    "keywords",
    "refusal",
    "off_topic",
    "other_language",
    "asr_noise",
)

FIXED: dict[str, dict[str, str]] = {
    "en": {
        "quiet_space": "Yes, I have a spare bedroom I use as an office.",
        "internet": "Yes, fibre, about a hundred megabits.",
        "salary": "Around eighteen dollars an hour.",
    },
    "zh": {
        "quiet_space": "有的，我有一间单独的书房。",
        "internet": "有，家里是一百兆的光纤。",
        "salary": "希望每个月五千五左右。",
    },
}

ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "cs_experience": {
            "strong": (
                "I've done four years in customer support. First two years at a telecom call "
                "centre, around sixty inbound calls a day about bills and outages, then two "
                "years on live chat and email for an online furniture shop."
            ),
            "mediocre": "I worked in a clothes shop for a bit and I helped customers there.",
            "poor": "Not really. I've mostly done warehouse work.",
            "paraphrase": (
                "For four years my job was sorting out people's problems: two years at a "
                "telecom answering around sixty people ringing in every day about their bills, "
                "then two years typing replies to shoppers of a furniture website."
            ),
            "keywords": "phone, call center, chat, email, tickets, per day, years",
            "refusal": "I'd rather not talk about my past jobs, that's none of your business.",
            "off_topic": (
                "My grandmother had a phone that she used to call us every day for years, and "
                "she loved chatting about her garden and her roses."
            ),
            "other_language": "我在电信公司的呼叫中心做了两年，每天接六十个电话。",
            "asr_noise": (
                "uh i done four years in customer support uh first two years at a tele com "
                "call centre around sixty in bound calls a day about bills and out ages then "
                "two years on live chat and e mail for a online furniture shop"
            ),
        },
        "angry_customer": {
            "strong": (
                "I'd start by letting them say everything they need to say without cutting "
                "in, then apologise and tell them I completely get why they're frustrated. I'd "
                "set up a replacement or a refund while they're on the line, give them a "
                "reference number, and call them back the next day to confirm it's sorted."
            ),
            "mediocre": "I would tell them sorry and that someone will look into it.",
            "poor": "I don't know, I'd probably just pass it to someone else.",
            "paraphrase": (
                "Let them get it all off their chest first. Then I'd tell them I can see why "
                "they're upset and that it's on us. I'd ship a brand-new one at no cost and "
                "ring them the next morning to check it arrived."
            ),
            "keywords": (
                "sorry, apologize, listen, understand, frustrating, replacement, refund, "
                "follow up, supervisor"
            ),
            "refusal": (
                "I'd refuse to apologize, tell them a refund is out of the question, and hang "
                "up instead of listening."
            ),
            "off_topic": (
                "My family bought a sofa last year and my brother was sorry it didn't fit, it "
                "was frustrating, so we had a refund and went out for dinner to follow up."
            ),
            "other_language": (
                "我会先道歉，让顾客说完，然后马上安排换货或者退款，第二天再回电确认。"
            ),
            "asr_noise": (
                "id start by letting them say every thing they need to say without cutting in "
                "then a pologize and tell them i completely get why there frustrated id set up "
                "a replace ment or a re fund while there on the line and call them back the "
                "next day"
            ),
        },
        "stress": {
            "strong": (
                "I keep a checklist so I never lose track, I step outside for a few minutes on "
                "every break, and I remind myself that angry callers aren't angry at me. In the "
                "Christmas rush at my last job we had queues all day and that routine got me "
                "through without losing my cool."
            ),
            "mediocre": "I just try not to let it get to me and keep working.",
            "poor": "I don't know, I get stressed easily.",
            "paraphrase": (
                "I write down what's waiting so nothing slips, I go out for fresh air when I "
                "can, and I don't take shouting to heart. Last December the queue never "
                "emptied and that's exactly how I got through those weeks."
            ),
            "keywords": "break, breathe, calm, patient, prioritize, list, for example",
            "refusal": "I wouldn't do anything, I'd just yell at the customers when I'm stressed.",
            "off_topic": (
                "I like to take a break and go to the beach with my family, we stay calm and "
                "plan a picnic, for example last year we went camping."
            ),
            "other_language": (
                "我会在休息时深呼吸，列个清单，一件一件处理。去年双十一就是这样过来的。"
            ),
            "asr_noise": (
                "i keep a check list so i never lose track i step out side for a few minutes "
                "on every brake and i remind my self that angry callers arent angry at me in "
                "the christmas rush at my last job that got me through"
            ),
        },
        "availability": {
            "strong": (
                "Any shift works for me, early mornings, late evenings, weekends and public "
                "holidays, seven days a week."
            ),
            "mediocre": "Weekdays during the day, maybe the odd Saturday.",
            "poor": "I'm not sure, I have a lot going on.",
            "paraphrase": (
                "I can start at eight or finish at ten, Saturdays and Sundays included, I "
                "don't have other commitments."
            ),
            "keywords": "weekend, evening, morning, flexible, anytime",
            "refusal": "No weekends, no evenings, and I won't do mornings either.",
            "off_topic": "I love weekends because my kids play football on Saturday mornings.",
            "other_language": "我时间很灵活，早班晚班、周末节假日都可以。",
            "asr_noise": (
                "any shift works for me early mornings late evenings week ends and public "
                "holidays seven days a week"
            ),
        },
        "ecommerce": {
            "strong": (
                "Yes, at the furniture web shop I handled order tracking, late deliveries, "
                "returns and refunds every day, on our own site and on Amazon, mostly sofas, "
                "mattresses and kitchen items."
            ),
            "mediocre": "A little, I sometimes helped check where an online order was.",
            "poor": "No, never.",
            "paraphrase": (
                "Yes, for two years I sorted out parcels that went missing or turned up "
                "broken, swapped items people didn't like and gave money back, mostly for beds "
                "and cookware sold through our site."
            ),
            "keywords": "order, tracking, delivery, return, refund, amazon, furniture, kitchen",
            "refusal": "No, I would never want to deal with returns or refunds, it's not my job.",
            "off_topic": (
                "I ordered a new kitchen table from Amazon for my mum's birthday and the "
                "delivery was quick."
            ),
            "other_language": "有的，我在家具网店处理过订单、物流、退换货和退款，平台是天猫。",
            "asr_noise": (
                "yes at the furniture web shop i handled order tracking late deliveries returns "
                "and re funds every day on our own site and on a mazon mostly so fas"
            ),
        },
    },
    "zh": {
        "cs_experience": {
            "strong": (
                "我做了四年客服。前两年在电信公司的呼叫中心，每天接六十个左右的电话，主要是话费和故障问题；"
                "后两年在一家家具网店做在线客服，回复聊天和留言。"
            ),
            "mediocre": "我在服装店干过一阵子，帮顾客拿拿衣服。",
            "poor": "没怎么做过，之前主要在工厂上班。",
            "paraphrase": (
                "这四年我的工作就是帮人解决麻烦：头两年在电信公司，一天大概六十个人打进来问账单；"
                "后两年给一家卖家具的网站打字回复买家。"
            ),
            "keywords": "电话 呼叫中心 在线 聊天 工单 每天 年",
            "refusal": "我不想说以前的工作，这跟你们没关系。",
            "off_topic": "我奶奶有一部电话，每天都打给我们，一聊就是好几年，她最喜欢说她种的花。",
            "other_language": (
                "I worked two years in a telecom call centre, about sixty calls a day."
            ),
            "asr_noise": (
                "嗯我做了四年客服前两年在电信公司的呼叫中心每天接六十个左右的电话主要是话费和故障问题"
                "后两年在一家家具网店做在线客服"
            ),
        },
        "angry_customer": {
            "strong": (
                "我会先让顾客把火发完，不打断他，然后真诚道歉，告诉他换成我也会很生气。"
                "接着在电话里直接给他安排换新或者退款，给他一个单号，第二天再打过去确认处理好了。"
            ),
            "mediocre": "我会跟他说不好意思，然后说会有人处理的。",
            "poor": "不知道，可能就转给别人吧。",
            "paraphrase": (
                "先让他把心里的气都说出来。然后告诉他我明白他为什么这么恼火，这是我们的问题。"
                "我会免费给他寄一张全新的，第二天上午再打电话问问到没到。"
            ),
            "keywords": "道歉 抱歉 倾听 理解 换货 退款 跟进 主管",
            "refusal": "我拒绝道歉，告诉他退款不可能，然后直接挂电话，不听他说。",
            "off_topic": (
                "我家去年买了个沙发，我哥说对不起没量好尺寸，挺生气的，后来退款了，我们就去吃饭了。"
            ),
            "other_language": (
                "I'd apologise first, let them finish, arrange a replacement or refund, and call "
                "them back the next day."
            ),
            "asr_noise": (
                "我会先让顾客把火发完不打断他然后真诚道歉告诉他换成我也会很生气接着在电话里直接给他"
                "安排换新或者退款第二天再打过去确认"
            ),
        },
        "stress": {
            "strong": (
                "我会把待办的事记在清单上，每次休息就出去走几分钟，也会提醒自己顾客不是冲我发火。"
                "上家公司年底大促，排队一整天都没断过，我就是靠这些办法撑下来的，没跟顾客急过。"
            ),
            "mediocre": "我尽量不去想，继续干活就好。",
            "poor": "不知道，我挺容易紧张的。",
            "paraphrase": (
                "我会写下还有哪些事没办，能出去透透气就出去，被人骂了也不往心里放。"
                "去年十二月那段时间电话就没停过，我就是这么熬过来的。"
            ),
            "keywords": "休息 深呼吸 冷静 耐心 优先 计划 比如",
            "refusal": "我不会调节，压力大了我就冲顾客发脾气。",
            "off_topic": "我喜欢休息的时候和家人去海边，大家很放松，比如去年我们还去露营了。",
            "other_language": (
                "I keep a checklist, take short walks on my breaks, and don't take angry "
                "callers personally."
            ),
            "asr_noise": (
                "我会把待办的事记在清单上每次休息就出去走几分钟也会提醒自己顾客不是冲我发火上家公司"
                "年底大促我就是靠这些办法撑下来的"
            ),
        },
        "availability": {
            "strong": "哪个班都可以，早上、晚上、周末和节假日都没问题，一周七天都能排。",
            "mediocre": "工作日白天可以，偶尔周六也行。",
            "poor": "不太确定，我最近事情比较多。",
            "paraphrase": (
                "早上八点上班或者晚上十点下班我都能接受，星期六星期天也可以，我没有别的安排。"
            ),
            "keywords": "周末 晚上 早上 灵活 随时",
            "refusal": "周末不行，晚上也不行，早上我也不想上。",
            "off_topic": "我最喜欢周末了，周六早上孩子要去踢足球。",
            "other_language": "Any shift works for me, mornings, evenings, weekends and holidays.",
            "asr_noise": "哪个班都可以早上晚上周末和节假日都没问题一周七天都能排",
        },
        "ecommerce": {
            "strong": (
                "做过，我在家具网店每天处理物流查询、延迟配送、退换货和退款，平台是京东和我们自己的小程序，"
                "主要是沙发、床垫和厨具。"
            ),
            "mediocre": "做过一点，有时候帮忙查一下网上订单到哪了。",
            "poor": "没有，没做过。",
            "paraphrase": (
                "做过两年，包裹丢了或者到了是坏的我来处理，买家不喜欢就给换，不满意就把钱退回去，"
                "卖的主要是床和锅。"
            ),
            "keywords": "订单 物流 快递 退货 退款 京东 家具 厨具",
            "refusal": "没有，退换货这种事我不想管，这不是我的事。",
            "off_topic": "我给我妈在京东买了一张新餐桌当生日礼物，快递很快就到了。",
            "other_language": (
                "Yes, at a furniture web shop I handled order tracking, returns and refunds on "
                "Amazon."
            ),
            "asr_noise": (
                "做过我在家具网店每天处理物流查询延迟配送退换货和退款平台是京东主要是沙发床垫和厨具"
            ),
        },
    },
}
