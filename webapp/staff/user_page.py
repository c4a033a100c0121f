"""Everything staff see about one user on one page: jobs, points, paid points, flags, history."""

from django.db.models import Count, Sum

from billing import ledger
from billing.models import Lot, Membership, Payment
from billing.units import format_points
from generation.models import Job
from generation.moderation.models import Flag
from webapp.staff.models import AuditEntry

ROWS = 50


def user_page_context(user) -> dict:
    jobs = Job.objects.filter(user=user).order_by("-created_at")
    paid_lots = Lot.objects.filter(
        wallet__user=user, source__in=[Lot.Source.TOPUP, Lot.Source.MEMBERSHIP]
    ).order_by("-granted_at")
    return {
        "subject": user,
        "balance": format_points(ledger.balance(user)),
        "held": format_points(ledger.held_total(user)),
        # By status as staff read it ("排队中 2").
        "job_counts": {
            Job.Status(status).label: n
            for status, n in jobs.values_list("status").annotate(n=Count("id")).order_by()
        },
        "jobs": jobs[:ROWS],
        "entries": ledger.history(user).select_related("staff")[:ROWS],
        "payments": Payment.objects.filter(user=user).order_by("-paid_at")[:ROWS],
        "paid_lots": paid_lots[:ROWS],
        "paid_total": format_points(paid_lots.aggregate(t=Sum("amount"))["t"] or 0),
        "memberships": Membership.objects.filter(user=user)
        .select_related("tier", "assigned_by")
        .order_by("-starts_at"),
        "flags": Flag.objects.filter(user=user).select_related("job", "decided_by")[:ROWS],
        "audit": AuditEntry.objects.filter(subject_user=user).select_related("staff")[:ROWS],
    }
