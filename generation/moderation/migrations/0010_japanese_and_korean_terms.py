"""Default terms in Japanese and Korean, which passed every layer until now (kana and hangul were
not read as the CJK scripts they are: generation/moderation/normalise.py now matches them as
substrings, as it matches Chinese). Only added where missing: a staff edit stands."""

from django.db import migrations

R, V = "refuse", "review"


def _terms(category, action, words):
    return [(w, category, action) for w in words.split("|")]


TERMS = [
    *_terms(
        "sexual",
        R,
        "セックス動画|セックスしている|セックスする|アダルトビデオ|ポルノ|無修正|中出し|"
        "포르노|야동|섹스 동영상|섹스하는|섹스를|성관계 영상|성관계를|성인 영상",
    ),
    *_terms("sexual", V, "ヌード|裸の|全裸|알몸|누드|나체|벌거벗은"),
    *_terms(
        "minors",
        R,
        "児童ポルノ|ロリコン|少女のヌード|女子高生のヌード|아동 포르노|아동포르노|로리콘|"
        "미성년자 누드|미성년자 포르노|여고생 누드",
    ),
    *_terms(
        "self_harm",
        R,
        "自殺する方法|自殺の方法|死ぬ方法|楽に死ねる|자살하는 방법|자살 방법|죽는 방법|"
        "편하게 죽는",
    ),
    *_terms("self_harm", V, "自殺|リストカット|자살|자해"),
]


def seed(apps, schema_editor):
    BlockedTerm = apps.get_model("moderation", "BlockedTerm")
    for term, category, action in TERMS:
        BlockedTerm.objects.get_or_create(
            term=term, defaults={"category": category, "action": action}
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0009_drugs_and_russian_terms")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
