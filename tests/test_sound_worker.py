"""A video with sound end to end on the tiny model: the create form, a real broker and worker
(LTX-2's classes, tiny); the MP4 has an AAC stream as long as the clip in both variants, the
content credentials are signed over the file with its audio, and the points (video plus sound)
are held then captured."""

import json
import shutil
import subprocess
import tempfile

import av
import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation import soundtrack
from generation.engine.specs import get_spec
from generation.models import Asset, Job
from tests.conftest import module_worker, wait_for
from tests.gen_helpers import give_points, t2v_data
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")
AAC_FRAME_S = 1024 / 24000  # AAC ends on a whole frame of 1024 samples


worker = module_worker(GENERATION_STEPS="text_to_video=2")


def streams_of(data: bytes) -> dict:
    """Per stream type: codec, seconds (decoded), frames or samples and rate."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        with av.open(f.name) as container:
            video = container.streams.video[0]
            frames = sum(1 for _frame in container.decode(video))
            fps = float(video.average_rate)
            codecs = {s.type: s.codec_context.name for s in container.streams}
        sound = soundtrack.decode(f.name)
        probed = _ffprobe(f.name)
    return {
        "codecs": codecs,
        "frames": frames,
        "fps": fps,
        "audio_seconds": sound.seconds if sound else None,
        "audio_channels": sound.samples.shape[0] if sound else None,
        "audio_rate": sound.rate if sound else None,
        "audio_peak": float(abs(sound.samples).max()) if sound else None,
        "ffprobe": probed,
    }


def _ffprobe(path: str) -> dict | None:
    """ffprobe's codec per stream type, where ffprobe is installed (a second opinion)."""
    if shutil.which("ffprobe") is None:
        return None
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


def test_a_video_with_sound_has_an_aac_track_as_long_as_the_clip(client, alice, worker):
    client.force_login(alice)
    client.get(CREATE)  # the day's daily points come before we measure
    give_points(alice, 100)
    before = ledger.balance(alice)
    response = client.post(CREATE, t2v_data(prompt="rain on a tin roof, a dog barks", sound="on"))
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=alice)
    assert job.params["sound"] is True
    hold = Hold.objects.get(ref=job.ledger_ref)
    assert hold.status == Hold.Status.HELD and hold.amount == 150  # 10 + 5 points for sound
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=600,
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    frames, fps = get_spec("tiny").frames_for(5)  # 41 frames at 8 fps: 5.125 s
    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    variants = [(asset.file, False)] + ([(asset.marked_file, True)] if job.watermarked else [])
    for stored, marked in variants:
        with stored.open("rb") as f:
            data = f.read()
        found = streams_of(data)
        assert found["codecs"] == {"video": "h264", "audio": "aac"}
        assert (found["frames"], round(found["fps"])) == (frames, fps)
        assert found["audio_rate"] == 24000 and found["audio_channels"] == 2
        assert found["audio_seconds"] == pytest.approx(frames / fps, abs=AAC_FRAME_S)
        assert found["audio_peak"] > 0  # the vocoder's output, not silence
        if found["ffprobe"] is not None:
            assert found["ffprobe"]["audio"]["codec_name"] == "aac"
            audio_s = float(found["ffprobe"]["audio"]["duration"])
            assert audio_s == pytest.approx(frames / fps, abs=2 * AAC_FRAME_S)
        # Signed over the final file, audio included (any byte changed would fail it).
        assert_names_the_job(data, "video/mp4", job, visible_mark=marked)
    # The preview stays a silent WebP; the poster a JPEG.
    assert job.assets.get(kind=Asset.Kind.PREVIEW).file.name.endswith(".webp")
    assert asset.frames == frames

    assert ledger.balance(alice) == before - 150
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(alice).ok
