from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "webapp.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        # Registered at start-up, so webhooks.py queues deliveries by name instead of importing
        # the module that imports it.
        from webapp.api import tasks  # noqa: F401
