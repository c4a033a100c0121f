"""The "extremism" category, and default rules in more languages and disguises: Chinese synonyms,
pinyin and euphemisms, French, Spanish and German, and the concepts the labelled set showed
missing (extremist recruitment, paraphrased bomb-making, sex described without a listed word).

Terms are matched stem for stem (generation/moderation/normalise.py), so one form of an English
word covers its inflections ("behead" matches "beheads", "beheading").
"""

from django.db import migrations, models

R, V = "refuse", "review"

CATEGORIES = [
    ("sexual", "sexual content"),
    ("minors", "sexual content involving minors"),
    ("extremism", "terrorist or extremist propaganda"),
    ("violence", "graphic violence or gore"),
    ("self_harm", "self-harm"),
    ("hate", "hate or harassment"),
    ("deepfake", "sexual or deceptive depictions of real people"),
    ("weapons", "weapons or terrorism"),
    ("nudity", "nudity"),
]


def _terms(category, action, words):
    return [(w, category, action) for w in words.split("|")]


TERMS = [
    *_terms(
        "sexual",
        R,
        "blow job|hand job|cumshot|creampie|gangbang|bukkake|anal sex|oral sex|sex tape|"
        "sex video|explicit sex|ejaculation|adult content|pornovideo|pornofilm|床上缠绵|camgirl|rape|raping|rapist|"
        "sexual assault|huangpian|zuoai|xingjiao|seqing|性爱视频|啪啪啪|约炮|黄色视频|成人片|"
        "三级片|裸聊|口爆|乳交|肛交|群交|性高潮|强奸|轮奸|迷奸|福利姬|av女优|"
        "sexe explicite|scene de sexe|video porno|pornografia|escena de sexo|sexo explicito|"
        "pornografie|sexszene|geschlechtsverkehr|vergewaltigung|violacion|viol collectif",
    ),
    *_terms(
        "sexual",
        V,
        "boobs|fucking|lingerie shoot|make love|making love|horizontal tango|赤裸|涩图|色图|瑟瑟|色色|裸露|半裸|裸身|luoti|sese|toute nue|"
        "desnuda|desnudo|nackt|nackte",
    ),
    *_terms(
        "minors",
        R,
        "child pornography|child sexual abuse|csam|pedophilia|paedophilia|underage porn|"
        "teen porn|preteen nude|萝莉控|正太控|恋童癖|童交|幼交|未成年裸|学生妹裸|奸淫幼女|"
        "nacktes kind|nackte kinder|luolikong|liantong|pedopornographie|pornografia infantil|pedofilo|kinderpornografie|"
        "kinderporno|padophil|padophile",
    ),
    *_terms(
        "violence",
        R,
        "behead|decapitate|dismember|eviscerate|disembowelment|severed head|mangled corpse|"
        "flayed alive|skinned alive|guts spilling|blood and guts|snuff video|snuff movie|mutilate|碎尸|血肉模糊|"
        "head from his body|head from her body|内脏外露|挖眼|凌迟|割喉|折磨致死|鲜血四溅|人头砍下|砍下人头|血浆四溅|砍下头颅|虐待动物|zhanshou|fenshi|decapite|demembre|"
        "egorge|decapitado|decapitacion|desmembrado|degollado|enthauptet|enthauptung|"
        "zerstuckelt",
    ),
    *_terms(
        "violence",
        V,
        "gruesome|torture scene|burned alive|血淋淋|断肢|爆头|活埋|剥皮|砍杀|血流成河",
    ),
    *_terms(
        "self_harm",
        R,
        "slit my wrists|slitting my wrists|cut my wrists|cutting her wrists|cutting his wrists|"
        "open her veins|opens her veins|opens the veins|open his veins|end my life|end her life|end his life|take her own life|take his own life|unalive|"
        "take my own life|shoot himself|shoot herself|shoot myself|shot himself|shot herself|"
        "kill yourself|kys|hanging himself|hanging herself|"
        "self mutilation|割手腕|划手腕|割自己|划自己|结束自己的生命|吞药自尽|自尽|zican|se suicider|"
        "s'ouvrir les veines|suicidarse|cortarse las venas|quitarse la vida|sich umbringen|"
        "pulsadern aufschneiden|selbstverletzung",
    ),
    *_terms(
        "self_harm",
        V,
        "suicide note|overdose on pills|sleep forever|轻生|寻死|上吊|结束生命|zisha|suicidaire|selbstmord|"
        "suizid",
    ),
    *_terms(
        "hate",
        R,
        "gook|raghead|towelhead|白皮猪|黑猴子|sale negre|bougnoule|sudaca|judensau|"
        "untermensch",
    ),
    *_terms("hate", V, "tranny|小日本"),
    *_terms(
        "deepfake",
        R,
        "nudify|nudifier|undress app|take off her clothes|see through clothes|"
        "x ray clothes|脱衣软件|ai脱衣|换脸色情|明星换脸",
    ),
    *_terms("deepfake", V, "remove clothes|tuoyi|deshabiller|desnudar"),
    *_terms(
        "weapons",
        R,
        "homemade bomb|home made explosives|homemade explosives|pressure cooker bomb|nail bomb|"
        "plant a bomb|shoot up a school|shoot up the school|土炸弹|炸药配方|制造炸药|制作炸药|"
        "爆炸袭击|屠杀平民|zhizuo zhadan|fabriquer une bombe|bombe artisanale|"
        "attentat terroriste|hacer una bomba|bomba casera|atentado terrorista|bombe bauen|"
        "sprengstoff herstellen|terroranschlag",
    ),
    *_terms("weapons", V, "car bomb|ied|mass murder|massacre civilians|枪击案|汽车炸弹"),
    *_terms(
        "extremism",
        R,
        "isis propaganda|jihadi propaganda|jihadist propaganda|terrorist propaganda|"
        "terrorist recruitment|isis recruitment|join isis|join the caliphate|martyrdom operation|"
        "圣战招募|恐怖主义宣传|加入伊斯兰国|恐怖组织招募|极端主义宣传|propagande djihadiste|"
        "rejoindre daech|propaganda yihadista|dschihadistische propaganda",
    ),
]

# (description, category, refuse_at, review_at): cosine similarity of all-MiniLM-L6-v2
# embeddings, set from the score distributions on the labelled set (`manage.py
# bench_moderation --concepts`).
# A hold starts a few hundredths above the highest score of any benign prompt in the set.
CONCEPTS = [
    ("a propaganda video recruiting people to join a terrorist group", "extremism", 0.72, 0.64),
    ("glorifying jihadist martyrs and calling for holy war", "extremism", 0.62, 0.55),
    ("two people having explicit sexual intercourse", "sexual", 0.6, 0.45),
    ("a child or teenager undressing or posing naked", "minors", 0.55, 0.45),
    ("step by step instructions to make explosives at home", "weapons", 0.62, 0.54),
    ("a gunman killing unarmed people in a mosque, church, school or mall", "weapons", 0.65, 0.55),
    ("gas chambers to exterminate a race or religion", "hate", 0.65, 0.5),
    ("a person being beheaded or dismembered", "violence", 0.6, 0.45),
    ("someone cutting their wrists to kill themselves", "self_harm", 0.6, 0.45),
]

# Seeded concepts whose thresholds the labelled set moved: (description, seeded refuse_at and
# review_at, new ones). Only rows still at their seeded values change: a staff edit stands.
RETUNED = [
    ("explicit pornographic sex scene", (0.6, 0.45), (0.6, 0.46)),
    ("a naked person showing breasts and genitals", (0.6, 0.45), (0.6, 0.46)),
    ("sexual content involving a child or teenager", (0.55, 0.42), (0.55, 0.49)),
    # "a toddler's bath" scored 0.417 against a hold at 0.42.
    ("a naked child", (0.55, 0.42), (0.6, 0.5)),
    # "an anatomy lesson about the human body" scored 0.438 against a hold at 0.45.
    ("graphic gore with mutilated bodies, severed limbs and guts", (0.6, 0.45), (0.62, 0.5)),
    ("a terrorist attack or bombing killing civilians", (0.6, 0.45), (0.65, 0.55)),
    # Keyed on the word "bomb" (a bomb disposal robot scores 0.57); asking for a method is the
    # combined rule's job (moderation/rules.py).
    ("instructions for building a bomb or explosive device", (0.6, 0.45), (0.7, 0.62)),
]


def seed(apps, schema_editor):
    BlockedTerm = apps.get_model("moderation", "BlockedTerm")
    BannedConcept = apps.get_model("moderation", "BannedConcept")
    for term, category, action in TERMS:
        BlockedTerm.objects.get_or_create(
            term=term, defaults={"category": category, "action": action}
        )
    for description, category, refuse_at, review_at in CONCEPTS:
        BannedConcept.objects.get_or_create(
            description=description,
            defaults={"category": category, "refuse_at": refuse_at, "review_at": review_at},
        )
    for description, (old_refuse, old_review), (refuse_at, review_at) in RETUNED:
        BannedConcept.objects.filter(
            description=description, refuse_at=old_refuse, review_at=old_review
        ).update(refuse_at=refuse_at, review_at=review_at)


def _category():
    return models.CharField(choices=CATEGORIES, max_length=20)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_seed_default_rules")]

    operations = [
        migrations.AlterField("bannedconcept", "category", _category()),
        migrations.AlterField("blockedterm", "category", _category()),
        migrations.AlterField("flag", "category", _category()),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
