"""The time estimate users see while a job waits or runs, learned from this installation.

Every succeeded job records how long it took from claim to finish under three keys: its exact
shape (spec, kind, mode, aspect ratio, length or picture count), its spec and kind, and "*"
(any job). Each key keeps a moving average that weighs the first samples equally and then
follows the recent ones (weight 1/5), so a new GPU or a new setting shows within a few jobs.

A status poll must stay cheap whatever the size of the job table (it is most of the site's
traffic): the averages, the number of live workers and the number of running jobs are read from
the cache, and only the queue position is counted in the database, on an index.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from generation import dispatch
from generation.models import Job, RunTime

DEFAULT_SECONDS = 60.0  # before anything was measured
RECENT_WEIGHT = 0.2
STAT_TTL = 300  # the database keeps the truth; the cache only spares it the reads
UNMEASURED_TTL = 60  # "nothing measured yet" is looked up again sooner
COUNT_TTL = 5  # running jobs and live workers, shared by every poll for this long
ANY = "*"
RUNNING_KEY = "eta:running"
WORKERS_KEY = "eta:workers"


def shape_keys(job: Job) -> list[str]:
    """The job's keys, most specific first."""
    params = job.params or {}
    size = (
        f"{params.get('num_images', 1)}pic"
        if job.kind == Job.Kind.TEXT_TO_PICTURE
        else f"{params.get('duration_s', 5)}s"
    )
    exact = "|".join(
        str(part)
        for part in (
            job.model_spec,
            job.kind,
            params.get("mode", "standard"),
            params.get("aspect_ratio", ""),
            size,
            "end" if job.end_image else "",
        )
    )
    return [exact, f"{job.model_spec}|{job.kind}", ANY]


def record(job: Job, seconds: float) -> None:
    """Learn from one succeeded job."""
    if seconds <= 0:
        return
    for key in shape_keys(job):
        with transaction.atomic():
            stat, created = RunTime.objects.select_for_update().get_or_create(
                key=key, defaults={"seconds": seconds, "samples": 1}
            )
            if not created:
                weight = max(RECENT_WEIGHT, 1 / (stat.samples + 1))
                stat.seconds += weight * (seconds - stat.seconds)
                stat.samples += 1
                stat.save(update_fields=["seconds", "samples", "updated_at"])
        cache.set(_cache_key(key), stat.seconds, STAT_TTL)


def expected_seconds(job: Job) -> float:
    """What a job of this shape takes here: the most specific key measured so far."""
    return _figures(job)["own"]


def _figures(job: Job) -> dict:
    """Everything the estimate needs, in one cache round trip when warm: the job's own expected
    seconds, any job's, the running jobs and the live workers."""
    keys = shape_keys(job)
    names = [_cache_key(k) for k in keys] + [RUNNING_KEY, WORKERS_KEY]
    got = cache.get_many(names)
    stats = {k: got[_cache_key(k)] for k in keys if _cache_key(k) in got}
    if len(stats) < len(keys):  # cold (a restart, an eviction): one read fills every key
        known = dict(RunTime.objects.filter(key__in=keys).values_list("key", "seconds"))
        cache.set_many({_cache_key(k): known[k] for k in keys if k in known}, STAT_TTL)
        # "Nothing measured yet" is remembered too, for less long.
        cache.set_many({_cache_key(k): None for k in keys if k not in known}, UNMEASURED_TTL)
        stats = {k: known.get(k) for k in keys}
    measured = [stats[k] for k in keys if stats[k] is not None]
    running = got.get(RUNNING_KEY)
    if running is None:
        running = Job.objects.filter(status=Job.Status.RUNNING).count()
        cache.set(RUNNING_KEY, running, COUNT_TTL)
    workers = got.get(WORKERS_KEY)
    if workers is None:
        from webapp.models import WorkerHeartbeat

        recent = timezone.now() - timedelta(seconds=120)
        workers = WorkerHeartbeat.objects.filter(seen_at__gte=recent).count()
        cache.set(WORKERS_KEY, workers, COUNT_TTL)
    return {
        "own": measured[0] if measured else DEFAULT_SECONDS,
        "any": stats[ANY] if stats[ANY] is not None else DEFAULT_SECONDS,
        "running": running,
        "workers": max(1, workers),  # at least one is assumed
    }


def _cache_key(key: str) -> str:
    return "eta:runtime:" + key.replace(" ", "_")


def queue_position(job: Job) -> int:
    """How many queued jobs the workers take before this one, in the broker's order
    (dispatch.py): sent jobs by the level they were sent at, then by when; jobs not sent yet
    (the broker was down) stand at their band's first level, behind every sent job of that
    level, in order of creation. One count on the (status, dispatch_level, enqueued_at) index.

    Written as SQL because it runs on every status poll, most of the site's requests: building
    the same filter with the ORM cost ten times the query's own CPU (0.6 against 0.05 ms)."""
    if job.status != Job.Status.QUEUED:
        return 0
    ops = connection.ops
    sent = job.enqueued_at is not None
    level = job.dispatch_level if sent else dispatch.first_level(job.priority)
    if sent:
        ahead = [
            "(enqueued_at IS NOT NULL AND (dispatch_level > %s OR "
            "(dispatch_level = %s AND enqueued_at < %s)))"
        ]
        params = [level, level, ops.adapt_datetimefield_value(job.enqueued_at)]
    else:
        ahead, params = ["(enqueued_at IS NOT NULL AND dispatch_level >= %s)"], [level]
    for member in (True, False):
        band_level = dispatch.first_level(member)
        if band_level > level:
            ahead.append("(enqueued_at IS NULL AND priority = %s)")
            params.append(member)
        elif band_level == level and not sent:
            ahead.append("(enqueued_at IS NULL AND priority = %s AND created_at < %s)")
            params += [member, ops.adapt_datetimefield_value(job.created_at)]
    # Only fixed fragments are joined; every value is a parameter.
    where = " OR ".join(ahead)
    sql = f"SELECT COUNT(*) FROM {Job._meta.db_table} WHERE status = %s AND ({where})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Job.Status.QUEUED, *params])
        return cursor.fetchone()[0]


def eta_seconds(job: Job, position: int | None = None) -> int | None:
    """Seconds until the job is done; None once it has ended. Queued: the jobs ahead and the
    running ones (half done, on average), shared among the live workers, then its own run."""
    if job.status not in Job.ACTIVE:
        return None
    figures = _figures(job)
    own = figures["own"]
    if job.status == Job.Status.QUEUED:
        if position is None:
            position = queue_position(job)
        ahead = (position + figures["running"] / 2) * figures["any"]
        return int(ahead / figures["workers"] + own)
    elapsed = (timezone.now() - job.started_at).total_seconds() if job.started_at else 0.0
    if job.progress >= 10:  # far enough in to trust its own pace
        return int(max(1.0, elapsed * (100 - job.progress) / job.progress))
    return int(max(1.0, own - elapsed))


def poll_seconds(seconds_left: int | None) -> int:
    """How soon the page asks again: about twenty times over what is left, between 1 and 10 s,
    so a long queue costs the server a tenth of the polls and a job about to end still shows
    at once."""
    if not seconds_left:
        return 1
    return max(1, min(10, seconds_left // 20))
