"""The public check page: made here (and which evidence says so), or no mark found; with size
and rate limits, and no upload kept."""

import io
from fractions import Fraction

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image

from generation.media import decode_video, encode_mp4
from generation.provenance import mark_corpus
from tests.provenance_helpers import finished_job, moving_clip

pytestmark = pytest.mark.django_db
CHECK = reverse("generation:check")


def stored(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def reencode(data: bytes, *, width: int, height: int, crf: int = 23) -> bytes:
    """Decode an MP4 and encode it again with PyAV, smaller and at another quality."""
    out = io.BytesIO()
    with av.open(io.BytesIO(data)) as source, av.open(out, "w", format="mp4") as target:
        stream = target.add_stream("libx264", rate=Fraction(8))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "fast"}
        for frame in source.decode(video=0):
            resized = frame.reformat(width=width, height=height, format="yuv420p")
            resized.pts = None
            target.mux(stream.encode(resized))
        target.mux(stream.encode())
    return out.getvalue()


def check(client, data: bytes, name: str = "clip.mp4", content_type="video/mp4"):
    return client.post(CHECK, {"file": SimpleUploadedFile(name, data, content_type)})


def text(response) -> str:
    """The page with runs of whitespace as single spaces."""
    return " ".join(response.content.decode().split())


def made_here_line(job) -> str:
    day = date_format(timezone.localtime(job.created_at), "DATE_FORMAT")
    return f"Made here: job {job.pk} on {day}, AI-generated."


@pytest.fixture
def shared_clip(alice):
    """A free user's watermarked video (a 480p camera pan), as they would download and post it."""
    frames = mark_corpus.make_clip("pan", seed=1, frames=24, width=854, height=480)
    job = finished_job(alice, watermarked=True, frames=frames)
    return job, stored(job.assets.get(kind="video").marked_file)


def test_a_re_encoded_clip_is_identified_by_its_invisible_mark(client, shared_clip):
    job, data = shared_clip
    copy = reencode(data, width=640, height=360)
    assert decode_video(copy)[0].shape[1:3] == (360, 640)
    response = check(client, copy)  # no login needed
    html = text(response)
    assert response.status_code == 200
    assert made_here_line(job) in html
    assert f"found; it names job {job.pk}" in html
    assert "Content credentials (C2PA): none in this file." in html  # re-encoding dropped them


def test_the_original_file_matches_on_both_witnesses(client, shared_clip):
    job, data = shared_clip
    html = text(check(client, data))
    assert made_here_line(job) in html
    assert f"signed by this site and intact; they name job {job.pk}" in html
    assert f"found; it names job {job.pk}" in html


def test_an_unrelated_clip_has_no_mark(client, alice):
    finished_job(alice, watermarked=True, frames=moving_clip(count=24, width=640, height=360))
    unrelated = encode_mp4(moving_clip(count=24, width=640, height=360, seed=5)[:, ::-1], 8)
    html = text(check(client, reencode(unrelated, width=480, height=270)))
    assert "No mark found." in html
    assert "Made here" not in html
    assert 'data-made-here="no"' in html


def test_a_picture_is_checked_too(client, alice):
    frame = moving_clip(count=1, width=512, height=288)[0]
    job = finished_job(alice, watermarked=False, images=[Image.fromarray(frame)])
    data = stored(job.assets.get(kind="picture").file)
    html = text(check(client, data, "picture.png", "image/png"))
    assert made_here_line(job) in html
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame[::-1])).save(buffer, format="JPEG")
    html = text(check(client, buffer.getvalue(), "other.jpg", "image/jpeg"))
    assert "No mark found." in html


def test_no_upload_is_kept(client, settings, tmp_path, shared_clip):
    _job, data = shared_clip
    # Force Django to spool the upload to a temporary file, in a folder we can watch.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    media_before = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    assert check(client, data).status_code == 200
    assert list((tmp_path / "uploads").iterdir()) == []
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == media_before


def test_a_file_over_the_size_limit_is_refused_unread(client, settings):
    settings.CHECK_MAX_UPLOAD_MB = 1
    response = check(client, b"\x00" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()


def test_checks_are_rate_limited_per_address(client, settings):
    settings.CHECK_RATE_PER_HOUR = 2
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 30, 40)).save(picture, format="PNG")
    for _ in range(2):
        assert check(client, picture.getvalue(), "a.png", "image/png").status_code == 200
    response = check(client, picture.getvalue(), "a.png", "image/png")
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()
    other = client.post(
        CHECK, {"file": SimpleUploadedFile("a.png", picture.getvalue())}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200


def test_something_that_is_not_media_is_refused_with_a_reason(client):
    response = check(client, b"%PDF-1.7 not a video", "doc.pdf", "application/pdf")
    assert response.status_code == 400
    assert "not a video" in response.content.decode()


def test_the_page_is_public_and_linked_in_the_footer(client):
    assert client.get(CHECK).status_code == 200
    assert f'href="{CHECK}"' in client.get(reverse("home")).content.decode()


def test_a_webm_copy_is_checked_too(client, shared_clip):
    job, data = shared_clip
    frames, _fps = decode_video(data)
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as target:
        stream = target.add_stream("libvpx-vp9", rate=Fraction(8))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        stream.options = {"crf": "32", "b": "0"}
        for frame in frames:
            target.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        target.mux(stream.encode())
    html = text(check(client, out.getvalue(), "clip.webm", "video/webm"))
    assert made_here_line(job) in html
    assert "Content credentials (C2PA): none in this file." in html


def test_a_mark_whose_job_row_is_gone_names_the_job_without_a_date(client, alice):
    frame = mark_corpus.make_clip("portrait", seed=2, frames=1, width=640, height=640)[0]
    job = finished_job(alice, watermarked=False, images=[Image.fromarray(frame)])
    picture = Image.open(io.BytesIO(stored(job.assets.get(kind="picture").file)))
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=90)  # no manifest left
    job_id = job.pk
    job.delete()
    html = text(check(client, buffer.getvalue(), "copy.jpg", "image/jpeg"))
    assert f"Made here: job {job_id}, AI-generated." in html
    assert "its date is unknown" in html
    assert " on , " not in html


def test_the_animated_preview_of_a_textured_clip_is_identified(client, shared_clip):
    job, _data = shared_clip
    preview = stored(job.assets.get(kind="preview").file)
    html = text(check(client, preview, "preview.webp", "image/webp"))
    assert made_here_line(job) in html


def test_a_preview_sized_file_without_a_mark_says_what_the_check_cannot_tell(client):
    buffer = io.BytesIO()
    Image.fromarray(moving_clip(count=1, width=320, height=180)[0]).save(buffer, format="PNG")
    html = text(check(client, buffer.getvalue(), "thumb.png", "image/png"))
    assert "No mark found." in html
    assert "Previews, thumbnails and other small copies often lose the invisible mark" in html
    big = io.BytesIO()
    Image.fromarray(moving_clip(count=1, width=640, height=360)[0]).save(big, format="PNG")
    html = text(check(client, big.getvalue(), "still.png", "image/png"))
    assert "No mark found." in html and "small copies" not in html


def test_a_camera_jpeg_with_a_second_view_of_another_size_is_checked(client):
    buffer = io.BytesIO()
    views = [
        Image.fromarray(moving_clip(count=1, width=w, height=h)[0])
        for w, h in ((640, 360), (160, 90))
    ]
    views[0].save(buffer, format="MPO", save_all=True, append_images=views[1:])
    response = check(client, buffer.getvalue(), "camera.jpg", "image/jpeg")
    assert response.status_code == 200
    assert "No mark found." in text(response)
