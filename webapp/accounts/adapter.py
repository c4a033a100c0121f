from allauth.account.adapter import DefaultAccountAdapter

from webapp.accounts.models import normalize_email


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        return normalize_email(super().clean_email(email))
