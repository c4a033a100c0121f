from allauth.account.adapter import DefaultAccountAdapter
from django.utils import timezone

from webapp.accounts.models import normalize_email
from webapp.ratelimit import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        return normalize_email(super().clean_email(email))

    def get_client_ip(self, request):
        # The same address every other per-address limit uses (TRUSTED_PROXY_COUNT or
        # CLIENT_IP_HEADER behind a proxy); allauth's own reading raises on a short
        # X-Forwarded-For, which a client could turn into a 500.
        return client_ip(request)

    def respond_user_inactive(self, request, user):
        """A suspended account is told why (the staff's stated reason) and whom to write to on
        the inactive page, not only "inactive"."""
        from webapp.staff.models import AuditEntry

        suspension = (
            AuditEntry.objects.filter(subject_user=user, action=AuditEntry.Action.SUSPEND)
            .order_by("-created_at")
            .first()
        )
        if suspension is not None:
            request.session["suspension"] = {
                "reason": suspension.reason,
                "since": timezone.localtime(suspension.created_at).strftime("%Y-%m-%d"),
            }
        return super().respond_user_inactive(request, user)
