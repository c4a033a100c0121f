"""A restyle in the engine on the demo specs' real pipeline classes (LTXConditionPipeline with
denoise_strength on its VAE's latents; WanVideoToVideoPipeline over the text model's weights):
the result keeps the source's frame count at the spec's fps, whatever its length, and strength
decides how many of the schedule's steps run. Small sizes keep it to seconds."""

import numpy as np
import pytest

from generation.engine import loader, restyle, runner
from generation.engine.matrix import moving_clip
from generation.engine.specs import get_spec
from generation.engine.types import RESTYLE, GenerationRequest

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SIZES = {"tiny": (64, 32), "tiny-wan": (32, 16)}


def restyled(spec_id, frames, *, fps=8, strength=0.5, steps=None, totals=None):
    request = GenerationRequest(
        kind=RESTYLE,
        prompt="a cat walking on the beach at sunset",
        source_frames=frames,
        source_fps=fps,
        strength=strength,
        num_inference_steps=steps,
        size=SIZES[spec_id],
        seed=5,
    )
    progress = (lambda step, total: totals.append(total)) if totals is not None else None
    return runner.run(request, spec=spec_id, device="cpu", on_progress=progress)


@pytest.mark.parametrize("spec_id", ["tiny", "tiny-wan"])
def test_a_restyle_keeps_the_frame_count_of_its_source(spec_id):
    spec = get_spec(spec_id)
    width, height = SIZES[spec_id]
    source = moving_clip(19, 40, 24)  # not the family's k * n + 1, nor the call size
    result = restyled(spec_id, source)
    assert result.frames.shape == (19, height, width, 3) and result.fps == spec.fps
    assert result.frames.dtype == np.uint8


@pytest.mark.parametrize("spec_id", ["tiny", "tiny-wan"])
def test_a_clip_at_another_frame_rate_keeps_its_duration(spec_id):
    spec = get_spec(spec_id)
    source = moving_clip(30, 40, 24)  # 1.25 s at 24 fps
    result = restyled(spec_id, source, fps=24, steps=1)
    assert len(result.frames) == 10 and result.fps == spec.fps  # 1.25 s at 8 fps


@pytest.mark.parametrize("spec_id", ["tiny", "tiny-wan"])
def test_a_clip_longer_than_one_call_is_restyled_in_windows(spec_id):
    spec = get_spec(spec_id)
    count = spec.max_frames + 7
    totals = []
    result = restyled(spec_id, moving_clip(count, 40, 24), steps=1, totals=totals)
    assert len(result.frames) == count
    windows = spec.restyle_windows(count)
    assert len(windows) == 2 and sum(windows) == count and max(windows) <= spec.max_frames
    assert totals[-1] == 2  # one step per window (strength raised to one step)


def test_strength_is_the_share_of_the_schedule_that_runs():
    totals = []
    restyled("tiny", moving_clip(9, 40, 24), strength=0.5, steps=8, totals=totals)
    assert totals[-1] == 4
    totals.clear()
    restyled("tiny", moving_clip(9, 40, 24), strength=1.0, steps=8, totals=totals)
    assert totals[-1] == 8


def test_the_wan_restyle_runs_video_to_video_over_the_text_models_weights():
    spec = get_spec("tiny-wan")
    text = loader.get_pipeline(spec, "text_to_video", "cpu")
    view = loader.get_pipeline(spec, RESTYLE, "cpu")
    assert type(view).__name__ == "WanVideoToVideoPipeline"
    assert view.transformer is text.transformer and view.vae is text.vae


def test_windows_are_padded_to_the_familys_frame_counts_and_strength_makes_a_step():
    assert len(restyle.padded(moving_clip(10, 8, 8), 8)) == 17
    assert len(restyle.padded(moving_clip(9, 8, 8), 8)) == 9
    assert len(restyle.padded(moving_clip(1, 8, 8), 4)) == 1
    for steps in range(1, 60):
        assert int(steps * restyle.effective_strength(0.01, steps)) == 1
    assert restyle.effective_strength(0.7, 40) == 0.7


def test_a_restyle_without_a_source_is_refused():
    with pytest.raises(ValueError, match="restyle needs the source"):
        runner.run(GenerationRequest(kind=RESTYLE, prompt="x"), spec="tiny", device="cpu")
    with pytest.raises(ValueError, match="strength"):
        restyled("tiny", moving_clip(9, 40, 24), strength=0.0)
