"""A model field for amounts of points: stored as tenths, typed and shown as points in forms."""

from django import forms
from django.db import models

from billing.units import format_points, parse_points


class PointsFormField(forms.DecimalField):
    """Staff type "66" or "0.2"; the cleaned value is the integer of tenths (660, 2)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 1)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_points(value) if isinstance(value, int) else value

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else parse_points(value)

    def has_changed(self, initial, data):
        try:
            data = self.clean(data)
        except forms.ValidationError:
            return True
        return initial != data


class PointsField(models.BigIntegerField):
    """An amount in tenths of a point (an integer; never a float)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", PointsFormField)
        return models.Field.formfield(self, **kwargs)
