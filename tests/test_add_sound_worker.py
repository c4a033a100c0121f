"""Sound added to a silent video end to end on the tiny model: the create form, a real broker and
worker (LTX-2's classes, tiny, as LTX2ConditionPipeline); the result's MP4 has an AAC stream as
long as the source, its frames are the source's (its video packets copied), in both variants,
the content credentials are signed over the file with its audio, and the points are held then
captured."""

import av
import numpy as np
import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation import media
from generation.models import Asset, Job
from tests.conftest import module_worker, wait_for
from tests.gen_helpers import give_points
from tests.provenance_helpers import finished_job, moving_clip
from tests.test_add_sound_submit import sound_data
from tests.test_content_credentials import assert_names_the_job
from tests.test_sound_worker import AAC_FRAME_S, streams_of

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")


# Added sound runs text to video's weights, so it takes text to video's steps.
worker = module_worker(GENERATION_STEPS="text_to_video=2")


def video_packets(data: bytes) -> list[bytes]:
    import io

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return [bytes(p) for p in container.demux(stream) if p.dts is not None]


def test_sound_added_to_a_silent_video_is_an_aac_track_as_long_as_it(client, alice, worker):
    client.force_login(alice)
    client.get(CREATE)  # the day's daily points come before we measure
    give_points(alice, 100)
    source = finished_job(alice, watermarked=True, frames=moving_clip(37, 128, 96))  # 4.625 s
    source_video = source.video
    before = ledger.balance(alice)

    response = client.post(CREATE, sound_data(source, prompt="rain on a tin roof, thunder"))
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=alice, kind=Job.Kind.ADD_SOUND)
    hold = Hold.objects.get(ref=job.ledger_ref)
    assert hold.status == Hold.Status.HELD and hold.amount == 50  # 5 s billed: 5 points
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=600,
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    assert (asset.frames, asset.fps, asset.width, asset.height) == (37, 8, 128, 96)
    variants = [(asset.file, source_video.file, False)]
    variants.append((asset.marked_file, source_video.marked_file, True))
    for stored, original, marked in variants:
        with stored.open("rb") as f:
            data = f.read()
        with original.open("rb") as f:
            original_data = f.read()
        found = streams_of(data)
        assert found["codecs"] == {"video": "h264", "audio": "aac"}
        assert (found["frames"], round(found["fps"])) == (37, 8)
        assert found["audio_rate"] == 24000 and found["audio_channels"] == 2
        assert found["audio_seconds"] == pytest.approx(37 / 8, abs=AAC_FRAME_S)
        assert found["audio_peak"] > 0  # the vocoder's output, not silence
        if found["ffprobe"] is not None:
            assert found["ffprobe"]["audio"]["codec_name"] == "aac"
            audio_s = float(found["ffprobe"]["audio"]["duration"])
            assert audio_s == pytest.approx(37 / 8, abs=2 * AAC_FRAME_S)
        # The source's frames, untouched: its packets copied, so decoded identically.
        assert video_packets(data) == video_packets(original_data)
        assert np.array_equal(media.decode_video(data)[0], media.decode_video(original_data)[0])
        # Signed over the final file, audio included (any byte changed would fail it).
        assert_names_the_job(data, "video/mp4", job, visible_mark=marked)
    assert job.assets.get(kind=Asset.Kind.PREVIEW).file.name.endswith(".webp")

    assert ledger.balance(alice) == before - 50
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(alice).ok
    # The video now has sound: it is offered neither for sound again nor for extension.
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "?add_sound=" not in page and "?extend=" not in page
