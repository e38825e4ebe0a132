from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "animateur.core"
    label = "core"
