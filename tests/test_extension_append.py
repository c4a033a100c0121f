"""An extension appends its new frames to the source's file by stream copy: every packet of the
earlier footage stays byte for byte, timestamps run on, and the marks, poster, preview and
content credentials hold for the joined file (issue 12, point 2).

A chain of three links at the tiny model's size and rate (a 5-s clip, then two 5-s extensions)
through the worker's post-processing, as a watermarked (free) user's jobs. Its frames are one
panning shot cut in three (mark_corpus) rather than the tiny model's noise, in which no
invisible mark can be read; the engine's side (the source's tail in, new frames out) is tested
on the chain's files.
"""

import io
from types import SimpleNamespace

import av
import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from generation import media, mp4_join, postprocess
from generation.engine import runner
from generation.engine.specs import get_spec
from generation.engine.types import GenerationRequest
from generation.provenance import check, credentials, invisible_v3, mark_corpus, visible

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
ROOT, FIRST, SECOND = 501, 502, 503
SPEC = get_spec("tiny")


def stamp(job_id, watermarked=True):
    return postprocess.Stamp(
        job_id=job_id,
        model="tiny",
        created_at=timezone.now(),
        watermarked=watermarked,
        mark_id=ROOT,
    )


def generate(kind, seed, **values):
    return runner.run(
        GenerationRequest(
            kind=kind, prompt="a paper boat", seed=seed, num_inference_steps=2, **values
        )
    )


def extend(source: postprocess.Source, job_id, frames, folder, watermarked=True):
    """What the worker does with an extension's new frames: the joined files."""
    folder.mkdir()
    outputs = postprocess.render_extension(stamp(job_id, watermarked), frames, source, folder)
    return SimpleNamespace(outputs=outputs)


def packets(path):
    """(bytes, pts, dts, keyframe) of every video packet, in file order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (bytes(p), p.pts, p.dts, p.is_keyframe)
            for p in container.demux(stream)
            if p.dts is not None
        ]


def logo(frames):
    """The pixels under the visible mark (top right)."""
    left, top, right, bottom = visible.mark_box(512, 288)
    return frames[..., top:bottom, left:right, :].astype(int)


def psnr(a, b) -> float:
    mse = np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-9))


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chain")
    shot = mark_corpus.make_clip("pan", seed=3, frames=121, width=512, height=288)
    video, _poster, _preview = postprocess.render_video(stamp(ROOT), shot[:41], 8)
    (folder / "source.mp4").write_bytes(video.data)
    (folder / "source-marked.mp4").write_bytes(video.marked_data)
    source = postprocess.Source(
        clean=str(folder / "source.mp4"), marked=str(folder / "source-marked.mp4")
    )
    first = extend(source, FIRST, shot[41:81], folder / "first")
    second = extend(
        postprocess.Source(clean=first.outputs[0].data, marked=first.outputs[0].marked_data),
        SECOND,
        shot[81:],
        folder / "second",
    )
    return SimpleNamespace(source=source, shot=shot, first=first, second=second)


def test_every_packet_of_earlier_links_is_byte_identical_in_the_joined_file(chain):
    final = chain.second.outputs[0]
    for original, joined in (
        (chain.source.clean, final.data),
        (chain.source.marked, final.marked_data),
        (chain.first.outputs[0].data, final.data),
        (chain.first.outputs[0].marked_data, final.marked_data),
    ):
        before, after = packets(original), packets(joined)
        assert len(after) > len(before)
        assert after[: len(before)] == before  # bytes, timestamps and keyframe flags
        # The appended segment starts with a keyframe: it decodes on its own.
        assert after[len(before)][3]


def test_the_joined_file_plays_on_with_continuous_timestamps_at_the_sources_rate(chain):
    final = chain.second.outputs[0]
    count = 41 + 40 + 40
    assert (final.frames, final.fps, final.width, final.height) == (count, 8, 512, 288)
    with av.open(final.data) as container:
        stream = container.streams.video[0]
        tick = int(1 / (stream.average_rate * stream.time_base))
        assert stream.average_rate == 8 and stream.frames == count
    listed = packets(final.data)
    assert sorted(p[1] for p in listed) == [i * tick for i in range(count)]
    dts = [p[2] for p in listed]
    assert all(a < b for a, b in zip(dts, dts[1:], strict=False))
    frames, fps = media.decode_video(final.data)
    assert frames.shape == (count, 288, 512, 3) and fps == 8
    # The first link's pixels are what they were (decoded, not re-encoded).
    assert np.array_equal(frames[:41], media.decode_video(chain.source.clean)[0])


def test_an_extension_reads_only_the_sources_last_frames_and_makes_only_new_ones(chain):
    source = chain.first.outputs[0].data
    tail, fps = media.decode_tail(source, SPEC.extend_context_frames / SPEC.fps)
    # 17 context frames at 8 fps (and one spare): not the 81 the file has.
    whole, _fps = media.decode_video(source)
    assert fps == 8 and len(tail) == 18 and np.array_equal(tail, whole[-18:])
    # Generated small (quick), brought back to the source's size and rate.
    result = generate("extend", SECOND, source_frames=tail, source_fps=fps, size=(128, 64))
    assert result.frames.shape == (40, 288, 512, 3) and result.fps == 8


def test_the_mark_names_the_chain_and_the_credentials_name_the_extension(chain):
    key = settings.PROVENANCE_KEY.encode()
    final = chain.second.outputs[0]
    for path in (final.data, final.marked_data):
        with open(path, "rb") as f:
            manifest = credentials.read(f, "video/mp4")
            assert manifest.by_this_site and manifest.job_id == SECOND
            f.seek(0)
            assert check.read_mark(check.sample_frames(f), key).job_id == ROOT
    # The appended frames carry the mark themselves (not only the footage before them).
    frames, _fps = media.decode_video(final.data)
    assert check.read_mark(frames[-40:], key).job_id == ROOT


@pytest.mark.django_db
def test_the_check_page_identifies_the_joined_file(chain):
    with open(chain.second.outputs[0].marked_data, "rb") as f:
        upload = SimpleUploadedFile("video.mp4", f.read(), "video/mp4")
    finding = check.examine(upload)
    assert finding.made_here and finding.job_id == SECOND  # the credentials name the job
    assert finding.manifest.state == "trusted" and finding.mark.job_id == ROOT


def test_the_mark_goes_on_across_the_join_as_if_the_clip_were_marked_in_one_piece():
    key = settings.PROVENANCE_KEY.encode()
    shot = mark_corpus.make_clip("pan", seed=5, frames=57, width=854, height=480)
    whole = invisible_v3.embed_frames(shot, ROOT, key)
    # What an extension sees of its source: the encoded end of the first 41 frames.
    tail = media.decode_video(media.encode_mp4(whole[:41], 8))[0][-16:]
    continued = invisible_v3.embed_frames(shot[41:], ROOT, key, after=tail)
    restarted = invisible_v3.embed_frames(shot[41:], ROOT, key)

    def added(marked):
        return (marked.astype(float) - shot[41:]).ravel()

    def similarity(a, b):
        return np.corrcoef(added(a), added(b))[0, 1]

    assert similarity(continued, whole[41:]) > 0.8
    # Started afresh, the pattern would jump by the pan so far: unrelated to the one before.
    assert abs(similarity(restarted, whole[41:])) < 0.3


def test_only_the_watermarked_variant_shows_the_visible_mark_on_the_new_frames(chain):
    final = chain.second.outputs[0]
    clean, _ = media.decode_video(final.data)
    marked, _ = media.decode_video(final.marked_data)
    for segment in (slice(0, 41), slice(41, 81), slice(81, 121)):
        assert np.abs(logo(marked[segment]) - logo(clean[segment])).mean() > 3
        assert psnr(marked[segment][:, 100:], clean[segment][:, 100:]) > 35  # below the logo


def test_poster_and_preview_show_the_start_of_the_joined_file(chain):
    video, poster, preview = chain.second.outputs
    first_frame = media.decode_video(video.data, limit=1)[0][0]
    clean_poster = np.asarray(Image.open(io.BytesIO(poster.data)))
    assert clean_poster.shape == (288, 512, 3) and psnr(clean_poster, first_frame) > 30
    marked_poster = np.asarray(Image.open(io.BytesIO(poster.marked_data)))
    assert np.abs(logo(marked_poster) - logo(clean_poster)).mean() > 3
    assert credentials.read(io.BytesIO(poster.data), "image/jpeg").job_id == SECOND
    with Image.open(io.BytesIO(preview.data)) as image:
        assert image.format == "WEBP" and image.n_frames == 3 * 8
        assert (image.width, image.height) == (preview.width, preview.height) == (320, 180)


def test_a_watermarked_extension_of_a_members_video_marks_the_source_once_re_encoded(
    chain, tmp_path
):
    # The member's source has no marked variant: the marked file is re-encoded from the clean
    # one with the visible mark; the clean file is still appended by stream copy.
    members = postprocess.Source(clean=chain.source.clean)
    made = extend(members, FIRST, chain.shot[41:81], tmp_path / "members")
    video = made.outputs[0]
    assert packets(video.data)[:41] == packets(chain.source.clean)
    clean, _ = media.decode_video(video.data)
    marked, _ = media.decode_video(video.marked_data)
    assert len(marked) == len(clean) == 81
    assert np.abs(logo(marked[:41]) - logo(clean[:41])).mean() > 3


def test_segments_encoded_differently_are_refused_by_the_joiner(tmp_path):
    frames = np.full((9, 96, 160, 3), 100, np.uint8)
    media.write_mp4(frames, 8, tmp_path / "a.mp4")
    media.write_mp4(frames[:, :64], 8, tmp_path / "b.mp4")
    media.write_mp4(frames, 12, tmp_path / "c.mp4")
    for other in ("b.mp4", "c.mp4"):
        with pytest.raises(mp4_join.Mismatch):
            mp4_join.join([tmp_path / "a.mp4", tmp_path / other], tmp_path / "out.mp4")
    assert mp4_join.join([tmp_path / "a.mp4", tmp_path / "a.mp4"], tmp_path / "out.mp4") == 18
