"""Where a job's message goes and in what order the workers take it.

Two rules, both carried by the message's priority (0 to 9, 9 first, in AMQP's sense):
- members before everyone else: members' jobs take the top band (5 to 9), others the bottom one;
- within a band, each user's earlier jobs before anyone's later ones: a job's level drops with
  the number of its owner's jobs already sent and not finished, so one user's ten jobs cannot
  hold back another user's first (fair to within FAIR_LEVELS jobs; beyond, FIFO).

The broker keeps the order: RabbitMQ in queues declared with `x-max-priority` (settings'
CELERY_TASK_QUEUES), Redis in one list per level (`priority_steps`), FIFO within a level. A
message's priority is fixed when it is sent; workers never reorder anything.
"""

from django.conf import settings
from django.db.models import Q

from generation.models import Job

# Levels per band: a user's first, second, third, fourth, and every later job.
FAIR_LEVELS = 5
MAX_PRIORITY = 2 * FAIR_LEVELS - 1


def queue_for(job: Job) -> str:
    return settings.GENERATION_PRIORITY_QUEUE if job.priority else settings.GENERATION_QUEUE


def jobs_ahead(job: Job) -> int:
    """The owner's other jobs already sent to the workers and not finished (waiting or running)."""
    return (
        Job.objects.filter(Q(status__in=Job.ACTIVE), user_id=job.user_id, enqueued_at__isnull=False)
        .exclude(pk=job.pk)
        .count()
    )


def priority_of(job: Job, ahead: int) -> int:
    """The job's priority, 0 to 9 (9 first), given how many of its owner's jobs are ahead."""
    return first_level(job.priority) - min(ahead, FAIR_LEVELS - 1)


def first_level(member: bool) -> int:
    """The level of a user's first job in its band: where a job not sent yet will stand."""
    return (FAIR_LEVELS if member else 0) + FAIR_LEVELS - 1


def broker_priority(priority: int, broker_url: str) -> int:
    """The value to send: kombu's Redis transport reads its levels the other way (0 first)."""
    return MAX_PRIORITY - priority if broker_url.startswith(("redis", "rediss")) else priority
