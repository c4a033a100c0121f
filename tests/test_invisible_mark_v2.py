"""Version 2 of the invisible mark names the job after the edits people make when they re-post a
clip (mirror, crop, borders, a slight turn, re-encoding), stays invisible on flat skies, is drawn
differently for each output, and lives next to version 1."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from generation import media
from generation.provenance import invisible, invisible_v2, invisible_v2_sync, mark_corpus
from generation.provenance.check import read_mark
from generation.provenance.invisible_v2_sync import crop_to_content
from tests.mark_helpers import KEY, OTHER_KEY, h264, jpeg, psnr

JOB = 2_718_281_828


@pytest.fixture(scope="module")
def clip():
    return mark_corpus.make_clip("pan", seed=3, frames=12, width=640, height=360)


@pytest.fixture(scope="module")
def delivered(clip):
    """Marked and delivered as the product delivers it (H.264 crf 23)."""
    return h264(invisible_v2.embed_frames(clip, JOB, KEY))


def names_job(frames: np.ndarray) -> bool:
    found = invisible_v2_sync.detect_frames(frames, KEY)
    return found is not None and found.job_id == JOB and found.version == 2


def test_a_re_encoded_clip_names_its_job(delivered):
    assert names_job(h264(delivered, crf=35))


def test_a_mirrored_clip_names_its_job(delivered):
    assert names_job(h264(np.ascontiguousarray(delivered[:, :, ::-1])))


@pytest.mark.parametrize("rescale", [False, True])
def test_a_clip_cropped_by_10_percent_names_its_job(delivered, rescale):
    height, width = delivered.shape[1:3]
    cropped = delivered[:, 18 : height - 18, 32 : width - 32]
    if rescale:
        cropped = np.stack([cv2.resize(f, (width, height)) for f in cropped])
    assert names_job(h264(cropped))


def test_a_clip_letterboxed_to_a_square_names_its_job(delivered):
    square = np.zeros((len(delivered), 640, 640, 3), np.uint8)
    square[:, 140:500] = delivered
    assert names_job(h264(square))


def test_a_wide_clip_letterboxed_into_a_tall_frame_names_its_job(delivered):
    """A 16:9 clip re-posted in a 9:16 frame: the bars take 68 % of the height and the picture
    is 202 px tall, so the detector must read the picture at its own size."""
    tall = np.zeros((len(delivered), 640, 360, 3), np.uint8)
    tall[:, 219:421] = np.stack(
        [cv2.resize(f, (360, 202), interpolation=cv2.INTER_AREA) for f in delivered]
    )
    assert names_job(h264(tall))


def test_borders_are_cropped_off_only_when_wide():
    picture = mark_corpus.make_clip("portrait", seed=5, frames=2, width=400, height=300)
    tall = np.zeros((2, 711, 400, 3), np.uint8)  # a 4:3 picture re-posted in a 9:16 frame
    tall[:, 205:505] = picture
    cropped, outer = crop_to_content(tall)
    assert 290 <= cropped.shape[1] <= 300 and cropped.shape[2] == 400
    assert outer == pytest.approx(400 / cropped.shape[1])
    # A uniform strip 5 % high (a clear sky's top) may be the picture's own: not cropped, and
    # the period the picture would imply is offered as well.
    sky = picture.copy()
    sky[:, :15] = 90
    same, ratio = crop_to_content(sky)
    assert same.shape == sky.shape and 0.9 < ratio < 1.0


def test_a_clip_turned_by_2_degrees_names_its_job(delivered):
    matrix = cv2.getRotationMatrix2D((320, 180), 2.0, 1.0)
    assert names_job(h264(np.stack([cv2.warpAffine(f, matrix, (640, 360)) for f in delivered])))


def test_one_frame_saved_as_jpeg_q70_names_its_job(delivered):
    assert names_job(jpeg(delivered[5], 70)[None])


def test_a_picture_is_marked_and_read():
    picture = Image.fromarray(mark_corpus.make_clip("portrait", 4, 1, 512, 512)[0])
    marked = invisible_v2.embed_image(picture, 77, KEY)
    assert marked.size == picture.size and marked.mode == "RGB"
    found = invisible_v2_sync.detect_image(Image.fromarray(jpeg(np.asarray(marked), 85)), KEY)
    assert found is not None and found.job_id == 77


@pytest.mark.parametrize("kind", mark_corpus.KINDS)
def test_unmarked_content_gives_no_match(kind):
    frames = mark_corpus.make_clip(kind, seed=11, frames=4, width=480, height=270)
    assert read_mark(h264(frames), KEY) is None
    assert read_mark(jpeg(frames[0], 85)[None], KEY) is None


def test_an_unmarked_input_costs_at_most_the_bounded_number_of_checks(monkeypatch):
    """The false-match bound counts payloads checked (2^-24 each): the list decoder's extra
    paths included, an input that carries no mark is checked at most CHECKS times."""
    checked = []
    real = invisible_v2_sync.check_value

    def counting(*args, **kwargs):
        checked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(invisible_v2_sync, "check_value", counting)
    frames = mark_corpus.make_clip("pan", seed=12, frames=6, width=480, height=270)
    assert invisible_v2_sync.detect_frames(h264(frames), KEY) is None
    assert invisible_v2_sync.CHECKS == 31
    assert invisible_v2_sync.MAX_DECODES < len(checked) <= invisible_v2_sync.CHECKS


def test_a_mark_made_under_another_key_is_not_read(clip, delivered):
    assert invisible_v2_sync.detect_frames(delivered, OTHER_KEY) is None
    theirs = invisible_v2.embed_frames(clip[:4], JOB, OTHER_KEY)
    assert invisible_v2_sync.detect_frames(theirs, KEY) is None


def test_outputs_made_with_version_1_are_still_identified(clip):
    old = h264(invisible.embed_frames(clip, JOB, KEY))
    found = read_mark(old, KEY)
    assert found is not None and found.job_id == JOB and found.version == 1


def test_a_flat_sky_changes_by_at_most_one_code_value():
    sky = mark_corpus.make_clip("sky", seed=2, frames=2, width=640, height=360)
    marked = invisible_v2.embed_frames(sky, JOB, KEY)
    flat = invisible_v2.is_flat(sky[0])
    assert flat.mean() > 0.5  # the test is about something: most of a sky is flat
    change = np.abs(marked[0].astype(np.int16) - sky[0].astype(np.int16))[flat]
    assert change.max() <= 1
    assert np.sqrt(np.mean(change.astype(float) ** 2)) < 0.9


def test_texture_gets_a_stronger_mark_than_flat_sky():
    landscape = mark_corpus.make_clip("pan", seed=1, frames=1, width=640, height=360)[0]
    ground = invisible_v2.amplitude(landscape)[240:]  # below the horizon: textured hills
    sky = invisible_v2.amplitude(mark_corpus.make_clip("sky", 1, 1, 640, 360)[0])
    assert np.median(ground) > 2 * np.median(sky)


def test_marked_frames_stay_above_42_db(clip):
    marked = invisible_v2.embed_frames(clip, JOB, KEY)
    assert marked.shape == clip.shape and marked.dtype == np.uint8
    assert psnr(clip, marked) >= 42.0


def test_embedding_leaves_the_input_untouched(clip):
    before = clip.copy()
    invisible_v2.embed_frames(clip, 5, KEY)
    assert np.array_equal(clip, before)


def test_each_output_gets_its_own_pattern():
    assert {invisible_v2.nonce_for(job, KEY) for job in range(200)} == set(range(16))
    first = invisible_v2.nonce_for(0, KEY)
    other = next(job for job in range(1, 100) if invisible_v2.nonce_for(job, KEY) != first)
    # Another nonce: other chips, pilot and order of cells, so the two patterns are unrelated.
    mine, theirs = invisible_v2.tile_cells(0, KEY), invisible_v2.tile_cells(other, KEY)
    assert abs(float(np.mean(mine * theirs))) < 0.1


def test_the_mark_slides_with_a_pan():
    frames = mark_corpus.make_clip("pan", seed=5, frames=6, width=640, height=360)
    offsets = invisible_v2.content_offsets(frames)
    assert offsets[0].tolist() == [0, 0]
    assert abs(offsets[-1][1]) >= 2  # the camera moved sideways
    still = np.repeat(frames[:1], 6, axis=0)
    assert invisible_v2.content_offsets(still).tolist() == [[0, 0]] * 6


def _added(marked: np.ndarray, clean: np.ndarray) -> np.ndarray:
    return marked.astype(np.float32) - clean


def _similar(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_over_a_pan_the_mark_stays_put_on_a_clear_sky_and_follows_the_ground():
    """A camera panning sideways over hills under a clear sky (a smooth gradient): x264
    predicts the sky from where it was, so the pattern stays put there and moves with the
    hills below."""
    rng = np.random.default_rng(8)
    scene = mark_corpus.landscape(rng, 854 + 80, 480 + 8)
    frames = mark_corpus._camera(scene, 16, 854, 480, lambda t: (2 + 3.0 * t, 2.0, 1.0))
    frames = mark_corpus._grain(rng, frames, 0.8)
    added = _added(invisible_v2.embed_frames(frames, JOB, KEY), frames)
    shift = int(invisible_v2.content_offsets(frames)[-1][1])
    assert shift <= -40  # the picture moved 45 px against the camera
    sky, ground = np.s_[10:90, 100:700], np.s_[400:470, 100:700]
    assert _similar(added[-1][sky], added[0][sky]) > 0.8
    assert abs(_similar(added[-1][ground], added[0][ground])) < 0.3
    moved = np.roll(added[0], shift, axis=1)  # the first frame's pattern, moved with the hills
    assert _similar(added[-1][ground], moved[ground]) > 0.8


def test_clouds_drifting_across_a_sky_are_followed():
    """Soft clouds drifting half a pixel a frame: detail the encoder follows, so the pattern
    follows it too (held still, it would be a new picture in every frame there)."""
    rng = np.random.default_rng(2)
    scene = mark_corpus.sunset(rng, 854 + 20, 480)
    frames = mark_corpus._camera(scene, 24, 854, 480, lambda t: (2 + 0.5 * t, 0.0, 1.0))
    frames = mark_corpus._grain(rng, frames, 0.6)
    motion = invisible_v2.content_offsets(frames)
    assert motion[-1][1] <= -8  # the clouds moved
    still = invisible_v2.still_weight(frames, motion)
    assert still is not None and float(still.mean()) < 0.3


def test_in_a_whip_pan_the_pattern_follows_everywhere():
    frames = mark_corpus.make_clip("fast", seed=4, frames=12, width=854, height=480)
    motion = invisible_v2.content_offsets(frames)
    assert np.abs(np.diff(motion[:, 1])).mean() > 5  # px a frame
    assert invisible_v2.still_weight(frames, motion) is None


def test_without_motion_the_pattern_stands_still_everywhere():
    frames = np.repeat(mark_corpus.make_clip("pan", seed=3, frames=1, width=640, height=360), 4, 0)
    motion = invisible_v2.content_offsets(frames)
    assert invisible_v2.still_weight(frames, motion) is None
    added = _added(invisible_v2.embed_frames(frames, JOB, KEY), frames)
    assert np.array_equal(added[0], added[-1])


def test_a_panning_clip_costs_far_fewer_bits_than_with_version_1():
    pan = mark_corpus.make_clip("pan", seed=7, frames=24, width=854, height=480)
    clean = len(media.encode_mp4(pan, 24, crf=23))
    first = len(media.encode_mp4(invisible.embed_frames(pan, JOB, KEY), 24, crf=23))
    second = len(media.encode_mp4(invisible_v2.embed_frames(pan, JOB, KEY), 24, crf=23))
    assert second - clean < 0.5 * (first - clean)


def test_small_frames_get_the_first_version():
    frames = mark_corpus.make_clip("portrait", seed=1, frames=1, width=48, height=48)
    found = invisible.detect_frames(invisible_v2.embed_frames(frames, 9, KEY), KEY)
    assert found is not None and found.job_id == 9


def test_check_value_depends_on_the_key_the_nonce_and_the_job():
    assert invisible_v2.check_value(42, 1, KEY) != invisible_v2.check_value(42, 1, OTHER_KEY)
    assert invisible_v2.check_value(42, 1, KEY) != invisible_v2.check_value(42, 2, KEY)
    assert invisible_v2.check_value(42, 1, KEY) != invisible_v2.check_value(43, 1, KEY)
    with pytest.raises(ValueError):
        invisible_v2.payload_bits(2**32, 0, KEY)


@pytest.mark.parametrize("speed", [1.5, 3.0, -2.25])
def test_the_content_motion_of_a_textured_pan_is_measured_to_the_pixel(speed):
    """A landscape seen through a camera moving `speed` px per frame (sub-pixel, with grain):
    the mark must follow the picture, or the encoder pays for a pattern standing still."""
    rng = np.random.default_rng(4)
    scene = mark_corpus.landscape(rng, 854 + 40, 480 + 8)
    start = 36 if speed < 0 else 2
    frames = mark_corpus._camera(scene, 10, 854, 480, lambda t: (start + speed * t, 2.0, 1.0))
    frames = mark_corpus._grain(rng, frames, 1.0)
    offsets = invisible_v2.content_offsets(frames)
    expected = -speed * np.arange(10)  # the picture moves against the camera
    assert np.abs(offsets[:, 1] - expected).max() <= 1
    assert np.abs(offsets[:, 0]).max() <= 1
