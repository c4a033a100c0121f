from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    verbose_name = _("Users")  # allauth's own app is "Accounts" (e-mail addresses)

    def ready(self):
        # Registered at start-up, so export.py queues the build by name instead of importing
        # the module that imports it.
        from webapp.accounts import tasks  # noqa: F401
