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


# How many line breaks at least each element that separates text stands for: two (a blank line)
# around blocks, one around lines (list items, table rows, divs), one more for each <br>; table
# cells are apart by a space. Inline elements (a, span, em ...) stand for nothing, so a link that
# Mastodon splits into spans stays one word.
BLOCK_BREAKS: dict[str, int] = {
    **dict.fromkeys(
        (
            "address", "article", "aside", "blockquote", "dl", "fieldset", "figure", "footer", "form",
            "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
            "section", "table", "ul",
        ),
        2,
    ),
    **dict.fromkeys(
        (
            "caption", "dd", "details", "div", "dt", "figcaption", "li", "summary", "tbody", "tfoot",
            "thead", "tr",
        ),
        1,
    ),
}
_CELLS = {"td", "th"}
_TEXT_TOKEN = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")
_RUN_OF_SPACE = re.compile(r"\s+")


def text_of(html: str) -> str:
    """Plain text of HTML, for search, scores, previews and language detection.

    Blocks become paragraphs and line breaks lines, as a reader sees them: `<p>a</p><p>b</p>` is
    "a\n\nb", `a<br>b` is "a\nb", never "ab". Spaces and line breaks of the source are one space
    (as a browser shows them), but inside `<pre>`. Scripts and styles go with their content.
    """
    if "<" not in html and "&" not in html:
        return _RUN_OF_SPACE.sub(" ", html).strip()
    # Only the separating elements are kept, bare: what remains is text, entities or one of them.
    cleaned = nh3.clean(
        html,
        tags={*BLOCK_BREAKS, *_CELLS, "br"},
        attributes={},
        generic_attribute_prefixes=set(),
        link_rel=None,
        strip_comments=True,
    )
    parts = _TEXT_TOKEN.split(cleaned)
    out: list[str] = []
    breaks = 0  # line breaks owed before the next text
    space = False  # a space owed before the next text (a cell ended)
    in_pre = 0
    for index in range(0, len(parts), 3):
        text = html_lib.unescape(parts[index])
        if not in_pre:
            text = _RUN_OF_SPACE.sub(" ", text)
            if breaks or not out or out[-1].endswith("\n"):
                text = text.lstrip(" ")
        if text:
            if out and breaks:
                out[-1] = out[-1].rstrip(" ")
                out.append("\n" * breaks)
            elif out and space and not out[-1].endswith(" ") and not text.startswith(" "):
                out.append(" ")
            out.append(text)
            breaks, space = 0, False
        if index + 2 < len(parts):
            closing, name = parts[index + 1], parts[index + 2]
            if name == "br":
                breaks += 1
            elif name in _CELLS:
                space = True
            else:
                breaks = max(breaks, BLOCK_BREAKS[name])
                if name == "pre":
                    in_pre = max(0, in_pre - 1) if closing else in_pre + 1
    return "".join(out).rstrip()
