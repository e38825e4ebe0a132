from django.apps import AppConfig


class ModerationConfig(AppConfig):
    # Its pipeline hooks (scores, rules, review items) are declared in stream/pipeline.py's HOOKS.
    name = "animateur.moderation"
    label = "moderation"
