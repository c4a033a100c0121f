"""Screening rules and the review queue."""

from django.db import models  # noqa: F401
