from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing.pricing import price_table

        # A malformed price stops start-up naming its variable, like every other setting.
        price_table()
