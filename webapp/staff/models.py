"""Staff actions: the audit log."""

from django.db import models  # noqa: F401
