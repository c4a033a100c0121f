"""The labelled prompt set (generation/moderation/labelled_prompts.json, with two generated
disguises of every clearly banned prompt), screened with the default rules and the real MiniLM
semantic layer. `manage.py bench_moderation` prints the same tables (docs/MODERATION.md)."""

from collections import Counter

import pytest

from generation.moderation.evaluation import evaluate, load_labelled

pytestmark = pytest.mark.django_db

HARD_BENIGN = (
    "anatomy",
    "knife",
    "war film",
    "swimwear",
    "birthday party",
    "nude marble statues",
    "documentary",
)


@pytest.fixture(scope="module")
def items():
    return load_labelled()


@pytest.fixture(scope="module")
def report(items, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return evaluate(items)


def test_the_set_has_400_prompts_in_five_languages_with_disguises_and_hard_benign_cases(items):
    assert len(items) >= 400
    langs = Counter(i["lang"] for i in items if i["label"] == "banned")
    assert {"en", "zh", "mixed", "fr", "es", "de"} <= set(langs)
    kinds = Counter(i["disguise"] for i in items if i["label"] == "banned")
    for kind in ("leet", "spacing", "homoglyph", "zero_width", "fullwidth", "rtl_override"):
        assert kinds[kind] >= 20, kind
    for kind in ("paraphrase", "euphemism", "misspelling", "pinyin"):
        assert kinds[kind] >= 3, kind
    banned = [i["prompt"] for i in items if i["label"] == "banned" and i["disguise"] == "none"]
    disguised = Counter(i["lang"] for i in items if i["disguise"] != "none")
    assert sum(disguised.values()) >= 2 * len(banned)
    benign = " ".join(i["prompt"] for i in items if i["label"] == "benign")
    assert all(word in benign for word in HARD_BENIGN)
    assert sum(1 for i in items if i.get("category") == "minors") >= 30


def test_banned_prompts_are_caught_and_benign_ones_pass(report):
    banned = report.count("banned")
    assert len(report.misses()) <= banned // 100, [r.prompt for r in report.misses()]
    assert report.false_refusal_rate() <= 0.01
    assert report.benign_hold_rate() <= 0.03


def test_minors_with_sexual_content_are_always_refused_as_minors(report):
    assert report.minors()
    assert [(r.outcome, r.category, r.prompt) for r in report.minors_not_refused_as_minors()] == []


def test_every_disguise_kind_is_caught(report):
    by_kind = Counter((r.disguise, r.outcome) for r in report.rows if r.label == "banned")
    for kind in ("leet", "spacing", "homoglyph", "zero_width", "fullwidth", "rtl_override"):
        assert by_kind[(kind, "allow")] == 0, kind


def test_without_the_semantic_layer_the_wordless_ones_get_through(items, settings):
    settings.MODERATION_SEMANTIC = False
    report = evaluate([i for i in items if i["disguise"] in ("none", "paraphrase")])
    assert report.misses(), "the semantic layer would be doing nothing"


def test_the_benchmark_command_prints_the_tables_and_timings(items, tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    sample = [i for i in items if i["disguise"] == "none"][::25]
    sample += [i for i in items if i["lang"] == "mixed" and i["disguise"] == "none"][:2]
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("bench_moderation", "--file", str(path), "--photos", "2", stdout=out)
    text = out.getvalue()
    assert "| banned | mixed |" in text and "| rtl_override |" in text
    assert "Minors with sexual content refused and filed under minors:" in text
    assert "| whole prompt screen (with MiniLM, warm) |" in text and "| photo (NudeNet" in text
