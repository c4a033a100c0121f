"""The model registry: sizes, lengths and kinds the web tier relies on, without torch."""

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
        " generation.media, generation.engine.runner, generation.engine.loader,"
        " generation.engine.architectures;"
        " heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules];"
        " print(','.join(heavy) or 'none')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "none"


def test_the_default_spec_is_the_tiny_demo_with_every_kind():
    spec = get_spec()
    assert spec.id == "tiny"
    assert spec.is_demo
    assert spec.kinds == frozenset(KINDS)


def test_tiny_sizes_and_lengths_are_app_sized():
    spec = get_spec("tiny")
    assert spec.size_for("16:9") == (512, 288)
    assert spec.size_for("9:16") == (288, 512)
    assert spec.size_for("1:1") == (384, 384)
    assert spec.size_for("16:9", "professional") == (512, 288)  # then upscaled:
    assert spec.output_size("16:9", "professional") == (1920, 1080)
    assert spec.output_size("9:16", "professional") == (1080, 1920)
    assert spec.output_size("1:1", "professional") == (1080, 1080)
    assert spec.output_size("16:9") == (512, 288)
    assert (spec.output_frame_rate("standard"), spec.output_frame_rate("professional")) == (8, 30)
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


def test_wan_picks_the_checkpoint_trained_at_each_qualitys_resolution():
    spec = get_spec("wan2.1")
    standard = {kind: spec.pipeline_for(kind) for kind in ("text_to_video", "image_to_video")}
    assert standard["text_to_video"].checkpoint.endswith("T2V-1.3B-Diffusers")
    assert standard["image_to_video"].checkpoint.endswith("I2V-14B-480P-Diffusers")
    # No 480P first-last-frame checkpoint exists: VACE 1.3B (a 480P model) keeps both frames.
    assert spec.pipeline_for("image_to_video", end_frame=True).class_name == "WanVACEPipeline"
    assert spec.pipeline_for("extend").checkpoint.endswith("VACE-1.3B-diffusers")
    pro = {
        kind: spec.pipeline_for(kind, "professional")
        for kind in ("text_to_video", "image_to_video", "extend")
    }
    assert pro["text_to_video"].checkpoint.endswith("T2V-14B-Diffusers")
    assert pro["image_to_video"].checkpoint.endswith("I2V-14B-720P-Diffusers")
    assert pro["extend"].checkpoint.endswith("VACE-14B-diffusers")
    end = spec.pipeline_for("image_to_video", "professional", end_frame=True)
    assert end.class_name == "WanImageToVideoPipeline" and "FLF2V-14B-720P" in end.checkpoint
    assert spec.frames_for(5) == (81, 16)
    assert FIRST_LAST_FRAME not in spec.kinds


def test_wan_shift_follows_the_resolution_and_its_vae_and_image_encoder_stay_float32():
    spec = get_spec("wan2.1")
    for kind in ("text_to_video", "image_to_video", "extend"):
        assert spec.pipeline_for(kind).flow_shift == 3.0  # 480P
        assert spec.pipeline_for(kind, "professional").flow_shift == 5.0  # 720P
    for pipeline in spec.all_pipelines():
        if pipeline.class_name.startswith("Wan"):
            assert pipeline.dtypes == {"vae": "float32", "image_encoder": "float32"}


@pytest.mark.parametrize("spec", MODEL_SPECS.values(), ids=lambda s: s.id)
def test_shared_components_are_the_same_architecture_as_their_source(spec):
    from generation.engine.architectures import ARCHITECTURES

    checkpoints = {p.checkpoint for p in spec.all_pipelines()}
    names = {"text_encoder_2": "text_encoder"}  # Flux's T5 sits in its second slot
    for pipeline in spec.all_pipelines():
        for component, (source, source_component) in pipeline.shared.items():
            assert source in checkpoints, "a borrowed component comes from a fetched checkpoint"
            mine = ARCHITECTURES[pipeline.checkpoint][1]
            theirs = ARCHITECTURES[source][1]
            key = names.get(component, component)
            assert mine[key] == theirs[names.get(source_component, source_component)]


@pytest.mark.parametrize("spec", MODEL_SPECS.values(), ids=lambda s: s.id)
@pytest.mark.parametrize("kind", ["text_to_video", "image_to_video", "extend"])
@pytest.mark.parametrize("duration", [1, 2, 5, 10, 20, 180])
def test_no_call_exceeds_the_longest_the_family_was_trained_on(spec, kind, duration):
    plan = spec.call_plan(kind, duration)
    total, _fps = spec.frames_for(duration)
    step = spec.temporal_multiple
    if kind == "extend":
        assert sum(plan) == total - 1  # new frames after the source
        extensions = plan
    else:
        assert plan[0] <= spec.max_frames and (plan[0] - 1) % step == 0
        assert sum(plan) == total
        extensions = plan[1:]
    for new in extensions:
        assert new % step == 0 and new > 0
        assert spec.extend_context_frames + new <= spec.max_frames
    if len(extensions) > 1:
        assert max(extensions) - min(extensions) <= step  # even split, no sliver


def test_ten_seconds_is_one_ltx_call_and_three_wan_calls():
    assert get_spec("ltx-video").call_plan("text_to_video", 10) == [241]
    # A 10 s extension on LTX would be 25 + 240 = 265 frames in one call, above 257.
    assert get_spec("ltx-video").call_plan("extend", 10) == [120, 120]
    wan = get_spec("wan2.1")
    assert wan.call_plan("text_to_video", 10) == [81, 40, 40]  # not one 161-frame call
    assert wan.call_plan("text_to_video", 5) == [81]


def test_time_limits_follow_the_cost_model():
    wan = get_spec("wan2.1")
    t2v_480 = wan.time_limit("text_to_video", "standard", 5)
    t2v_720 = wan.time_limit("text_to_video", "professional", 5)
    assert t2v_720 > 3 * t2v_480  # the 14B model at 720P
    # A 14B 720P clip takes about half an hour on one H100: a flat 1800 s would kill it.
    assert t2v_720 > 2 * 50 * 36.0
    assert wan.time_limit("text_to_video", "professional", 10) > t2v_720
    assert wan.time_limit("text_to_video", "standard", 5, steps=10) < t2v_480
    ltx = get_spec("ltx-video")
    assert ltx.time_limit("text_to_picture", num_images=4) > ltx.time_limit(
        "text_to_picture", num_images=1
    )
    for spec in MODEL_SPECS.values():
        assert spec.longest_time_limit() >= max(
            spec.time_limit(kind, mode, 10) for kind in spec.kinds for mode in MODES
        )


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
