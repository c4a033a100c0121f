"""The same end-to-end path with media on a local S3-compatible server (moto)."""

import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import boto3
import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Membership
from generation.models import Asset, Job
from tests.conftest import start_worker, stop_worker, tier, wait_for
from tests.gen_helpers import give_points, t2v_data

pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "studio-media-test"
KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1"}


@pytest.fixture
def s3_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)
    yield url
    proc.terminate()
    proc.wait()


@pytest.fixture
def s3_settings(settings, s3_endpoint):
    settings.S3_BUCKET = BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 600,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    return {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_endpoint, **KEYS}


def test_outputs_go_to_s3_and_only_the_owner_gets_a_short_lived_signed_url(
    client, alice, bob, s3_settings, tmp_path
):
    client.force_login(alice)
    client.get(reverse("generation:create"))
    give_points(alice, 100)
    worker = start_worker(tmp_path, env={"JOB_HEARTBEAT_SECONDS": "1", **s3_settings})
    try:
        response = client.post(reverse("generation:create"), t2v_data())
        job_id = int(response.url.rstrip("/").split("/")[-1])
        job = wait_for(
            lambda: Job.objects.filter(pk=job_id, status__in=Job.FINISHED).first(),
            timeout=240,
            message="the job to finish",
        )
    finally:
        stop_worker(worker)
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    video = job.assets.get(kind=Asset.Kind.VIDEO)

    s3 = boto3.client(
        "s3",
        endpoint_url=s3_settings["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stored = s3.get_object(Bucket=BUCKET, Key=video.file.name)["Body"].read()
    assert stored[4:8] == b"ftyp" and len(stored) == video.size_bytes

    response = client.get(reverse("generation:asset", args=[video.pk]))
    assert response.status_code == 302
    signed = response.url
    assert signed.startswith(s3_settings["S3_ENDPOINT_URL"])
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=600" in signed
    # Alice is on the free plan: she is handed the watermarked variant, also private on S3.
    marked = s3.get_object(Bucket=BUCKET, Key=video.marked_file.name)["Body"].read()
    assert marked != stored
    assert urllib.request.urlopen(signed).read() == marked
    Membership.objects.create(
        user=alice,
        tier=tier("standard"),
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=30),
    )
    signed = client.get(reverse("generation:asset", args=[video.pk])).url
    assert urllib.request.urlopen(signed).read() == stored  # after upgrading, the clean master

    client.force_login(bob)
    assert client.get(reverse("generation:asset", args=[video.pk])).status_code == 404
