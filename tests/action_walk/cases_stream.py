"""How to call the actions of the stream: a message's visibility, the export of every message."""

from __future__ import annotations

import io

from animateur.stream.actions import do_set_message_visibility
from animateur.stream.export import do_export_stream
from tests.action_walk.registry import Call, World, case


@case("do_set_message_visibility")
def _set_visibility(w: World) -> Call:
    message = w.message()
    return lambda: do_set_message_visibility([message], "hidden", actor=w.owner)


@case("do_export_stream")
def _export(w: World) -> Call:
    w.message()
    w.message("Une autre question", author="Bruno")
    return lambda: do_export_stream(w.workspace, io.StringIO(), actor=w.owner)
