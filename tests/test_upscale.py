"""The finishing stage (generation/engine/upscale.py): re-timing by blending, the upscaler run in
chunks on the demo's tiny LTX latent upsampler, and its place in the memory plan."""

from dataclasses import replace

import numpy as np
import pytest

from generation.engine import loader, memory, upscale
from generation.engine.architectures import ARCHITECTURES
from generation.engine.specs import MODEL_SPECS, UPSCALE, get_spec
from generation.engine.types import Canceled, GenerationRequest

GiB = memory.GiB
LTX = "Lightricks/LTX-Video-0.9.5"
UP = "Lightricks/ltxv-spatial-upscaler-0.9.7"


# --- re-timing -------------------------------------------------------------------------------


def ramp(count: int, height=4, width=6) -> np.ndarray:
    """Frame i is flat grey 6 * i: a blend's value says where in time it sits."""
    return np.stack([np.full((height, width, 3), 6 * i, np.uint8) for i in range(count)])


def test_retiming_8_to_30_fps_keeps_the_duration_and_blends_by_time():
    frames = ramp(41)
    out = upscale.retime(frames, 8, 30)
    assert len(out) == 154 == upscale.frame_count(41, 8, 30)  # 41 / 8 s = 5.125 s ~ 154 / 30 s
    # Output frame j shows time j / 30 s, input frame position j * 8 / 30.
    for j in (0, 1, 2, 15, 77, 153):
        position = j * 8 / 30
        i = min(int(position), 40)
        low, high = frames[i, 0, 0, 0], frames[min(i + 1, 40), 0, 0, 0]
        expected = low + (int(high) - low) * (position - i)
        assert abs(int(out[j, 0, 0, 0]) - expected) <= 1, j
    assert np.array_equal(out[0], frames[0])
    assert np.array_equal(out[15], frames[4])  # 15 * 8 / 30 = 4: an input frame, unblended
    assert out.dtype == np.uint8 and out.shape[1:] == frames.shape[1:]


def test_retiming_24_to_30_fps_and_back_to_the_same_rate():
    frames = ramp(25)
    out = upscale.retime(frames, 24, 30)
    assert len(out) == 31
    assert np.all(np.diff(out[:, 0, 0, 0].astype(int)) >= 0)  # time only moves forward
    assert upscale.retime(frames, 30, 30) is frames
    assert upscale.frame_count(25, 30, 30) == 25


def test_a_blend_of_extremes_stays_in_range():
    """The integer blend (a * (256 - w) + b * w + 128) >> 8 must not wrap around."""
    frames = np.stack([np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 255, np.uint8)] * 3)
    out = upscale.retime(frames, 8, 30)
    values = out[:, 0, 0, 0].astype(int)
    assert values.min() == 0 and values.max() == 255
    assert len(set(values.tolist())) > 3  # real blends in between, not only copies


# --- the upscaler ----------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _free_pipelines():
    yield
    loader.clear_cache()


def acquire_for(spec, calls):
    def acquire(kind, end_frame=False):
        calls.append(kind)
        return loader.acquire(spec, kind, "cpu", mode="professional")

    return acquire


def test_the_upscaler_runs_in_chunks_and_ends_at_the_exact_size():
    """20 frames at the demo's chunk of 17: one chunk of 17, one of 3 padded to 9 and trimmed."""
    spec = get_spec("tiny")
    frames = np.random.default_rng(0).integers(0, 256, (20, 64, 96, 3), dtype=np.uint8)
    request = GenerationRequest(kind="text_to_video", prompt="x", mode="professional", seed=3)
    calls = []
    out = upscale.upscale(
        acquire_for(spec, calls), spec, request, frames, (180, 100), check=lambda: None
    )
    assert out.shape == (20, 100, 180, 3) and out.dtype == np.uint8
    assert calls == [UPSCALE]
    pipe = loader.get_pipeline(spec, UPSCALE, "cpu", mode="professional")
    assert type(pipe).__name__ == "LTXLatentUpsamplePipeline"
    assert type(pipe.latent_upsampler).__name__ == "LTXLatentUpsamplerModel"
    # The upscaler borrows the demo LTX pipeline's VAE: one module, not two.
    ltx = loader.get_pipeline(spec, "text_to_video", "cpu")
    assert pipe.vae is ltx.vae
    # Same seed, same frames.
    again = upscale.upscale(
        acquire_for(spec, []), spec, request, frames, (180, 100), check=lambda: None
    )
    assert np.array_equal(out, again)


def test_a_cancel_between_chunks_stops_the_upscale():
    spec = get_spec("tiny")
    frames = np.zeros((40, 64, 96, 3), np.uint8)
    request = GenerationRequest(kind="text_to_video", prompt="x", mode="professional")
    checks = []

    def check():
        checks.append(1)
        if len(checks) == 2:
            raise Canceled()

    with pytest.raises(Canceled):
        upscale.upscale(acquire_for(spec, []), spec, request, frames, (180, 100), check=check)
    assert len(checks) == 2  # the second of three chunks never ran


def test_finish_leaves_standard_videos_as_made_and_scales_a_requests_own_size():
    spec = get_spec("tiny")
    frames = np.zeros((9, 64, 96, 3), np.uint8)
    standard = GenerationRequest(kind="text_to_video", prompt="x", size=(96, 64))
    same, fps, timings = upscale.finish(None, spec, standard, frames, check=lambda: None)
    assert same is frames and fps == 8 and timings == {}
    professional = GenerationRequest(
        kind="text_to_video", prompt="x", mode="professional", size=(96, 64)
    )
    # 1920 / 512 = 3.75 times the size asked for, to even numbers.
    assert upscale.output_size(spec, professional) == (360, 240)
    professional.size = None
    professional.aspect_ratio = "1:1"
    assert upscale.output_size(spec, professional) == (1080, 1080)


# --- the spec and the memory plan ------------------------------------------------------------


def test_only_the_ltx_specs_upscale_and_the_upscaler_is_one_of_their_pipelines():
    upscaling = set()
    for spec in MODEL_SPECS.values():
        assert spec.upscales("standard") is False
        if spec.upscaler is not None:
            upscaling.add(spec.id.split("+")[0])
            assert spec.family == "ltx" and spec.upscales("professional")
            assert spec.all_pipelines()[-1] is spec.upscaler
            assert spec.pipeline_for(UPSCALE) is spec.upscaler
            assert spec.output_frame_rate("professional") == 30
        else:  # Wan (no upscaler in diffusers for its VAE) and LTX-2: they sell what they make
            assert not spec.upscales("professional")
            assert spec.output_size("16:9", "professional") == spec.size_for("16:9", "professional")
    assert upscaling == {"tiny", "ltx-video", "ltx-video-distilled"}


def test_the_upscale_stage_adds_to_a_professional_jobs_time_limit():
    spec = get_spec("ltx-video")
    slower = replace(spec, upscaler=replace(spec.upscaler, seconds_per_step=80.0))
    frames = spec.frames_for(10)[0]
    extra = 3.0 * (80.0 - 40.0) * frames / spec.max_frames  # SAFETY x the added seconds
    limit = spec.time_limit("text_to_video", "professional", 10)
    assert slower.time_limit("text_to_video", "professional", 10) - limit == pytest.approx(
        extra, abs=1
    )
    for kind, mode in (("text_to_video", "standard"), ("extend", "professional")):
        assert slower.time_limit(kind, mode, 10) == spec.time_limit(kind, mode, 10)


def test_the_plan_declares_the_upscalers_components_and_its_peak():
    """The upsampler's own weights plus the VAE it borrows from LTX (counted once), and its
    working memory: one chunk at the largest professional size, by the written formula."""
    spec = get_spec("ltx-video")
    sizes = memory.expected_sizes("ltx-video")
    assert sizes[(UP, "latent_upsampler")] == 126_250_624 * 2  # bfloat16, the published 505 MB f32
    assert (UP, "vae") not in sizes  # borrowed

    plan = memory.plan(spec, sizes, 24 * GiB, 512 * GiB)
    up = plan.for_checkpoint(UP)
    assert up.components == [(UP, "latent_upsampler"), (LTX, "vae")]
    assert up.weights == sizes[(UP, "latent_upsampler")] + sizes[(LTX, "vae")]
    w, h, frames = 1216 * 2, 704 * 2, 65  # 1216x704 doubled; a chunk of 65 frames
    going_in = frames * 3 * 1216 * 704 * 4
    tokens = (w // 32) * (h // 32) * ((frames - 1) // 8 + 1)
    upsampler = tokens * 512 * 2 * 4
    decoded = frames * 3 * w * h * (2 * 2 + 1)
    vae = 2000 * w * h
    assert up.working == int(1.25 * (going_in + upsampler + vae + decoded))
    assert 12 * GiB < up.working < 14 * GiB
    # On 24 GiB it cannot stay beside LTX's transformer: it swaps in for its call, and fits.
    assert up.mode == memory.SWAP
    assert plan.gpu_peak(up) == up.weights + up.working <= plan.budget
    # On 80 GiB it stays resident with the rest.
    big = memory.plan(spec, sizes, 80 * GiB, 512 * GiB)
    assert big.for_checkpoint(UP).mode == memory.RESIDENT
    assert big.gpu_peak(big.for_checkpoint(UP)) <= big.budget


def test_the_working_memory_is_one_chunk_whatever_the_clip():
    """A longer clip is more chunks, not a bigger one: the estimate has no clip length in it."""
    spec = get_spec("tiny")
    chunk = memory.upscale_working_bytes(spec, spec.upscaler)
    _, arch = ARCHITECTURES["tiny/ltx-upscaler"]
    longer = replace(spec, max_frames=257)
    assert memory.upscale_working_bytes(longer, spec.upscaler) == chunk
    halved = replace(spec, upscale_chunk_frames=9)
    assert memory.upscale_working_bytes(halved, spec.upscaler) < chunk
    assert arch["latent_upsampler"]["mid_channels"] % 32 == 0


def test_an_extension_of_a_1080p_30_fps_video_continues_it_upscaled_and_re_timed():
    """The new frames are made at the spec's size and rate, then finished like the source was:
    through the upscaler to its 1920x1080 and blended to its 30 fps (not stretched and repeated)."""
    from generation.engine import runner

    tail = np.random.default_rng(1).integers(0, 256, (24, 1080, 1920, 3), dtype=np.uint8)
    request = GenerationRequest(
        kind="extend",
        prompt="x",
        mode="professional",
        duration_s=1,
        source_frames=tail,
        source_fps=30,
        num_inference_steps=1,
    )
    result = runner.run(request, spec="tiny", device="cpu")
    # One extension call adds 8 frames at 8 fps (1 s): 30 at 30 fps.
    assert result.frames.shape == (30, 1080, 1920, 3) and result.fps == 30
