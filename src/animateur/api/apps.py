from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "animateur.api"
    label = "api"
