from django.apps import AppConfig


class SpaceConfig(AppConfig):
    name = "animateur.space"
    label = "space"
