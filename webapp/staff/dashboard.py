"""The figures on the staff dashboard, each one ORM aggregate over a recent window."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from billing.models import Hold, Lot, Payment
from generation.models import Job
from generation.moderation.models import Flag
from webapp.models import WorkerHeartbeat

# A worker that has not reported for this long is shown as silent.
HEARTBEAT_FRESH = timedelta(seconds=120)


def jobs_per_hour(now: datetime, hours: int = 24) -> list[dict]:
    """[{hour, cells: [n per Job.Status, in order], total}] for each of the last `hours` hours
    that had a job, newest first (by the hour the job was submitted)."""
    rows = (
        Job.objects.filter(created_at__gte=now - timedelta(hours=hours))
        .annotate(hour=TruncHour("created_at"))
        .values("hour", "status")
        .annotate(n=Count("id"))
        .order_by("-hour")
    )
    by_hour: dict = {}
    for row in rows:
        by_hour.setdefault(row["hour"], {})[row["status"]] = row["n"]
    return [
        {
            "hour": hour,
            "cells": [counts.get(code, 0) for code in Job.Status.values],
            "total": sum(counts.values()),
        }
        for hour, counts in by_hour.items()
    ]


@dataclass(frozen=True)
class QueueFigures:
    queued: int
    running: int
    oldest_queued_s: float | None
    started_last_hour: int
    median_wait_s: float | None
    mean_wait_s: float | None


def queue_figures(now: datetime) -> QueueFigures:
    """Queue depth now, and how long the jobs started in the last hour waited (submit → start)."""
    queued = Job.objects.filter(status=Job.Status.QUEUED)
    oldest = queued.order_by("created_at").values_list("created_at", flat=True).first()
    started = Job.objects.filter(started_at__gte=now - timedelta(hours=1)).values_list(
        "created_at", "started_at"
    )
    waits = [(start - created).total_seconds() for created, start in started[:10000]]
    return QueueFigures(
        queued=queued.count(),
        running=Job.objects.filter(status=Job.Status.RUNNING).count(),
        oldest_queued_s=(now - oldest).total_seconds() if oldest else None,
        started_last_hour=len(waits),
        median_wait_s=statistics.median(waits) if waits else None,
        mean_wait_s=statistics.fmean(waits) if waits else None,
    )


def worker_heartbeats(now: datetime) -> list[dict]:
    return [
        {
            "worker": beat,
            "age_s": (now - beat.seen_at).total_seconds(),
            "alive": now - beat.seen_at <= HEARTBEAT_FRESH,
        }
        for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:50]
    ]


def refusals_by_rule(now: datetime, days: int = 7) -> list[dict]:
    """Flags raised in the last `days` days per (layer, rule), split by how they ended."""
    rows = (
        Flag.objects.filter(created_at__gte=now - timedelta(days=days))
        .values("layer", "rule", "status")
        .annotate(n=Count("id"))
    )
    by_rule: dict = {}
    for row in rows:
        key = (row["layer"], row["rule"])
        by_rule.setdefault(key, {})[row["status"]] = row["n"]
    result = [
        {"layer": layer, "rule": rule, "counts": counts, "total": sum(counts.values())}
        for (layer, rule), counts in by_rule.items()
    ]
    return sorted(result, key=lambda r: -r["total"])


def points_by_day(now: datetime, days: int = 14) -> list[dict]:
    """Per day: points granted (by source; refunds are returned points, not new ones) and points
    spent (holds captured), in tenths."""
    since = now - timedelta(days=days)
    granted = (
        Lot.objects.filter(granted_at__gte=since)
        .exclude(source=Lot.Source.REFUND)
        .annotate(day=TruncDate("granted_at"))
        .values("day", "source")
        .annotate(total=Sum("amount"))
    )
    spent = (
        Hold.objects.filter(status=Hold.Status.CAPTURED, settled_at__gte=since)
        .annotate(day=TruncDate("settled_at"))
        .values("day")
        .annotate(total=Sum("amount"))
    )
    days_: dict = {}
    for row in granted:
        day = days_.setdefault(row["day"], {"granted": {}, "granted_total": 0, "spent": 0})
        day["granted"][row["source"]] = row["total"]
        day["granted_total"] += row["total"]
    for row in spent:
        days_.setdefault(row["day"], {"granted": {}, "granted_total": 0, "spent": 0})
        days_[row["day"]]["spent"] = row["total"]
    return [{"day": day, **figures} for day, figures in sorted(days_.items(), reverse=True)]


def revenue_by_day(now: datetime, days: int = 30) -> list[dict]:
    """Money received per day and currency, net of refunds: [{day, currency, provider, n, total}]
    (amounts in the currency's smallest unit). Sandbox test payments are listed apart."""
    rows = (
        Payment.objects.filter(paid_at__gte=now - timedelta(days=days))
        .annotate(day=TruncDate("paid_at"))
        .values("day", "currency", "provider")
        .annotate(n=Count("id"), total=Sum(F("amount") - F("amount_refunded")))
        .order_by("-day", "currency", "provider")
    )
    return list(rows)


def sales_by_day(now: datetime, days: int = 30) -> list[dict]:
    """Paid points per day: top-up and membership lots (count and points)."""
    rows = (
        Lot.objects.filter(
            granted_at__gte=now - timedelta(days=days),
            source__in=[Lot.Source.TOPUP, Lot.Source.MEMBERSHIP],
        )
        .annotate(day=TruncDate("granted_at"))
        .values("day", "source")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-day", "source")
    )
    return list(rows)


def figures(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "now": now,
        "jobs_per_hour": jobs_per_hour(now),
        "statuses": Job.Status.choices,
        "queue": queue_figures(now),
        "workers": worker_heartbeats(now),
        "refusals": refusals_by_rule(now),
        "points": points_by_day(now),
        "revenue": revenue_by_day(now),
        "sales": sales_by_day(now),
    }
