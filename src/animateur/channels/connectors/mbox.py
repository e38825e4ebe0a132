"""mbox files (a mail archive, a mailing list's export), read with Python's mailbox module.

The file is read only from the import folders, like the files connector. The cursor is the index of
the last message read and the file's size then: an mbox grows at its end, so each poll reads the
messages after it; a file that shrank was replaced and is read again from the start (Message-IDs,
the external ids, absorb what is read twice). Messages are normalized as the IMAP connector does.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors.base import Capability, Connector, RawItem, read_item, register
from animateur.channels.connectors.email import MAX_MESSAGE_BYTES, EmailConnector, normalize_email
from animateur.channels.connectors.files import checked_path
from animateur.channels.errors import PermanentError
from animateur.stream.items import Incoming


class MboxForm(forms.Form):
    path = forms.CharField(label=_("File"), max_length=500, help_text=_("An mbox file in the import folder."))


@register
class MboxConnector(Connector):
    kind = "mbox"
    label = _("Mail archive (mbox file)")
    capabilities = frozenset({Capability.READ})
    form_class = MboxForm
    default_poll_interval = 3600

    def _open(self) -> tuple[mailbox.mbox, int]:
        path = checked_path(str(self.config.get("path") or ""))
        with path.open("rb") as handle:
            head = handle.read(5)
        if head and head != b"From ":
            raise PermanentError(gettext("this file is not an mbox mail archive"), cause="not_mbox")
        return mailbox.mbox(path, create=False), path.stat().st_size

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        box, size = self._open()
        try:
            start = int(since.get("index", 0)) if int(since.get("size", 0)) <= size else 0
            for index, key in enumerate(box.keys()):
                if index < start:
                    continue
                cursor = {"index": index + 1, "size": size}
                fallback = f"mbox:{index}"
                yield read_item(fallback, {"index": index}, cursor, self._raw_item, box, key, index, cursor)
        finally:
            box.close()

    @staticmethod
    def _raw_item(box: mailbox.mbox, key: str, index: int, cursor: dict[str, Any]) -> RawItem:
        content = box.get_bytes(key)
        fallback = f"mbox:{index}"
        if len(content) > MAX_MESSAGE_BYTES:
            return RawItem(fallback, None, "invalid", {"index": index}, cursor)
        return EmailConnector.raw_item(content, cursor, fallback, {"index": index})

    def normalize(self, raw: RawItem) -> Incoming:
        return normalize_email(self, raw)

    def test_connection(self) -> str:
        box, _size = self._open()
        try:
            count = len(box)
        finally:
            box.close()
        return gettext("%(count)d messages in %(name)s") % {"count": count, "name": self.config.get("path")}
