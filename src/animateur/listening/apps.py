from django.apps import AppConfig


class ListeningConfig(AppConfig):
    # Its pipeline hook (matching new messages against saved searches) is declared in stream/pipeline.py's HOOKS.
    name = "animateur.listening"
    label = "listening"
    default_auto_field = "django.db.models.BigAutoField"
