from allauth.account.adapter import DefaultAccountAdapter

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
