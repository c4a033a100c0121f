"""Every message says what happened and what to do next: a forged kind, a held job, a suspended
account, an empty filter, job e-mails and their opt-out, error pages, the sign-up's free points,
the staff panel's name, ledger rows that lead to their job, and image to video keeping the
photo's shape."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from generation import notify
from generation.labels import aspect_ratio_of
from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.conftest import PASSWORD, subscribe
from tests.gen_helpers import give_points, png_bytes, t2v_data
from tests.moderation_helpers import i2v_data, submit, upload
from tests.staff_helpers import staff_member, submit_job
from webapp.staff import services as staff_services

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")


def test_a_forged_kind_is_answered_with_a_message(client, alice):
    client.force_login(alice)
    page = client.post(CREATE, t2v_data(kind="make_me_rich")).content.decode()
    assert 'data-testid="form-errors"' in page
    assert "Choose what to make" in page
    assert not Job.objects.exists()


def test_a_held_job_tells_its_owner_why(client, alice):
    BlockedTerm.objects.create(term="quokkanite", category="violence", action="review")
    job = submit_job(alice, prompt="a quokkanite parade")
    assert job.status == Job.Status.REVIEW
    client.force_login(alice)
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    reason = page.split('data-testid="review-reason"')[1].split("</p>")[0]
    assert "Your prompt is being checked by our team (graphic violence" in reason


def test_a_suspended_user_is_told_why_and_whom_to_write_to(client, alice, settings):
    settings.DEFAULT_FROM_EMAIL = "help@studio.example"
    support = staff_member("support@example.com", "Support")
    staff_services.suspend_user(alice, support, "Chargebacks on three cards.")
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "Your account is suspended" in page
    assert "Chargebacks on three cards." in page
    assert "mailto:help@studio.example" in page


def test_an_empty_filter_is_not_called_an_empty_gallery(client, alice):
    Job.objects.create(
        user=alice,
        kind="text_to_video",
        status="succeeded",
        params={},
        model_spec="tiny",
        points_held=0,
    )
    client.force_login(alice)
    page = client.get(reverse("generation:works"), {"status": "failed"}).content.decode()
    assert 'data-testid="no-matches"' in page and "Create your first video" not in page
    empty = client.get(reverse("generation:works"), {"kind": "extend"}).content.decode()
    assert "Show all works" in empty


def test_the_job_email_names_what_was_made_and_can_be_turned_off(client, alice):
    extend = Job.objects.create(
        user=alice, kind="extend", status="succeeded", params={}, model_spec="tiny", points_held=0
    )
    notify.job_finished(extend)
    assert mail.outbox[-1].subject.endswith("Your video is ready")
    assert "/settings/notifications/" in mail.outbox[-1].body
    picture = Job.objects.create(
        user=alice,
        kind="text_to_picture",
        status="succeeded",
        params={},
        model_spec="tiny",
        points_held=0,
    )
    notify.job_finished(picture)
    assert mail.outbox[-1].subject.endswith("Your pictures are ready")

    client.force_login(alice)
    page = client.get(reverse("generation:notifications")).content.decode()
    assert 'name="notify_job_finished" id="id_notify_job_finished" checked' in page
    client.post(reverse("generation:notifications"), {})
    alice.refresh_from_db()
    assert not alice.notify_job_finished
    sent = len(mail.outbox)
    notify.job_finished(extend)
    assert len(mail.outbox) == sent
    client.post(reverse("generation:notifications"), {"notify_job_finished": "on"})
    alice.refresh_from_db()
    assert alice.notify_job_finished


def test_unknown_pages_get_the_sites_404_and_there_is_a_favicon(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page and "/create/" in page
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon.url.endswith("img/favicon.ico")


def test_the_500_page_is_the_sites_own(client):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert 'data-testid="error-500"' in page and "Your points are safe" in page


def test_sign_up_says_how_many_free_points_come_each_day(client, settings):
    settings.DAILY_POINTS = 66
    page = client.get(reverse("account_signup")).content.decode()
    assert "you get 66 inspiration points every day" in page


def test_the_staff_panel_carries_the_studios_name(client, settings):
    staff = staff_member("mod@example.com", "Moderators")
    client.force_login(staff)
    page = client.get(reverse("admin:moderation_flag_changelist")).content.decode()
    assert "Django administration" not in page
    assert f"{settings.SITE_NAME} staff" in page


def test_ledger_rows_about_a_job_link_to_it(client, alice):
    job = submit_job(alice)
    gone = Job.objects.create(
        user=alice, kind="text_to_video", params={}, model_spec="tiny", points_held=0
    )
    ledger.hold(alice, 10, gone.ledger_ref)
    ledger.release(gone.ledger_ref)
    Job.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    client.force_login(alice)
    page = client.get(reverse("points")).content.decode()
    link = f'<a href="/jobs/{job.pk}/" data-testid="history-job-link">Held for job #{job.pk}</a>'
    assert link in page
    assert f"Returned from job #{gone.pk}" in page
    assert f'href="/jobs/{gone.pk}/"' not in page  # deleted: named, not linked


def test_image_to_video_keeps_the_photos_shape_and_shows_it_again(
    client, alice, django_capture_on_commit_callbacks
):
    assert aspect_ratio_of(1200, 1600) == "9:16"
    assert aspect_ratio_of(1000, 1000) == "1:1"
    assert aspect_ratio_of(1920, 1080) == "16:9"
    give_points(alice, 100)
    client.force_login(alice)
    with django_capture_on_commit_callbacks():
        response = submit(
            client,
            i2v_data(aspect_ratio="16:9"),
            {"image": upload("tall.png", png_bytes(size=(300, 500)))},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert job.params["aspect_ratio"] == "9:16"
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert f'src="/jobs/{job.pk}/photo/start/"' in page
    photo = client.get(reverse("generation:input_photo", args=[job.pk, "start"]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    client.logout()
    assert client.get(reverse("generation:input_photo", args=[job.pk, "start"])).status_code == 302


def test_another_user_gets_404_for_a_jobs_photo(client, alice, bob):
    job = Job.objects.create(
        user=alice,
        kind="image_to_video",
        status="succeeded",
        params={},
        model_spec="tiny",
        points_held=0,
    )
    client.force_login(bob)
    assert client.get(reverse("generation:input_photo", args=[job.pk, "start"])).status_code == 404


def test_a_standard_member_is_told_camera_movement_comes_with_pro(client, alice):
    subscribe(alice, "standard")
    client.force_login(alice)
    page = client.get(CREATE).content.decode()
    assert "Camera movement comes with Pro and higher plans." in page
    assert "Professional mode comes with" not in page  # Standard has it
    assert 'data-testid="extend-see-plans"' not in page


def test_extend_is_offered_only_to_plans_with_it_and_clips_under_the_limit(client, alice):
    from django.core.files.base import ContentFile

    from generation.models import Asset

    def video(seconds):
        job = Job.objects.create(
            user=alice,
            kind="text_to_video",
            status="succeeded",
            params={},
            model_spec="tiny",
            points_held=0,
        )
        asset = Asset(
            job=job,
            kind="video",
            content_type="video/mp4",
            width=2,
            height=2,
            size_bytes=1,
            frames=seconds * 8,
            fps=8,
        )
        asset.file.save("v.mp4", ContentFile(b"x"), save=True)
        return job

    short, full = video(10), video(180)
    client.force_login(alice)
    page = client.get(reverse("generation:job", args=[short.pk])).content.decode()
    assert 'data-testid="extend-locked"' in page and 'data-testid="extend"' not in page
    subscribe(alice, "standard")
    page = client.get(reverse("generation:job", args=[short.pk])).content.decode()
    assert f'href="/create/?extend={short.pk}"' in page
    page = client.get(reverse("generation:job", args=[full.pk])).content.decode()
    assert "?extend=" not in page and 'data-testid="extend-locked"' not in page
