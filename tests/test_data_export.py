"""Case 10: a user can take their data with them: one ZIP of profile, jobs, prompts, outputs,
uploads, ledger and payments, built in the background and offered by an e-mailed link that only
they can open, until it expires."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from generation.models import Asset, Job
from tests.conftest import wait_for
from tests.gen_helpers import give_points, png_bytes
from webapp.accounts import export
from webapp.accounts.models import DataExport

DATA = reverse("accounts:data")


def made_job(user, prompt="a lantern festival over the river", marked=True):
    job = Job.objects.create(
        user=user,
        kind="image_to_video",
        status="succeeded",
        prompt=prompt,
        negative_prompt="blur",
        params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard", "seed": 7},
        model_spec="tiny",
        points_held=100,
    )
    job.input_image.save("photo.png", ContentFile(png_bytes()), save=True)
    asset = Asset(job=job, kind="video", content_type="video/mp4", width=2, height=2, size_bytes=5)
    asset.file.save("clean.mp4", ContentFile(b"CLEAN"), save=False)
    if marked:
        asset.marked_file.save("marked.mp4", ContentFile(b"MARKED"), save=False)
    asset.save()
    return job


def read_zip(response) -> zipfile.ZipFile:
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


@pytest.mark.django_db
def test_the_export_holds_profile_jobs_prompts_outputs_uploads_and_ledger(
    client, alice, django_capture_on_commit_callbacks, monkeypatch
):
    give_points(alice, 20)
    ledger.hold(alice, 100, "job:x", "video")
    ledger.capture("job:x")
    job = made_job(alice)
    sent = []
    monkeypatch.setattr(export, "_send", lambda made: sent.append(made.pk))
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DATA)
    assert response.status_code == 302
    made = DataExport.objects.get(user=alice)
    assert sent == [made.pk] and made.status == "pending"
    assert "being prepared" in client.get(DATA).content.decode()

    assert export.build(made.pk)  # what the worker runs

    made.refresh_from_db()
    assert made.status == "ready" and made.expires_at > timezone.now() + timedelta(days=6)
    message = mail.outbox[-1]
    assert message.to == ["alice@example.com"] and "ready" in message.subject
    link = reverse("accounts:export_download", args=[made.token])
    assert link in message.body
    archive = read_zip(client.get(link))
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "jobs.json", "ledger.csv", "payments.csv"} <= names
    assert json.loads(archive.read("profile.json"))["email"] == "alice@example.com"
    jobs = json.loads(archive.read("jobs.json"))
    assert jobs[0]["prompt"] == "a lantern festival over the river"
    assert jobs[0]["options"]["seed"] == 7
    # A free user's output is the marked variant, as the site serves it to them.
    video = f"works/{job.pk}/" + job.assets.get().marked_file.name.rsplit("/", 1)[-1]
    assert archive.read(video) == b"MARKED"
    assert archive.read(f"uploads/{job.pk}/start.png") == png_bytes()
    ledger_rows = archive.read("ledger.csv").decode().splitlines()
    assert ledger_rows[0].startswith("when,kind,amount_tenths")
    assert len(ledger_rows) - 1 == alice.wallet.entries.count()


@pytest.mark.django_db
def test_only_the_owner_can_download_and_only_until_it_expires(client, alice, bob):
    made = DataExport.objects.create(user=alice, token="secret-token-" + "x" * 20)
    assert export.build(made.pk)
    link = reverse("accounts:export_download", args=[made.token])

    assert client.get(link).status_code == 302  # logged out: to the login page
    client.force_login(bob)
    assert client.get(link).status_code == 404
    client.force_login(alice)
    assert client.get(link).status_code == 200

    made.refresh_from_db()
    name = made.file.name
    assert export.remove_expired(made.expires_at + timedelta(seconds=1)) == 1
    assert client.get(link).status_code == 404
    assert not DataExport.file.field.storage.exists(name)


@pytest.mark.django_db
def test_asking_twice_while_one_is_being_prepared_makes_one(client, alice, monkeypatch):
    monkeypatch.setattr(export, "_send", lambda made: None)
    first, created = export.request_export(alice)
    again, created_again = export.request_export(alice)
    assert created and not created_again and first.pk == again.pk


@pytest.mark.django_db
def test_with_the_broker_down_the_page_says_it_failed_instead_of_waiting(
    client, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from webapp.accounts.tasks import build_data_export

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_data_export, "delay", broker_down)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(DATA).status_code == 302
    made = DataExport.objects.get(user=alice)
    assert made.status == "failed"
    html = client.get(DATA).content.decode()
    assert "failed" in html and 'data-testid="export-request"' in html


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_export_in_the_background(client, alice, celery_worker_process):
    made_job(alice, marked=False)
    client.force_login(alice)
    client.post(DATA)
    made = DataExport.objects.get(user=alice)

    wait_for(
        lambda: DataExport.objects.filter(pk=made.pk, status="ready").exists(),
        timeout=120,
        message=f"the export to be built\n{celery_worker_process.log()}",
    )
    archive = read_zip(client.get(reverse("accounts:export_download", args=[made.token])))
    assert json.loads(archive.read("jobs.json"))[0]["prompt"].startswith("a lantern")
