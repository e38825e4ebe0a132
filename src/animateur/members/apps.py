from django.apps import AppConfig


class MembersConfig(AppConfig):
    # Members follow the stream through recompute (actions.do_recompute_members), not a pipeline hook.
    name = "animateur.members"
    label = "members"
