"""Kolors pictures: a spec's pictures made by KolorsPipeline (GENERATION_PICTURE_MODEL=kolors),
its real checkpoint and defaults, and Chinese and English prompts through the engine on a tiny
KolorsPipeline built in code from the real classes (ChatGLM text encoder and tokenizer as
diffusers ships them). The prompt reaches the model exactly as the user wrote it."""

import numpy as np
import pytest

from generation.engine import loader, runner
from generation.engine.specs import (
    KOLORS,
    KOLORS_SIZES,
    MODEL_SPECS,
    PICTURE_MODELS,
    get_spec,
)
from generation.engine.types import TEXT_TO_PICTURE, TEXT_TO_VIDEO, GenerationRequest

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
TINY_KOLORS = "tiny+tiny-kolors"
CHINESE = "一只红色的狐狸在雪地里睡觉，清晨柔和的光线"
ENGLISH = "a red fox sleeping in the snow, soft morning light"


@pytest.fixture(scope="module", autouse=True)
def _free_pipelines():
    yield
    loader.clear_cache()


@pytest.fixture
def prompts_seen(monkeypatch):
    """Every prompt KolorsPipeline encodes, recorded on its way to the real encode_prompt."""
    from diffusers import KolorsPipeline

    seen = []
    encode = KolorsPipeline.encode_prompt

    def recording(self, prompt, *args, **kwargs):
        seen.append(prompt)
        return encode(self, prompt, *args, **kwargs)

    monkeypatch.setattr(KolorsPipeline, "encode_prompt", recording)
    return seen


def picture(prompt, spec=TINY_KOLORS, **values):
    request = GenerationRequest(
        kind=TEXT_TO_PICTURE, prompt=prompt, aspect_ratio="16:9", seed=3, **values
    )
    return runner.run(request, spec=spec, device="cpu")


def test_the_kolors_picture_model_is_the_real_checkpoint_with_its_model_cards_defaults():
    kolors = PICTURE_MODELS["kolors"]
    assert kolors.pipeline is KOLORS
    assert (KOLORS.class_name, KOLORS.checkpoint) == (
        "KolorsPipeline",
        "Kwai-Kolors/Kolors-diffusers",
    )
    assert KOLORS.default_steps == 50 and KOLORS.default_guidance == 5.0
    assert KOLORS_SIZES["1:1"] == (1024, 1024)
    assert all(w % 32 == 0 and h % 32 == 0 for w, h in KOLORS_SIZES.values())


@pytest.mark.parametrize("video", sorted(MODEL_SPECS))
def test_every_video_spec_can_take_kolors_pictures_and_keep_its_videos(video):
    own = get_spec(video)
    spec = get_spec(f"{video}+kolors")
    assert spec.id == f"{video}+kolors" and spec.kinds == own.kinds
    assert spec.pipeline_for(TEXT_TO_PICTURE) is KOLORS
    assert spec.size_for("9:16", kind=TEXT_TO_PICTURE) == (768, 1344)
    assert spec.pipeline_for(TEXT_TO_VIDEO) is own.pipeline_for(TEXT_TO_VIDEO)
    assert spec.video_sizes == own.video_sizes
    # fetch_model and the memory plan take the Kolors checkpoint instead of the spec's own.
    checkpoints = [p.checkpoint for p in spec.all_pipelines()]
    assert "Kwai-Kolors/Kolors-diffusers" in checkpoints
    assert own.pipeline_for(TEXT_TO_PICTURE).checkpoint not in checkpoints


def test_unknown_picture_models_are_refused_by_name():
    with pytest.raises(KeyError, match="unknown picture model 'kolours'"):
        get_spec("ltx-video+kolours")
    with pytest.raises(KeyError, match="unknown model spec 'nope'"):
        get_spec("nope+kolors")


def test_the_setting_names_the_spec_with_its_picture_model(monkeypatch):
    import subprocess
    import sys

    script = "from django.conf import settings; print(settings.GENERATION_MODEL)"
    env = {"GENERATION_MODEL": "ltx-video", "GENERATION_PICTURE_MODEL": "kolors"}
    from tests.conftest import subprocess_env

    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=subprocess_env(DJANGO_SETTINGS_MODULE="webapp.settings", **env),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "ltx-video+kolors"
    bad = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="webapp.settings", GENERATION_PICTURE_MODEL="kolours"
        ),
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "unknown picture model 'kolours'" in bad.stderr


def test_a_chinese_and_an_english_prompt_reach_the_model_as_written(prompts_seen):
    chinese = picture(CHINESE)
    english = picture(ENGLISH)
    assert prompts_seen == [CHINESE, ENGLISH]  # no translation, no sentence added
    spec = get_spec(TINY_KOLORS)
    for result in (chinese, english):
        (image,) = result.images
        assert image.size == spec.size_for("16:9", kind=TEXT_TO_PICTURE)
        assert np.isfinite(np.asarray(image, dtype=np.float32)).all()
    # The text conditions the picture: the same seed with the other language differs.
    a, b = (np.asarray(r.images[0], dtype=np.int16) for r in (chinese, english))
    assert np.abs(a - b).mean() > 0


def test_the_tokenizer_reads_chinese_without_unknown_pieces():
    pipe = loader.get_pipeline(TINY_KOLORS, TEXT_TO_PICTURE, "cpu")
    assert pipe.__class__.__name__ == "KolorsPipeline"
    assert pipe.text_encoder.__class__.__name__ == "ChatGLMModel"
    ids = pipe.tokenizer(CHINESE)["input_ids"]
    unknown = pipe.tokenizer.tokenizer.sp_model.unk_id()
    assert unknown not in ids and len(ids) > 5


def test_a_camera_preset_never_reaches_a_picture(prompts_seen):
    # The create form keeps pictures static; a request that asks for a move still gets the
    # prompt alone (a camera sentence is for videos, and English).
    picture(CHINESE, camera_movement="orbit")
    assert prompts_seen == [CHINESE]


def test_a_kolors_picture_size_must_be_a_multiple_of_32():
    with pytest.raises(ValueError, match="multiples of 32"):
        picture(ENGLISH, size=(80, 48))
    result = picture(ENGLISH, size=(96, 64), num_images=2)
    assert [image.size for image in result.images] == [(96, 64), (96, 64)]


def test_the_real_loader_path_reads_kolors_from_its_diffusers_folder(tmp_path):
    """Saved as a diffusers folder, the tiny Kolors loads through the path a real checkpoint
    takes (KolorsPipeline.from_pretrained on <model dir>/<org>/<name>): model_index.json names
    the ChatGLM text encoder and tokenizer from diffusers' kolors module, the tokenizer's
    sentencepiece model is a file of the folder, and the weights are safetensors."""
    import json

    from generation.engine import checkpoints

    folder = loader.save_tiny_pipeline("tiny/kolors", tmp_path / "tiny" / "kolors")
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == "KolorsPipeline"
    assert index["text_encoder"] == ["kolors", "ChatGLMModel"]
    assert index["tokenizer"] == ["kolors", "ChatGLMTokenizer"]
    listing = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()]
    parts = checkpoints.needed_parts(get_spec(TINY_KOLORS), {"tiny/kolors": index})["tiny/kolors"]
    files, problems = checkpoints.select_files(parts, listing)
    assert problems == []
    assert {"tokenizer/tokenizer.model", "text_encoder/config.json"} <= set(files)

    built = loader.get_pipeline(TINY_KOLORS, TEXT_TO_PICTURE, "cpu")
    loader.clear_cache()
    options = loader.LoadOptions(model_dir=str(tmp_path))
    loaded = loader.get_pipeline(TINY_KOLORS, TEXT_TO_PICTURE, "cpu", options=options)
    assert str(loaded.config._name_or_path).startswith(str(tmp_path))
    assert loaded.text_encoder.__class__.__name__ == "ChatGLMModel"
    assert loaded.tokenizer(CHINESE)["input_ids"] == built.tokenizer(CHINESE)["input_ids"]
    request = GenerationRequest(kind=TEXT_TO_PICTURE, prompt=CHINESE, seed=3, size=(64, 64))
    a = runner.run(request, spec=TINY_KOLORS, device="cpu", options=options).images[0]
    loader.clear_cache()
    b = runner.run(request, spec=TINY_KOLORS, device="cpu").images[0]
    assert np.array_equal(np.asarray(a), np.asarray(b))  # the same weights, saved and read


# --- camera sentences on Chinese prompts ---------------------------------------------------


def test_every_camera_preset_has_its_chinese_sentence():
    from generation.engine import camera_zh
    from generation.engine.specs import CAMERA_MOVEMENTS

    assert set(camera_zh.CAMERA_PROMPTS) == set(CAMERA_MOVEMENTS)
    for sentence in camera_zh.CAMERA_PROMPTS.values():
        assert camera_zh.is_chinese(sentence) and sentence.endswith("。")


@pytest.mark.parametrize(
    ("prompt", "movement", "expected"),
    [
        ("熊猫在竹林里吃竹子", "orbit", "熊猫在竹林里吃竹子。镜头围绕主体平稳地环绕半圈。"),
        ("熊猫在竹林里吃竹子！", "static", "熊猫在竹林里吃竹子！镜头固定不动。"),
        ("4K画质，熊猫在竹林里", "zoom_in", "4K画质，熊猫在竹林里。镜头缓慢推近主体。"),
        (
            "a panda called 熊猫 eats bamboo",
            "pan_left",
            "a panda called 熊猫 eats bamboo. The camera pans slowly to the left.",
        ),
    ],
)
def test_a_chinese_prompt_gets_its_camera_in_chinese_and_an_english_one_in_english(
    prompt, movement, expected
):
    from generation.engine.specs import apply_camera_movement

    assert apply_camera_movement(prompt, movement) == expected


def test_a_chinese_video_prompt_reaches_the_video_model_without_english(monkeypatch):
    import re

    from diffusers import LTXConditionPipeline

    seen = []
    encode = LTXConditionPipeline.encode_prompt

    def recording(self, prompt, *args, **kwargs):
        seen.append(prompt)
        return encode(self, prompt, *args, **kwargs)

    monkeypatch.setattr(LTXConditionPipeline, "encode_prompt", recording)
    request = GenerationRequest(
        kind=TEXT_TO_VIDEO,
        prompt=CHINESE,
        duration_s=1,
        camera_movement="pan_right",
        num_inference_steps=1,
        size=(64, 64),
    )
    runner.run(request, spec="tiny", device="cpu")
    assert seen == [CHINESE + "。镜头缓慢向右摇。"]
    assert not re.search("[A-Za-z]", seen[0])


def test_the_memory_plan_reserves_a_kolors_calls_working_memory():
    """The UNet's activations for 4 pictures with guidance (8 latents) at the largest size,
    and one VAE decode at a time (the loader slices Kolors' VAE as it does Flux's)."""
    from generation.engine import memory

    spec = get_spec("ltx-video+kolors")
    working = memory.working_bytes(spec, KOLORS)
    # 1.6 GB of UNet activations and 3.1 GB of VAE decode at 1344x768, with the margin.
    assert 5 * memory.GiB < working < 6 * memory.GiB


def test_the_memory_plan_still_counts_ltxs_t5_when_kolors_replaces_flux():
    """LTX borrows FLUX.1-schnell's T5-XXL: with Kolors making the pictures, FLUX's transformer
    is gone from the spec but its text encoder is still loaded, and counted."""
    from generation.engine import memory

    sizes = memory.expected_sizes("ltx-video+kolors")
    t5 = ("black-forest-labs/FLUX.1-schnell", "text_encoder_2")
    assert sizes[t5] == memory.expected_sizes("ltx-video")[t5] > 9e9  # 4.76B in bf16
    assert ("black-forest-labs/FLUX.1-schnell", "transformer") not in sizes
    assert sizes[("Kwai-Kolors/Kolors-diffusers", "text_encoder")] > 12e9  # ChatGLM3-6B
