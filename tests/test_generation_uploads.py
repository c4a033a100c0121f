"""A finished job's files reach storage before its row is locked: the transaction that marks it
succeeded and captures its points only writes rows, so a slow upload (S3) never holds the lock
that cancels, the sweep and the owner's page wait on. Files of a job that is no longer the
worker's to finish are removed, not left behind."""

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.db import connection

from billing import ledger
from generation import execution, services
from generation.engine import runner
from generation.engine.types import GenerationResult
from generation.models import Asset, Job
from tests.gen_helpers import give_points

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(alice):
    give_points(alice, 10)
    job = Job.objects.create(
        user=alice,
        kind="text_to_video",
        prompt="a kite over the dunes",
        params={"aspect_ratio": "16:9", "duration_s": 5, "seed": 3, "mode": "standard"},
        model_spec="tiny",
        points_held=100,
    )
    ledger.hold(alice, 100, job.ledger_ref)
    return job


def small_clip(*args, **kwargs):
    frames = np.random.default_rng(1).integers(0, 255, (8, 64, 96, 3), dtype=np.uint8)
    return GenerationResult(frames=frames, fps=8)


def test_files_are_uploaded_before_the_row_is_locked(queued, monkeypatch):
    monkeypatch.setattr(runner, "run", small_clip)
    writes = []
    real_save = default_storage.save

    def save(name, content, *args, **kwargs):
        writes.append(connection.in_atomic_block)
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)
    assert execution.execute(queued.pk, "test-worker") == "succeeded"
    assert writes and not any(writes)  # every file written outside any transaction
    assert {a.kind for a in Asset.objects.filter(job=queued)} >= {"video", "poster"}


def test_files_of_a_job_canceled_meanwhile_are_removed(queued, monkeypatch):
    def run_then_cancel(*args, **kwargs):
        result = small_clip()
        services.cancel(Job.objects.get(pk=queued.pk))  # the owner cancels as it ends
        return result

    monkeypatch.setattr(runner, "run", run_then_cancel)
    written = []
    real_save = default_storage.save

    def save(name, content, *args, **kwargs):
        stored = real_save(name, content, *args, **kwargs)
        written.append(stored)
        return stored

    monkeypatch.setattr(default_storage, "save", save)
    assert execution.execute(queued.pk, "test-worker") == "canceled"
    assert written and not any(default_storage.exists(name) for name in written)
    assert not Asset.objects.filter(job=queued).exists()
    assert ledger.audit_wallet(queued.user).ok
