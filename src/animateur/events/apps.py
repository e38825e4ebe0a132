from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "animateur.events"
    label = "events"
