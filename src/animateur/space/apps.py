from django.apps import AppConfig


class SpaceConfig(AppConfig):
    name = "animateur.space"
    label = "space"

    def ready(self) -> None:
        from animateur.space.threads import refresh_counts_for_messages
        from animateur.stream.pipeline import ON_STORE

        if refresh_counts_for_messages not in ON_STORE:
            ON_STORE.append(refresh_counts_for_messages)
