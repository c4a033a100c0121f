"""A storyboard in the engine, on the tiny demo model: shot after shot with their own prompts,
as one clip whose length is the sum of the shots; progress over every call; cancel between
calls. Small sizes and 1 step keep it to seconds."""

import pytest

from generation.engine import runner
from generation.engine.specs import get_spec
from generation.engine.types import STORYBOARD, Canceled, GenerationRequest, Shot

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SIZE = (64, 32)


def storyboard(*shots, **values):
    return GenerationRequest(
        kind=STORYBOARD,
        prompt="",
        shots=[Shot(*shot) for shot in shots],
        num_inference_steps=1,
        size=SIZE,
        seed=3,
        **values,
    )


@pytest.fixture
def spied_calls(monkeypatch):
    calls = []
    original_call = runner._StepWatcher.call

    def spy(self, acquired, index, pipeline, **kwargs):
        calls.append((index, kwargs["prompt"], kwargs["num_frames"]))
        return original_call(self, acquired, index, pipeline, **kwargs)

    monkeypatch.setattr(runner._StepWatcher, "call", spy)
    return calls


def test_each_shot_is_made_with_its_own_prompt_after_the_last_frames_of_the_one_before(
    spied_calls,
):
    progress = []
    result = runner.run(
        storyboard(("a red fox in the snow", 2), ("the fox jumps", 1, "zoom_in"), ("it sleeps", 3)),
        on_progress=lambda step, total: progress.append((step, total)),
    )
    # 2 + 1 + 3 s at 8 fps: 17 + 8 + 24 frames, the length of one 6-second clip.
    assert result.frames.shape == (49, SIZE[1], SIZE[0], 3)
    assert len(result.frames) == get_spec("tiny").frames_for(6)[0]
    assert result.fps == 8
    prompts = [prompt for _index, prompt, _frames in spied_calls]
    assert prompts[0].startswith("a red fox in the snow")
    assert prompts[1].startswith("the fox jumps") and "zoom" in prompts[1].lower()
    assert prompts[2].startswith("it sleeps")
    # Each later shot's call carries the context (17 frames) before its new frames.
    assert [(i, n) for i, _p, n in spied_calls] == [(0, 17), (1, 17 + 8), (2, 17 + 24)]
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_a_long_shot_is_chained_within_the_trained_length(spied_calls):
    """tiny's longest call is 65 frames: a 10 s first shot takes two calls, then the next."""
    result = runner.run(storyboard(("a long walk", 10), ("a short rest", 2)))
    assert len(result.frames) == 81 + 16
    assert [(i, n) for i, _p, n in spied_calls] == [(0, 65), (1, 17 + 16), (2, 17 + 16)]
    firsts = [p.split(".")[0] for _i, p, _n in spied_calls]
    assert firsts == ["a long walk", "a long walk", "a short rest"]


def test_a_cancel_stops_before_the_next_shot(spied_calls):
    steps = []
    with pytest.raises(Canceled):
        runner.run(
            storyboard(("one", 1), ("two", 1), ("three", 1)),
            on_progress=lambda step, total: steps.append(step),
            should_cancel=lambda: len(steps) >= 2,  # after the second shot's only step
        )
    assert steps == [1, 2]
    assert [p.split(".")[0] for _i, p, _n in spied_calls] == ["one", "two"]


@pytest.mark.parametrize(
    "shots",
    [
        [("only one", 2)],
        [("a", 1)] * 7,
        [("a", 1), ("", 1)],
        [("a", 1), ("b", 0)],
        [("a", 1), ("b", 1, "somersault")],
    ],
)
def test_a_storyboard_the_engine_cannot_tell_is_refused(shots):
    with pytest.raises(ValueError):
        runner.run(storyboard(*shots))


def test_every_spec_that_extends_videos_tells_storyboards():
    for spec_id in ("tiny", "tiny-wan", "ltx-video", "wan2.1"):
        spec = get_spec(spec_id)
        assert STORYBOARD in spec.kinds
        assert spec.pipeline_for(STORYBOARD) == spec.pipeline_for("text_to_video")
        # More shots, more calls: the time limit grows with them.
        assert spec.time_limit(STORYBOARD, duration_s=10, shots=[5, 5]) < spec.time_limit(
            STORYBOARD, duration_s=10
        )
