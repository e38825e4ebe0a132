"""Turning what people write into HTML that is safe to show.

Every body (a post in Markdown, an imported WordPress post in HTML, a comment) goes
through `sanitize`: no script, no event handler, no javascript: URL ever reaches a page.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "dd", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
COMMENT_TAGS = {"a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "q", "strong", "ul", "del"}
URL_SCHEMES = {"http", "https", "mailto"}
MORE_MARKER = re.compile(r"<!--\s*more\s*(?P<label>[^>]*?)\s*-->", re.IGNORECASE)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=True keeps inline HTML that authors (and WordPress) use; nh3 then removes anything unsafe.
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


def sanitize(html: str, *, comment: bool = False) -> str:
    return nh3.clean(
        html,
        tags=COMMENT_TAGS if comment else ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener" if comment else "noopener",
        strip_comments=True,
    )


def render_markdown(text: str, *, comment: bool = False) -> str:
    return sanitize(_markdown().render(text), comment=comment)


def autop(html: str) -> str:
    """Paragraphs from blank lines, as WordPress shows its post_content (wpautop, simplified)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", html.replace("\r\n", "\n")) if b.strip()]
    block_start = re.compile(r"^<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|form|!--)", re.I)
    out = []
    for block in blocks:
        if block_start.match(block):
            out.append(block)
        else:
            out.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def render_body(body: str, body_format: str) -> str:
    """A post's body as safe HTML; `body_format` is "markdown" or "html" (imported WordPress content)."""
    if body_format == "html":
        return sanitize(autop(body))
    return render_markdown(body)


def split_more(body: str) -> tuple[str, str | None]:
    """The part before the « more » marker and the marker's own label, if the body has one."""
    match = MORE_MARKER.search(body)
    if not match:
        return body, None
    return body[: match.start()], match.group("label").strip() or None


def text_of(html: str) -> str:
    """Plain text of sanitized HTML, for search and scoring."""
    text = html_lib.unescape(nh3.clean(html, tags=set()))
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()
