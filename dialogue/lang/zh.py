"""Mandarin (zh-CN, simplified) language data (see :mod:`dialogue.lang`).

Text reaches these tables after :func:`dialogue.text.normalize_transcript`, so one simplified
spelling is enough (沒有 is looked up as 没有).
"""

from __future__ import annotations


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# --- yes / no ------------------------------------------------------------------------------------

YES = {
    "是", "是的", "是啊", "对", "对的", "对啊", "没错", "好", "好的", "好啊", "行", "行啊", "行的",
    "可以", "可以的", "可以啊", "没问题", "没有问题", "当然", "当然可以", "当然有", "有", "有的",
    "有啊", "会", "会的", "能", "能的", "愿意", "我愿意", "同意", "我同意", "ok", "okay", "yes",
    "好滴", "中", "成", "没事", "接受", "能接受", "开始吧", "继续", "来吧", "嗯嗯", "需要",
    "稳定", "具备", "方便", "有一个", "有个", "肯定有", "肯定", "那当然", "当然了", "有呀",
    "sure", "yeah",
}  # fmt: skip
WEAK_YES = {"嗯", "好吧", "哦", "嗯哼"}
NO = {
    "不", "不是", "不对", "不行", "不可以", "不好", "不要", "不用", "没有", "没", "不会", "不能",
    "不愿意", "不同意", "不太行", "不太可以", "不接受", "不能接受", "算了", "不了", "没法",
    "没办法", "恐怕不行", "不方便", "不太方便", "不太", "不需要", "no", "没得", "木有", "不稳定",
    "没有的", "并没有", "不具备", "不安静", "没有条件", "nope",
}  # fmt: skip
# Hedges are consumed so their words do not count: "不知道" is not a "不".
NEUTRAL = {
    "不知道", "不确定", "不一定", "看情况", "可能", "不清楚", "说不好", "不好说", "不错", "差不多",
    "还行", "一般", "有时候", "偶尔", "大概", "应该", "我是说", "我的意思是", "是说", "就是说",
    "是不是",
}  # fmt: skip
#: Hedges that make a yes or no unsure enough to ask once more.
UNSURE = {"不知道", "不确定", "不一定", "看情况", "可能", "不清楚", "说不好", "不好说",
          "有时候", "偶尔", "大概", "应该"}  # fmt: skip

#: What a workplace question hopes is absent (see :data:`dialogue.lang.en.BAD_TERMS`).
BAD_TERMS = _words(
    "打扰 干扰 吵 吵闹 噪音 噪声 嘈杂 影响 问题 掉线 卡顿 卡 断网 断线 不稳 打断 分心 杂音"
)
#: What such a question asks for.
GOOD_TERMS = _words("安静 独立 稳定 有线 清静 私密 单独 宽带 光纤")

#: Words that may come before an answer word while it still leads its clause ("我有", "嗯，有").
LEAD_WORDS = _words("嗯 呃 啊 哦 那个 就是 我 我们 我这边 我这里 这边 这个 其实 说实话 是的 对")

# --- negation ------------------------------------------------------------------------------------

NEGATORS = _words(
    "不 没 没有 从不 从来不 从没 从没有 从来没 从来没有 从未 别 不会 未 未曾 不曾 绝不 决不 "
    "并不 并没有 不要 不能 不再 毫不 无"
)
# Words that begin with a negation character but do not negate: 不错 (good), 不断 (constantly),
# 不仅 (not only), 别人 (others), 未来 (future), 没问题 (no problem), 没关系 (never mind) ...
NOT_NEGATING = _words(
    "不错 不断 不仅 不但 不过 不管 不论 不久 不少 不同 不光 不禁 不得不 别人 别的 未来 未必 没准 "
    "没问题 没关系 没事 没错 不客气 不用谢 不好意思 别担心 没有问题 不要紧 无论"
)
NEGATION_CHARS = "不没未别"
SCOPE_END = _words("而是 但是 但 可是 而且 所以 因为 然后 并且 而 不过 只是 同时")
#: After a concept, these say it is not on offer: 周末不行, 晚上也不行, 早班没办法.
POST_NEGATORS = _words(
    "不行 不可以 不方便 不太方便 不了 没空 没时间 不能 不太行 不太可以 不可能 没办法 没法 "
    "不考虑 不接受 不合适 排不开 去不了 上不了 做不了 来不了"
)
#: Particles allowed between a concept and its post-negator ("晚上也不行", "周末就不行了").
POST_NEGATION_GAP = _words("也 就 都 可能 恐怕 真的 确实 实在 是 我 的话 那 还是 暂时")

# --- requests inside answers ---------------------------------------------------------------------

#: A phrase inside a described scene rather than a request to the interviewer: "我会跟客户说晚点再
#: 打给他", "客户说不感兴趣".
NARRATIVE = (
    r"客户|顾客|用户|买家|对方|他们|她们|他|她|别人|同事|领导|主管|经理"
    r"|我会|我就会|我会先|我先|我一般|我通常|我们会|承诺|答应|告诉|跟.{0,4}说|和.{0,4}说"
    r"|如果|要是|假如|万一"
)

#: Characters that do not count against a request being clearly meant ("晚点再打给我吧").
REQUEST_CHARS = "我你您吧了呢啊呀哦嗯请的就先"

# --- numbers -------------------------------------------------------------------------------------

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
    "七": 7, "八": 8, "九": 9,
}  # fmt: skip
MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
#: Unit words to normalised units (longest first when matching).
UNITS = {
    "年": "year", "周年": "year", "个月": "month", "月": "month", "个星期": "week", "星期": "week",
    "周": "week", "个礼拜": "week", "礼拜": "week", "天": "day", "日": "day", "个小时": "hour",
    "小时": "hour", "钟头": "hour", "块": "yuan", "元": "yuan", "块钱": "yuan",
}  # fmt: skip

# --- code-switching ------------------------------------------------------------------------------

#: English words Mandarin speakers use inside Mandarin answers (call-centre talk), with the
#: Mandarin word a script's synonyms would use (the concept matcher stems the English side).
ENGLISH_LOANS = {
    "sorry": "抱歉", "apologize": "道歉", "apologise": "道歉", "refund": "退款", "return": "退货",
    "exchange": "换货", "replace": "换新", "replacement": "换新", "compensate": "赔偿",
    "compensation": "赔偿", "coupon": "优惠券", "voucher": "优惠券", "discount": "优惠券",
    "listen": "倾听", "understand": "理解", "empathy": "理解", "calm": "冷静", "patient": "耐心",
    "break": "休息", "relax": "放松", "plan": "计划", "priority": "优先", "prioritize": "优先",
    "order": "订单", "delivery": "快递", "shipping": "发货", "logistics": "物流",
    "warehouse": "仓库", "online": "在线", "chat": "聊天", "email": "邮件", "ticket": "工单",
    "phone": "电话", "hotline": "热线", "call": "电话", "weekend": "周末", "saturday": "周六",
    "sunday": "周日", "evening": "晚上", "night": "晚上", "morning": "早上",
    "flexible": "灵活", "anytime": "随时", "furniture": "家具", "sofa": "沙发", "kitchen": "厨具",
    "mattress": "床垫", "taobao": "淘宝", "jd": "京东", "tmall": "天猫", "year": "年",
    "month": "个月", "follow": "跟进", "escalate": "升级", "record": "记录",
}  # fmt: skip
