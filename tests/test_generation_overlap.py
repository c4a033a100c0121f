"""Post-processing off the pipeline's critical path (generation/overlap.py): the next job denoises
while the previous one's files are made; nothing is lost on the way: the heartbeat runs until
the files are stored, a cancel still ends the job, a failure fails only its own job, and a worker
told to stop finishes the post-processing under way first."""

import os
import signal
import subprocess
import threading
import time
from functools import partial

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation import execution, overlap, postprocess, services
from generation.engine import runner
from generation.engine.types import GenerationResult
from generation.management.commands.bench_overlap import read_timeline
from generation.models import Asset, Job
from generation.tasks import finish_post_processing
from tests import conftest
from tests.conftest import stop_worker, wait_for
from tests.gen_helpers import give_points, t2v_data

pytestmark = pytest.mark.django_db(transaction=True)
WORKER_ENV = {"JOB_HEARTBEAT_SECONDS": "1", "GENERATION_OVERLAP_POSTPROCESS": "true"}


@pytest.fixture
def overlapping(settings):
    settings.GENERATION_OVERLAP_POSTPROCESS = True
    settings.JOB_HEARTBEAT_SECONDS = 0.5
    settings.JOB_HEARTBEAT_TIMEOUT = 5
    yield
    overlap.drain()


def queued_job(user, seed=3) -> Job:
    give_points(user, 10, ref=f"overlap-{seed}")
    job = Job.objects.create(
        user=user,
        kind="text_to_video",
        prompt="a kite over the dunes",
        params={"aspect_ratio": "16:9", "duration_s": 5, "seed": seed, "mode": "standard"},
        model_spec="tiny",
        points_held=100,
    )
    ledger.hold(user, 100, job.ledger_ref)
    return job


def small_clip(*args, **kwargs):
    frames = np.random.default_rng(1).integers(0, 255, (8, 64, 96, 3), dtype=np.uint8)
    return GenerationResult(frames=frames, fps=8)


class Busy:
    """Holds the post-processing stage, as a long previous job would."""

    def __init__(self):
        self.release = threading.Event()
        overlap.submit(lambda: self.release.wait(60), name="busy")


def in_thread(target, *args) -> threading.Thread:
    def run():
        from django.db import connection

        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_job_waiting_for_post_processing_keeps_its_heartbeat_and_can_be_canceled(
    alice, overlapping, monkeypatch
):
    monkeypatch.setattr(runner, "run", small_clip)
    written = []
    real_save = default_storage.save

    def save(name, content, *args, **kwargs):
        written.append(real_save(name, content, *args, **kwargs))
        return written[-1]

    monkeypatch.setattr(default_storage, "save", save)
    job = queued_job(alice)
    before = ledger.balance(alice) + job.points_held
    busy = Busy()
    outcomes = []
    worker = in_thread(lambda: outcomes.append(execution.execute(job.pk, "test-worker")))
    running = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).first(),
        message="the job to be claimed",
    )
    # Denoised, it waits for the stage; its heartbeat goes on past the timeout, so the sweep
    # leaves it alone.
    time.sleep(6)
    assert worker.is_alive()
    services.sweep_stuck_jobs()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    assert job.heartbeat_at > running.heartbeat_at
    assert services.cancel(job)
    busy.release.set()
    worker.join(timeout=60)
    assert outcomes == ["post-processing"]
    overlap.drain()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
    assert written and not any(default_storage.exists(name) for name in written)
    assert not Asset.objects.filter(job=job).exists()
    assert ledger.balance(alice) == before
    assert ledger.audit_wallet(alice).ok


def test_a_failed_post_processing_fails_and_refunds_that_job_only(alice, overlapping, monkeypatch):
    monkeypatch.setattr(runner, "run", small_clip)
    broken, fine = queued_job(alice, seed=1), queued_job(alice, seed=2)
    before = ledger.balance(alice) + broken.points_held + fine.points_held
    real_render = postprocess.render_video

    def render_video(stamp, *args, **kwargs):
        if stamp.job_id == broken.pk:
            raise OSError("the encoder went away")
        return real_render(stamp, *args, **kwargs)

    monkeypatch.setattr(postprocess, "render_video", render_video)
    assert execution.execute(broken.pk, "test-worker") == "post-processing"
    assert execution.execute(fine.pk, "test-worker") == "post-processing"
    overlap.drain()
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.status == Job.Status.FAILED
    assert "refunded" in broken.error_message
    assert Hold.objects.get(ref=broken.ledger_ref).status == Hold.Status.RELEASED
    assert fine.status == Job.Status.SUCCEEDED, fine.error_message
    assert Hold.objects.get(ref=fine.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.balance(alice) == before - fine.points_held
    assert ledger.audit_wallet(alice).ok


def test_a_stopping_pool_process_waits_for_the_post_processing_under_way(overlapping):
    busy = Busy()
    stopping = in_thread(finish_post_processing)
    stopping.join(timeout=1)
    assert stopping.is_alive()  # it waits for the job's files
    busy.release.set()
    stopping.join(timeout=30)
    assert not stopping.is_alive()


# --- on a real worker --------------------------------------------------------------------------


@pytest.fixture
def worker(tmp_path):
    # Its own session, so a SIGTERM or SIGKILL reaches the main process and the pool alike.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "Popen", partial(subprocess.Popen, start_new_session=True))
        started = conftest.start_worker(tmp_path, env=WORKER_ENV)
    yield started
    stop_worker(started)


def submitted(client, user) -> Job:
    client.force_login(user)
    client.get(reverse("generation:create"))
    give_points(user, 100)
    response = client.post(reverse("generation:create"), t2v_data())
    assert response.status_code == 302, response.context["form"].errors
    return Job.objects.filter(user=user).latest("pk")


def finished(job: Job, timeout=300) -> Job:
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=timeout,
        message=f"job {job.pk} to finish",
    )


def test_the_next_job_denoises_while_the_previous_one_is_post_processed(
    client, alice, bob, worker, settings
):
    settings.JOB_HEARTBEAT_SECONDS = 1
    jobs = [submitted(client, alice), submitted(client, bob)]  # one job at a time each
    for job in jobs:
        job = finished(job)
        assert job.status == Job.Status.SUCCEEDED, job.error_message
        assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    timeline = read_timeline(worker.log(), {job.pk for job in jobs})
    first, second = jobs
    # Job 2's denoising began before job 1's post-processing ended.
    assert timeline.denoise[second.pk][0] < timeline.postprocess[first.pk][1], worker.log()
    assert timeline.overlapped()
    for user in (alice, bob):
        assert ledger.audit_wallet(user).ok


def post_processing(worker, job: Job) -> None:
    wait_for(
        lambda: f"job {job.pk} stage denoise" in worker.log(),
        timeout=240,
        interval=0.02,
        message=f"job {job.pk} to be denoised",
    )


def test_a_worker_told_to_stop_finishes_the_post_processing_under_way(client, alice, worker):
    job = submitted(client, alice)
    post_processing(worker, job)  # its task has returned: only the background stage holds it
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(timeout=120) == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 1), job.error_message
    assert Asset.objects.filter(job=job, kind=Asset.Kind.VIDEO).count() == 1
    assert ledger.audit_wallet(alice).ok


@pytest.mark.usefixtures("requires_postgres", "requires_redis_broker")
def test_a_worker_killed_during_post_processing_loses_nothing(
    client, alice, tmp_path, worker, settings
):
    settings.JOB_HEARTBEAT_SECONDS = 1
    settings.JOB_HEARTBEAT_TIMEOUT = 6
    job = submitted(client, alice)
    before = ledger.balance(alice) + job.points_held
    post_processing(worker, job)
    # The task was acknowledged as it handed the job to the stage; killed now, the job's
    # heartbeat goes silent and the sweep sends it again.
    os.killpg(worker.pid, signal.SIGKILL)
    worker.proc.wait()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    with pytest.MonkeyPatch.context() as mp:
        from webapp.celery import app

        mp.setattr(app.control, "purge", lambda: 0)
        second = conftest.start_worker(tmp_path, env=WORKER_ENV)
    try:

        def swept():
            services.sweep_stuck_jobs()
            return Job.objects.filter(pk=job.pk, attempts=2).exists()

        wait_for(swept, timeout=120, interval=0.5, message="the job's second attempt")
        job = finished(job)
    finally:
        stop_worker(second)
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2), job.error_message
    assert Asset.objects.filter(job=job, kind=Asset.Kind.VIDEO).count() == 1
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.balance(alice) == before - job.points_held
    assert ledger.audit_wallet(alice).ok


def test_the_bench_counts_idle_time_only_while_post_processing_holds_up_queued_work():
    from generation.management.commands.bench_overlap import Timeline

    # In turn: denoise 0-4, post 4-5, denoise 5-9, post 9-10, denoise 10-14, post 14-15.
    serial = Timeline(
        denoise={1: (0, 4), 2: (5, 9), 3: (10, 14)},
        postprocess={1: (4, 5), 2: (9, 10), 3: (14, 15)},
    )
    assert serial.idle_waiting() == 2  # the last post-processing holds up nothing
    assert serial.wall == 15
    assert not serial.overlapped()
    # Overlapped: job 3 waits 1 s (5-6) for job 2's post-processing (5-7).
    overlapped = Timeline(
        denoise={1: (0, 4), 2: (4, 5), 3: (6, 9)},
        postprocess={1: (4, 5), 2: (5, 7), 3: (9, 10)},
    )
    assert overlapped.idle_waiting() == 1
    assert overlapped.overlapped()
