"""A Mastodon status as one message: its content warning, text, media with their descriptions, poll and quote.

Mastodon sends a status's parts apart: `content` (HTML; empty when the status is only media),
`spoiler_text` (the content warning, which the author puts before the rest and which hides it),
`media_attachments` (each with its `description`, the alt text), `poll` (its `options`) and `quote`
(`{"state", "quoted_status"}` since Mastodon 4.4, the content then holding a fallback
`<p class="quote-inline">RE: link</p>` that clients hide). All of them are kept in the message, in that
order: the content warning first and marked as one, the content, the media named with their description,
the poll's options, the quoted status. The status itself stays in `Message.raw`, where each part keeps its
own field (`spoiler_text`, `media_attachments`, `poll`, `quote`, `edited_at`).

The words added around the parts (« Avertissement de contenu : », « Image : ») are written in the
language of the run (the workspace's): they are part of the stored text, as the author's are.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from animateur.core.html import text_of

QUOTE_FALLBACK = re.compile(r'<p class="quote-inline">.*?</p>', re.DOTALL)


def media_label(kind: str) -> str:
    labels = {
        "image": gettext("Image"),
        "gifv": gettext("Animated image"),
        "video": gettext("Video"),
        "audio": gettext("Audio"),
    }
    return labels.get(kind, gettext("Attachment"))


def compose(status: dict[str, Any], *, quoting: bool = True) -> tuple[str, str]:
    """The status's text and HTML, every part included (see the module's doc)."""
    texts: list[str] = []
    htmls: list[str] = []
    if warning := str(status.get("spoiler_text") or "").strip():
        texts.append(gettext("Content warning: %(warning)s") % {"warning": warning})
        htmls.append(f"<p><strong>{escape(gettext('Content warning:'))}</strong> {escape(warning)}</p>")
    content = str(status.get("content") or "")
    quote = quoted_status(status) if quoting else None
    if quote is not None:
        content = QUOTE_FALLBACK.sub("", content)
    if text := text_of(content).strip():
        texts.append(text)
        htmls.append(content)
    _media(status, texts, htmls)
    _poll(status, texts, htmls)
    if quote is not None:
        _quote(quote, texts, htmls)
    return "\n\n".join(texts), "\n".join(htmls)


def quoted_status(status: dict[str, Any]) -> dict[str, Any] | None:
    """The status this one quotes, when the server shows it (Mastodon 4.4's `quote`, or a fork's status)."""
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None
    quoted = quote.get("quoted_status") if "state" in quote else quote
    return quoted if isinstance(quoted, dict) and quoted.get("id") else None


def _media(status: dict[str, Any], texts: list[str], htmls: list[str]) -> None:
    lines, items = [], []
    for media in status.get("media_attachments") or []:
        if not isinstance(media, dict):
            continue
        label = media_label(str(media.get("type") or ""))
        description = str(media.get("description") or "").strip()
        url = str(media.get("url") or media.get("remote_url") or "")
        named = f'<a href="{escape(url)}">{escape(label)}</a>' if url else escape(label)
        if description:
            said = gettext("%(kind)s: %(description)s")
            lines.append(said % {"kind": label, "description": description})
            items.append("<li>" + said % {"kind": named, "description": escape(description)} + "</li>")
        else:
            said = gettext("%(kind)s without description")
            lines.append(said % {"kind": label})
            items.append("<li>" + said % {"kind": named} + "</li>")
    if items:  # one line each, together as one paragraph
        texts.append("\n".join(lines))
        htmls.append(f"<ul>{''.join(items)}</ul>")


def _poll(status: dict[str, Any], texts: list[str], htmls: list[str]) -> None:
    poll = status.get("poll")
    if not isinstance(poll, dict) or not poll.get("options"):
        return
    lines, items = [], []
    for option in poll["options"]:
        title = str((option or {}).get("title") or "").strip()
        votes = (option or {}).get("votes_count")
        if votes is not None:  # hidden by some polls until they end
            title = gettext("%(option)s (%(votes)s)") % {
                "option": title,
                "votes": ngettext("%(count)d vote", "%(count)d votes", int(votes)) % {"count": int(votes)},
            }
        lines.append(f"- {title}")
        items.append(f"<li>{escape(title)}</li>")
    texts.append(gettext("Poll:") + "\n" + "\n".join(lines))
    htmls.append(f"<p><strong>{escape(gettext('Poll:'))}</strong></p><ul>{''.join(items)}</ul>")


def _quote(quoted: dict[str, Any], texts: list[str], htmls: list[str]) -> None:
    account = quoted.get("account")
    if not isinstance(account, dict):
        account = {}
    handle = "@" + str(account.get("acct") or "?")
    url = str(quoted.get("url") or quoted.get("uri") or "")
    text, html = compose(quoted, quoting=False)
    said = gettext("Quoting %(author)s:") % {"author": handle}
    texts.append("\n".join(part for part in (said, f"« {text} »" if text else "", url) if part))
    link = f'<p><a href="{escape(url)}">{escape(url)}</a></p>' if url else ""
    htmls.append(f"<blockquote><p>{escape(said)}</p>{html}{link}</blockquote>")
