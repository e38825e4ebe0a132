"""How to call the objectives' actions."""

from __future__ import annotations

from animateur.reports.actions import do_create_objective, do_delete_objective, do_update_objective
from tests.action_walk.registry import Call, World, case


@case("do_create_objective")
def _create(w: World) -> Call:
    return lambda: do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)


@case("do_update_objective")
def _update(w: World) -> Call:
    objective = do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)
    return lambda: do_update_objective(objective, "Réactivité", "within_target", "at_least", 0.8, 90, actor=w.owner)


@case("do_delete_objective")
def _delete(w: World) -> Call:
    objective = do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)
    return lambda: do_delete_objective(objective, actor=w.owner)


def _schedule(w: World):
    from animateur.reports.actions import do_create_report_schedule

    return do_create_report_schedule(w.workspace, "weekly", 0, 1, [w.owner], ["client@example.org"], actor=w.owner)


@case("do_create_report_schedule")
def _create_schedule(w: World) -> Call:
    from animateur.reports.actions import do_create_report_schedule

    return lambda: do_create_report_schedule(w.workspace, "monthly", 0, 3, [w.owner], [], actor=w.owner)


@case("do_delete_report_schedule")
def _delete_schedule(w: World) -> Call:
    from animateur.reports.actions import do_delete_report_schedule

    schedule = _schedule(w)
    return lambda: do_delete_report_schedule(schedule, actor=w.owner)


@case("do_send_report_schedule")
def _send_schedule(w: World) -> Call:
    import datetime

    from animateur.core.actions import SystemActor
    from animateur.reports.actions import do_send_report_schedule

    w.settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    schedule = _schedule(w)
    return lambda: do_send_report_schedule(schedule, datetime.date(2026, 12, 7), actor=SystemActor("reports"))


@case("do_set_report_branding")
def _branding(w: World) -> Call:
    from animateur.reports.actions import do_set_report_branding

    w.settings.MEDIA_ROOT = str(w.tmp_path / "media")
    return lambda: do_set_report_branding(w.workspace, "#aa3300", logo=png(), actor=w.owner)


def png(size: tuple[int, int] = (40, 20), fmt: str = "PNG") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 10)).save(out, format=fmt)
    return out.getvalue()


@case("do_save_report")
def _save_report(w: World) -> Call:
    from animateur.reports.actions import do_save_report

    return lambda: do_save_report(w.workspace, "Pour le client", ["volume", "within_target"], actor=w.owner)


@case("do_delete_saved_report")
def _delete_saved_report(w: World) -> Call:
    from animateur.reports.actions import do_delete_saved_report, do_save_report

    saved = do_save_report(w.workspace, "Pour le client", ["volume"], actor=w.owner)
    return lambda: do_delete_saved_report(saved, actor=w.owner)
