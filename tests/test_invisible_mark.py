"""The invisible mark names the job after what happens to videos and pictures on the internet,
and nobody without the key can read it or make one match."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from generation.provenance import ecc, invisible
from generation.provenance.invisible_samples import KINDS, make_clip
from tests.mark_helpers import FPS, KEY, OTHER_KEY, h264, psnr

JOB = 3_141_592_653


def resave(image: Image.Image, **options) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.fixture(scope="module")
def clip():
    return make_clip("texture", seed=7, frames=24, height=720, width=1280)


@pytest.fixture(scope="module")
def marked(clip):
    return invisible.embed_frames(clip, JOB, KEY)


def test_marked_clip_reencoded_at_crf28_names_its_job(marked):
    delivered = h264(marked, crf=23)
    found = invisible.detect_frames(h264(delivered, crf=28), KEY)
    assert found is not None
    assert found.job_id == JOB
    assert found.frames_used == len(marked)


def test_downscaled_trimmed_reencoded_clip_names_its_job(marked):
    delivered = h264(marked, crf=23)
    smaller = np.stack([cv2.resize(f, (640, 360), interpolation=cv2.INTER_AREA) for f in delivered])
    attacked = h264(smaller[FPS:], crf=28)  # first second gone, half size, crf 28
    found = invisible.detect_frames(attacked, KEY)
    assert found is not None
    assert found.job_id == JOB
    assert found.frames_used == len(marked) - FPS


def test_picture_resaved_as_jpeg_names_its_job():
    picture = Image.fromarray(make_clip("shapes", seed=3, frames=1, height=512, width=768)[0])
    marked = invisible.embed_image(picture, 77, KEY)
    assert marked.size == picture.size and marked.mode == "RGB"
    found = invisible.detect_image(resave(marked, format="JPEG", quality=85), KEY)
    assert found is not None and found.job_id == 77
    found = invisible.detect_image(resave(marked, format="PNG"), KEY)
    assert found is not None and found.job_id == 77


@pytest.mark.parametrize("kind", KINDS)
def test_unmarked_content_gives_no_match(kind):
    frames = make_clip(kind, seed=11, frames=6, height=270, width=480)
    assert invisible.detect_frames(h264(frames, crf=23), KEY) is None
    picture = Image.fromarray(frames[0])
    assert invisible.detect_image(resave(picture, format="JPEG", quality=85), KEY) is None


def test_mark_made_under_another_key_is_neither_read_nor_matched(clip, marked):
    assert invisible.detect_frames(marked, OTHER_KEY) is None
    theirs = invisible.embed_frames(clip, JOB, OTHER_KEY)
    assert invisible.detect_frames(theirs, KEY) is None
    assert invisible.detect_frames(theirs, OTHER_KEY).job_id == JOB


def test_marked_frames_stay_above_40_db(clip, marked):
    assert marked.shape == clip.shape and marked.dtype == np.uint8
    assert not np.array_equal(marked, clip)
    assert psnr(clip, marked) >= 40.0
    dark = make_clip("dark", seed=2, frames=2, height=360, width=640)
    assert psnr(dark, invisible.embed_frames(dark, JOB, KEY)) >= 40.0


def test_embedding_leaves_the_input_untouched(clip):
    before = clip.copy()
    invisible.embed_frames(clip, 5, KEY)
    assert np.array_equal(clip, before)


@pytest.mark.parametrize("job_id", [0, 41, 42, 43, 2**31, 2**32 - 1])
def test_each_job_id_reads_back_as_itself(job_id):
    frames = make_clip("gradient", seed=5, frames=3, height=360, width=640)
    marked = h264(invisible.embed_frames(frames, job_id, KEY), crf=28)
    found = invisible.detect_frames(marked, KEY)
    assert found is not None and found.job_id == job_id


def test_portrait_and_square_frames_are_marked_too():
    for height, width in [(640, 360), (256, 256), (64, 64)]:
        frames = make_clip("shapes", seed=9, frames=2, height=height, width=width)
        found = invisible.detect_frames(invisible.embed_frames(frames, 9001, KEY), KEY)
        assert found is not None and found.job_id == 9001, (height, width)


def test_check_value_depends_on_the_key_and_the_job():
    assert invisible.check_value(42, KEY) != invisible.check_value(42, OTHER_KEY)
    assert invisible.check_value(42, KEY) != invisible.check_value(43, KEY)
    assert 0 <= invisible.check_value(42, KEY) < 2**invisible.CHECK_BITS
    with pytest.raises(ValueError):
        invisible.payload_bits(2**32, KEY)


def test_code_corrects_misread_bits():
    bits = np.random.default_rng(0).integers(0, 2, invisible.PAYLOAD_BITS).astype(np.uint8)
    soft = 2.0 * ecc.encode(bits) - 1.0
    soft[[3, 30, 60, 90, 120]] *= -1  # five coded bits read wrong, spread out
    soft[10:14] = 0.0  # four not read at all
    assert np.array_equal(ecc.decode(soft), bits)


def _path_metric(bits: np.ndarray, soft: np.ndarray) -> float:
    return float((2.0 * ecc.encode(bits) - 1.0) @ soft)


def test_list_decoder_ranks_distinct_paths_by_likelihood():
    rng = np.random.default_rng(5)
    for _ in range(20):
        bits = rng.integers(0, 2, invisible.PAYLOAD_BITS).astype(np.uint8)
        soft = 0.9 * (2.0 * ecc.encode(bits) - 1.0) + rng.standard_normal(invisible.CODED_BITS)
        paths = ecc.decode_list(soft, 8)
        assert len(paths) == 8
        assert np.array_equal(paths[0], ecc.decode(soft))  # the likeliest is Viterbi's answer
        assert len({p.tobytes() for p in paths}) == 8  # no path twice
        metrics = [_path_metric(p, soft) for p in paths]
        assert metrics == sorted(metrics, reverse=True)
        # No path outside the list beats the last one in it: flipping any one data bit of
        # the best path gives a path that is either in the list or no likelier than its last.
        for i in range(invisible.PAYLOAD_BITS):
            other = paths[0].copy()
            other[i] ^= 1
            if not any(np.array_equal(other, p) for p in paths):
                assert _path_metric(other, soft) <= metrics[-1] + 1e-9


def test_list_decoder_finds_what_the_single_path_misses():
    """At a soft-bit SNR where Viterbi's one path is often wrong, the sent payload is often
    the second to fourth path: the check value (the payload's CRC) then picks it out."""
    rng = np.random.default_rng(7)
    single = listed = 0
    for _ in range(150):
        bits = rng.integers(0, 2, invisible.PAYLOAD_BITS).astype(np.uint8)
        soft = 0.9 * (2.0 * ecc.encode(bits) - 1.0) + rng.standard_normal(invisible.CODED_BITS)
        paths = ecc.decode_list(soft, 4)
        single += np.array_equal(paths[0], bits)
        listed += any(np.array_equal(p, bits) for p in paths)
    assert listed >= single + 15, (single, listed)
