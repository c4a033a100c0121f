"""docs/API.md's quick-start, run as written against a live server with a real worker: the curl
block (balance, quote, a multipart photo create, a JSON create, a list) and the Python block
(quote, a photo sent to /uploads, a JSON create naming it with an Idempotency-Key, wait,
download)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from generation.models import Job
from tests.api_helpers import token_for
from tests.conftest import ROOT, make_user, subscribe
from tests.gen_helpers import give_points, png_bytes
from webapp.api.models import PhotoUpload

DOC = ROOT / "docs" / "API.md"
# Generous: a tiny-model job on a busy CI host; each run ends as soon as its job does.
RUN_LIMIT = 900


def quickstart_block(name: str) -> str:
    """The fenced block that follows `<!-- quickstart: name -->` in docs/API.md."""
    text = DOC.read_text()
    match = re.search(rf"<!-- quickstart: {name} -->\n```\w+\n(.*?)\n```", text, re.S)
    assert match, f"docs/API.md has no quickstart block {name!r}"
    return match.group(1)


@pytest.fixture
def studio(live_server, celery_worker_process, tmp_path):
    user = make_user("maker@example.com")
    subscribe(user, "pro")
    give_points(user, 500)
    (tmp_path / "photo.png").write_bytes(png_bytes((160, 90)))
    env = {"STUDIO_URL": live_server.url, "STUDIO_TOKEN": token_for(user), "PATH": "/usr/bin:/bin"}
    return user, env, tmp_path


def run(command: list[str], env: dict, cwd: Path) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=RUN_LIMIT
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_curl_quickstart_runs_as_written(studio):
    user, env, cwd = studio
    out = run(["bash", "-e", "-c", quickstart_block("curl")], env, cwd)
    assert '"balance_points"' in out and '"price_points": "10"' in out
    photo = Job.objects.get(user=user, kind="image_to_video")
    assert photo.input_image and f'"id": {photo.pk}' in out
    pictures = Job.objects.get(user=user, kind="text_to_picture")  # the JSON create
    assert pictures.params["num_images"] == 4 and f'"id": {pictures.pk}' in out
    # The same commands again (a retry) make no more jobs.
    run(["bash", "-e", "-c", quickstart_block("curl")], env, cwd)
    assert Job.objects.filter(user=user).count() == 2


def test_the_python_quickstart_makes_and_downloads_a_video(studio):
    user, env, cwd = studio
    out = run([sys.executable, "-c", quickstart_block("python")], env, cwd)
    job = Job.objects.get(user=user)
    assert job.kind == "image_to_video" and job.input_image  # the photo sent to /uploads
    assert f"upload {PhotoUpload.objects.get(user=user).pk} 160 x 90" in out
    assert f"job {job.pk} succeeded" in out, out
    video = cwd / f"job-{job.pk}-video.mp4"
    assert video.exists() and video.read_bytes()[4:8] == b"ftyp"
    assert f"saved {video.name}" in out
