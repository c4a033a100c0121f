"""The model registry: sizes, lengths and capabilities the web tier relies on, without torch."""

import subprocess
import sys
from pathlib import Path

import pytest

from generation.engine.specs import (
    CAMERA_MOVEMENTS,
    FIRST_LAST_FRAME,
    MODEL_SPECS,
    apply_camera_movement,
    get_spec,
)
from generation.engine.types import ASPECT_RATIOS, KINDS, MODES

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_engine_registry_does_not_import_torch():
    code = (
        "import sys; import generation.engine, generation.engine.specs, generation.engine.types,"
        " generation.engine.media, generation.engine.runner, generation.engine.loader,"
        " generation.engine.architectures;"
        " heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules];"
        " print(','.join(heavy) or 'none')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "none"


def test_the_default_spec_is_the_tiny_demo_with_every_capability():
    spec = get_spec()
    assert spec.id == "tiny"
    assert spec.is_demo
    assert spec.capabilities == frozenset(KINDS)


def test_tiny_sizes_and_lengths_are_app_sized():
    spec = get_spec("tiny")
    assert spec.size_for("16:9") == (512, 288)
    assert spec.size_for("9:16") == (288, 512)
    assert spec.size_for("1:1") == (384, 384)
    assert spec.size_for("16:9", "professional") == (1024, 576)
    assert spec.frames_for(5) == (41, 8)
    assert spec.frames_for(10) == (81, 8)


@pytest.mark.parametrize("spec", MODEL_SPECS.values(), ids=lambda s: s.id)
def test_every_size_and_length_respects_the_family_rules(spec):
    for mode in MODES:
        for aspect in ASPECT_RATIOS:
            width, height = spec.size_for(aspect, mode)
            assert width % spec.spatial_multiple == 0 and height % spec.spatial_multiple == 0
    for duration in (1, 2, 5, 10):
        frames, fps = spec.frames_for(duration)
        assert (frames - 1) % spec.temporal_multiple == 0
        assert fps == spec.fps
        assert abs(frames / fps - duration) <= spec.temporal_multiple / fps
    for aspect in ASPECT_RATIOS:
        width, height = spec.size_for(aspect, kind="text_to_picture")
        assert width % 16 == 0 and height % 16 == 0


def test_ltx_serves_text_image_and_extension_with_one_pipeline():
    spec = get_spec("ltx-video")
    classes = {
        spec.pipeline_for(kind).class_name for kind in ("text_to_video", "image_to_video", "extend")
    }
    assert classes == {"LTXConditionPipeline"}
    assert spec.checkpoint == "Lightricks/LTX-Video-0.9.5"
    assert spec.frames_for(5) == (121, 24)
    assert spec.supports_end_frame


def test_wan_uses_its_own_pipeline_per_capability():
    spec = get_spec("wan2.1")
    assert spec.pipeline_for("text_to_video").class_name == "WanPipeline"
    assert spec.pipeline_for("image_to_video").checkpoint.endswith("I2V-14B-480P-Diffusers")
    end = spec.pipeline_for("image_to_video", end_frame=True)
    assert end.class_name == "WanImageToVideoPipeline" and "FLF2V" in end.checkpoint
    assert spec.pipeline_for("extend").class_name == "WanVACEPipeline"
    assert spec.frames_for(5) == (81, 16)
    assert FIRST_LAST_FRAME not in spec.capabilities


def test_a_spec_refuses_what_it_cannot_do():
    with pytest.raises(ValueError):
        get_spec("tiny").size_for("4:3")
    with pytest.raises(KeyError, match="unknown model spec"):
        get_spec("no-such-model")


def test_creativity_moves_guidance_across_the_pipelines_range():
    pipeline = get_spec("ltx-video").pipeline_for("text_to_video")
    low, high = pipeline.guidance_range
    assert pipeline.guidance_for(0.0) == high
    assert pipeline.guidance_for(1.0) == low
    assert pipeline.guidance_for(None) == pipeline.default_guidance == (low + high) / 2


def test_camera_presets_append_one_sentence_to_the_prompt():
    assert apply_camera_movement("A cat on a wall", "pan_left") == (
        "A cat on a wall. The camera pans slowly to the left."
    )
    assert apply_camera_movement("Rain!", "zoom_in").startswith("Rain! The camera")
    assert {
        "static",
        "pan_left",
        "pan_right",
        "tilt_up",
        "tilt_down",
        "zoom_in",
        "zoom_out",
        "roll",
    } <= set(CAMERA_MOVEMENTS)
    assert any(m.master_shot for m in CAMERA_MOVEMENTS.values())
    with pytest.raises(ValueError):
        apply_camera_movement("x", "barrel_roll")
