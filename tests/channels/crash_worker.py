"""A worker process for the crash test: `setup` migrates a file database, `poll` polls the files channel.

Run as a script (never collected by pytest): python crash_worker.py setup|poll <csv path>
"""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    django.setup()
    from django.core.management import call_command

    from animateur.channels.models import Channel
    from animateur.channels.runner import poll_channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Workspace

    mode, path = sys.argv[1], sys.argv[2]
    if mode == "setup":
        call_command("migrate", verbosity=0)
        workspace = do_create_workspace("crash", "Crash", actor=SystemActor("tests"))
        Channel.objects.create(workspace=workspace, kind="files", name="log", config={"path": path})
        return
    channel = Channel.objects.get(workspace=Workspace.objects.get(slug="crash"), kind="files")
    run = poll_channel(channel.pk)
    print("run", run and run.ok, run and run.error, flush=True)


if __name__ == "__main__":
    main()
