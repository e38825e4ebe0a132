from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "animateur.inbox"
    label = "inbox"
