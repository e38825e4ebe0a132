"""Template helpers of the public site: URLs of posts and archives, the post's line, counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from animateur.space import selectors
from animateur.space.comment_html import author_web_address
from animateur.space.forms import CommentForm
from animateur.space.models import Author, Category, Post, Tag
from animateur.stream.models import Message

register = template.Library()


@register.simple_tag
def site_url(name: str) -> str:
    """{% url name %} for the site's fixed addresses (home, feeds, search): see selectors.site_url."""
    return selectors.site_url(name)


@register.simple_tag
def post_url(post: Post) -> str:
    return selectors.post_url(post)


@register.simple_tag
def category_url(category: Category) -> str:
    return selectors.category_url(category)


@register.simple_tag
def tag_url(tag: Tag) -> str:
    return selectors.tag_url(tag)


@register.simple_tag
def author_url(author: Author) -> str:
    return selectors.author_url(author)


@register.filter
def long_date(value: datetime | None) -> str:
    """« 6 janvier 2011 » / « January 6, 2011 » in the active time zone and language."""
    if value is None:
        return ""
    # Translators: a PHP-style date format (Django's date filter); French uses "j F Y".
    return dateformat.format(timezone.localtime(value), _("F j, Y"))


@register.filter
def comment_count_label(count: int) -> str:
    """« Aucun commentaire », « 1 commentaire », « 6 commentaires »."""
    count = int(count or 0)
    if count == 0:
        return _("No comments")
    return ngettext("%(count)d comment", "%(count)d comments", count) % {"count": count}


@register.simple_tag
def post_meta(post: Post, comments_anchor: str = "#comments") -> SafeString:
    """The post's line: « Publié : 6 janvier 2011 | Auteur : … | Catégorie : … | 6 commentaires »."""
    parts = []
    if post.published_at:
        parts.append(
            format_html(
                '{} <time datetime="{}">{}</time>',
                _("Posted:"),
                timezone.localtime(post.published_at).isoformat(),
                long_date(post.published_at),
            )
        )
    if post.author_id and post.author is not None:
        parts.append(
            format_html(
                '{} <a href="{}" rel="author">{}</a>',
                _("Author:"),
                selectors.author_url(post.author),
                post.author.display_name,
            )
        )
    categories = list(post.categories.all())
    if categories:
        links = format_html_join(
            ", ",
            '<a href="{}" rel="category tag">{}</a>',
            ((selectors.category_url(c), c.name) for c in categories),
        )
        parts.append(format_html("{} {}", _("Category:"), links))
    if post.type == "post":
        parts.append(
            format_html(
                '<a href="{}{}">{}</a>',
                selectors.post_url(post),
                comments_anchor,
                comment_count_label(post.comment_count),
            )
        )
    return format_html_join(" | ", "{}", ((p,) for p in parts))


@register.filter
def signature(message: Message) -> str:
    return selectors.comment_signature(message)


@register.filter
def safe_author_url(message: Message) -> str:
    """The commenter's own web address, only if it is an http(s) one."""
    return author_web_address(message)


@register.simple_tag(takes_context=True)
def absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# An empty comment form's fields are the same on every post of a site: rendered once per language
# and length limit (Django's form rendering was a fifth of a post page's time).
_blank_comment_fields: dict[tuple[str, int, str], SafeString] = {}


@register.simple_tag
def comment_form_fields(form: CommentForm, honeypot: str) -> SafeString:
    """The comment form's fields but `parent`, which the form's template writes itself."""
    key = (get_language(), form.max_text_length, honeypot)
    if not form.is_bound and key in _blank_comment_fields:
        return _blank_comment_fields[key]
    html = mark_safe(get_template("space/_comment_form_fields.html").render({"form": form, "honeypot": honeypot}))  # noqa: S308
    if not form.is_bound:
        _blank_comment_fields[key] = html
    return html
