from django.apps import AppConfig
from django.db.backends.signals import connection_created


class StreamConfig(AppConfig):
    name = "animateur.stream"
    label = "stream"

    def ready(self) -> None:
        from animateur.stream.folding import register

        connection_created.connect(register, dispatch_uid="animateur.stream.folding")
