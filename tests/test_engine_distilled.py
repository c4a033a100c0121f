"""The distilled few-step spec (LTX-Video 0.9.7 13B distilled): its fixed timestep schedule
reaches the pipeline in place of a step count, whatever step count is asked for, and the cost
model counts those steps. The pipeline is the real class from the real config, cut to one layer
with widths divided by 8, with random weights, on the CPU."""

import pytest
import torch

from generation.engine import loader, runner
from generation.engine.matrix import Cell, request_for
from generation.engine.specs import LTX_DISTILLED_TIMESTEPS, PipelineSpec, get_spec
from generation.engine.types import EXTEND, IMAGE_TO_VIDEO, TEXT_TO_VIDEO

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SPEC = get_spec("ltx-video-distilled")
OPTIONS = {"random_weights": True, "layers": 1, "width_divisor": 8}


@pytest.fixture(autouse=True)
def _free_pipelines():
    yield
    loader.clear_cache()


def test_every_ltx_kind_runs_the_distilled_checkpoint_with_its_eight_timesteps():
    assert LTX_DISTILLED_TIMESTEPS == (1000, 993, 987, 981, 975, 909, 725, 0.03)
    for kind in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, EXTEND):
        for mode in ("standard", "professional"):
            pipeline = SPEC.pipeline_for(kind, mode)
            assert pipeline.checkpoint == "Lightricks/LTX-Video-0.9.7-distilled"
            assert pipeline.timesteps == LTX_DISTILLED_TIMESTEPS
            assert pipeline.guidance_range == (1.0, 1.0)  # guidance-distilled: no CFG pass
            assert pipeline.steps_for(30) == pipeline.steps_for(None) == 8
    assert SPEC.pipeline_for(IMAGE_TO_VIDEO, end_frame=True).timesteps  # first + last frame
    assert SPEC.upscaler.shared["vae"] == ("Lightricks/LTX-Video-0.9.7-distilled", "vae")
    assert get_spec("ltx-video").pipeline_for(TEXT_TO_VIDEO).steps_for(30) == 30


def test_a_step_override_does_not_change_a_fixed_schedule_time_limit():
    for kind in (TEXT_TO_VIDEO, EXTEND):
        assert SPEC.time_limit(kind, "professional", 10, steps=50) == SPEC.time_limit(
            kind, "professional", 10
        )
    ltx = get_spec("ltx-video")
    assert ltx.time_limit(TEXT_TO_VIDEO, steps=50) > ltx.time_limit(TEXT_TO_VIDEO, steps=8)
    # Eight guidance-free steps of a 13B cost less than forty guided ones of the 2B, as published.
    assert SPEC.time_limit(TEXT_TO_VIDEO, "professional") < ltx.time_limit(
        TEXT_TO_VIDEO, "professional"
    )


def test_a_schedule_and_a_different_default_step_count_are_refused():
    with pytest.raises(ValueError, match="timesteps"):
        PipelineSpec("LTXConditionPipeline", "x/y", 4, (1.0, 1.0), timesteps=(1000, 500, 0.03))


@pytest.mark.parametrize("cell", [Cell(TEXT_TO_VIDEO), Cell(IMAGE_TO_VIDEO, end_frame=True)])
def test_the_runner_passes_the_timesteps_and_no_step_count(cell, monkeypatch):
    from diffusers import LTXConditionPipeline

    received, schedules = [], []
    original = LTXConditionPipeline.__call__

    def recording_call(pipe, *args, **kwargs):
        received.append(kwargs)
        output = original(pipe, *args, **kwargs)
        schedules.append(pipe.scheduler.timesteps.clone())
        return output

    monkeypatch.setattr(LTXConditionPipeline, "__call__", recording_call)
    # A step count is asked for, as GENERATION_STEPS or a request would: the schedule wins.
    request = request_for(SPEC, cell, size=(96, 64), duration_s=1, steps=3)
    progress = []
    result = runner.run(
        request,
        spec=SPEC,
        device="cpu",
        on_progress=lambda step, total: progress.append((step, total)),
        **OPTIONS,
    )
    assert len(result.frames) == SPEC.frames_for(1)[0]
    (kwargs,) = received
    assert kwargs["timesteps"] == list(LTX_DISTILLED_TIMESTEPS)
    assert "num_inference_steps" not in kwargs
    assert kwargs["guidance_scale"] == 1.0
    assert kwargs["decode_timestep"] == 0.05
    assert kwargs["image_cond_noise_scale"] == 0.025
    # The scheduler ran exactly those timesteps, and progress counted all eight.
    (schedule,) = schedules
    expected = torch.tensor(LTX_DISTILLED_TIMESTEPS, dtype=schedule.dtype)
    assert torch.allclose(schedule, expected, atol=1e-3)
    assert progress[-1] == (8, 8) and len(progress) == 8


LTX_INDEX = {
    "_class_name": "LTXConditionPipeline",
    "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
    "text_encoder": ["transformers", "T5EncoderModel"],
    "tokenizer": ["transformers", "T5TokenizerFast"],
    "transformer": ["diffusers", "LTXVideoTransformer3DModel"],
    "vae": ["diffusers", "AutoencoderKLLTXVideo"],
}
UPSCALER_INDEX = {
    "_class_name": "LTXLatentUpsamplePipeline",
    "latent_upsampler": ["diffusers", "LTXLatentUpsamplerModel"],
    "vae": ["diffusers", "AutoencoderKLLTXVideo"],
}


def test_fetch_model_takes_the_13b_without_its_t5_and_the_upscaler_without_its_vae():
    from generation.engine import checkpoints
    from generation.engine.specs import FLUX, LTX_DISTILLED

    upscaler = "Lightricks/ltxv-spatial-upscaler-0.9.7"
    assert checkpoints.source_checkpoints(SPEC) == [LTX_DISTILLED, FLUX, upscaler]
    parts = checkpoints.needed_parts(
        SPEC, {LTX_DISTILLED: LTX_INDEX, upscaler: UPSCALER_INDEX, FLUX: {}}
    )
    assert [p.component for p in parts[LTX_DISTILLED]] == [
        "scheduler",
        "tokenizer",
        "transformer",
        "vae",
    ]
    assert [p.component for p in parts[upscaler]] == ["latent_upsampler"]
    assert "text_encoder_2" in [p.component for p in parts[FLUX]]  # T5-XXL, once, for both
    assert all(p.load_dtype == "bfloat16" for p in parts[LTX_DISTILLED])
