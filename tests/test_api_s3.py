"""With media on S3 (moto), a job's output link is the storage's own short-lived signed URL, for
the variant the owner's plan allows."""

import urllib.request

import pytest

from tests.api_helpers import api_client, token_for
from tests.test_account_deletion import finished_job
from tests.test_generation_s3 import s3_endpoint, s3_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_an_output_link_on_s3_is_a_signed_url_of_the_marked_file(alice, s3_settings):  # noqa: F811
    job = finished_job(alice)
    [output] = api_client(token_for(alice)).get(f"/api/v1/jobs/{job.pk}").json()["outputs"]
    assert output["url"].startswith(s3_settings["S3_ENDPOINT_URL"])
    assert "X-Amz-Signature=" in output["url"] and "X-Amz-Expires=600" in output["url"]
    assert output["watermarked"] is True
    with urllib.request.urlopen(output["url"]) as response:  # noqa: S310 - the local moto server
        assert response.read() == b"mp4m"
