from django.apps import AppConfig


class StreamConfig(AppConfig):
    name = "animateur.stream"
    label = "stream"
