from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "animateur.moderation"
    label = "moderation"

    def ready(self) -> None:
        from animateur.moderation import hooks
        from animateur.stream import pipeline, stages

        # Registered once even if ready() runs again (tests, autoreload).
        for hooks_list, hook in (
            (stages.ENRICHERS, hooks.score_items),
            (stages.MODERATORS, hooks.moderate_items),
            (pipeline.ON_STORE, hooks.store_moderation),
            (pipeline.AFTER_COMMIT, hooks.after_moderation),
        ):
            if hook not in hooks_list:
                hooks_list.append(hook)
