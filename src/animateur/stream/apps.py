from django.apps import AppConfig


class StreamConfig(AppConfig):
    name = "animateur.stream"
    label = "stream"

    def ready(self) -> None:
        from animateur.stream.pipeline import install_hooks

        install_hooks()
