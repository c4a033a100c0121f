"""The version 3 prototype of the invisible mark (not embedded in outputs yet): version 2's tile
and detector with larger colour cells and more of its energy in colour. Read before the check
page's chain, it names a 480p clip's job after a second encode at crf 35, and versions 2 and 1
still read behind it."""

from __future__ import annotations

import numpy as np
import pytest

from generation.provenance import (
    invisible,
    invisible_v2,
    invisible_v2_sync,
    invisible_v3,
    mark_corpus,
)
from generation.provenance.check import read_mark
from tests.mark_helpers import KEY, OTHER_KEY, h264

JOB = 3_141_592_653


def read_any(frames: np.ndarray, key: bytes = KEY):
    """Version 3, then the check page's chain (versions 2 and 1)."""
    return invisible_v3.detect_frames(frames, key) or read_mark(frames, key)


def names_job(frames: np.ndarray, version: int = 3) -> bool:
    found = read_any(frames)
    return found is not None and found.job_id == JOB and found.version == version


@pytest.fixture(scope="module")
def clip():
    return mark_corpus.make_clip("pan", seed=3, frames=10, width=640, height=360)


@pytest.fixture(scope="module")
def delivered(clip):
    return h264(invisible_v3.embed_frames(clip, JOB, KEY))


def test_a_480p_clip_re_encoded_at_crf_35_names_its_job():
    """Delivered at crf 23, then re-encoded at crf 35: version 2 lost most such clips."""
    pan = mark_corpus.make_clip("pan", seed=3, frames=12, width=854, height=480)
    assert names_job(h264(h264(invisible_v3.embed_frames(pan, JOB, KEY)), crf=35))


def test_a_mirrored_clip_names_its_job(delivered):
    assert names_job(h264(np.ascontiguousarray(delivered[:, :, ::-1])))


def test_a_clip_cropped_by_10_percent_names_its_job(delivered):
    assert names_job(h264(delivered[:, 18:342, 32:608]))


def test_outputs_marked_with_versions_2_and_1_are_still_identified(clip):
    assert names_job(h264(invisible_v2.embed_frames(clip, JOB, KEY)), version=2)
    assert names_job(h264(invisible.embed_frames(clip, JOB, KEY)), version=1)


def test_a_mark_made_under_another_key_is_not_read(clip, delivered):
    assert read_any(delivered, OTHER_KEY) is None
    assert read_any(invisible_v3.embed_frames(clip[:4], JOB, OTHER_KEY)) is None


def test_versions_2_and_3_do_not_read_each_other(clip, delivered):
    """Their keyed values are drawn under separate domains: unrelated patterns."""
    assert invisible_v2_sync.detect_frames(delivered, KEY) is None
    assert invisible_v3.detect_frames(invisible_v2.embed_frames(clip[:4], JOB, KEY), KEY) is None
    mine, theirs = invisible_v3.tile_cells(JOB, KEY), invisible_v2.tile_cells(JOB, KEY)
    assert abs(float(np.mean(mine * theirs))) < 0.1


def test_colour_cells_span_two_by_two_tile_cells():
    cells = invisible_v3.tile_cells(JOB, KEY)
    luma, colour = cells[0], cells[1:]
    assert np.array_equal(colour, np.repeat(np.repeat(colour[:, ::2, ::2], 2, 1), 2, 2))
    assert not np.array_equal(luma, np.repeat(np.repeat(luma[::2, ::2], 2, 0), 2, 1))


def test_a_flat_sky_changes_by_at_most_one_code_value():
    sky = mark_corpus.make_clip("sky", seed=2, frames=2, width=640, height=360)
    marked = invisible_v3.embed_frames(sky, JOB, KEY)
    flat = invisible_v2.is_flat(sky[0])
    assert flat.mean() > 0.5
    change = np.abs(marked[0].astype(np.int16) - sky[0].astype(np.int16))[flat]
    assert change.max() <= 1
    assert np.sqrt(np.mean(change.astype(float) ** 2)) < 0.9
