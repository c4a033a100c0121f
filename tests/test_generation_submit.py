"""Submitting a job: clear refusals that hold nothing, a price shown before paying, owners only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from generation import eta, services
from generation.models import Job
from tests.conftest import make_user
from tests.gen_helpers import give_points, held_refs, png_bytes, t2v_data

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")


def submit(client, data, files=None):
    return client.post(CREATE, {**data, **(files or {})})


def test_submit_holds_the_price_and_queues_the_job(
    client, user, django_capture_on_commit_callbacks
):
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = submit(client, t2v_data())
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("generation:job", args=[job.pk])
    assert job.status == Job.Status.QUEUED
    assert job.points_held == 100
    assert ledger.balance(user) == before - 100
    assert held_refs(user) == [job.ledger_ref]
    assert len(callbacks) == 1  # enqueued only once the transaction commits
    assert isinstance(job.params["seed"], int)


def test_the_seed_given_is_the_seed_used(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data(seed="1234"))
    assert Job.objects.get().params["seed"] == 1234


def refused(client, user, data, files=None):
    """Submit, expect the form back with an error, and prove nothing was held or created."""
    before = ledger.balance(user)
    response = submit(client, data, files)
    assert response.status_code == 200
    assert not Job.objects.filter(user=user).exists()
    assert held_refs(user) == []
    assert ledger.balance(user) == before
    return response.context["form"].errors


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_that_is_not_an_image_is_refused(client, user):
    errors = refused(
        client,
        user,
        t2v_data(kind="image_to_video"),
        {"image": upload("notes.txt", b"just some text", "text/plain")},
    )
    assert errors["image"] == ["This file is not a JPEG, PNG or WebP picture."]


def test_a_png_that_is_html_inside_is_refused(client, user):
    errors = refused(
        client,
        user,
        t2v_data(kind="image_to_video"),
        {"image": upload("cat.png", b"<html><script>alert(1)</script></html>")},
    )
    assert errors["image"] == ["This file is not a JPEG, PNG or WebP picture."]


def test_a_truncated_png_is_refused(client, user):
    data = png_bytes(size=(400, 300))
    errors = refused(
        client,
        user,
        t2v_data(kind="image_to_video"),
        {"image": upload("cut.png", data[: len(data) // 2])},
    )
    assert errors["image"] == ["The photo is damaged or incomplete; please upload it again."]


def test_a_30000_by_30000_image_is_refused_before_decoding(client, user):
    import struct
    import zlib

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    # A valid PNG header claiming 30000×30000 pixels: only the header is ever read.
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )
    errors = refused(
        client, user, t2v_data(kind="image_to_video"), {"image": upload("big.png", bomb)}
    )
    assert errors["image"] == [
        "The photo has more than 25 megapixels; please upload a smaller one."
    ]


def test_a_photo_over_10_mb_is_refused(client, user):
    errors = refused(
        client,
        user,
        t2v_data(kind="image_to_video"),
        {"image": upload("huge.jpg", b"\xff" * (10 * 1024 * 1024 + 1), "image/jpeg")},
    )
    assert "the limit is 10 MB" in errors["image"][0]


def test_a_prompt_over_2500_characters_is_refused(client, user):
    errors = refused(client, user, t2v_data(prompt="x" * 2501))
    assert "at most 2500 characters" in errors["prompt"][0]


def test_an_empty_prompt_is_refused_for_text_to_video(client, user):
    errors = refused(client, user, t2v_data(prompt="   "))
    assert errors["prompt"] == ["Describe what you want to see."]


def test_a_bad_aspect_ratio_is_refused(client, user):
    errors = refused(client, user, t2v_data(aspect_ratio="4:3"))
    assert "not one of the available choices" in errors["aspect_ratio"][0]


def test_professional_mode_is_locked_on_the_free_plan(client, user):
    errors = refused(client, user, t2v_data(mode="professional"))
    # The tiny spec's professional videos are 1080p at 30 fps: the message says so.
    assert errors["mode"] == [
        "Professional mode (1080p at 30 fps) comes with Standard and higher plans."
    ]


def test_camera_movement_is_locked_on_the_free_plan(client, user):
    errors = refused(client, user, t2v_data(camera_movement="zoom_in"))
    # The tiers say Pro (Standard has no camera movement): so does the message.
    assert errors["camera_movement"] == ["Camera movement comes with Pro and higher plans."]


def test_extending_another_users_video_is_refused(client, user, bob):
    bobs = Job.objects.create(
        user=bob,
        kind="text_to_video",
        status="succeeded",
        params={},
        model_spec="tiny",
        points_held=100,
    )
    errors = refused(client, user, t2v_data(kind="extend", source_job=str(bobs.pk)))
    assert errors["source_job"] == ["That video is not one of your finished videos."]


def test_not_enough_points_is_said_plainly(client):
    zoe = make_user("zoe@example.com", verified=False)  # unverified: no daily points
    client.force_login(zoe)
    give_points(zoe, 15)
    errors = refused(client, zoe, t2v_data(duration_s="10"))
    assert errors["__all__"] == ["Not enough points: this job costs 20 points and you have 15."]
    page = client.post(CREATE, t2v_data(duration_s="10")).content.decode()
    assert 'data-testid="buy-points"' in page and "/pricing/#packs" in page


def test_free_plan_runs_one_job_at_a_time(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data())
    before = ledger.balance(user)
    response = submit(client, t2v_data())
    assert Job.objects.count() == 1
    assert ledger.balance(user) == before
    assert "your plan allows 1 at a time" in str(response.context["form"].errors["__all__"])


def test_price_updates_from_the_options(client, user):
    price = reverse("generation:price")
    assert client.get(price, t2v_data()).content == b"10"
    assert client.get(price, t2v_data(duration_s="10")).content == b"20"
    assert client.get(price, t2v_data(mode="professional")).content == b"35"
    assert client.get(price, t2v_data(kind="text_to_picture", num_images="3")).content == b"0.6"
    assert client.get(price, t2v_data(kind="extend", duration_s="10")).content == b"10"


def test_create_page_shows_the_price_and_locked_options(client, user):
    html = client.get(CREATE).content.decode()
    assert '<strong id="price">10</strong>' in html
    # Each mode says what it makes; the locked one names the plan that unlocks its video.
    assert "Professional mode (1080p at 30 fps) comes with Standard and higher plans." in html
    assert "288p · 8 fps" in html and "1080p · 30 fps" in html
    assert "Camera movement comes with Pro and higher plans." in html
    assert "Extending videos comes with Standard and higher plans." in html
    # The Extend tab offers the way to a plan instead of a Generate button that can only fail.
    locked_tools = "not-for-extend not-for-storyboard not-for-references"
    assert f'class="btn big {locked_tools}" id="generate"' in html
    assert 'data-testid="extend-see-plans"' in html


def test_another_user_gets_404_for_every_job_page(client, alice, bob):
    job = Job.objects.create(
        user=alice, kind="text_to_video", params={}, model_spec="tiny", points_held=100
    )
    client.force_login(bob)
    for name in ("job", "job_status"):
        assert client.get(reverse(f"generation:{name}", args=[job.pk])).status_code == 404
    for name in ("cancel", "delete"):
        assert client.post(reverse(f"generation:{name}", args=[job.pk])).status_code == 404
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED


def test_a_deleted_job_or_an_id_past_the_column_gets_404_not_500(client, alice):
    job = Job.objects.create(
        user=alice, kind="text_to_video", params={}, model_spec="tiny", points_held=100
    )
    client.force_login(alice)
    assert client.get(reverse("generation:job_status", args=[job.pk])).status_code == 200
    for too_long in (2**63, 10**30):
        for path in (f"/jobs/{too_long}/", f"/jobs/{too_long}/status/"):
            assert client.get(path).status_code == 404
        assert client.get(f"/create/?from={too_long}").status_code in (400, 404)
    Job.objects.filter(pk=job.pk).update(deleted_at=timezone.now())
    for name in ("job", "job_status"):
        assert client.get(reverse(f"generation:{name}", args=[job.pk])).status_code == 404


def test_cancel_while_queued_releases_the_points(client, user, django_capture_on_commit_callbacks):
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data())
    job = Job.objects.get()
    client.post(reverse("generation:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
    assert ledger.balance(user) == before
    assert ledger.audit_wallet(user).ok


def make_job(user, status=Job.Status.QUEUED, **fields):
    fields = {"params": {"seed": 1}, "model_spec": "tiny", **fields}
    job = Job.objects.create(
        user=user, kind="text_to_video", points_held=100, status=status, **fields
    )
    ledger.hold(user, 100, job.ledger_ref)
    return job


def test_failed_job_refunds_points(alice):
    give_points(alice, 10)
    job = make_job(alice)
    assert services.claim(job.pk, "w1") is not None
    assert services.fail(job.pk, "boom")
    assert ledger.balance(alice) == 100
    job.refresh_from_db()
    assert (job.status, job.error_message) == (Job.Status.FAILED, "boom")


def test_a_duplicate_delivery_does_not_claim_a_live_job(alice):
    give_points(alice, 10)
    job = make_job(alice)
    assert services.claim(job.pk, "w1") is not None
    assert services.claim(job.pk, "w2") is None
    job.refresh_from_db()
    assert (job.worker, job.attempts) == ("w1", 1)


def test_a_job_whose_worker_went_silent_is_claimed_again_then_failed_after_two_attempts(
    alice, settings
):
    from datetime import timedelta

    from django.utils import timezone

    give_points(alice, 10)
    job = make_job(alice)
    silent = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    assert services.claim(job.pk, "w1")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    assert services.claim(job.pk, "w2").attempts == 2
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    assert services.claim(job.pk, "w3") is None
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert ledger.balance(alice) == 100


def test_success_captures_the_points_once(alice):
    give_points(alice, 10)
    job = make_job(alice)
    services.claim(job.pk, "w1")
    assert services.succeed(job.pk, lambda j: None)
    assert not services.succeed(job.pk, lambda j: None)
    assert ledger.balance(alice) == 0
    assert ledger.audit_wallet(alice).ok


def test_a_canceled_job_cannot_succeed_afterwards(alice):
    give_points(alice, 10)
    job = make_job(alice)
    services.claim(job.pk, "w1")
    services.cancel(job)
    assert not services.succeed(job.pk, lambda j: None)
    assert ledger.balance(alice) == 100


def test_sweep_fails_and_refunds_jobs_stuck_running(alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    give_points(alice, 10)
    job = make_job(alice)
    services.claim(job.pk, "w1")
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_LONGEST_HARD_LIMIT + 60)
    Job.objects.filter(pk=job.pk).update(started_at=long_ago, heartbeat_at=long_ago)
    assert services.sweep_stuck_jobs() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert ledger.balance(alice) == 100


def test_queue_position_puts_members_first(alice, bob):
    first = Job.objects.create(
        user=alice, kind="text_to_video", params={}, model_spec="tiny", points_held=1
    )
    member = Job.objects.create(
        user=bob, kind="text_to_video", params={}, model_spec="tiny", points_held=1, priority=True
    )
    assert eta.queue_position(member) == 0
    assert eta.queue_position(first) == 1


def test_members_jobs_go_to_the_priority_queue(
    client, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from generation.tasks import run_job
    from tests.conftest import tier

    sent = []
    monkeypatch.setattr(
        run_job, "apply_async", lambda args, queue, **limits: sent.append((args, queue))
    )
    client.force_login(alice)
    client.get(CREATE)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, t2v_data())
    free_job = Job.objects.get()
    services.cancel(free_job)
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Membership

    Membership.objects.create(
        user=alice,
        tier=tier("standard"),
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, t2v_data())
    member_job = Job.objects.exclude(pk=free_job.pk).get()
    assert sent == [((free_job.pk,), "gpu"), ((member_job.pk,), "gpu-priority")]
    assert member_job.priority and not free_job.priority


def test_the_status_line_shows_queue_position_and_an_eta(client, alice, bob):
    Job.objects.create(user=bob, kind="text_to_video", params={}, model_spec="tiny", points_held=1)
    mine = Job.objects.create(
        user=alice, kind="text_to_video", params={}, model_spec="tiny", points_held=1
    )
    client.force_login(alice)
    html = client.get(reverse("generation:job_status", args=[mine.pk])).content.decode()
    assert "1 job ahead of yours" in html
    assert "done in about" in html
    # Nothing measured yet: 60 s per job, so about 2 min left; it asks again in 6 s.
    assert 'hx-trigger="every 6s"' in html


def test_each_job_is_sent_with_its_own_time_limits(alice, monkeypatch, settings):
    from generation.engine.specs import get_spec
    from generation.tasks import run_job

    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **kw: sent.append(kw))
    give_points(alice, 100)
    short = make_job(alice, model_spec="wan2.1", params={"seed": 1, "duration_s": 5})
    long = make_job(
        alice,
        model_spec="wan2.1",
        params={"seed": 1, "duration_s": 10, "mode": "professional"},
    )
    services.enqueue(short)
    services.enqueue(long)
    wan = get_spec("wan2.1")
    assert sent[0]["soft_time_limit"] == wan.time_limit("text_to_video", "standard", 5)
    assert sent[1]["soft_time_limit"] == wan.time_limit("text_to_video", "professional", 10)
    assert sent[1]["soft_time_limit"] > 1800  # what one flat limit for every job used to be
    assert all(kw["time_limit"] == kw["soft_time_limit"] + settings.JOB_KILL_GRACE for kw in sent)
    settings.JOB_SOFT_TIME_LIMIT = 900
    services.enqueue(long)
    assert sent[2]["soft_time_limit"] == 900


def test_sweep_waits_out_each_jobs_own_limit(alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    give_points(alice, 100)
    short = make_job(alice, model_spec="wan2.1", params={"seed": 1, "duration_s": 5})
    long = make_job(
        alice, model_spec="wan2.1", params={"seed": 1, "duration_s": 10, "mode": "professional"}
    )
    for job in (short, long):
        services.claim(job.pk, "w1")
    # Both started an hour ago and still beat: the 480P job is long past its limit, the 10-s
    # 720P one on the 14B model is not.
    hour_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk__in=[short.pk, long.pk]).update(started_at=hour_ago)
    assert services.sweep_stuck_jobs() == 1
    short.refresh_from_db()
    long.refresh_from_db()
    assert (short.status, long.status) == (Job.Status.FAILED, Job.Status.RUNNING)


def test_a_camera_jpeg_with_mpf_data_is_accepted_as_its_first_frame(
    client, user, django_capture_on_commit_callbacks
):
    import io

    from PIL import Image

    buf = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), (200, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 200))
    first.save(buf, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buf.getvalue())).format == "MPO"
    with django_capture_on_commit_callbacks():
        response = submit(
            client,
            t2v_data(kind="image_to_video"),
            {"image": upload("camera.jpg", buf.getvalue(), "image/jpeg")},
        )
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get()
    with job.input_image.open("rb") as f:
        stored = Image.open(f)
        assert (stored.format, stored.size) == ("PNG", (64, 48))
        red, _green, blue = stored.convert("RGB").getpixel((32, 24))
    assert red > 150 and blue < 50  # the first frame, not the second


HOSTILE = ["abc", "9999", "-5", "0", "1.5", "nan", "inf", "1e309", "", "\x00", "²"]
HOSTILE.append("99999999999999999999")
CREATE_FIELDS = [
    "kind",
    "prompt",
    "negative_prompt",
    "aspect_ratio",
    "duration_s",
    "mode",
    "creativity",
    "seed",
    "camera_movement",
    "image",
    "end_image",
    "source_job",
    "num_images",
]


def test_hostile_values_in_any_create_field_answer_form_errors_never_500(client, user):
    price = reverse("generation:price")
    for kind in ("text_to_video", "extend", "text_to_picture"):
        for field in CREATE_FIELDS:
            for value in HOSTILE:
                data = {**t2v_data(kind=kind), field: value}
                response = client.get(price, data)
                assert response.status_code == 200, (kind, field, value)
                assert response.content in (b"", b"10", b"20", b"0.2"), (kind, field, value)
                response = submit(client, data)
                assert response.status_code in (200, 302), (kind, field, value)
                for job in Job.objects.filter(user=user, status=Job.Status.QUEUED):
                    services.cancel(job)
    for value in HOSTILE:
        for param in ("from", "extend", "kind"):
            response = client.get(CREATE, {param: value})
            assert response.status_code in (200, 400, 404), (param, value)


def test_an_out_of_range_duration_has_no_price_and_is_a_form_error(client, user):
    price = reverse("generation:price")
    for duration in ("9999", "-5"):
        assert client.get(price, t2v_data(duration_s=duration)).content == b""
        errors = refused(client, user, t2v_data(duration_s=duration))
        assert "not one of the available choices" in errors["duration_s"][0]
    assert client.get(CREATE, {"from": "abc"}).status_code == 400


def test_sweep_sends_a_silent_job_back_to_the_queue_once_then_refunds_it(
    alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from generation.tasks import run_job

    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **kw: sent.append(args))
    give_points(alice, 10)
    job = make_job(alice)
    services.claim(job.pk, "w1")
    silent = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stuck_jobs() == 1
        assert services.sweep_stuck_jobs() == 0  # idempotent
    job.refresh_from_db()
    assert (job.status, job.attempts, sent) == (Job.Status.QUEUED, 1, [(job.pk,)])
    assert services.claim(job.pk, "w2").attempts == 2
    assert services.claim(job.pk, "w3") is None  # the old message, delivered late
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stuck_jobs() == 1
    job.refresh_from_db()
    assert (job.status, len(sent)) == (Job.Status.FAILED, 1)
    assert "stopped twice" in job.error_message
    assert ledger.balance(alice) == 100


def test_a_job_submitted_while_the_broker_is_down_is_kept_and_sent_by_the_sweep(
    client, user, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.contrib.messages import get_messages
    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from generation.tasks import run_job

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", broker_down)
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, t2v_data())
    job = Job.objects.get()
    assert response.status_code == 302  # not a 500
    assert "will start within a couple of minutes" in str(list(get_messages(response.wsgi_request)))
    assert (job.status, job.enqueued_at) == (Job.Status.QUEUED, None)
    assert held_refs(user) == [job.ledger_ref]
    assert ledger.balance(user) == before - 100
    # The broker is back: the sweep sends the job once it has waited past the grace, once.
    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **kw: sent.append(args))
    assert services.sweep_stuck_jobs() == 0  # too soon: its own send may still be under way
    later = timezone.now() + services.UNSENT_GRACE + timedelta(seconds=1)
    assert services.sweep_stuck_jobs(now=later) == 1
    assert services.sweep_stuck_jobs(now=later) == 0
    job.refresh_from_db()
    assert sent == [(job.pk,)] and job.enqueued_at is not None
    assert services.claim(job.pk, "w1") is not None
    assert services.claim(job.pk, "w2") is None


def media_files() -> set[str]:
    from django.conf import settings

    root = settings.MEDIA_ROOT
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def test_a_refused_submission_leaves_no_uploaded_photo_in_storage(client, settings):
    settings.JOB_SUBMIT_RATE = "4/d"  # a day's window: the test never straddles two
    zoe = make_user("zoe@example.com", verified=False)  # unverified: no daily points
    client.force_login(zoe)
    give_points(zoe, 5)
    before = media_files()

    def photo():
        return {"image": upload("old.png", png_bytes(size=(320, 240)))}

    i2v = t2v_data(kind="image_to_video")
    # Not enough points: refused once the job row and its photo were written, then rolled back.
    assert "Not enough points" in str(refused(client, zoe, i2v, photo()))
    assert media_files() == before
    # A locked option.
    assert "mode" in refused(client, zoe, {**i2v, "mode": "professional"}, photo())
    assert media_files() == before
    # One job at a time: the second is refused.
    give_points(zoe, 100, ref="more")
    response = submit(client, i2v, photo())
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=zoe)
    kept = media_files()
    assert kept - before == {job.input_image.name}
    response = submit(client, i2v, photo())
    assert "your plan allows 1 at a time" in str(response.context["form"].errors)
    assert media_files() == kept
    # Too many submissions.
    response = submit(client, i2v, photo())
    assert "too quickly" in str(response.context["form"].errors)
    assert media_files() == kept
    services.cancel(job)


def test_a_worker_whose_job_was_claimed_again_stops_and_stores_nothing(alice, settings):
    """A worker thought dead (silent past the timeout) whose job went back to the queue and was
    claimed by another: its next beat tells it to stop, and it cannot finish the job."""
    from datetime import timedelta

    from django.utils import timezone

    give_points(alice, 10)
    job = make_job(alice)
    first = services.claim(job.pk, "w1")
    silent = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 5)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    second = services.claim(job.pk, "w2")
    assert second is not None and second.attempts == first.attempts + 1
    assert not services.beat(job.pk, 50, first.attempts)
    assert not services.succeed(job.pk, lambda j: None, attempt=first.attempts)
    assert services.beat(job.pk, 50, second.attempts)
    assert services.succeed(job.pk, lambda j: None, attempt=second.attempts)
