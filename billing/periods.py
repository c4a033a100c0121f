"""How long a membership term runs, and in months. Its own module because both the memberships
(billing/models.py) and the plans sold (billing/payment_models.py) use it, and the plans must not
import the models module that re-exports them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-year")
    ANNUAL = "annual", _("Annual")


PERIOD_MONTHS = {
    Period.MONTHLY: 1,
    Period.QUARTERLY: 3,
    Period.HALF_YEAR: 6,
    Period.ANNUAL: 12,
}
