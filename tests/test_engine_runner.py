"""The engine on the tiny demo model: shapes, conditioning, determinism, progress and cancel.

Pipelines are built once per test process (the engine's own per-process cache, as on a worker);
steps are kept at 2 so the whole file runs in well under a minute on two cores.
"""

import numpy as np
import pytest
from PIL import Image

from generation import media
from generation.engine import runner
from generation.engine.types import Canceled, GenerationRequest

STEPS = 2
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def request(kind="text_to_video", **values):
    values.setdefault("num_inference_steps", STEPS)
    values.setdefault("seed", 7)
    return GenerationRequest(kind=kind, prompt="a cat walking on the beach", **values)


def patterned_image(width=1024, height=576, invert=False):
    """A checkerboard with a horizontal colour ramp. Its cells (128 px, 64 px once scaled to
    the 16:9 output) line up with the tiny VAE's 32 px blocks, so they survive its compression."""
    y, x = np.mgrid[0:height, 0:width]
    board = (y // 128 + x // 128) % 2
    if invert:
        board = 1 - board
    rgb = np.stack([board * 220 + 20, x * 255 // width, (1 - board) * 180 + 40], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def correlation(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, float).ravel(), np.asarray(b, float).ravel())[0, 1])


@pytest.fixture(scope="module")
def text_video():
    return runner.run(request())


def test_text_to_video_has_the_specs_frame_count_size_and_fps(text_video):
    assert text_video.frames.shape == (41, 288, 512, 3)
    assert text_video.frames.dtype == np.uint8
    assert text_video.fps == 8
    assert text_video.images == []
    assert {"load", "denoise", "denoise_per_step", "decode", "post", "total"} <= set(
        text_video.timings
    )


def test_text_to_video_encodes_to_an_mp4_that_decodes_to_the_same_shape(text_video):
    frames, fps = media.decode_video(media.encode_mp4(text_video.frames, text_video.fps))
    assert frames.shape == text_video.frames.shape
    assert fps == 8


def test_ten_seconds_portrait_is_81_frames_of_288_by_512():
    result = runner.run(request(duration_s=10, aspect_ratio="9:16", num_inference_steps=1))
    assert result.frames.shape == (81, 512, 288, 3)


def test_the_same_seed_gives_identical_frames_and_another_seed_does_not(text_video):
    again = runner.run(request())
    other = runner.run(request(seed=8))
    assert np.array_equal(again.frames, text_video.frames)
    assert not np.array_equal(other.frames, text_video.frames)


def test_image_to_video_first_frame_is_derived_from_the_image():
    image, other = patterned_image(), patterned_image(invert=True)
    result = runner.run(request("image_to_video", image=image))
    first = result.frames[0]
    target = np.asarray(media.fit_image(image, (512, 288)))
    # The tiny VAE passes conditioning frames through at 32x32-block resolution.
    assert correlation(first, target) > 0.9
    assert correlation(first, np.asarray(media.fit_image(other, (512, 288)))) < 0.3
    # ... and it survives H.264.
    decoded, _fps = media.decode_video(media.encode_mp4(result.frames, result.fps))
    assert correlation(decoded[0], target) > 0.9
    # Later frames are generated (noise from untrained weights), not copies.
    assert correlation(result.frames[-1], target) < 0.5


def test_image_to_video_takes_an_end_frame():
    image = patterned_image(768, 768)
    result = runner.run(
        request(
            "image_to_video",
            image=image,
            end_image=patterned_image(768, 768, invert=True),
            aspect_ratio="1:1",
        )
    )
    assert result.frames.shape == (41, 384, 384, 3)
    assert correlation(result.frames[0], media.fit_image(image, (384, 384))) > 0.9


def test_extend_returns_about_five_new_seconds_after_the_source(monkeypatch):
    still = np.asarray(media.fit_image(patterned_image(), (512, 288)))
    source = np.repeat(still[None], 41, axis=0)
    raw = []
    original_call = runner._StepWatcher.call

    def spy(self, acquired, index, pipeline, **kwargs):
        output = original_call(self, acquired, index, pipeline, **kwargs)
        raw.append((kwargs, output.frames[0]))
        return output

    monkeypatch.setattr(runner._StepWatcher, "call", spy)
    result = runner.run(request("extend", source_frames=source, source_fps=8))
    # The new frames only: the worker appends them to the source's file (mp4_join).
    assert result.frames.shape == (40, 288, 512, 3)
    assert result.fps == 8
    # The pipeline was conditioned on the source's last 17 frames, which it reproduces.
    kwargs, generated = raw[0]
    assert kwargs["num_frames"] == 17 + 40
    assert len(kwargs["conditions"][0].video) == 17
    assert correlation(generated[16], still / 255) > 0.9


def test_extend_keeps_the_source_size_and_frame_rate():
    source = np.random.default_rng(0).integers(0, 255, (30, 180, 320, 3), dtype=np.uint8)
    result = runner.run(request("extend", source_frames=source, source_fps=24, duration_s=2))
    # 2 s at the spec's 8 fps is 16 new frames; at the source's 24 fps, 48.
    assert result.frames.shape == (48, 180, 320, 3)
    assert result.fps == 24


def test_text_to_picture_gives_n_images_of_the_specs_size():
    result = runner.run(request("text_to_picture", num_images=3, aspect_ratio="9:16"))
    assert result.frames is None
    assert [image.size for image in result.images] == [(288, 512)] * 3


def test_progress_is_reported_after_every_step():
    calls = []
    runner.run(
        request(num_inference_steps=3), on_progress=lambda step, total: calls.append((step, total))
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_cancel_stops_the_pipeline_after_the_current_step():
    steps = []
    with pytest.raises(Canceled):
        runner.run(
            request(num_inference_steps=50),
            on_progress=lambda step, total: steps.append(step),
            should_cancel=lambda: bool(steps),
        )
    # One step of 50 ran; the Canceled raised from it means no decode and no result (timing it
    # instead failed on a busy machine).
    assert steps == [1]


def test_a_job_canceled_before_it_starts_never_runs_the_pipeline():
    steps = []
    with pytest.raises(Canceled):
        runner.run(request(), on_progress=lambda s, t: steps.append(s), should_cancel=lambda: True)
    assert steps == []


def test_the_pipeline_still_works_after_a_cancel(text_video):
    with pytest.raises(Canceled):
        runner.run(request(), should_cancel=lambda: True)
    assert np.array_equal(runner.run(request()).frames, text_video.frames)


@pytest.mark.parametrize(
    "bad",
    [
        request("image_to_video"),
        request("extend"),
        request("extend", source_frames=np.zeros((4, 8, 8), np.uint8)),
        request("text_to_picture", num_images=5),
        request(aspect_ratio="4:3"),
        request(camera_movement="barrel_roll"),
    ],
    ids=["no image", "no source", "bad source", "too many pictures", "aspect", "camera"],
)
def test_a_request_the_spec_cannot_serve_is_refused(bad):
    with pytest.raises(ValueError):
        runner.run(bad)


def test_save_and_load_through_from_pretrained_gives_identical_output(
    tmp_path, monkeypatch, text_video
):
    import huggingface_hub.constants

    from generation.engine import loader

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    for checkpoint in ("tiny/ltx", "tiny/flux"):
        loader.save_tiny_pipeline(checkpoint, tmp_path / checkpoint)
    loaded = runner.run(request(), model_dir=str(tmp_path))
    pipe = loader.get_pipeline(
        "tiny", "text_to_video", "cpu", options=loader.LoadOptions(model_dir=str(tmp_path))
    )
    assert str(pipe.config._name_or_path) == str(tmp_path / "tiny" / "ltx")
    assert np.array_equal(loaded.frames, text_video.frames)


def test_a_long_clip_is_one_call_then_extension_calls_within_the_trained_length(monkeypatch):
    """tiny's longest call is 65 frames: 10 s (81 frames) is a 65-frame call and a 16-frame
    extension on the last 17, and progress runs once from start to end over both."""
    calls = []
    original_call = runner._StepWatcher.call

    def spy(self, acquired, index, pipeline, **kwargs):
        calls.append((index, kwargs["num_frames"]))
        return original_call(self, acquired, index, pipeline, **kwargs)

    monkeypatch.setattr(runner._StepWatcher, "call", spy)
    progress = []
    result = runner.run(
        request(duration_s=10), on_progress=lambda step, total: progress.append((step, total))
    )
    assert result.frames.shape == (81, 288, 512, 3)
    assert calls == [(0, 65), (1, 17 + 16)]
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_long_clip_with_an_end_frame_pins_it_in_the_last_call_only(monkeypatch):
    calls = []
    original_call = runner._StepWatcher.call

    def spy(self, acquired, index, pipeline, **kwargs):
        calls.append([(c.frame_index, c.image is not None) for c in kwargs["conditions"]])
        return original_call(self, acquired, index, pipeline, **kwargs)

    monkeypatch.setattr(runner._StepWatcher, "call", spy)
    image = patterned_image()
    end = patterned_image(invert=True)
    result = runner.run(request("image_to_video", image=image, end_image=end, duration_s=10))
    assert result.frames.shape == (81, 288, 512, 3)
    assert correlation(result.frames[0], media.fit_image(image, (512, 288))) > 0.9
    # First call: the first frame only; the extension: the context, then the end frame last.
    assert calls == [[(0, True)], [(0, False), (17 + 16 - 1, True)]]


def test_wan_sets_the_scheduler_shift_of_each_resolution_on_one_loaded_pipeline():
    from generation.engine import loader

    runner.run(request(duration_s=1), spec="tiny-wan")
    pipe = loader.get_pipeline("tiny-wan", "text_to_video", "cpu")
    assert pipe.scheduler.config.flow_shift == 3.0
    runner.run(request(duration_s=1, mode="professional"), spec="tiny-wan")
    assert loader.get_pipeline("tiny-wan", "text_to_video", "cpu", mode="professional") is pipe
    assert pipe.scheduler.config.flow_shift == 5.0


def test_a_size_that_breaks_the_familys_rules_is_refused():
    with pytest.raises(ValueError, match="multiples of 32"):
        runner.run(request(size=(100, 64)))
    assert runner.run(request(size=(96, 64), duration_s=1)).frames.shape == (9, 64, 96, 3)


def test_the_wan_family_runs_every_kind_on_its_tiny_pipelines():
    spec = "tiny-wan"
    image = patterned_image()
    t2v = runner.run(request(duration_s=2), spec=spec)
    assert t2v.frames.shape == (17, 80, 128, 3)
    i2v = runner.run(request("image_to_video", image=image, duration_s=2), spec=spec)
    assert i2v.frames.shape == (17, 80, 128, 3)
    flf = runner.run(
        request("image_to_video", image=image, end_image=image, duration_s=2), spec=spec
    )
    assert flf.frames.shape == (17, 80, 128, 3)
    extended = runner.run(
        request("extend", source_frames=t2v.frames, source_fps=8, duration_s=2), spec=spec
    )
    assert extended.frames.shape == (16, 80, 128, 3)
