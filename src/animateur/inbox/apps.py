from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "animateur.inbox"
    label = "inbox"

    def ready(self) -> None:
        from animateur.inbox import hooks
        from animateur.stream import pipeline

        if hooks.on_store not in pipeline.ON_STORE:
            pipeline.ON_STORE.append(hooks.on_store)
