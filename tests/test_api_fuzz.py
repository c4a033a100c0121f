"""Schemathesis drives the API from its own OpenAPI schema against a live server with real
tokens: no 5xx, every response's status, content type, headers and body match the schema, auth
is enforced, created jobs and uploads can be read, canceled and deleted (stateful links), and
every status code each operation documents is seen on that operation.

Four accounts, four runs: one with points and every scope; one with no points whose token may
only create (402, and 403 on everything that reads); one whose token may only read (403 on
everything that writes: its run covers only POST and DELETE, in the examples and fuzzing
phases); one with a job running (409 on POST /jobs, the only operation its run covers). The
poor and the busy account have 3 submissions left today, so they meet the limit (429) too.
The hooks in tests/api_fuzz_hooks.py let the fuzzer also draw real pictures, bodies past the
server's limits, a client's jobs and their retries, and the ids of the account's own jobs,
uploads and download links in every state."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import ledger
from generation.models import Asset, Job
from generation.moderation import ratelimit
from generation.uploads import MAX_UPLOAD_BYTES
from tests.api_helpers import token_for
from tests.conftest import ROOT, make_user
from tests.gen_helpers import give_points, png_bytes
from webapp.api import downloads, photo_uploads
from webapp.api.models import PhotoUpload

CONFIG = ROOT / "tests" / "api_schemathesis.toml"
HOOKS = ROOT / "tests" / "api_fuzz_hooks.py"
EXAMPLES = "20"
# Submissions a day: more than the rich account's run makes, so that its creates meet the other
# rules (plan options: 403; retries: 200).
SUBMISSIONS = 60  # per operation and phase; each run prints how many cases it made
RUN_LIMIT = 1800  # generous for a busy CI host; a run ends when its cases do


def schemathesis_cli() -> Path:
    pytest.importorskip("schemathesis")
    return Path(sys.executable).parent / "schemathesis"


def fuzz(url: str, token: str, report_dir: Path, targets=None, extra=()) -> tuple[int, list]:
    """One run with every check; returns the number of cases and the HAR entries."""
    report_dir.mkdir()
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "LJ_FUZZ_PHOTO_LIMIT": str(MAX_UPLOAD_BYTES),
        "LJ_FUZZ_BODY_LIMIT": str(2_621_440),  # DATA_UPLOAD_MAX_MEMORY_SIZE, Django's default
        "LJ_FUZZ_TARGETS": json.dumps(targets or {}),
    }
    done = subprocess.run(
        [
            str(schemathesis_cli()),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "1",
            "--workers",
            "1",
            "--report",
            "har",
            "--report-dir",
            str(report_dir),
            *extra,
        ],
        cwd=report_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
    )
    # Bodies past the limits are megabytes of one byte (or of one escape): shown as one.
    out = re.sub(r"(\\x[0-9a-f]{2}|.)\1{20,}", r"\1…", done.stdout + done.stderr)
    (report_dir / "schemathesis.txt").write_text(out)
    print(out[-1500:])
    failures = out[out.find("FAILURES") : out.find("WARNINGS")] if "FAILURES" in out else ""
    assert done.returncode == 0, failures[:8000] + out[-2500:]
    generated = int(re.search(r"(\d+) generated", out).group(1))
    [har] = report_dir.glob("*.json")
    return generated, json.loads(har.read_text())["log"]["entries"]


def documented(client) -> dict[tuple[str, str], set[int]]:
    """{(METHOD, path template): the statuses the schema documents for it}."""
    schema = client.get("/api/v1/schema/").json()
    return {
        (method.upper(), path): {int(status) for status in operation["responses"]}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def seen_per_operation(entries: list, operations) -> dict[tuple[str, str], set[int]]:
    patterns = {
        op: re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", op[1]) + "$") for op in operations
    }
    seen = {op: set() for op in operations}
    for entry in entries:
        method = entry["request"]["method"]
        path = re.sub(r"^https?://[^/]+", "", entry["request"]["url"]).split("?")[0]
        for (op_method, template), pattern in patterns.items():
            if op_method == method and pattern.match(path):
                seen[(op_method, template)].add(entry["response"]["status"])
    return seen


# The account's own objects get ids far above the ones the fuzzer makes and probes (small
# integers and edges), so a random DELETE cannot remove them before their operation is fuzzed.
SEEDED_IDS = iter(range(10**12, 10**12 + 100))


def succeeded(user) -> Job:
    """A succeeded video job with its files, as a worker leaves one."""
    job = Job.objects.create(
        pk=next(SEEDED_IDS),
        user=user,
        kind="text_to_video",
        status=Job.Status.SUCCEEDED,
        prompt="a boat, finished",
        params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard"},
        model_spec="tiny",
        points_held=100,
    )
    asset = Asset(job=job, kind="video", content_type="video/mp4", width=2, height=2, size_bytes=3)
    asset.file.save("clip.mp4", ContentFile(b"mp4"), save=False)
    asset.marked_file.save("clip-marked.mp4", ContentFile(b"mp4m"), save=False)
    asset.save()
    return job


def held_for_review(user) -> Job:
    """A job moderation held before it ran, its points held, as services.submit leaves one."""
    job = Job.objects.create(
        pk=next(SEEDED_IDS),
        user=user,
        kind="text_to_video",
        status=Job.Status.REVIEW,
        prompt="a boat, held",
        params={"duration_s": 5},
        model_spec="tiny",
        points_held=100,
    )
    ledger.hold(user, 100, job.ledger_ref, reason=f"job {job.pk}")
    return job


def download_token(job: Job, *, age_s: int = 0) -> str:
    """The token of a signed download link of the job's video, made `age_s` seconds ago."""
    claims = {"a": job.video.pk, "u": job.user_id}
    with mock.patch("django.core.signing.time.time", return_value=time.time() - age_s):
        return signing.dumps(claims, salt=downloads.SALT, compress=True)


def targets_of(user, settings) -> dict:
    """The account's own objects in each state an operation answers differently for."""

    def upload():
        photo = photo_uploads.store(user, SimpleUploadedFile("p.png", png_bytes()))
        PhotoUpload.objects.filter(pk=photo.pk).update(id=next(SEEDED_IDS))
        return PhotoUpload.objects.get(user=user, image=photo.image.name)

    readable = succeeded(user)
    job_ids = lambda *jobs: [{"job_id": job.pk} for job in jobs]  # noqa: E731
    expired = settings.API_DOWNLOAD_URL_SECONDS + 60
    return {
        "GET /api/v1/jobs/{job_id}": job_ids(readable),
        # Finished: deleted (204); held for review: 409.
        "DELETE /api/v1/jobs/{job_id}": job_ids(succeeded(user), held_for_review(user)),
        # Finished: 409; held for review before it ran: canceled, its points returned (200).
        "POST /api/v1/jobs/{job_id}/cancel": job_ids(succeeded(user), held_for_review(user)),
        "GET /api/v1/files/{token}": [
            {"token": download_token(readable)},
            {"token": download_token(readable, age_s=expired)},
        ],
        "GET /api/v1/uploads/{upload_id}": [{"upload_id": upload().pk}],
        "DELETE /api/v1/uploads/{upload_id}": [{"upload_id": upload().pk}],
    }


def test_the_api_fuzzed_from_its_schema_holds_to_it(
    live_server, client, tmp_path, settings, monkeypatch
):
    # A daily window, so that a run crossing a minute's boundary meets the same limit; and few
    # live uploads per account, so that the fuzzer's own uploads meet theirs (429).
    settings.JOB_SUBMIT_RATE = f"{SUBMISSIONS}/d"
    monkeypatch.setattr(photo_uploads, "MAX_LIVE_UPLOADS", 6)
    rich = make_user("fuzz@example.com")
    give_points(rich, 85)  # 20 of them held by the jobs waiting for review
    poor = make_user("fuzz-poor@example.com", verified=False)  # no daily points
    # The poor account has used all but 3 of today's submissions: 402 first, then 429.
    for _ in range(SUBMISSIONS - 3):
        ratelimit.check_job_submission(poor)
    reader = make_user("fuzz-reader@example.com")
    # A busy account: a job of its own running (out of the fuzzer's reach: its token cannot
    # list), points enough, 3 submissions left today: 409 first, then 429.
    busy = make_user("fuzz-busy@example.com")
    give_points(busy, 50)
    running = held_for_review(busy)
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    for _ in range(SUBMISSIONS - 3):
        ratelimit.check_job_submission(busy)
    started = timezone.now()
    runs = [
        fuzz(live_server.url, token_for(rich), tmp_path / "rich", targets_of(rich, settings)),
        fuzz(live_server.url, token_for(poor, scopes=["create"]), tmp_path / "poor"),
        fuzz(
            live_server.url,
            token_for(reader, scopes=["read", "billing:read"]),
            tmp_path / "reader",
            # Its answers are all 401 or 403: the writing operations, without the long phases.
            extra=("--include-method", "POST", "--include-method", "DELETE")
            + ("--phases", "examples,fuzzing"),
        ),
        fuzz(
            live_server.url,
            token_for(busy, scopes=["create"]),
            tmp_path / "busy",
            extra=("--include-name", "POST /api/v1/jobs", "--phases", "examples,coverage"),
        ),
    ]
    entries = [entry for _cases, run_entries in runs for entry in run_entries]
    operations = documented(client)
    seen = seen_per_operation(entries, operations)
    cases = [count for count, _entries in runs]
    took = (timezone.now() - started).total_seconds()
    print(f"cases: {' + '.join(map(str, cases))} in {took:.0f} s")
    for (method, path), statuses in sorted(seen.items()):
        print(f"{method} {path}: seen {sorted(statuses)}")
    assert cases[0] >= 300 and cases[1] >= 300 and cases[2] >= 20 and cases[3] >= 20
    assert not [e["request"]["url"] for e in entries if e["response"]["status"] >= 500]
    missing = {
        op: sorted(operations[op] - seen[op]) for op in operations if operations[op] - seen[op]
    }
    assert not missing, missing
