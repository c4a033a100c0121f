"""Helpers shared by the moderation tests."""

import importlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

CREATE = reverse("generation:create")


def seed_rules():
    """The default rules; transactional tests flush the data migration's rows, so seed again."""
    from django.apps import apps

    module = importlib.import_module("generation.moderation.migrations.0002_seed_default_rules")
    module.seed(apps, None)


def submit(client, data, files=None):
    return client.post(CREATE, {**data, **(files or {})})


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def i2v_data(**overrides) -> dict:
    from tests.gen_helpers import t2v_data

    return t2v_data(kind="image_to_video", prompt="", **overrides)


def verdict(prompt: str, photo: bool = False):
    """(outcome, category) of the deciding hit on `prompt`, or None; `photo`: over an upload."""
    from generation.moderation import screening
    from generation.moderation.verdict import strongest

    hit = strongest(screening.prompt_hits(prompt, photo=photo))
    return (hit.outcome, hit.category) if hit else None
