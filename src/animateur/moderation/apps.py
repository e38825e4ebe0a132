from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "animateur.moderation"
    label = "moderation"
