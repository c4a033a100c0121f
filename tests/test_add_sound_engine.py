"""Sound added to an existing silent clip, on the demo spec: LTX-2's real classes, tiny, with the
checkpoint viewed as LTX2ConditionPipeline. Every video token is a clean condition, so only the
audio is denoised; the engine gives back the audio alone, exactly the clip's length, and the
post-processing copies the clip's video packets next to a new AAC stream: decoded, the frames
are the source's, bit for bit."""

import os

import numpy as np
import pytest
from django.utils import timezone

from generation import media, mp4_join, postprocess, soundtrack
from generation.engine import loader, runner
from generation.engine.matrix import moving_clip
from generation.engine.specs import ADD_SOUND_CLASS, SOUND, get_spec
from generation.engine.types import ADD_SOUND, GenerationRequest
from generation.provenance import visible

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SIZE = (128, 96)  # on LTX's multiples of 32: a 4 x 3 latent grid
PROMPT = "rain on a tin roof, a dog barks twice in the distance"
AAC_FRAME_S = 1024 / 24000


def add_sound(frames, fps, *, spec="tiny", size=SIZE, prompt=PROMPT, seed=3, totals=None):
    request = GenerationRequest(
        kind=ADD_SOUND,
        prompt=prompt,
        source_frames=frames,
        source_fps=fps,
        size=size,
        num_inference_steps=2,
        seed=seed,
    )
    progress = (lambda step, total: totals.append(total)) if totals is not None else None
    return runner.run(request, spec=spec, device="cpu", on_progress=progress)


def test_the_sound_specs_add_sound_with_the_condition_pipeline_on_their_checkpoint():
    for spec_id in ("tiny", "ltx-2"):
        spec = get_spec(spec_id)
        assert ADD_SOUND in spec.kinds
        pipeline = spec.pipeline_for(ADD_SOUND)
        assert pipeline.class_name == ADD_SOUND_CLASS == "LTX2ConditionPipeline"
        assert pipeline.checkpoint == spec.pipeline_for(SOUND).checkpoint  # no second download
        assert spec.call_plan(ADD_SOUND, 10) == [spec.frames_for(10)[0]]  # one call, not chained
    for spec_id in ("tiny-wan", "ltx-video", "wan2.1"):
        assert ADD_SOUND not in get_spec(spec_id).kinds


def test_the_condition_pipeline_is_a_view_over_the_sound_pipelines_weights():
    sound = loader.get_pipeline("tiny", SOUND, "cpu")
    view = loader.get_pipeline("tiny", ADD_SOUND, "cpu")
    assert type(view).__name__ == "LTX2ConditionPipeline"
    assert view.transformer is sound.transformer and view.vocoder is sound.vocoder


def test_the_audio_lasts_exactly_as_long_as_the_clip_and_only_audio_is_denoised(monkeypatch):
    masks = []
    view = loader.get_pipeline("tiny", ADD_SOUND, "cpu")
    prepare = view.prepare_latents

    def watched(*args, **kwargs):
        latents, mask, clean, keyframes = prepare(*args, **kwargs)
        masks.append(mask)
        return latents, mask, clean, keyframes

    monkeypatch.setattr(view, "prepare_latents", watched)
    totals = []
    # 30 frames at 12 fps (2.5 s): neither the spec's 8 fps nor 8k + 1 frames, nor the call size.
    result = add_sound(moving_clip(30, 160, 90), 12, totals=totals)

    assert result.frames is None and result.fps == 12
    assert result.sample_rate == 24000
    assert result.audio.shape == (2, round(2.5 * 24000)) and result.audio.dtype == np.float32
    assert 0 < np.abs(result.audio).max() <= 1.0
    assert totals and set(totals) == {2}
    (mask,) = masks  # every video token is a clean condition: the video stream stays fixed
    # 20 frames at 8 fps, padded to 25: 4 latent frames of a 4 x 3 grid.
    assert mask.numel() == 4 * 3 * 4 and bool((mask == 1).all())


def test_the_soundtrack_follows_the_clip():
    clip = moving_clip(17, *SIZE)
    first = add_sound(clip, 8).audio
    assert np.array_equal(first, add_sound(clip, 8).audio)  # same clip and seed: same sound
    assert not np.array_equal(first, add_sound(255 - clip, 8).audio)  # another video: another


@pytest.mark.parametrize(
    ("spec_id", "frames", "message"),
    [
        ("tiny-wan", moving_clip(9, 32, 16), "cannot do 'add_sound'"),
        ("tiny", None, "clip's frames"),
        ("tiny", np.zeros((8 * 21, 32, 32, 3), np.uint8), "up to 20 s"),  # 21 s at 8 fps
    ],
)
def test_a_clip_the_spec_cannot_add_sound_to_is_refused_before_any_load(spec_id, frames, message):
    with pytest.raises(ValueError, match=message):
        add_sound(frames, 8, spec=spec_id, size=(32, 32))


@pytest.mark.parametrize("source_marked", [True, False])
def test_the_result_keeps_every_frame_of_the_clip_and_gets_an_aac_stream(tmp_path, source_marked):
    """The source as the worker has it (clean master and, if it had one, the marked variant,
    H.264 at 8 fps), sound added for a watermarked job: both variants keep the source's frames
    (the marked one without a marked source: the clean frames with the visible mark), with an
    AAC stream of the clip's length, signed."""
    frames = moving_clip(37, *SIZE)  # 4.625 s at 8 fps
    clean_path = str(tmp_path / "source.mp4")
    media.write_mp4(frames, 8, clean_path)
    marked_path = None
    if source_marked:
        marked_path = str(tmp_path / "source-marked.mp4")
        media.write_mp4(visible.mark_frames(frames.copy()), 8, marked_path)
    decoded_clean, _ = media.decode_video(clean_path)

    result = add_sound(decoded_clean, 8)
    stamp = postprocess.Stamp(job_id=9, model="tiny", created_at=timezone.now(), watermarked=True)
    folder = tmp_path / "job"
    folder.mkdir()
    video, poster, preview = postprocess.render_add_sound(
        stamp,
        soundtrack.from_result(result),
        postprocess.Source(clean=clean_path, marked=marked_path),
        str(folder),
    )

    assert (video.frames, video.fps, video.width, video.height) == (37, 8, *SIZE)
    expected_marked = (
        media.decode_video(marked_path)[0]
        if source_marked
        else visible.mark_frames(decoded_clean.copy())
    )
    for path, expected in ((video.data, decoded_clean), (video.marked_data, expected_marked)):
        assert os.path.isfile(path)
        made, fps = media.decode_video(path)
        assert fps == 8
        if source_marked or path == video.data:
            assert np.array_equal(made, expected)  # the packets were copied: identical frames
        else:  # re-encoded once, with the visible mark
            assert made.shape == expected.shape
            assert np.abs(made.astype(int) - expected).mean() < 3
        sound = soundtrack.decode(path)
        assert sound is not None and sound.rate == 24000 and sound.samples.shape[0] == 2
        assert sound.seconds == pytest.approx(37 / 8, abs=AAC_FRAME_S)
        with open(path, "rb") as f:
            assert b"c2pa" in f.read()  # the manifest, signed over the file with its audio
    if source_marked:  # the source's packets, copied, not re-encoded
        assert _video_packets(video.data) == _video_packets(clean_path)
        assert _video_packets(video.marked_data) == _video_packets(marked_path)
    assert poster.data and preview.data and poster.marked_data and preview.marked_data


def _video_packets(path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [bytes(p) for p in container.demux(stream) if p.dts is not None]


def test_a_source_with_sound_of_its_own_gets_the_new_one_only(tmp_path):
    frames = moving_clip(9, 64, 32)
    old = soundtrack.Soundtrack(np.full((1, 9 * 3000), 0.5, np.float32), 24000)
    source = str(tmp_path / "source.mp4")
    media.write_mp4(frames, 8, source, soundtrack=old)
    new = soundtrack.Soundtrack(np.zeros((2, 9 * 3000), np.float32), 24000)
    out = str(tmp_path / "out.mp4")
    assert mp4_join.add_soundtrack(source, new, out) == 9
    found = soundtrack.decode(out)
    assert found.samples.shape[0] == 2 and not np.abs(found.samples).max() > 0.01
