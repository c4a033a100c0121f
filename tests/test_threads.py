"""A thread budget per worker process: torch, OpenMP, BLAS and the encoder share the host's cores
instead of each taking them all."""

import os

import pytest

from generation import threads


def test_each_pool_process_gets_its_share_of_the_cores():
    assert threads.budget(16, 4) == 4
    assert threads.budget(2, 4) == 1  # never zero
    assert threads.budget(16, 4, configured=3) == 3  # WORKER_THREADS wins
    assert threads.budget(None, 1) == 1


def test_the_budget_reaches_torch_and_the_libraries_started_later(monkeypatch):
    import torch

    for name in (*threads.THREAD_VARIABLES, threads.BUDGET_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    try:
        threads.limit(1)
        assert torch.get_num_threads() == 1
        assert all(os.environ[name] == "1" for name in threads.THREAD_VARIABLES)
        assert threads.current() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sets_the_budget_before_its_pool_starts(celery_worker_process):
    log = celery_worker_process.log()
    cores = os.cpu_count() or 1
    assert f"thread budget: {cores} per pool process (1 processes)" in log
