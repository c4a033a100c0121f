from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("Generation")

    def ready(self):
        # Registered at start-up, so the modules that queue these tasks (services, notify) find
        # them by name instead of importing the module that imports them.
        from generation import tasks  # noqa: F401
