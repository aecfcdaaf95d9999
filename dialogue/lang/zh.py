"""Mandarin (zh-CN, simplified) language data (see :mod:`dialogue.lang`).

Text reaches these tables after :func:`dialogue.text.normalize_transcript`, so one simplified
spelling is enough (沒有 is looked up as 没有).
"""

from __future__ import annotations

from dialogue.lang.rules import RequestRule


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# --- yes / no ------------------------------------------------------------------------------------

YES = {
    "是", "是的", "是啊", "对", "对的", "对啊", "没错", "好", "好的", "好啊", "行", "行啊", "行的",
    "可以", "可以的", "可以啊", "没问题", "没有问题", "当然", "当然可以", "当然有", "有", "有的",
    "有啊", "会", "会的", "能", "能的", "愿意", "我愿意", "同意", "我同意", "ok", "okay", "yes",
    "好滴", "中", "成", "没事", "接受", "能接受", "开始吧", "继续", "来吧", "嗯嗯", "需要",
    "稳定", "具备", "方便", "有一个", "有个", "肯定有", "肯定", "那当然", "当然了", "有呀",
    "sure", "yeah", "算有", "算是有", "还算有", "基本有", "基本上有",
}  # fmt: skip
WEAK_YES = {"嗯", "好吧", "哦", "嗯哼"}
WEAK_NO = {"可惜", "遗憾"}
NO = {
    "不", "不是", "不对", "不行", "不可以", "不好", "不要", "不用", "没有", "没", "不会", "不能",
    "不愿意", "不同意", "不太行", "不太可以", "不接受", "不能接受", "算了", "不了", "没法",
    "没办法", "恐怕不行", "不方便", "不太方便", "不太", "不需要", "no", "没得", "木有", "不稳定",
    "没有的", "并没有", "不具备", "不安静", "没有条件", "nope", "不可能",
}  # fmt: skip
# Hedges are consumed so their words do not count: "不知道" is not a "不".
NEUTRAL = {
    "不知道", "不确定", "不一定", "看情况", "可能", "不清楚", "说不好", "不好说", "不错", "差不多",
    "还行", "一般", "有时候", "偶尔", "大概", "应该", "我是说", "我的意思是", "是说", "就是说",
    "是不是",
}  # fmt: skip
#: Hedges that make a yes or no unsure enough to ask once more (doubt, not frequency).
UNSURE = {"不知道", "不确定", "不一定", "看情况", "可能", "不清楚", "说不好", "不好说",
          "大概", "应该"}  # fmt: skip

#: What a workplace question hopes is absent (see :data:`dialogue.lang.en.BAD_TERMS`).
BAD_TERMS = _words(
    "打扰 干扰 吵 吵闹 噪音 噪声 嘈杂 影响 问题 掉线 卡顿 卡 断网 断线 断 不稳 打断 分心 杂音 慢"
)
#: What such a question asks for.
GOOD_TERMS = _words("安静 独立 稳定 稳 有线 清静 私密 单独 宽带 光纤 快")

#: Words that may come before an answer word while it still leads its clause ("我有", "嗯，有").
LEAD_WORDS = _words("嗯 呃 啊 哦 那个 就是 我 我们 我这边 我这里 这边 这个 其实 说实话 是的 对")

#: Answer words that are only a verb when more follows: "是" alone is a yes, "是合租的单间" (it
#: is a shared room) no answer at all; "会有打扰" is about the 打扰.
COPULA = frozenset({"是", "会", "能"})

# --- negation ------------------------------------------------------------------------------------

NEGATORS = _words(
    "不 没 没有 从不 从来不 从没 从没有 从来没 从来没有 从未 别 不会 未 未曾 不曾 绝不 决不 "
    "并不 并没有 不要 不能 不再 毫不 无 "
    # Cantonese: 冇问题, 唔会吵 (scorer 2.9.1)
    "冇 唔"
)
# Words that begin with a negation character but do not negate: 不错 (good), 不断 (constantly),
# 不仅 (not only), 别人 (others), 未来 (future), 没问题 (no problem), 没关系 (never mind) ...
NOT_NEGATING = _words(
    "不错 不断 不仅 不但 不过 不管 不论 不久 不少 不同 不光 不禁 不得不 别人 别的 未来 未必 没准 "
    "没问题 没关系 没事 没错 不客气 不用谢 不好意思 别担心 没有问题 不要紧 无论"
)
NEGATION_CHARS = "不没未别"
#: A verb with a negated potential complement is one word that negates what follows: 找不出安静的
#: 地方, 腾不出房间 (scorer 2.9).
POTENTIAL_NEGATIVE = r"\w不[到出了着起住下上来动开]"
SCOPE_END = _words("而是 但是 但 可是 而且 所以 因为 然后 并且 而 不过 只是 同时")
#: A clause opening with one of these is a concession after the answer ("没有，不过我可以去共享
#: 办公室"): it does not get the weight of a last clause.
CONTRAST = _words("但是 但 可是 不过 只是 虽然 就是")
#: An unwanted thing said to happen now and then (see dialogue.lang.en): 楼下有时候装修会吵一点.
OCCASIONAL = r"有时候|有时|偶尔|时不时|偶而"
#: 要用的人不在（“不过他白天上学”，“她上夜班”）: after a no, a counterpoint worth asking about.
AWAY = r"上学|上班|不在家|在学校|在单位|在公司|上幼儿园|去幼儿园|上夜班|上白班|出去工作|出门工作"
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
#: Characters an amount said on its own may have around it (五千左右？, 每小时二十块？): such a
#: turn ending in "？" is a rising tone, not a question (dialogue.intents.looks_like_question).
AMOUNT_CHARS = "大概差不多左右吧嗯每个月小时一天块元钱以上起码最少至少工资底薪多"
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


# --- requests to the interviewer -----------------------------------------------------------------
# Per intent (the values of dialogue.intents.Intent): see RequestRule for the three strengths.

INTENT_RULES: dict[str, RequestRule] = {
    "robot": RequestRule(
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
    "human": RequestRule(
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
    "opt_out": RequestRule(
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
    "busy": RequestRule(
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
    "slow_down": RequestRule(
        phrases=(
            r"(?:说|讲|念)(?:得|的)?(?:慢一?点|慢些|太快)",
            r"(?:你|您)(?:说|讲)?(?:得|的)?太快",
            r"语速",
            r"能不能慢",
            r"(?:你|您|请|能|可以)慢一?点",
        ),
        clauses=(r"慢一?点(?:说|讲)?(?:吧|好吗)?", r"慢些", r"太快了?"),
    ),
    "repeat": RequestRule(
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
    "clarify": RequestRule(
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

# A phrase right after a negation does not count ("不用转人工", "我不会说不想干了").
REQUEST_NEGATION = (
    r"(?:不|没|别|不用|不需要|不要|不想|没必要|用不着|不是要|不是想)$"
    r"|(?:不会|从不|从来不|从来没|没有|没)(?:说|想过|想|觉得|认为)(?:过|要)?$"
)
FILLERS = (
    r"^(?:嗯|呃|啊|哦|喂|那个|就是|不好意思|对不起|麻烦你|麻烦|请|你好|您好)+"
    r"|(?:啊|呀|吧|呢|哈|嘛|哦|喔)+$"
)
QUESTION_CUE = r"^(?:请问|我想问|想问|问一下|问下|我想了解|想了解|我有个问题|我能问)"
#: Question words: with an FAQ keyword, "工资多少" is a question without a question mark.
QUESTION_WORDS = r"什么|多少|怎么|哪|几|吗|呢|是不是|有没有|能不能|会不会|可不可以"
#: Question words used indefinitely, which ask nothing: a question word before 都/也 means
#: "any" (哪天都行, 什么班次都可以, 谁都行, 几点也行), after 不管/无论/随便 "no matter which"
#: (不管什么班次), and 什么的 ("and so on"), 没什么 ("nothing much"), 哪怕 ("even if"),
#: 几乎 ("almost"), 几 as "a few" (好几年, 十几个, 做了几个月). Removed before the question
#: words are looked for.
INDEFINITE_WH = (
    r"(?:什么|哪|谁|几|怎么|多少)[^，。！？,.!?；;、\s]{0,6}?(?:都|也)"
    r"|(?:不管|无论|不论|随便)[^，。！？,.!?；;]{0,4}?(?:什么|哪|谁|几|怎么|多少)"
    r"|什么的|没(?:有)?什么|哪怕|几乎|(?:好|十|这|那|前|最近|过去)几|(?:了|过)几(?=[个年天月周次])"
)

#: A clause about a condition or a plan, not about what the candidate has now: "如果能入职的话再去办
#: 宽带" / "我打算下个月装" is no evidence of a yes (a no said next to it stands).
HYPOTHETICAL = (
    r"如果|要是|假如|假设|万一|的话|打算|计划|到时候|将来|下个月|下周|明年|"
    r"(?:再|会|可以|能)去(?:办|装|弄|买|开通)|(?:再|会|可以|能)(?:办|装|开通)(?:一个|一条)?"
)

# --- turn-taking ---------------------------------------------------------------------------------

#: Backchannels: sounds a listener makes without taking the floor (never answer words).
BACKCHANNELS = {"嗯", "嗯嗯", "哦", "噢", "啊", "呃", "嗯哼"}

#: Words an unfinished sentence ends on (然后, 因为, 嗯): the speaker has more to say.
OPEN_ENDINGS = (
    "的",
    "和",
    "跟",
    "就",
    "然后",
    "嗯",
    "呃",
    "额",
    "因为",
    "所以",
    "但是",
    "还有",
    "那个",
    "就是",
)

#: Words that open a clause continuing the last one (然后, 还有); such a clause of at most two
#: more characters is a restart still being built, whatever punctuation Whisper gave it.
CONTINUATION_OPENERS = ("然后", "还有", "而且", "但是", "所以", "因为", "另外", "那么")

# --- assessment guards (dialogue.assessment.guards) ---------------------------------------------

#: Brush-offs the script-independent refusal guard reads, besides refusing and blaming phrases.
DISMISSIVE = (
    r"随便(?:应付|敷衍|说|打发)|应付(?:一下|两句|几句)|敷衍|打发(?:他|她|走)|有空再说|以后再说|改天再说|"
    r"再说吧|无所谓|爱怎(?:样|么样)|不用管|懒得|将就(?:着)?(?:用|点|一下)|凑合(?:着)?(?:用|一下)|"
    r"(?:磕磕碰碰|磕磕碰碰的|磕碰|小毛病)(?:很|挺|也|都)?(?:正常|难免)|"
    r"(?:快递|物流|司机|仓库)(?:员|公司)?的(?:责任|错|问题)|怪(?:他们|快递|物流|顾客|客户|领导)|"
    r"(?:他|她|顾客|客户)自己(?:弄|搞|摔|拆)(?:坏|的)|"
    # Refusal frames worded afresh (see dialogue.lang.en): the problem left to the customer, the
    # contact ended, the work walked away from, the treatment not put up with.
    r"让(?:他|她|顾客|客户|对方)自己(?:去)?(?:找|解决|处理|联系|想办法)|"
    r"(?:把电话|把通话)?(?:结束掉|直接结束)|把(?:电话|通话)结束|"
    r"提前下线|下线回家|(?:直接)?走人|撂挑子|不干了|"
    r"(?:这种|这个|这)(?:罪|气)我?(?:可)?不受|不是来挨骂的|不伺候"
)
#: Declining to answer (以前的工作我不太想说, 跳过吧, 能直接问下一个问题吗) (see dialogue.lang.en).
DECLINE = (
    r"不(?:太|是很|大)?(?:想|愿意|方便|便)(?:说|讲|谈|聊|回答|透露|提|细说|多说)|不回答|不答了|跳过|"
    r"(?:问|换|说|到)下一(?:个|题|道)|下一(?:个)?(?:问题|题)|(?<![接打回处])下一个(?:吧|呢)?[。！？!?.]*$|"
    r"无可奉告|换个问题|不告诉(?:你|您)"
)
#: The question said back to the interviewer (您想知道我会怎么做) (see dialogue.lang.en).
QUESTION_BACK = r"(?:你|您)(?:是)?(?:想|想要)(?:知道|了解)|(?:你|您)是(?:在)?问(?:我)?|问题是"
#: A story about someone's private life: the candidate's family and friends, holidays. Things a
#: shop sells (花园家具, 生日蛋糕) are not on the list.
PRIVATE_LIFE = (
    r"(?:我|我们)(?:的)?(?:爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|哥|姐|弟|妹|表|堂|老公|老婆|"
    r"舅|叔|伯|姑|姨|"
    r"丈夫|妻子|男朋友|女朋友|孩子|儿子|女儿|家|朋友|邻居)|家人|老公|老婆|孩子|"
    r"度假|旅游|旅行|露营|野餐|海边"
)
#: Words that put an answer in the job: customers, colleagues, shifts, the candidate's own work
#: (我 doing it, not 我爸).
JOB_CONTEXT = (
    r"客户|顾客|客人|买家|用户|来电|同事|领导|主管|经理|组长|[早晚夜白轮排]班|班次|工单|队列|坐席|时间|"
    r"处理|负责|接待|回复|售后|可以|都行|有空|(?<![好几])[0-9一二两三四五六七八九十半]+(?:年|个月)|"
    r"我(?:以前|之前|曾经|在|做|干|接|会|能|上|的工作|们公司)"
)
#: A clause that opens with 他 / 她 as its subject (see dialogue.lang.en). Answers name the
#: customer 他 too, but mostly as the object (让他说, 给他换), so only the opening counts.
THIRD_PERSON = r"^\s*(?:他|她)(?!们)"
#: The candidate doing something (我在我家的店里做了两年; not 我小时候 or 我妈妈).
FIRST_PERSON_AGENT = r"我(?:以前|之前|曾经|也|就|自己)?(?:在|做|干|接|负责|处理|帮)"
#: The candidate as a subject anywhere in an answer: 我 not as 我们 or an owner (我爸, 我家, 我的).
SELF_AS_SUBJECT = (
    r"我(?!们|的|爸|妈|爷|奶|姥|外公|外婆|姐|哥|弟|妹|家|老公|老婆|先生|太太|爱人|儿子|女儿|孩子|"
    r"朋友|同学|邻居|表|堂|叔|舅|姑|姨|婶)"
)
#: The candidate (or their team) anywhere in an answer (see dialogue.lang.en). Mandarin drops
#: the subject often (下班去跑跑步), so an answer without 我 is impersonal only when it also
#: speaks of people in general.
SELF = r"我|咱"
#: An opinion frame (我觉得, 我认为) names the candidate without saying what they do.
OPINION_FRAME = r"我(?:觉得|认为|感觉|看|想|个人觉得)|依我看|在我看来"
#: People in general as the subject (大家压力都很大, 现在的人都在网上买).
PEOPLE_IN_GENERAL = r"大家|人们|很多人|有人|现在的人|上班的人|年轻人|社会|所有人|每个人|一般人"
#: Words that commit to nothing (看情况吧, 还不确定, 还好吧) (see dialogue.lang.en).
HEDGES = (
    "看 情况 看情况 还好 知道 不知道 确定 不确定 说不好 不好说 说不准 可能 也许 大概 差不多 "
    "应该 反正 随便 再说 还行 一般 吧 嘛 呢 啦 哈"
)
#: A clause that names something and then declines it: 早上不行, 周末没空, 夜班上不了 (see
#: dialogue.lang.en).
DECLINED_TAIL = (
    r"(?:也|都|就|可能|实在|恐怕)?(?:不太|不)(?:行|可以|能|方便|合适|太行)(?:了|的|啊|吧|呢)*$|"
    r"(?:也|都|就)?没(?:空|时间|办法)(?:了|的|啊|吧|呢)*$|"
    r"(?:做|上|来|去)不了(?:了|的|啊|吧|呢)*$"
)
#: A clause longer than this (in characters) says more than its negator.
STANCE_CLAUSE_WORDS = 20
#: 这些我统统做得到，但我偏不这么做 / 道歉我会，可我就是不想 (see dialogue.lang.en).
WITHHELD_NO = (
    r"(?:但|可|可是|不过|只是)[^。！？；;!?]{0,6}?(?:就是|偏|偏偏|才|根本|压根)?"
    r"(?:不(?:想|会|愿意|打算|肯)(?:这么做|那么做|这样做|去做|做|用|管|弄|干)?|"
    r"不(?:这么做|那么做|这样做|做|干|用|管)|懒得(?:做|管|弄|干|用)?)"
    r"(?:了|的|啊|吧|呢)*(?=[，。,.！!？?；;]|$)"
)
WITHHELD_CAPABLE = r"会|能|做得到|做得来|办得到|知道|懂|可以"
WITHHELD_ALTERNATIVE = r"而是|反而|相反|我会(?!用)|我就(?=[先去给帮])"
#: The no after the word (see dialogue.lang.en): a clause that opens by pointing back to what
#: the ones before named (这些, 这个) and denies doing, agreeing to or having done it (网店的订单、
#: 退货，这些我都没碰过; 赔礼道歉，这个我做不到), the denied verb ending the clause: 这个不难,
#: 这些我不会拖, 这种事我不会往心里去 say how, not no.
RESUMED_NO = (
    r"(?:这些|这个|那些|那个|这种|那种|这样的|这方面|这块|这事)[^，。！？；,.!?;]{0,8}?"
    r"(?:(?:不会|不能|不肯|不愿意?|不想)(?:做|干|答应|同意|接受|给|弄|管)|不干|不做|不答应|"
    r"不同意|不接受|做不到|办不到|干不了|做不了|没(?:有)?\S{0,2}?(?:做|碰|干|接|弄|接触|处理)过)"
    r"(?:了|的|啊|吧|呢)*$|"
    # 休息、深呼吸、做计划，这些对我都没用: the named things are denied to help.
    r"(?:这些|这个|那些|那个|这种|那种|这样|这方面)[^，。！？；,.!?;]{0,6}?(?:都|也)?"
    r"(?:没用|没有用|不管用|不好使|没效果|没有效果|不起作用|帮不上忙?)(?:了|的|啊|吧|呢)*$"
)
#: Words with a negation character that do not make a clause negative.
NEGATION_EXEMPT = (
    r"不介意|没问题|没关系|没事|不错|不断|不仅|不但|不管(?!用)|不少|不同|不要紧|别人|别的"
)
#: Hesitation sounds anywhere (嗯, 呃) and, where they open an answer or a sentence, fillers and
#: pleasantries (那个, 就是, 没问题, 好的): left out of the text the scorer's model reads.
NO_CONTENT = (
    r"[嗯呃额唔]+[，,。、…]*|"
    r"(?:^|(?<=[。！？；，,]))\s*(?:那个|就是说|就是|然后呢|没问题|好的|这个嘛|怎么说呢)+[，,、…]*"
)
#: Sentences that stand for "private life" and "doing the job" (see dialogue.lang.en).
PRIVATE_LIFE_ANCHORS = (
    "这是关于我家人和朋友的生活小事。",
    "周末我们一家人在一起放松。",
    "亲戚吃饭时跟我们聊他们的日常。",
)
JOB_ANCHORS = (
    "我在工作中帮助客户处理他们的问题。",
    "我在公司负责接待顾客、解决问题。",
    "我会帮顾客把问题解决好。",
)

# --- availability on a rota (dialogue/assessment/rota.py) -----------------------------------------

_DAY_NAMES = "一二三四五六"
#: Day words and the days (0 = Monday) they name.
ROTA_DAYS: tuple[tuple[str, frozenset[int]], ...] = (
    (
        r"工作日|平时|平日|周一到周五|星期一到星期五|礼拜一到礼拜五|周一至周五|上班日",
        frozenset(range(5)),
    ),
    (r"周末|双休|礼拜六礼拜天|六日", frozenset({5, 6})),
    (r"每天|天天|哪天|一周七天|七天|星期几|周几|全周|整周|每一天|任何一天", frozenset(range(7))),
    *((rf"(?:周|星期|礼拜){c}(?!到|至)", frozenset({i})) for i, c in enumerate(_DAY_NAMES)),
    (r"(?:周|星期|礼拜)(?:日|天)", frozenset({6})),
)
#: A run of days (周三到周五): ``a`` and ``b`` are keys of :data:`ROTA_DAY_INDEX`.
ROTA_DAY_RANGE = (
    r"(?:周|星期|礼拜)(?P<a>[一二三四五六日天])\s*(?:到|至|-|~)\s*"
    r"(?:周|星期|礼拜)?(?P<b>[一二三四五六日天])"
)
ROTA_DAY_INDEX = {**{c: i for i, c in enumerate(_DAY_NAMES)}, "日": 6, "天": 6}
#: Parts of the day (0 morning, 1 afternoon, 2 evening) and the words for them.
ROTA_PARTS: tuple[tuple[str, frozenset[int]], ...] = (
    (r"早上|早班|上午|早晨|清早|早班次", frozenset({0})),
    (r"下午|中班|中午", frozenset({1})),
    (r"晚上|晚班|夜班|夜里|晚间|夜间|傍晚|下班后", frozenset({2})),
    (r"白天|白班|日班", frozenset({0, 1})),
)
#: Words that offer the whole rota, or the whole of the days or times named with them.
ROTA_ANY = (
    r"都可以|都行|都能|都没问题|随时|灵活|服从安排|听安排|听从安排|什么时间|什么时候|几点|"
    r"什么班|哪个班|不限|全职|任何时间|听从公司|都\s*ok|都\s*okay|全能排|都能排|随便排"
)
#: The whole day, said of the days named before it (周三周五，全天).
ROTA_ALL_DAY = r"全天|整天|一整天|全日"
#: Hour ranges: 早八点到晚十点, 9点到5点, 八点至下午四点.
ROTA_HOUR_WORDS = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10, "十一": 11, "十二": 12,
}  # fmt: skip
_ZH_HOUR = r"\d{1,2}|十[一二]?|[一二两三四五六七八九]"
ROTA_HOUR_RANGE = (
    rf"(?P<start_am>早上?|上午)?(?:(?P<start_pm>下午|晚上?))?(?P<start>{_ZH_HOUR})(?:点|:\d\d)"
    rf"(?:半|钟)?\s*(?:到|至|-|~)\s*(?P<end_am>早上?|上午)?(?:(?P<end_pm>下午|晚上?))?"
    rf"(?P<end>{_ZH_HOUR})"
    r"(?:点|:\d\d)"
)
#: A clause that withdraws what it names: 周末不行, 早上没办法, 晚上上不了.
ROTA_NEGATED = (
    r"不行|不可以|不方便|不能|没空|没时间|没办法|没法|不了|不考虑|不接受|排不开|不太行|不大行|"
    r"不可能|做不到|不上|休息不|不要排|别排|^不|不是很方便|不答应|不同意|不愿意|不想|够呛|悬了|"
    # A time given to something else: 平时要上课, 周末要带孩子, 上午要送孩子 (scorer 2.7).
    r"要(?:上课|上学|带孩子|带娃|送孩子|接孩子|管孩子|陪孩子|照顾|休息)|得(?:上课|带孩子|接孩子|照顾)|"
    # 白天要看店, 晚上要代孩子 (a transcript's 带), 周末要看孩子, 白天上班 (scorer 2.11).
    r"(?:要|得)(?:看店|看孩子|看娃|代孩子|带小孩|干活|上班|打工|兼职|出摊|应酬|出去玩|陪家里人|陪家人|陪老人|陪父母)|"
    r"(?:白天|晚上|早上|上午|下午|平时|工作日|周末)我?(?:都)?(?:上班|干活|打工)"
    r"(?![^，。,.]*(?:可以|行|没问题|能))|"
    r"去接孩子|接送孩子|想休息|有课|"
    # 白天要睡觉, 白天起不来, 晚上要上夜校 (scorer 2.9).
    r"(?:要|得)睡觉|起不来|上夜校"
)
#: A clause that offers its slots only partly: 周末偶尔可以, 隔周, 可能.
ROTA_HEDGE = (
    r"偶尔|有时|有些|有的|可能|看情况|尽量|比较难|不一定|隔周|个别|少量|部分|不太|一两|难说|也许|"
    r"再说|到时候|上一天|其中一天"
)
#: A denial that names no time and points back at the times named before it (周末的班，这个我
#: 不答应), not one that says how (最好别排太晚的班).
ROTA_POINTS_BACK = r"这个|这些|那个|那些|这种|那种|这样|都不"
#: Words that make a sentence an offer to work (a story that names days is not one).
ROTA_OFFER = (
    r"可以|能|行|没问题|方便|有空|上班|能上|排|工作|愿意|只有|只能|都|不|没|灵活|随时|安排|班|ok"
)
#: Words of Mandarin's own grammar that Japanese and Korean do not write (我, 这, 们, 吗, 没,
#: 很): an answer with kana or Hangul that has several of them is Mandarin mixed with another
#: language, not an answer in it (在日企的外包コールセンター做了两年半).
MANDARIN_MARKERS = r"我|们|这|那|个|吗|呢|吧|是(?!非)|没|很|还|他|她|一下|的(?![なにだでも])"
#: Characters of this language's script (see dialogue.lang.en).
SCRIPT_CHARS = r"[\u4e00-\u9fff]"
#: A clause that adds its times to those before it (周末可以，晚上也行).
ROTA_ALSO = r"也|还"
#: Times joined so that what is said of the last covers them ("Saturdays and Sundays are out").
ROTA_AND = r"和|跟|以及"
#: Where one clause ends and the next begins.
ROTA_CLAUSE_SPLIT = (
    r"[，。,.;；!！?？、:：]+|但是|不过|可是|而且|另外|还有|和|跟|或者|以及|"
    # An unpunctuated transcript: a new time after an offer or a no starts a clause
    # (白天可以晚上要带孩子) (scorer 2.11).
    r"(?:(?<=可以)|(?<=都行)|(?<=没问题)|(?<=不行)|(?<=没空))"
    r"(?=白天|晚上|早上|上午|下午|中午|周末|平时|工作日)"
)
#: 除了周日都可以: ``out`` is withdrawn from the rest of the clause.
ROTA_EXCEPT = r"除了?(?P<out>[^都也]*?)(?:以外|之外)?(?=都|也|$)"
