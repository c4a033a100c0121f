"""Cue words for the combined rules (moderation/rules.py): words that are harmless alone but decide
together ("a teenage girl" + "undressing"; "step by step" + "ammonium nitrate"; "ISIS" +
"recruitment"). Each group is written in English, Chinese (with pinyin and common euphemisms),
French, Spanish and German; they are matched like blocklist terms (normalised, stem for stem,
Chinese as substrings), so disguises and inflections do not hide them.

Unlike the blocklist these live in code: they are the vocabulary of rules, not rules of their
own, and a cue that is wrong turns into false refusals only in combination with another.
"""

# Someone under 18. Bare "girl"/"boy"/"女孩" are left out: they are used of adults every day.
MINOR = (
    "child", "children", "kid", "kids", "toddler", "infant", "little girl", "little boy",
    "young girl", "young boy", "schoolgirl", "schoolboy", "school girl", "school boy",
    "teen", "teens", "teenage", "teenager", "preteen", "pre teen", "tween", "underage",
    "under age", "a minor", "minors", "juvenile", "pubescent", "prepubescent", "loli", "lolita",
    "shota", "middle schooler", "grade schooler", "kindergartener", "jailbait", "barely legal",
    "high school girl", "high school boy", "high schooler", "schoolkid", "schoolkids",
    "未成年", "少女", "少男", "幼女", "幼童", "女童", "男童", "儿童", "小孩", "孩子", "小女孩",
    "小男孩", "萝莉", "正太", "小学生", "初中生", "中学生", "学生妹", "幼儿", "女学生", "男学生",
    "初中女生", "初中男生", "中学女生", "小学女生", "女初中生", "高中女生", "少年",
    "童颜", "稚嫩",
    "luoli", "weichengnian", "shaonv", "younv", "nvtong", "ertong", "xiaohai",
    "enfant", "enfants", "fillette", "adolescente", "adolescent", "mineure", "mineur", "gamine",
    "nino", "ninos", "ninas", "menor de edad", "menores", "chiquilla", "colegiala",
    "kinder", "ein kind", "das kind", "kleines kind", "kleinen kind", "madchen", "minderjahrig",
    "minderjahrige", "jugendliche", "schulmadchen",
)  # fmt: skip

# Nudity or sexual content: enough, next to a minor, to refuse outright.
SEXUAL = (
    "nude", "nudes", "naked", "nudity", "undress", "undressed", "undressing", "stripped naked",
    "stripping for", "strips for", "stripping naked", "stripping off", "strip naked",
    "striptease", "topless", "bottomless", "lingerie", "sexy", "sexual",
    "sexualised", "sexualized", "seductive", "seductively", "erotic", "porn", "sex act",
    "having sex", "intercourse", "genitals", "masturbate", "orgasm",
    "aroused", "fetish", "lewd", "hentai", "ecchi", "spread legs", "spreading her legs",
    "no clothes", "without clothes", "wearing nothing", "not wearing anything", "in the nude",
    "skinny dipping", "sensual", "horizontal tango", "clothing optional", "take off her clothes",
    "taking off her clothes", "take off his clothes", "taking off his clothes", "no panties",
    "裸体", "裸露", "赤裸", "全裸", "半裸", "裸照", "裸身", "裸着", "脱光", "脱衣", "脱掉衣服",
    "脱下衣服", "衣服都脱", "把衣服脱", "脱了衣服", "衣服脱了", "脱衣服", "一丝不挂", "色情",
    "性感", "做爱", "性交", "性爱", "情色", "下体", "私处", "露点", "自慰", "床戏", "涩图", "色色",
    "瑟瑟", "不穿衣服", "没穿衣服", "内衣", "走光", "黄图", "黄片", "开房", "援交", "性行为",
    "luoti", "seqing", "xingai", "zuoai", "tuoguang", "sese",
    "nue", "nues", "deshabillee", "deshabille", "erotique", "seins", "sexuelle",
    "desnuda", "desnudo", "desnudas", "desnudos", "sin ropa", "erotica", "erotico",
    "nackt", "nackte", "nackten", "nacktes", "sexuell", "ausgezogen", "erotisch",
)  # fmt: skip

# Asking for a method.
INSTRUCTION = (
    "how to", "how do i", "how can i", "step by step", "steps", "step one", "step 1",
    "tutorial", "instructions", "guide", "recipe", "diy", "homemade", "home made", "workshop",
    "walkthrough", "teach me", "show me how", "the process of making",
    "教程", "步骤", "如何", "怎么", "怎样", "方法", "配方", "第一步", "教我", "手把手", "自制",
    "comment fabriquer", "etapes", "tutoriel", "recette",
    "como hacer", "paso a paso", "instrucciones", "receta",
    "anleitung", "schritt fur schritt", "wie baut man", "rezept",
)  # fmt: skip

MAKE = (
    "make", "build", "assemble", "construct", "wire", "mix", "pack", "cook", "synthesize",
    "synthesise", "prepare", "rig", "制作", "制造", "组装", "配制", "做", "合成",
    "fabriquer", "construire", "hacer", "fabricar", "armar", "bauen", "herstellen",
)  # fmt: skip

EXPLOSIVE_DEVICE = (
    "bomb", "bombs", "explosive device", "ied", "pipe bomb", "car bomb", "nail bomb",
    "suicide vest", "grenade", "molotov", "molotov cocktail",
    "炸弹", "爆炸装置", "土炸弹", "燃烧瓶", "手雷", "zhadan",
    "bombe", "bomba", "granada",
)  # fmt: skip

EXPLOSIVE_MATERIAL = (
    "explosive", "explosives", "detonator", "blasting cap", "tatp", "acetone peroxide",
    "ammonium nitrate", "black powder", "gunpowder", "nitroglycerin", "c4", "semtex",
    "thermite", "napalm", "shrapnel", "hmtd", "petn", "blow up a building", "blow up the building",
    "level a building", "boom boom device", "炸掉大楼", "炸毁", "炸掉", "大炮仗",
    "炸药", "爆炸物", "雷管", "引爆", "硝酸铵", "黑火药", "火药", "硝化甘油", "tnt", "zhayao",
    "explosif", "explosifs", "detonateur", "explosivo", "explosivos", "detonador",
    "sprengstoff", "zunder", "schwarzpulver",
)  # fmt: skip

EXTREMIST_GROUP = (
    "isis", "isil", "daesh", "al qaeda", "al-qaeda", "alqaeda", "boko haram", "al shabaab",
    "jihad", "jihadist", "jihadi", "mujahideen", "caliphate", "islamic state", "kkk",
    "ku klux klan", "neo nazi", "neonazi", "atomwaffen", "white supremacist", "terrorist group",
    "terrorist organisation", "terrorist organization", "terror cell", "holy war",
    "伊斯兰国", "基地组织", "圣战", "恐怖组织", "三k党", "新纳粹", "东突", "极端组织",
    "djihad", "djihadiste", "etat islamique", "yihad", "yihadista", "estado islamico",
    "dschihad", "dschihadist", "islamischer staat",
)  # fmt: skip

PROPAGANDA = (
    "recruit", "recruitment", "recruiting", "propaganda", "join us", "join the", "enlist",
    "martyr", "martyrdom", "glorify", "glorifying", "call to arms", "manifesto",
    "rise up", "take up arms", "promo", "promotional",
    "招募", "招兵", "宣传", "加入", "殉道", "鼓吹", "号召", "宣传片", "美化",
    "recrutement", "recruter", "rejoindre", "rejoignez", "propagande", "martyre",
    "reclutamiento", "reclutar", "unete", "propaganda", "martir",
    "rekrutierung", "anwerben", "werbevideo", "schliesst euch",
)  # fmt: skip

# A prompt about something rather than for it: extremism combined with these is held for a
# person to judge instead of refused.
REPORTING = (
    "documentary", "history", "historical", "news report", "news footage", "journalist",
    "analysis", "lecture", "museum", "memorial", "how they radicalise", "deradicalisation",
    "纪录片", "历史", "新闻", "报道", "讲座", "documentaire", "historia", "dokumentarfilm",
)  # fmt: skip

# A group of people, and words that call people animals or vermin: together, dehumanising hate.
PEOPLE = (
    "black people", "blacks", "africans", "jews", "jewish people", "muslims", "arabs", "asians",
    "chinese people", "mexicans", "immigrants", "refugees", "gay people", "gays", "women",
    "黑人", "犹太人", "穆斯林", "亚洲人", "移民", "同性恋", "女人",
    "les noirs", "les juifs", "los negros", "los judios", "die juden", "auslander",
)  # fmt: skip
DEHUMANISING = (
    "as monkeys", "as apes", "as rats", "as cockroaches", "as vermin", "as pigs", "as animals",
    "are monkeys", "are apes", "are rats", "are cockroaches", "are vermin", "are pigs",
    "are animals", "subhuman", "like monkeys", "like rats", "like cockroaches",
    "画成猴子", "画成猪", "是猴子", "是猪", "都是猪", "像猴子", "是蟑螂", "是老鼠", "是畜生",
    "劣等",
    "comme des singes", "como monos", "wie affen", "sont des rats",
)  # fmt: skip

# Art objects: "nude" right before one of these is an art nude (statue, painting), not a person.
ART_OBJECT = (
    "statue", "statues", "sculpture", "sculptures", "painting", "paintings", "marble",
    "bronze", "fresco", "oil painting",
)  # fmt: skip
ART_OBJECT_ZH = ("雕塑", "雕像", "油画", "画作", "素描", "壁画")

# Harmless phrases that contain a cue or a blocked term; removed before matching.
HARMLESS = (
    "bath bomb", "bath bombs", "photobomb", "photo bomb", "photobombing", "bombshell",
    "gunpowder tea", "gunpowder green tea", "bomb calorimeter", "sex of the baby",
    "suicide prevention", "suicide hotline", "suicide prevention hotline", "自杀预防", "预防自杀",
    "印度支那", "露点温度", "露点仪", "童话", "孩子气",
)  # fmt: skip

# Chinese words glossed in English for the semantic model, which reads English only: a mixed
# prompt is read as both languages.
GLOSSES = {
    "未成年": "underage", "少女": "teen girl", "幼女": "little girl", "女童": "little girl",
    "男童": "little boy", "儿童": "child", "小孩": "child", "孩子": "child", "萝莉": "loli",
    "小学生": "schoolchild", "初中生": "teen student", "中学生": "teen student",
    "裸体": "naked", "全裸": "fully naked", "赤裸": "naked", "裸露": "naked",
    "脱光": "stripped naked",
    "脱衣": "undressing", "一丝不挂": "completely naked", "色情": "porn", "性感": "sexy",
    "做爱": "having sex", "性交": "sexual intercourse", "性爱": "sex", "自慰": "masturbating",
    "血腥": "bloody gore", "斩首": "beheading", "砍头": "beheading", "肢解": "dismembering",
    "分尸": "dismembered body", "内脏": "guts", "尸体": "corpse", "虐杀": "torture killing",
    "炸弹": "bomb", "炸药": "explosives", "雷管": "detonator", "硝酸铵": "ammonium nitrate",
    "自杀": "suicide", "割腕": "slitting wrists", "自残": "self harm", "跳楼": "jumping to death",
    "恐怖袭击": "terrorist attack", "恐怖分子": "terrorist", "圣战": "jihad",
    "招募": "recruitment", "宣传": "propaganda", "教程": "tutorial", "步骤": "steps",
    "制作": "make", "如何": "how to", "怎么": "how to",
}  # fmt: skip
