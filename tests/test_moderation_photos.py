"""Uploaded photos and outputs through the NudeNet detector shipped in the `nudenet` wheel.

No explicit image is kept anywhere: the portraits are drawn in code (tests/fixtures/portraits.py).
The refusal path is exercised with a staff-configured rule that a drawn portrait really trips
(NudeNet reports FACE_FEMALE on the blurred one), while old, grey, sepia and blurred portraits
pass the default rules.
"""

import numpy as np
import pytest

from billing import ledger
from generation.engine.types import GenerationResult
from generation.models import Job
from generation.moderation import photos, screening
from generation.moderation.models import Flag, PhotoRule
from tests.fixtures.portraits import blurred, faded, grey, png, portrait, sepia
from tests.gen_helpers import held_refs
from tests.moderation_helpers import i2v_data, submit, upload

pytestmark = pytest.mark.django_db

FAMILY_PHOTOS = {
    "colour": lambda: portrait(),
    "grey": lambda: grey(portrait()),
    "sepia": lambda: sepia(portrait()),
    "blurred": lambda: blurred(portrait()),
    "faded old print": lambda: faded(portrait()),
    "blurred grey": lambda: blurred(grey(portrait())),
    "short hair, colour": lambda: portrait(long_hair=False),
    "short hair, sepia blurred": lambda: blurred(sepia(portrait(long_hair=False))),
}


def test_the_detector_runs_on_a_drawn_portrait():
    found = photos.detect(blurred(portrait()))
    assert any(d["class"] == "FACE_FEMALE" and d["score"] > 0.6 for d in found), found


@pytest.mark.parametrize("name", FAMILY_PHOTOS)
def test_old_grey_and_blurred_portraits_pass_the_default_rules(name):
    assert PhotoRule.objects.filter(active=True).exists()  # the seeded defaults
    image = FAMILY_PHOTOS[name]()
    assert screening.screen_photos({"input_image": image}) is None


def test_an_old_family_photo_is_brought_to_life(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        submit(client, i2v_data(), {"image": upload("grandma.png", png(faded(portrait())))})
    assert Job.objects.get(user=user).status == Job.Status.QUEUED


def test_a_detector_hit_is_refused_with_a_clear_message_and_holds_nothing(client, user):
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5)
    before = ledger.balance(user)
    submit(client, i2v_data(), {"image": upload("photo.png", png(blurred(portrait())))})
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    assert held_refs(user) == [] and ledger.balance(user) == before
    assert job.error_message.startswith("Your photo was refused: it matches our rules on nudity.")
    flag = job.flags.get()
    assert (flag.kind, flag.field, flag.layer, flag.rule) == (
        "upload",
        "input_image",
        "photo",
        "FACE_FEMALE",
    )
    assert 0.5 <= flag.score <= 1


def test_a_score_between_the_thresholds_holds_the_photo_for_review(
    client, user, django_capture_on_commit_callbacks
):
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.99, review_at=0.5)
    with django_capture_on_commit_callbacks() as callbacks:
        submit(client, i2v_data(), {"image": upload("photo.png", png(blurred(portrait())))})
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REVIEW and callbacks == []
    assert held_refs(user) == [job.ledger_ref]
    assert job.flags.get().kind == Flag.Kind.UPLOAD


def test_an_inactive_rule_does_not_refuse(client, user, django_capture_on_commit_callbacks):
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5, active=False)
    with django_capture_on_commit_callbacks():
        submit(client, i2v_data(), {"image": upload("photo.png", png(blurred(portrait())))})
    assert Job.objects.get(user=user).status == Job.Status.QUEUED


def test_output_screening_samples_frames_across_the_clip():
    frames = np.arange(121)
    sample = photos.sample_frames(frames, 8)
    assert len(sample) == 8 and sample[0] == 0 and sample[-1] == 120
    assert photos.sample_frames(frames[:5], 8) == list(range(5))


def test_a_flagged_frame_late_in_a_video_holds_the_output():
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.9, review_at=0.5)
    plain = np.full((600, 480, 3), 128, np.uint8)
    frames = np.stack([plain] * 40 + [np.asarray(blurred(portrait()))])
    hit = screening.screen_result(GenerationResult(frames=frames, fps=8))
    assert (hit.outcome, hit.layer, hit.field, hit.rule) == (
        "review",
        "output",
        "output",
        "FACE_FEMALE",
    )
    # Even a score past the refusal threshold only holds an output: a person decides.
    PhotoRule.objects.filter(detector_class="FACE_FEMALE").update(refuse_at=0.5)
    assert screening.screen_result(GenerationResult(frames=frames, fps=8)).outcome == "review"


def test_every_picture_is_screened():
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.9, review_at=0.5)
    plain = portrait()  # no detection
    result = GenerationResult(frames=None, fps=None, images=[plain, plain, blurred(portrait())])
    assert screening.screen_result(result).rule == "FACE_FEMALE"
    assert screening.screen_result(GenerationResult(None, None, [plain, plain])) is None
