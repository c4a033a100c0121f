"""GPU memory per worker: recorded by the pool process once its jobs use CUDA, exported by
/metrics for live workers only, absent on CPU workers, forgotten when a worker restarts."""

import os
from datetime import timedelta

import pytest
from celery.signals import celeryd_init
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from webapp import worker_heartbeat
from webapp.models import WorkerHeartbeat

GIB = 1024**3


def gpu_series(client) -> dict:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return {
        (sample.labels["worker"], sample.labels["kind"]): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        if family.name == "studio_worker_gpu_memory_bytes"
        for sample in family.samples
    }


def beat(hostname, seconds_ago=0, allocated=None, reserved=None):
    return WorkerHeartbeat.objects.create(
        hostname=hostname,
        pid=1,
        seen_at=timezone.now() - timedelta(seconds=seconds_ago),
        gpu_memory_allocated=allocated,
        gpu_memory_reserved=reserved,
    )


def test_a_cpu_process_holds_no_gpu_memory_and_records_none(db):
    import torch

    assert not torch.cuda.is_initialized()
    assert worker_heartbeat.gpu_memory() is None
    beat("gpu@cpu-host")
    assert worker_heartbeat.record_gpu_memory("gpu@cpu-host") is False
    row = WorkerHeartbeat.objects.get(hostname="gpu@cpu-host")
    assert (row.gpu_memory_allocated, row.gpu_memory_reserved) == (None, None)


def test_metrics_show_the_gpu_memory_of_live_gpu_workers_only(db, client):
    beat("gpu@a", allocated=30 * GIB, reserved=34 * GIB)
    beat("tasks@b")  # a CPU worker: no series
    beat("gpu@gone", seconds_ago=600, allocated=GIB, reserved=GIB)  # not alive any more
    assert gpu_series(client) == {
        ("gpu@a", "allocated"): 30 * GIB,
        ("gpu@a", "reserved"): 34 * GIB,
    }


def test_a_restarted_worker_forgets_its_old_figures(transactional_db):
    beat("gpu@a", seconds_ago=300, allocated=GIB, reserved=2 * GIB)
    worker_heartbeat.record("gpu@a")
    assert WorkerHeartbeat.objects.get(hostname="gpu@a").gpu_memory_allocated == GIB
    worker_heartbeat.record("gpu@a", started=True)
    row = WorkerHeartbeat.objects.get(hostname="gpu@a")
    assert (row.gpu_memory_allocated, row.gpu_memory_reserved) == (None, None)


def test_pool_processes_learn_their_worker_name_before_they_fork(monkeypatch):
    monkeypatch.delenv(worker_heartbeat.HOSTNAME_VARIABLE, raising=False)
    celeryd_init.send(sender="gpu@host-7", instance=None, conf=None, options={})
    try:
        assert os.environ[worker_heartbeat.HOSTNAME_VARIABLE] == "gpu@host-7"
    finally:
        os.environ.pop(worker_heartbeat.HOSTNAME_VARIABLE, None)


@pytest.fixture(autouse=True)
def _no_cached_scrape(settings):
    settings.METRICS_CACHE_SECONDS = 0
