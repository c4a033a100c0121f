from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "generation.moderation"
    label = "moderation"
    verbose_name = "Moderation"
