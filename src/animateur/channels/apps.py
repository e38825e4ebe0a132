from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "animateur.channels"
    label = "channels"
