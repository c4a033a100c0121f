from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from billing.pricing import price_table, sound_price

        # A malformed price stops start-up naming its variable, like every other setting.
        price_table()
        sound_price()
