"""Broker settings: RabbitMQ's queues and where members' jobs go, and the priorities each job's
message carries (generation/dispatch.py)."""

import json

from generation import dispatch
from generation.models import Job
from tests.test_settings import run_manage

SHOW = (
    "import json; from django.conf import settings; print(json.dumps({"
    "'priority_queue': settings.GENERATION_PRIORITY_QUEUE, "
    "'queues': {q.name: q.queue_arguments for q in settings.CELERY_TASK_QUEUES}}))"
)


def broker_settings(tmp_path, **env) -> dict:
    result = run_manage("shell", "-c", SHOW, env_overrides={"DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_on_rabbitmq_every_gpu_job_shares_one_queue_with_ten_priority_levels(tmp_path):
    shown = broker_settings(tmp_path, CELERY_BROKER_URL="amqp://guest:guest@rabbit:5672/studio")
    assert shown["priority_queue"] == "gpu"
    assert shown["queues"] == {
        name: {"x-max-priority": 10} for name in ("gpu-priority", "gpu", "celery")
    }


def test_quorum_queues_are_declared_when_asked_and_a_wrong_type_is_refused(tmp_path):
    shown = broker_settings(
        tmp_path, CELERY_BROKER_URL="amqp://rabbit/studio", CELERY_QUEUE_TYPE="quorum"
    )
    assert shown["queues"] == {
        name: {"x-queue-type": "quorum"} for name in ("gpu-priority", "gpu", "celery")
    }
    result = run_manage(
        "check", env_overrides={"DATA_DIR": str(tmp_path), "CELERY_QUEUE_TYPE": "lazy"}
    )
    assert result.returncode != 0 and "CELERY_QUEUE_TYPE must be classic or quorum" in result.stderr


def test_on_redis_members_keep_their_own_queue(tmp_path):
    shown = broker_settings(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert shown["priority_queue"] == "gpu-priority"


def test_members_outrank_everyone_and_each_users_earlier_jobs_outrank_later_ones():
    member, free = Job(priority=True), Job(priority=False)
    members = [dispatch.priority_of(member, ahead) for ahead in range(7)]
    others = [dispatch.priority_of(free, ahead) for ahead in range(7)]
    assert members == [9, 8, 7, 6, 5, 5, 5]
    assert others == [4, 3, 2, 1, 0, 0, 0]
    # kombu's Redis transport serves 0 first: the order is the same once sent.
    redis = [dispatch.broker_priority(p, "redis://r:6379/0") for p in members + others]
    assert redis == sorted(redis) and redis[0] == 0
    assert dispatch.broker_priority(9, "amqp://rabbit//") == 9
