"""The labelled prompt set (tests/fixtures/moderation_prompts.json), screened with the default
rules and the real MiniLM semantic layer: every clearly banned prompt is refused or held, and at
most 2 % of benign prompts are refused. `manage.py bench_moderation` prints the same table."""

import pytest

from generation.moderation.evaluation import evaluate, load_labelled

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def items():
    return load_labelled()


def test_the_set_has_at_least_60_prompts_in_english_and_chinese(items):
    assert len(items) >= 60
    labels = {(i["label"], i["lang"]) for i in items}
    for label in ("benign", "borderline", "banned"):
        assert {(label, "en"), (label, "zh")} <= labels


def test_every_clearly_banned_prompt_is_refused_or_held_and_benign_ones_pass(items, settings):
    settings.MODERATION_SEMANTIC = True
    report = evaluate(items)
    assert [r.prompt for r in report.misses()] == []
    assert report.false_refusal_rate() <= 0.02
    # Some banned prompts carry no blocked word at all: the semantic layer catches those.
    assert any(r.label == "banned" and r.layer == "semantic" for r in report.rows)


def test_without_the_semantic_layer_the_wordless_ones_get_through(items, settings):
    settings.MODERATION_SEMANTIC = False
    report = evaluate(items)
    assert report.misses(), "the semantic layer would be doing nothing"


def test_the_benchmark_command_prints_the_table_and_timings():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("bench_moderation", "--photos", "2", stdout=out)
    text = out.getvalue()
    assert "| banned | zh | 11 | 11 | 0 | 0 |" in text
    assert "Clearly banned refused or held: 35/35" in text
    assert "| semantic (MiniLM, warm) |" in text and "| photo (NudeNet" in text
