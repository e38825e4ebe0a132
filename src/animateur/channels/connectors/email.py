"""Email: an IMAP mailbox read with imaplib, answered through SMTP with smtplib.

Messages are read by UID above the cursor's (`UID SEARCH UID n:*`), in UID order, so a run cut
anywhere resumes at the next UID; a changed UIDVALIDITY (the folder was rebuilt) reads it again from
the start, and Message-IDs, the external ids, absorb what is read twice. A first run takes the last
FIRST_RUN messages only. Threads follow In-Reply-To, then References from the nearest to the
farthest: a reply is linked to its nearest ancestor stored in the channel or met in the same
batch, and to a nearer one when that arrives (see `ancestry`). The text is the text/plain part,
else the HTML part (sanitized in the pipeline). Messages are read with BODY.PEEK, so nothing is
marked as read in the mailbox.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid, parsedate_to_datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http, safe_mail
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import Capability, Connector, RawItem, read_item, register
from animateur.channels.errors import MalformedItem, PermanentError, TransientError
from animateur.core.html import text_of
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

FIRST_RUN = 100
FETCH_CHUNK = 50
MAX_PER_RUN = 2000
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
SECURITY = [("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("none", _("None (local tests only)"))]


class EmailForm(forms.Form):
    imap_host = forms.CharField(label=_("IMAP server"), max_length=253)
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(label=_("IMAP security"), choices=SECURITY, initial="ssl")
    username = forms.CharField(label=_("User name"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    folder = forms.CharField(label=_("Folder"), max_length=200, initial="INBOX")
    smtp_host = forms.CharField(
        label=_("SMTP server"), max_length=253, required=False, help_text=_("To answer; leave empty to only read.")
    )
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=587)
    smtp_security = forms.ChoiceField(label=_("SMTP security"), choices=SECURITY, initial="starttls")
    from_address = forms.EmailField(label=_("Answer from"), required=False)


def _message_id(value: str | None) -> str:
    match = re.search(r"<([^<>\s]+)>", value or "")
    return match.group(1) if match else (value or "").strip().strip("<>")


SERVERS = {"IMAP": _("the IMAP server"), "SMTP": _("the SMTP server")}
CREDENTIALS = _("the user name or password")


@contextmanager
def classified(what: str) -> Iterator[None]:
    """imaplib's, smtplib's and the network's errors, classified for the scheduler (failures.py)."""
    source = SERVERS[what]
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        raise failures.failure(failures.REFUSED, source, credentials=CREDENTIALS) from exc
    except (imaplib.IMAP4.abort, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise failures.for_network(source, exc) from exc
    except (imaplib.IMAP4.error, smtplib.SMTPException) as exc:
        raise failures.failure(failures.REQUEST_REFUSED, source, detail=str(exc)) from exc
    except OSError as exc:  # refused, reset, unresolvable, too slow, TLS
        raise failures.for_network(source, exc) from exc


@register
class EmailConnector(Connector):
    kind = "email"
    label = _("Email (IMAP mailbox)")
    capabilities = frozenset({Capability.READ, Capability.REPLY, Capability.DIRECT})
    form_class = EmailForm
    secret_fields = ("password",)
    default_poll_interval = 300

    # -- IMAP ---------------------------------------------------------------------------------------
    def _connect(self) -> imaplib.IMAP4:
        host, port = str(self.config.get("imap_host") or ""), int(self.config.get("imap_port") or 993)
        security = self.config.get("imap_security") or "ssl"
        if not host:
            raise PermanentError(gettext("no IMAP server given"), cause="bad_url")
        # safe_mail connects to the address it checked: never a mailbox on our own network (unless allowed).
        with classified("IMAP"):
            if security == "ssl":
                imap: imaplib.IMAP4 = safe_mail.IMAP4_SSL(host, port, timeout=safe_http.TIMEOUT_SECONDS)
            else:
                imap = safe_mail.IMAP4(host, port, timeout=safe_http.TIMEOUT_SECONDS)
                if security == "starttls":
                    imap.starttls(ssl.create_default_context())
        try:
            imap.login(str(self.config.get("username") or ""), str(self.secrets.get("password") or ""))
        except imaplib.IMAP4.error as exc:
            imap.shutdown()
            raise failures.failure(failures.REFUSED, SERVERS["IMAP"], credentials=CREDENTIALS) from exc
        return imap

    def _select(self, imap: imaplib.IMAP4) -> tuple[int, int]:
        folder = str(self.config.get("folder") or "INBOX")
        typ, data = imap.select(_quoted(folder), readonly=True)
        if typ != "OK":
            raise PermanentError(
                gettext("no folder “%(folder)s” in this mailbox") % {"folder": folder}, cause="not_found"
            )
        typ, validity = imap.response("UIDVALIDITY")
        return int((data or [b"0"])[0] or 0), int(validity[0]) if validity and validity[0] else 0

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        imap = self._connect()
        try:
            with classified("IMAP"):
                _count, validity = self._select(imap)
                last = int(since.get("uid") or 0) if int(since.get("uidvalidity") or 0) == validity else 0
                typ, data = imap.uid("SEARCH", f"UID {last + 1}:*")
                if typ != "OK":
                    raise PermanentError(gettext("the IMAP server refused the search"), cause="http_error")
                uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)
                if not since.get("uid"):
                    uids = uids[-FIRST_RUN:]
                uids = uids[:MAX_PER_RUN]
                for start in range(0, len(uids), FETCH_CHUNK):
                    chunk = uids[start : start + FETCH_CHUNK]
                    fetched = self._fetch_chunk(imap, chunk)
                    for uid in chunk:
                        cursor = {"uidvalidity": validity, "uid": uid}
                        content = fetched.get(uid)
                        if content is None:
                            yield RawItem(f"uid:{validity}:{uid}", None, "invalid", {"uid": uid}, cursor)
                            continue
                        fallback = f"uid:{validity}:{uid}"
                        yield read_item(
                            fallback,
                            {"uid": uid, "headers": _raw_headers(content)},
                            cursor,
                            self.raw_item,
                            content,
                            cursor,
                            fallback,
                            {"uid": uid},
                        )
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                imap.logout()

    def _fetch_chunk(self, imap: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
        typ, data = imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE BODY.PEEK[])")
        if typ != "OK":
            raise TransientError(gettext("the IMAP server refused to send the messages"), cause="unreachable")
        found: dict[int, bytes] = {}
        for part in data:
            if isinstance(part, tuple):
                match = re.search(rb"UID (\d+)", part[0])
                if match and len(part[1]) <= MAX_MESSAGE_BYTES:
                    found[int(match.group(1))] = part[1]
        return found

    @staticmethod
    def raw_item(content: bytes, cursor: dict[str, Any], fallback_id: str, extra: dict[str, Any]) -> RawItem:
        """A message's RawItem: headers and readable text only (attachments are not kept)."""
        message = email.message_from_bytes(content, policy=email.policy.default)
        message_id = _message_id(_header(message, "Message-ID")) or fallback_id
        try:
            date = parsedate_to_datetime(_header(message, "Date")) if _header(message, "Date") else None
        except (TypeError, ValueError):
            date = None
        text, html = _bodies(message)
        payload = {
            **extra,
            "message_id": message_id,
            "subject": _header(message, "Subject"),
            "from": _header(message, "From"),
            "reply_to": _header(message, "Reply-To"),
            "to": _header(message, "To"),
            "date": date.isoformat() if date else None,
            "in_reply_to": _message_id(_header(message, "In-Reply-To")),
            "references": [_message_id(r) for r in _header(message, "References").split() if r],
            "text": text,
            "html": html,
            "auto_submitted": _header(message, "Auto-Submitted"),
        }
        return RawItem(message_id, date, "email", payload, cursor)

    def normalize(self, raw: RawItem) -> Incoming:
        return normalize_email(self, raw)

    def test_connection(self) -> str:
        imap = self._connect()
        try:
            with classified("IMAP"):
                count, _validity = self._select(imap)
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                imap.logout()
        found = gettext("%(count)d messages in %(folder)s") % {
            "count": count,
            "folder": self.config.get("folder") or "INBOX",
        }
        if self.config.get("smtp_host"):
            with self._smtp():
                pass
            found = gettext("%(found)s; the SMTP server accepts the login") % {"found": found}
        return found

    # -- SMTP ---------------------------------------------------------------------------------------
    @contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        host, port = str(self.config.get("smtp_host") or ""), int(self.config.get("smtp_port") or 587)
        if not host:
            raise PermanentError(gettext("no SMTP server given: this mailbox can only be read"), cause="bad_url")
        security = self.config.get("smtp_security") or "starttls"
        with classified("SMTP"):
            if security == "ssl":
                smtp: smtplib.SMTP = safe_mail.SMTP_SSL(host, port, timeout=safe_http.TIMEOUT_SECONDS)
            else:
                smtp = safe_mail.SMTP(host, port, timeout=safe_http.TIMEOUT_SECONDS)
                if security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            try:
                smtp.login(str(self.config.get("username") or ""), str(self.secrets.get("password") or ""))
                yield smtp
            finally:
                try:
                    smtp.quit()
                except smtplib.SMTPException:
                    smtp.close()

    def reply(self, message: Message, text: str) -> str:
        mail = message.raw or {}
        recipient = mail.get("reply_to") or mail.get("from")
        if not recipient:
            raise PermanentError(gettext("this message has no address to answer"), cause="not_found")
        sender = str(self.config.get("from_address") or self.config.get("username") or "")
        answer = EmailMessage()
        answer["From"] = sender
        answer["To"] = recipient
        subject = str(mail.get("subject") or "")
        answer["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
        answer["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        answer["In-Reply-To"] = f"<{message.external_id}>"
        references = [*(mail.get("references") or []), message.external_id]
        answer["References"] = " ".join(f"<{r}>" for r in references)
        answer["Auto-Submitted"] = "no"
        answer.set_content(text)
        with self._smtp() as smtp, classified("SMTP"):
            smtp.send_message(answer)
        return _message_id(str(answer["Message-ID"]))


def _header(message: email.message.Message, name: str) -> str:
    """A header's text, decoded; its raw text when the parser cannot take it.

    Real mail holds headers the structured parser fails on: a list's `To: unlisted-recipients:; (no
    To-header on input)` (a group, where the parser wants an address), a broken encoded word. Such a
    header is read as the sender wrote it rather than losing the message.
    """
    try:
        return str(message.get(name) or "")
    except Exception:  # the parser's own errors vary (AttributeError, IndexError, HeaderParseError...)
        raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), "")
        return " ".join(str(raw).split())


def _raw_headers(content: bytes) -> str:
    """The headers of a message as received, for the inspection of one that could not be read."""
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return head[:5000].decode("utf-8", errors="replace")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bodies(message: email.message.Message) -> tuple[str, str]:
    """The text/plain and text/html bodies (not attachments)."""
    text = html = ""
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        try:
            content = part.get_content() if hasattr(part, "get_content") else part.get_payload(decode=True)
        except Exception:  # an unknown charset, a broken transfer encoding: read the bytes leniently
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
        if kind == "text/plain" and not text:
            text = str(content).strip()
        elif kind == "text/html" and not html:
            html = str(content)
    return text, html


MAX_ANCESTORS = 20  # References of a long thread name every mail of it; the nearest ones are enough


def ancestry(mail: dict[str, Any]) -> list[str]:
    """A mail's ancestors by Message-ID, nearest first: In-Reply-To, then References from the last.

    Mailers differ: some send In-Reply-To alone, some References alone, whose last entry is the
    parent and the first the thread's start. The pipeline links the mail to the nearest one it has.
    """
    own = mail.get("message_id")
    found: list[str] = []
    for reference in [mail.get("in_reply_to") or "", *reversed(mail.get("references") or [])]:
        if reference and reference != own and reference not in found:
            found.append(reference)
    return found[:MAX_ANCESTORS]


def normalize_email(connector: Connector, raw: RawItem) -> Incoming:
    """A mail read by `raw_item` as an incoming message of the connector's channel (IMAP or mbox)."""
    if raw.kind == "invalid":
        raise MalformedItem(
            gettext("message %(id)s could not be read (too large, or not sent by the server)") % {"id": raw.external_id}
        )
    mail = raw.payload
    addresses = getaddresses([mail.get("from") or ""])
    name, address = addresses[0] if addresses else ("", "")
    if not address or "@" not in address:
        raise MalformedItem(gettext("this message has no sender address (From)"))
    created: datetime = timezone.now()
    if mail.get("date"):
        created = datetime.fromisoformat(mail["date"])
        if created.tzinfo is None:
            created = timezone.make_aware(created, timezone.get_default_timezone())
    ancestors = ancestry(mail)
    ours = str(connector.config.get("from_address") or connector.config.get("username") or "").lower()
    return Incoming(
        channel=connector.channel,
        external_id=raw.external_id,
        text=mail.get("text") or text_of(mail.get("html") or ""),
        html=None if mail.get("text") else (mail.get("html") or None),
        title=mail.get("subject") or "",
        created_at=created,
        author=AuthorInfo(
            external_id=address.lower(), display_name=name, email=address.lower(), handle=address.lower()
        ),
        kind=Kind.EMAIL,
        parent_external_id=ancestors[0] if ancestors else None,
        ancestor_external_ids=ancestors[1:],
        from_organisation=bool(ours) and address.lower() == ours,
        raw=mail,
    )
