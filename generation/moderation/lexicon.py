"""Cue words for the combined rules (moderation/rules.py): words that are harmless alone but decide
together ("a teenage girl" + "undressing"; "step by step" + "ammonium nitrate"; "ISIS" +
"recruitment"). Each group is written in English, Chinese (with pinyin and common euphemisms),
French, Spanish, German and Russian; they are matched like blocklist terms (normalised, stem for
stem, Chinese as substrings, Russian by its own stemmer), so disguises and inflections do not
hide them.

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
    "school uniform", "young looking", "young-looking", "childlike", "child like body",
    "looks underage", "looks like a child",
    "未成年", "少女", "少男", "幼女", "幼童", "女童", "男童", "儿童", "小孩", "孩子", "小女孩",
    "小男孩", "萝莉", "正太", "小学生", "初中生", "中学生", "学生妹", "幼儿", "女学生", "男学生",
    "初中女生", "初中男生", "中学女生", "小学女生", "女初中生", "高中女生", "少年",
    "童颜", "稚嫩",
    "女子高生", "女子中学生", "男子高校生", "小学生の", "中学生の", "子供", "子ども", "児童",
    "幼児", "ロリコン", "未成年者", "年端",
    "여고생", "여중생", "남고생", "초등학생", "중학생", "고등학생", "미성년자", "미성년",
    "어린이", "아동", "어린 소녀", "로리콘", "소녀",
    "menina", "meninas", "menino", "meninos", "crianca", "criancas", "menor de idade",
    "garotinha", "novinha", "bambina", "bambine", "bambino", "bambini", "ragazzina",
    "ragazzino", "minorenne", "minorenni",
    "طفلة", "طفل", "أطفال", "قاصر", "قاصرة", "مراهقة", "مراهق", "فتاة صغيرة",
    "be gai", "tre em", "vi thanh nien", "hoc sinh",
    "anak perempuan", "anak laki laki", "anak anak", "di bawah umur", "gadis kecil",
    "校服", "jk制服", "幼态",
    "बच्ची", "बच्चा", "बच्चे", "बच्चों", "नाबालिग", "स्कूली लड़की", "स्कूल की लड़की",
    "स्कूल की छात्रा", "छोटी लड़की", "छोटी बच्ची", "किशोरी", "किशोर लड़की",
    "küçük kız", "kız çocuğu", "çocuk", "çocuklar", "reşit olmayan", "liseli kız",
    "kız öğrenci", "dziewczynka", "dziewczynki", "dziecko", "dzieci", "nieletnia", "nieletni",
    "uczennica", "klein meisje", "kleine meisjes", "kinderen", "minderjarig", "minderjarige",
    "schoolmeisje", "بچی", "بچہ", "بچے", "نابالغ", "چھوٹی لڑکی", "دختر بچه", "کودک", "کودکان",
    "بچه", "خردسال", "শিশু", "বাচ্চা", "নাবালিকা", "নাবালক", "ছোট মেয়ে", "স্কুলের মেয়ে",
    "batang babae", "batang lalaki", "mga bata", "msichana mdogo", "mtoto", "watoto",
    "bachchi", "bacchi", "bachi", "bachcha", "baccha", "bacha", "bachche", "bacche",
    "bachchon", "nabalig", "chhoti ladki", "choti ladki", "chhoti bachchi", "school ki ladki",
    "kishori",
    "เด็ก", "ผู้เยาว์", "นักเรียนหญิง", "เด็กนักเรียน", "เด็กหญิง", "เด็กผู้หญิง", "เยาวชน",
    "luoli", "weichengnian", "shaonv", "younv", "nvtong", "ertong", "xiaohai",
    "enfant", "enfants", "fillette", "adolescente", "adolescent", "mineure", "mineur", "gamine",
    "nino", "ninos", "ninas", "menor de edad", "menores", "chiquilla", "colegiala",
    "kinder", "ein kind", "das kind", "kleines kind", "kleinen kind", "madchen", "minderjahrig",
    "minderjahrige", "jugendliche", "schulmadchen",
    "ребенок", "ребенка", "дети", "детей", "девочка", "мальчик", "школьница", "школьник",
    "подросток", "подростка", "подростки", "несовершеннолетняя", "несовершеннолетний",
    "несовершеннолетние", "малолетка", "лолита",
)  # fmt: skip

# Nudity or sexual content: enough, next to a minor, to refuse outright.
SEXUAL = (
    "nude", "nudes", "naked", "nudity", "undress", "undressed", "undressing", "stripped naked",
    "stripping for", "strips for", "stripping naked", "stripping off", "strip naked",
    "striptease", "topless", "bottomless", "lingerie", "sexy", "sexual",
    "sexualised", "sexualized", "seductive", "seductively", "sensually", "erotic", "porn",
    "sex act", "having sex", "intercourse", "genitals", "masturbate", "orgasm",
    "aroused", "fetish", "lewd", "hentai", "ecchi", "spread legs", "spreading her legs",
    "no clothes", "without clothes", "wearing nothing", "not wearing anything", "in the nude",
    "skinny dipping", "sensual", "horizontal tango", "pleasuring herself", "pleasuring himself",
    "touching herself", "touching himself", "clothing optional", "take off her clothes",
    "taking off her clothes", "take off his clothes", "taking off his clothes", "no panties",
    "裸体", "裸露", "赤裸", "全裸", "半裸", "裸照", "裸身", "裸着", "脱光", "脱衣", "脱掉衣服",
    "脱下衣服", "衣服都脱", "把衣服脱", "脱了衣服", "衣服脱了", "脱衣服", "一丝不挂", "色情",
    "性感", "做爱", "性交", "性爱", "情色", "下体", "私处", "露点", "自慰", "床戏", "涩图", "色色",
    "瑟瑟", "不穿衣服", "没穿衣服", "内衣", "走光", "黄图", "黄片", "开房", "援交", "性行为",
    "luoti", "seqing", "xingai", "zuoai", "tuoguang", "sese",
    "裸の", "ヌード", "セックス", "エロ", "エッチ", "アダルト", "全裸", "下着姿", "おっぱい",
    "性行為", "脱いで", "服を脱",
    "알몸", "누드", "벌거벗은", "나체", "섹스", "성관계", "야동", "포르노", "속옷만",
    "menina nua", "garota nua", "mulher nua", "crianca nua", "adolescente nua", "nua na",
    "nua em", "nua de", "toda nua", "completamente nua", "ficar nua", "fica nua", "pelada",
    "pelado", "sem roupa", "nuda", "nudi", "senza vestiti",
    "عارية", "عاري", "عراة", "إباحي", "اباحي", "بدون ملابس",
    "khoa than", "tran truong", "loa the", "tinh duc", "khieu dam",
    "telanjang", "bugil", "tanpa busana", "seks",
    "옷을 벗",
    "नग्न", "नंगी", "नंगा", "नंगे", "सेक्स", "अश्लील", "पोर्न", "संभोग", "यौन",
    "çıplak", "çırılçıplak", "müstehcen", "naga dziewczyna", "naga dziewczynka", "naga kobieta",
    "nagie", "nago", "nagość", "naakt", "naakte", "bloot", "ننگی", "ننگا", "ننگے", "برہنہ",
    "فحش", "برهنه", "لخت", "عریان", "সেক্স", "নগ্ন", "উলঙ্গ", "hubad", "msichana uchi",
    "mwanamke uchi", "mtoto uchi", "watoto uchi", "ngono",
    "nangi", "nanga", "nange", "nagn", "ashleel", "ashlil", "sambhog", "chudai",
    "เปลือย", "แก้ผ้า", "เซ็กส์", "เพศสัมพันธ์", "ลามก", "หนังโป๊", "ภาพโป๊", "คลิปโป๊",
    "ชุดชั้นใน",
    "nue", "nues", "deshabillee", "deshabille", "erotique", "seins", "sexuelle",
    "desnuda", "desnudo", "desnudas", "desnudos", "sin ropa", "erotica", "erotico",
    "nackt", "nackte", "nackten", "nacktes", "sexuell", "ausgezogen", "erotisch",
    "голая", "голую", "голой", "голый", "голые", "голых", "голого", "обнаженная", "обнаженный",
    "обнаженные", "раздетая", "раздевается", "раздеваться", "секс", "сексуальная", "сексуальный",
    "эротика", "эротический", "порно", "без одежды", "нижнее белье",
)  # fmt: skip

# Taking clothes off on screen: held for a person to judge (a film's scene, a changing room in
# a comedy), refused with a minor or over an uploaded photo (see rules.py). A man taking off his
# shirt, anyone taking off a coat, a hat or shoes, a chef stripping herbs and the Las Vegas
# Strip are none of these.
UNDRESSING = (
    "undress", "undresses", "undressing", "strip off", "strips off", "stripping off",
    "strip down", "strips down", "stripping down", "striptease", "strip tease", "strip club",
    "stripper pole", "take off her clothes", "take off his clothes", "take off their clothes",
    "take her clothes off", "take his clothes off", "take their clothes off",
    "take off her dress", "take her dress off", "take off her top", "take her top off",
    "take off her shirt", "take her shirt off", "take off her blouse", "take off her bra",
    "take her bra off", "take off her skirt", "take her skirt off", "take off her pants",
    "take off her underwear", "take off her panties", "take off her bikini",
    "take off her swimsuit", "remove her clothes", "remove his clothes", "removes her clothing",
    "remove her dress", "remove her top", "remove her bra", "remove her underwear",
    "clothes fall off", "clothes come off", "clothes off", "lift her shirt",
    "lift up her shirt", "lift her top", "lift up her top", "lift her skirt",
    "lift up her skirt", "pull up her skirt", "pull down her pants", "pull down her underwear",
    "pull down her panties", "unbutton her shirt", "unbutton her blouse", "unzip her dress",
    "drop her towel", "drops the towel", "drop her robe",
    "脱衣", "脱掉衣服", "脱下衣服", "脱光", "衣服脱", "脱掉裙子", "脱掉上衣", "脱掉内衣",
    "脱掉胸罩", "脱掉内裤", "脱下裙子", "脱下内衣", "脱下内裤", "脱她的", "撩起衣服",
    "撩起裙子", "掀起裙子", "掀起衣服", "宽衣解带", "脱衣舞",
    "服を脱", "脱いで", "脱ぐ", "ストリップ", "옷을 벗", "옷 벗", "스트립",
    "कपड़े उतार", "कपड़े उतारता", "कपड़े उतारती", "कपड़े उतारते", "कपड़े उतारे", "कपड़े उतारो",
    "कपड़े उतारना", "कपड़े उतारकर",
    "kapde utar", "kapde utarti", "kapde utarta", "kapde utarte", "kapde utare", "kapde utaro",
    "kapde utarna", "kapde utarke", "kapde utarkar", "kapde kholo", "kapde khol",
    "ถอดเสื้อผ้า", "ถอดชุด", "ถอดกางเกง", "เปลื้องผ้า",
    "tuoyi",
    "se deshabille", "se deshabiller", "enleve ses vetements", "retire ses vetements",
    "se desnuda", "desnudarse", "quitarse la ropa", "se quita la ropa", "quitale la ropa",
    "zieht sich aus", "sich ausziehen", "entkleidet sich", "zieht ihre kleider aus",
    "раздевается", "раздеваться", "раздеть", "раздевает", "снимает одежду", "снять одежду",
    "стриптиз",
)  # fmt: skip

# Asking for a method.
INSTRUCTION = (
    "how to", "how do i", "how can i", "step by step", "steps", "step one", "step 1",
    "tutorial", "instructions", "guide", "recipe", "diy", "homemade", "home made", "workshop",
    "walkthrough", "teach me", "show me how", "the process of making",
    "教程", "步骤", "如何", "怎么", "怎样", "方法", "配方", "第一步", "教我", "手把手", "自制",
    "一步一步", "教你",
    "作り方", "作る方法", "やり方", "手順", "方法を教えて", "教えて",
    "만드는 법", "만드는 방법", "만드는법", "하는 법", "하는 방법", "방법", "알려줘", "단계별",
    "como fazer", "passo a passo", "tutorial", "come costruire", "come fare", "istruzioni",
    "كيفية", "كيف", "طريقة", "خطوة بخطوة", "cach lam", "huong dan", "cara membuat",
    "langkah langkah",
    "कैसे", "तरीका", "तरीके", "विधि", "स्टेप बाय स्टेप", "सिखाओ", "बताओ",
    "nasıl yapılır", "nasıl yapabilirim", "adım adım", "jak zrobić", "jak zbudować",
    "krok po kroku",
    "hoe maak", "stap voor stap", "handleiding", "کیسے", "طریقہ", "چگونه", "آموزش", "কিভাবে",
    "কীভাবে", "paano", "jinsi ya", "hatua kwa hatua",
    "kaise", "tarika", "tareeka", "tarike", "tareeke", "vidhi", "sikhao", "batao",
    "วิธี", "ขั้นตอน", "สอน", "ยังไง", "อย่างไร",
    "comment fabriquer", "etapes", "tutoriel", "recette",
    "como hacer", "paso a paso", "instrucciones", "receta",
    "anleitung", "schritt fur schritt", "wie baut man", "rezept",
    "как сделать", "как изготовить", "как приготовить", "как собрать", "пошагово",
    "пошаговая", "инструкция", "рецепт", "своими руками", "в домашних условиях",
)  # fmt: skip

MAKE = (
    "make", "build", "assemble", "construct", "wire", "mix", "pack", "cook", "synthesize",
    "synthesise", "prepare", "rig", "制作", "制造", "组装", "配制", "做", "合成", "自制",
    "作り", "作る", "製造", "만드", "만들", "제조",
    "fazer", "construir", "costruire", "fare", "صنع", "تصنيع", "lam", "membuat", "merakit",
    "बनाएं", "बनाएँ", "बनाये", "बनाना", "बनाने", "बनाओ", "बनाता", "बनाते", "बनाऊं",
    "yapılır", "yapmak", "zrobić", "zbudować", "maken", "maak", "bouwen", "بنائیں", "بنانے",
    "بنانا", "بسازیم", "ساختن", "بسازم", "بسازید", "বানাবো", "বানাতে", "বানানো", "তৈরি", "gumawa",
    "gagawa", "paggawa", "kutengeneza",
    "banaye", "banayein", "banaen", "banana", "banane", "banao", "banata", "banate",
    "ทำ", "สร้าง", "ประกอบ", "ผลิต",
    "fabriquer", "construire", "hacer", "fabricar", "armar", "bauen", "herstellen",
    "сделать", "изготовить", "собрать", "приготовить", "варить", "сварить", "синтез",
    "синтезировать",
)  # fmt: skip

EXPLOSIVE_DEVICE = (
    "bomb", "bombs", "explosive device", "ied", "pipe bomb", "car bomb", "nail bomb",
    "suicide vest", "grenade", "molotov", "molotov cocktail",
    "炸弹", "爆炸装置", "土炸弹", "燃烧瓶", "燃烧弹", "手雷", "zhadan",
    "爆弾", "爆発物", "手榴弾", "火炎瓶", "폭탄", "폭발물", "수류탄", "화염병",
    "bomba caseira", "ordigno", "قنبلة", "عبوة ناسفة", "membuat bom", "merakit bom",
    "bom rakitan",
    "een bom", "bommen", "بم", "بمب", "বোমা", "bomu",
    "बम", "विस्फोटक", "ग्रेनेड", "ระเบิด",
    "bombe", "bomba", "granada",
    "бомба", "бомбу", "взрывное устройство", "граната", "коктейль молотова",
)  # fmt: skip

EXPLOSIVE_MATERIAL = (
    "explosive", "explosives", "detonator", "blasting cap", "tatp", "acetone peroxide",
    "ammonium nitrate", "black powder", "gunpowder", "nitroglycerin", "c4", "semtex",
    "thermite", "napalm", "shrapnel", "hmtd", "petn", "blow up a building", "blow up the building",
    "level a building", "boom boom device", "炸掉大楼", "炸毁", "炸掉", "大炮仗",
    "炸药", "爆炸物", "雷管", "引爆", "硝酸铵", "黑火药", "火药", "硝化甘油", "tnt", "zhayao",
    "explosif", "explosifs", "detonateur", "explosivo", "explosivos", "detonador",
    "sprengstoff", "zunder", "schwarzpulver",
    "взрывчатка", "взрывчатку", "взрывчатое вещество", "детонатор", "селитра",
    "аммиачная селитра", "тротил", "порох", "нитроглицерин", "взорвать здание",
)  # fmt: skip

# Weapons whose method is dangerous whatever the verb: chemical and biological agents, firearms
# made at home, incendiaries. Asked for with a method ("how to", 教程), refused.
WEAPON_RECIPE = (
    "poison gas", "toxic gas", "nerve agent", "nerve gas", "sarin", "vx gas", "ricin",
    "anthrax", "mustard gas", "chlorine gas", "chemical weapon", "chemical weapons",
    "bioweapon", "biological weapon", "ghost gun", "untraceable gun", "untraceable pistol",
    "untraceable firearm", "3d printed gun", "3d printed pistol", "3d printed firearm",
    "3d print a gun", "3d print a pistol", "3d print a firearm", "3d print guns",
    "zip gun", "homemade gun", "homemade silencer", "silencer", "suppressor", "auto sear",
    "full auto conversion", "incendiary", "firebomb",
    "毒气", "神经毒剂", "沙林", "蓖麻毒素", "炭疽", "芥子气", "氯气", "化学武器", "生物武器",
    "自制枪", "土枪", "消音器", "燃烧弹", "制作枪支", "枪支制作", "造枪", "自制手枪", "3d打印枪",
    "gaz toxique", "arme chimique", "gas venenoso", "gas toxico", "arma quimica", "giftgas",
    "chemiewaffe",
    "отравляющий газ", "нервно паралитический", "зарин", "рицин", "химическое оружие",
    "биологическое оружие", "самодельный пистолет", "глушитель",
)  # fmt: skip

# A way to hurt oneself and the wish to die: together, self-harm however it is worded ("writes
# a goodbye note and swallows all her pills").
SELF_HARM_METHOD = (
    "pills", "sleeping pills", "painkillers", "overdose", "razor", "razor blade", "blade",
    "noose", "rope", "ledge", "rooftop", "off the roof", "off the bridge", "off a bridge",
    "train tracks", "in front of a train", "pesticide", "gun to his head", "gun to her head",
    "安眠药", "药片", "农药", "刀片", "绳子", "天台", "楼顶", "跳桥", "卧轨", "跳河",
    "睡眠薬", "カミソリ", "首吊り", "飛び降り", "手首を切", "リストカット",
    "수면제", "면도칼", "목을 매", "뛰어내", "손목을 긋", "손목을 그",
    "नींद की गोलियां", "नींद की गोली", "फांसी", "फंदा", "रस्सी", "ब्लेड",
    "neend ki goli", "neend ki goliyan", "phansi", "fansi", "rassi",
    "ยานอนหลับ", "แขวนคอ", "กระโดดตึก", "มีดโกน", "ใบมีด",
    "pastilles", "somniferes", "pastillas", "tabletten", "schlaftabletten",
    "таблетки", "снотворное", "лезвие", "бритва", "петля", "веревка", "крыша",
    "с моста",
)  # fmt: skip
SELF_HARM_INTENT = (
    "end it", "end it all", "to die", "want to die", "wants to die", "wanted to die",
    "goodbye note", "suicide note", "farewell note", "farewell letter", "last words",
    "final goodbye", "no reason to live", "nothing to live for", "cannot go on", "can't go on",
    "遗书", "不想活", "活不下去", "告别信", "最后的告别", "结束一切", "想死", "去死", "了结",
    "自殺", "死にたい", "遺書", "消えたい", "자살", "죽고 싶", "죽고싶", "유서",
    "आत्महत्या", "मरना चाहता", "मरना चाहती", "जीना नहीं चाहता", "जीना नहीं चाहती",
    "aatmahatya", "atmahatya", "khudkushi", "marna chahta", "marna chahti",
    "jeena nahi chahta", "jeena nahi chahti",
    "ฆ่าตัวตาย", "อยากตาย",
    "mourir", "en finir", "morir", "acabar con todo", "sterben", "abschiedsbrief",
    "умереть", "хочу умереть", "покончить с собой", "предсмертная записка",
    "прощальная записка", "незачем жить", "покончить со всем",
)  # fmt: skip

# Hurting oneself and hiding it from others: together, advice on self-harm ("the best way to
# cut yourself without anyone noticing"). Either alone is everyday ("cut yourself a slice",
# "hide the scars with make-up").
SELF_HARM_ACT = (
    "cut yourself", "cutting yourself", "cut myself", "cut herself", "cut himself",
    "cuts herself", "cuts himself", "cutting herself", "cutting himself", "hurt yourself",
    "hurting yourself", "hurt myself", "harm yourself", "harming yourself", "burn yourself",
    "burning yourself", "self harm", "self-harm", "self harming", "self-harming",
    "自残", "自伤", "割腕", "划手腕", "割手腕", "伤害自己",
    "se couper", "se mutiler", "cortarse", "autolesion", "ritzen", "selbstverletzung",
    "порезать себя", "резать себя", "режет себя", "порезы", "селфхарм", "навредить себе",
)  # fmt: skip
CONCEALMENT = (
    "without anyone noticing", "without anybody noticing", "without anyone knowing",
    "without anybody knowing", "without anyone seeing", "no one will notice",
    "nobody will notice", "no one will know", "nobody will know", "no one will see",
    "where no one can see", "where nobody can see", "hide the scars", "hide the cuts",
    "hide the marks", "hide scars", "hide cuts", "hiding the scars", "hiding the cuts",
    "不被发现", "不让人发现", "不让别人发现", "别人看不到", "看不出来", "藏住伤口", "藏住伤疤",
    "sans que personne", "sin que nadie", "ohne dass es jemand",
    "чтобы никто не заметил", "никто не заметит", "никто не узнает", "скрыть шрамы",
    "скрыть порезы", "спрятать порезы",
)  # fmt: skip

# Filming someone in secret, and a place where people undress: together, voyeurism (refused
# as sexual content). A hidden-camera prank in a restaurant is neither.
SECRET_FILMING = (
    "hidden camera", "hidden cam", "spy cam", "spy camera", "secretly filming", "secretly filmed",
    "secretly recording", "secretly recorded", "peeping", "peeping tom", "voyeur", "voyeurism",
    "偷拍", "偷窥", "针孔摄像头", "隐藏摄像头",
    "camera cachee", "camara oculta", "versteckte kamera",
    "скрытая камера", "скрытой камерой", "подглядывание", "подглядывает",
)  # fmt: skip
PRIVATE_PLACE = (
    "changing room", "fitting room", "locker room", "dressing room", "shower", "showers",
    "toilet", "toilets", "restroom", "bathroom", "bedroom window", "under her skirt",
    "更衣室", "试衣间", "厕所", "卫生间", "浴室", "女厕", "裙底",
    "vestiaire", "cabine d essayage", "vestuario", "probador", "umkleide", "umkleidekabine",
    "раздевалка", "раздевалке", "примерочная", "примерочной", "душ", "душе", "туалет",
    "туалете",
)  # fmt: skip

EXTREMIST_GROUP = (
    "isis", "isil", "daesh", "al qaeda", "al-qaeda", "alqaeda", "boko haram", "al shabaab",
    "jihad", "jihadist", "jihadi", "mujahideen", "caliphate", "islamic state", "kkk",
    "ku klux klan", "neo nazi", "neonazi", "atomwaffen", "taliban", "hamas", "hezbollah",
    "white supremacist", "terrorist group", "white supremacy",
    "terrorist organisation", "terrorist organization", "terror cell", "holy war",
    "伊斯兰国", "基地组织", "圣战", "恐怖组织", "塔利班", "哈马斯", "真主党", "三k党", "新纳粹",
    "东突", "极端组织", "白人至上",
    "djihad", "djihadiste", "etat islamique", "yihad", "yihadista", "estado islamico",
    "dschihad", "dschihadist", "islamischer staat",
    "игил", "исламское государство", "аль каида", "талибан", "джихад", "джихадист",
    "террористическая организация", "неонацисты", "хамас",
)  # fmt: skip

PROPAGANDA = (
    "recruit", "recruitment", "recruiting", "propaganda", "join us", "join the", "enlist",
    "martyr", "martyrdom", "glorify", "glorifying", "call to arms", "manifesto",
    "rise up", "take up arms", "promo", "promotional", "praise", "praising", "glorious",
    "glory to", "heroic", "heroes", "salute", "saluting", "celebrate", "celebrating",
    "招募", "招兵", "宣传", "加入", "殉道", "鼓吹", "号召", "宣传片", "美化", "歌颂", "赞美",
    "赞扬", "光荣", "英雄", "万岁",
    "recrutement", "recruter", "rejoindre", "rejoignez", "propagande", "martyre",
    "reclutamiento", "reclutar", "unete", "propaganda", "martir",
    "rekrutierung", "anwerben", "werbevideo", "schliesst euch",
    "вербовка", "вербуют", "вербовать", "пропаганда", "присоединяйтесь", "мученик",
    "прославление", "восхваление", "героизация", "к оружию",
)  # fmt: skip

# A prompt about something rather than for it: extremism combined with these is held for a
# person to judge instead of refused.
REPORTING = (
    "documentary", "history", "historical", "news report", "news footage", "journalist",
    "analysis", "lecture", "museum", "memorial", "how they radicalise", "deradicalisation",
    "纪录片", "历史", "新闻", "报道", "讲座", "documentaire", "historia", "dokumentarfilm",
    "документальный", "история", "исторический", "новости", "репортаж",
)  # fmt: skip

# Illegal drugs, and what is done with them. Made ("how to" + "cook" + "meth"), refused under
# "drugs"; used on screen ("injecting heroin"), held for a person to judge (a film's scene, a
# documentary), refused with a minor. The drug alone decides nothing: news, history, recovery.
DRUG = (
    "meth", "methamphetamine", "crystal meth", "crack cocaine", "cocaine", "heroin",
    "fentanyl", "mdma", "ecstasy", "lsd", "ketamine", "mephedrone", "opium", "illegal drugs",
    "hard drugs", "narcotics",
    "冰毒", "毒品", "海洛因", "可卡因", "摇头丸", "芬太尼", "氯胺酮", "k粉", "鸦片",
    "甲基苯丙胺", "麻古",
    "覚醒剤", "覚せい剤", "麻薬", "コカイン", "ヘロイン",
    "마약", "필로폰", "코카인", "헤로인", "대마초", "메스암페타민",
    "ड्रग्स", "नशीले पदार्थ", "हेरोइन", "कोकीन", "स्मैक", "मेथ",
    "ยาบ้า", "ยาไอซ์", "ยาเสพติด", "เฮโรอีน", "โคเคน",
    "наркотики", "наркотиков", "героин", "героином", "кокаин", "кокаина", "мефедрон",
    "мефедрона", "метамфетамин", "амфетамин", "спайс", "экстази", "фентанил",
    "drogue", "drogues", "cocaine", "heroine", "droga", "drogas", "heroina", "drogen", "kokain",
)  # fmt: skip
DRUG_USE = (
    "injecting", "inject", "shooting up", "snorting", "snort", "smoking crack", "sniffing",
    "a line of", "lines of", "getting high", "high on", "overdosing", "needle in", "syringe",
    "吸毒", "吸食", "注射", "嗑药", "吸粉",
    "колоться", "колет", "вводит", "нюхать", "нюхает", "употреблять", "употребляет",
    "употребление", "под кайфом", "шприц",
    "se droguer", "sniffer", "drogarse", "esnifar", "spritzen", "koksen",
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

# Real, named public figures most often faked: heads of state and government, leading
# politicians, and the celebrities deepfakes target most. Full names where a surname alone is an
# everyday word ("trump card", "white musk", "bush"); Chinese names as written in the Chinese
# press, none that is part of a common word (川普 is also 四川普通话). A name alone holds the
# prompt for a person; with violence, sex or invented words (below) it is refused.
PUBLIC_FIGURE = (
    "xi jinping", "jinping", "peng liyuan", "mao zedong", "mao tse tung", "deng xiaoping",
    "jiang zemin", "hu jintao", "wen jiabao", "li keqiang", "tsai ing wen", "lai ching te",
    "joe biden", "biden", "donald trump", "president trump", "barack obama", "obama",
    "kamala harris", "hillary clinton", "bill clinton", "jd vance", "elon musk",
    "vladimir putin", "putin", "zelensky", "zelenskyy", "zelenskiy", "kim jong un",
    "narendra modi", "emmanuel macron", "macron", "rishi sunak", "keir starmer",
    "boris johnson", "olaf scholz", "friedrich merz", "angela merkel", "merkel",
    "justin trudeau", "benjamin netanyahu", "netanyahu", "erdogan", "khamenei",
    "giorgia meloni", "shinzo abe", "fumio kishida", "yoon suk yeol", "lee jae myung",
    "ursula von der leyen", "pope francis", "pope leo", "king charles", "prince william",
    "taylor swift", "scarlett johansson", "emma watson", "gal gadot", "billie eilish",
    "jennifer lawrence", "selena gomez", "ariana grande", "kim kardashian", "tom cruise",
    "keanu reeves", "mark zuckerberg",
    "习近平", "彭丽媛", "毛泽东", "邓小平", "江泽民", "胡锦涛", "温家宝", "李克强", "蔡英文",
    "赖清德", "拜登", "特朗普", "奥巴马", "贺锦丽", "希拉里", "克林顿", "马斯克",
    "普京", "泽连斯基", "金正恩", "莫迪", "马克龙", "默克尔", "内塔尼亚胡", "埃尔多安",
    "哈梅内伊", "安倍晋三", "岸田文雄", "尹锡悦", "泰勒斯威夫特", "泰勒·斯威夫特",
    "霉霉", "杨幂", "范冰冰", "刘亦菲", "赵丽颖", "迪丽热巴", "杨紫", "王一博", "肖战",
    "xijinping", "maozedong", "dengxiaoping",
)  # fmt: skip

# Violence or harm done to someone: with a named public figure, refused.
HARM = (
    "executed", "execution", "assassinated", "assassination", "assassinate", "shot dead",
    "shot in the head", "gets shot", "getting shot", "being shot", "is shot", "killed",
    "killing", "murdered", "murder", "beheaded", "beheading", "hanged", "hanging from",
    "lynched", "beaten", "beaten up", "beating", "tortured", "torture", "stabbed", "stabbing",
    "dead body", "corpse", "in a coffin", "dies", "dying", "death of", "bleeding", "bloody",
    "punched", "slapped", "kicked", "humiliated", "on his knees", "on her knees", "begging",
    "in handcuffs", "handcuffed", "arrested", "in prison", "behind bars", "on fire", "burned",
    # Chinese terms match as substrings: 死 covers 死亡, 打死, 炸死 and every other death.
    "处决", "枪毙", "枪杀", "暗杀", "刺杀", "杀死", "被杀", "杀害", "斩首", "砍头", "死",
    "殴打", "被打", "尸体", "流血", "下跪", "跪地", "求饶", "羞辱", "被捕", "逮捕", "坐牢",
    "入狱", "手铐", "巴掌", "耳光", "打了",
    "葬礼", "funeral", "breaks his neck", "breaks her neck", "falls down", "fell down",
    "execute", "assassine", "ejecutado", "asesinado", "hingerichtet", "ermordet",
)  # fmt: skip

# Violence or humiliation done to someone on screen: over an uploaded photo (the person may be a
# classmate, a colleague), held for a person to judge (see rules.py). Unlike HARM, no word of a
# death in the past ("my grandfather who died", 死去的爷爷, a funeral): bringing the photo of
# someone who has died to life is what most old photos are uploaded for.
VIOLENCE_DONE = (
    "gets shot", "getting shot", "being shot", "is shot", "shot in the head", "shoot him",
    "shoot her", "shoots him", "shoots her", "shot dead", "gets executed", "is executed",
    "being executed", "beheaded", "beheading", "hanged by the neck", "lynched", "strangled",
    "strangles", "choked to death", "chokes him", "chokes her", "gets punched",
    "getting punched", "punch him", "punch her", "punches him", "punches her", "gets slapped",
    "getting slapped", "slapped in the face", "slap him", "slap her", "slaps him", "slaps her",
    "beaten up", "beat him up", "beat her up", "beats him up", "beats her up",
    "beaten to death", "gets kicked", "getting kicked", "kick him", "kick her", "kicks him",
    "kicks her", "stabbed", "stab him", "stab her", "stabs him", "stabs her",
    "tortured to death", "being tortured", "gets tortured", "torture him", "torture her",
    "set on fire", "sets him on fire", "sets her on fire", "burned alive", "run over by",
    "gets run over", "in handcuffs", "handcuffed", "arrested", "gets arrested", "humiliated",
    "humiliate", "spit on", "spits on", "kneel and beg", "on his knees begging",
    "on her knees begging",
    "枪毙", "枪杀", "开枪打", "处决", "斩首", "砍头", "杀死", "杀了他", "杀了她", "被杀", "勒死",
    "掐死", "烧死", "殴打", "被打了", "被人打", "被打死", "被打伤", "暴打", "打他的脸",
    "打她的脸", "扇他", "扇她", "扇耳光", "打耳光", "踢他", "踢她", "捅他", "捅她", "被捅",
    "折磨他", "折磨她", "被折磨", "被捕", "逮捕", "戴上手铐", "手铐", "羞辱", "下跪求饶",
    "吐口水",
    "fusille", "poignarde", "gifle", "arrete par la police", "fusilado", "apunalado",
    "golpeado", "abofeteado", "arrestado", "erschossen", "erstochen", "verhaftet",
    "расстрелян", "застрелен", "избит", "избивают", "зарезан", "арестован", "унижают",
)  # fmt: skip

# Intimate scenes: with a named public figure, refused as sex is.
INTIMATE = (
    "shower", "showering", "bath", "bathing", "bathtub", "bikini", "swimsuit", "in bed",
    "bedroom", "kissing", "kisses", "making out", "steamy", "underwear", "on a date with",
    "洗澡", "淋浴", "浴缸", "比基尼", "泳装", "泳衣", "床上", "卧室", "亲吻", "接吻", "亲热",
    "约会",
)  # fmt: skip

# Putting words in someone's mouth, or passing a clip off as real news.
INVENTED_WORDS = (
    "announces", "announcing", "announced", "announcement", "declares", "declaring",
    "declared", "says", "saying", "said", "tells", "telling", "admits", "admitting",
    "confesses", "confessing", "confession", "resigns", "resigning", "resignation",
    "press conference", "speech", "addresses the nation", "address to the nation", "statement",
    "news footage", "news report", "news clip", "breaking news", "leaked", "leaked video",
    "caught on camera", "hidden camera", "real footage", "authentic footage", "endorses",
    "endorsing", "endorsement", "votes for", "vote for", "urges", "promotes", "promoting",
    "buy this", "invest in", "crypto", "giveaway",
    "宣布", "讲话", "演讲", "辞职", "下台", "承认", "声明", "发布会", "新闻", "视频通话", "泄露",
    "偷拍", "代言", "推荐", "号召", "呼吁", "投票", "说",
    "annonce", "declare", "demission", "anuncia", "declara", "dimite", "kundigt an",
    "erklart", "rucktritt",
)  # fmt: skip

# Art objects: "nude" right before one of these is an art nude (statue, painting), not a person.
ART_OBJECT = (
    "statue", "statues", "sculpture", "sculptures", "painting", "paintings", "marble",
    "bronze", "fresco", "oil painting",
)  # fmt: skip
ART_OBJECT_ZH = ("雕塑", "雕像", "油画", "画作", "素描", "壁画")

# Harmless phrases that contain a cue or a blocked term; removed before matching.
HARMLESS = (
    "nude colour", "nude coloured", "nude color", "nude colored", "nude tone", "nude tones",
    "nude shade", "nude lipstick", "nude lip gloss", "nude makeup", "nude nail polish",
    "nude nails", "nude heels", "nude pumps", "nude sandals", "nude shoes", "nude beige",
    "nude pink", "nude palette", "nude eyeshadow", "nude stockings", "nude tights", "裸色", "裸妆",
    "intihar önleme", "zapobieganie samobójstwom", "zelfmoordpreventie",
    "white power ranger", "white power rangers", "nanga parbat", "आत्महत्या रोकथाम",
    "aatmahatya rokthaam", "atmahatya rokthaam", "ป้องกันการฆ่าตัวตาย",
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
