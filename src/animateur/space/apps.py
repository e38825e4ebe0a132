from django.apps import AppConfig


class SpaceConfig(AppConfig):
    # Its pipeline hook (comment counts) is declared in stream/pipeline.py's HOOKS.
    name = "animateur.space"
    label = "space"
