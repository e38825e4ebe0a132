"""The public site of a workspace: home, posts with their comments, pages, archives, search.

Every view reads through selectors (filtered by the request's workspace), renders in the
workspace's time zone, and is marked @public_page so anonymous visitors get cached pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from animateur.core.html import text_of
from animateur.core.models import Workspace
from animateur.core.permissions import has_permission
from animateur.space import selectors
from animateur.space.cache import public_page
from animateur.space.comment_cookie import held_comment_ids, remember_held_comment
from animateur.space.comment_html import post_comment_thread
from animateur.space.comments import CommentRefused, comments_open, max_comment_length, receive_comment
from animateur.space.forms import HONEYPOT, CommentForm
from animateur.space.models import Author, Category, Post, PostType, Tag
from animateur.space.search import search_post_ids, snippet
from animateur.space.sidebar import sidebar, sidebar_widgets
from animateur.space.summaries import summaries


def site_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public page: needs a workspace, renders in its time zone with its category paths known."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        workspace = getattr(request, "workspace", None)
        if workspace is None:
            raise Http404("no workspace here")
        with selectors.known_category_paths(workspace), timezone.override(selectors.workspace_tz(workspace)):
            return view(request, workspace, *args, **kwargs)

    return wrapper


def _context(request: HttpRequest, workspace: Workspace, **extra: Any) -> dict[str, Any]:
    data = sidebar(workspace)
    context = {
        "sidebar": data,
        "sidebar_widgets": sidebar_widgets(workspace, data),
        "og_locale": "fr_FR" if workspace.language.startswith("fr") else "en_US",
        "canonical": request.build_absolute_uri(extra.pop("canonical_path", request.path)),
    }
    context.update(extra)
    return context


class _CountedPaginator(Paginator):
    """A paginator told how many items there are: no COUNT query of its own."""

    def __init__(self, items: QuerySet | list, per_page: int, count: int) -> None:
        super().__init__(items, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def _page_of(
    request: HttpRequest, items: QuerySet | list, per_page: int, number: Any = None, *, count: int | None = None
) -> Page:
    per_page = max(1, per_page)
    paginator = Paginator(items, per_page) if count is None else _CountedPaginator(items, per_page, count)
    try:
        return paginator.page(number or request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("no such page") from None


def _can_preview(request: HttpRequest, workspace: Workspace) -> bool:
    user = getattr(request, "user", None)
    return has_permission(user, workspace, "space.post.view_drafts")


# ---------------------------------------------------------------- lists


@public_page
@site_view
def home(request: HttpRequest, workspace: Workspace, page: int | None = None) -> HttpResponse:
    posts = _page_of(
        request,
        selectors.public_post_rows(workspace),
        workspace.posts_per_page,
        page,
        count=selectors.public_post_count(workspace),
    )
    rows = list(posts.object_list)
    shown = summaries(workspace, selectors.sticky_first(workspace, rows) if posts.number == 1 else rows)
    home_path = selectors.site_url("space:home")
    canonical = home_path if posts.number == 1 else reverse("space:home_page", args=[posts.number])
    return render(
        request,
        "space/home.html",
        _context(
            request,
            workspace,
            page_obj=posts,
            posts=shown,
            canonical_path=canonical,
            is_home=True,
            page_base=home_path,
        ),
    )


def _archive(
    request: HttpRequest,
    workspace: Workspace,
    posts: QuerySet[Post, tuple[int, int]],
    heading: str,
    kind: str,
    **extra: Any,
) -> HttpResponse:
    page = _page_of(request, posts, workspace.posts_per_page)
    return render(
        request,
        "space/archive.html",
        _context(
            request,
            workspace,
            page_obj=page,
            posts=summaries(workspace, list(page.object_list)),
            heading=heading,
            archive_kind=kind,
            page_title=heading,
            **extra,
        ),
    )


@public_page
@site_view
def category(request: HttpRequest, workspace: Workspace, path: str) -> HttpResponse:
    slug = path.strip("/").split("/")[-1]
    cat = Category.objects.filter(workspace=workspace, slug=slug).first()
    if cat is None:
        raise Http404("no such category")
    canonical = selectors.category_url(cat)
    if request.path != canonical:
        return HttpResponsePermanentRedirect(canonical)
    ids = selectors.category_with_descendants(cat)
    through = Post.categories.through.objects.filter(category_id__in=ids).values("post_id")
    posts = selectors.public_post_rows(workspace).filter(pk__in=through)
    return _archive(
        request,
        workspace,
        posts,
        _("Category: %(name)s") % {"name": cat.name},
        "category",
        archive_object=cat,
        description=cat.description,
        feed_url=reverse("space:category_feed", kwargs={"path": path.strip("/")}),
    )


@public_page
@site_view
def tag(request: HttpRequest, workspace: Workspace, slug: str) -> HttpResponse:
    found = Tag.objects.filter(workspace=workspace, slug=slug).first()
    if found is None:
        raise Http404("no such tag")
    posts = selectors.public_post_rows(workspace).filter(tags=found)
    return _archive(
        request,
        workspace,
        posts,
        _("Tag: %(name)s") % {"name": found.name},
        "tag",
        archive_object=found,
        description=found.description,
        feed_url=reverse("space:tag_feed", kwargs={"slug": slug}),
    )


@public_page
@site_view
def author(request: HttpRequest, workspace: Workspace, slug: str) -> HttpResponse:
    found = Author.objects.filter(workspace=workspace, slug=slug).first()
    if found is None:
        raise Http404("no such author")
    posts = selectors.public_post_rows(workspace).filter(author=found)
    return _archive(
        request,
        workspace,
        posts,
        _("Author: %(name)s") % {"name": found.display_name},
        "author",
        archive_object=found,
        description=found.bio,
    )


@public_page
@site_view
def month(request: HttpRequest, workspace: Workspace, year: str, month: str) -> HttpResponse:
    y, m = int(year), int(month)
    if not (1 <= m <= 12 and 1900 <= y <= 9999):
        raise Http404("no such month")
    start, end = selectors.month_range(workspace, y, m)
    posts = selectors.public_post_rows(workspace).filter(published_at__gte=start, published_at__lt=end)
    from django.utils import dateformat

    # Translators: the heading of a month's archive, a PHP-style date format; French: "F Y".
    label = dateformat.format(start, _("F Y"))
    return _archive(request, workspace, posts, _("Archives: %(month)s") % {"month": label}, "month")


@public_page
@site_view
def search(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    ids = search_post_ids(workspace, query) if query else []
    page = _page_of(request, ids, workspace.posts_per_page)
    posts_by_id = {
        p.pk: p
        for p in Post.objects.filter(pk__in=list(page.object_list), workspace=workspace)
        .select_related("author")
        .prefetch_related("categories")
        .only(
            "id",
            "type",
            "title",
            "slug",
            "published_at",
            "search_text",
            "comment_count",
            "author",
            "workspace_id",
            "parent_id",
        )
    }
    results = []
    for pk in page.object_list:
        post = posts_by_id.get(pk)
        if post is not None:
            body = post.search_text[len(post.title) :] if post.search_text.startswith(post.title) else post.search_text
            results.append({"post": post, "snippet": snippet(body, query, workspace.language)})
    return render(
        request,
        "space/search.html",
        _context(
            request,
            workspace,
            query=query,
            results=results,
            page_obj=page,
            total=len(ids),
            canonical_path=reverse("space:search"),
        ),
    )


# ---------------------------------------------------------------- a post and its comments


def _client_address(request: HttpRequest) -> str | None:
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        # Behind our proxy, the last address it appended is the one it saw.
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _render_post(
    request: HttpRequest,
    workspace: Workspace,
    post: Post,
    *,
    form: CommentForm | None = None,
    refusal: str = "",
    notice: str = "",
    status: int = 200,
    preview: bool = False,
) -> HttpResponse:
    held = held_comment_ids(request)
    is_open = comments_open(post)
    thread, shown = post_comment_thread(workspace, post, held, comments_open=is_open)
    if form is None:
        form = CommentForm(max_length=max_comment_length(workspace))
    tags = list(post.tags.all()) if post.type == PostType.POST else []
    description = text_of(post.teaser_html)[:300]
    reply_to = form.data.get("parent") if form.is_bound else request.GET.get("replytocom")
    return render(
        request,
        "space/post.html",
        _context(
            request,
            workspace,
            post=post,
            page_title=post.title,
            og_type="article",
            comment_thread=thread,
            comments_shown=shown,
            form=form,
            refusal=refusal,
            notice=notice,
            comments_open=is_open,
            tags=tags,
            description=description,
            preview=preview,
            canonical_path=selectors.post_url(post),
            honeypot=HONEYPOT,
            reply_to=reply_to,
            feed_url=reverse("space:post_feed", kwargs=_post_kwargs(post)) if post.type == PostType.POST else "",
            max_length=max_comment_length(workspace),
        ),
        status=status,
    )


def _post_kwargs(post: Post) -> dict[str, str]:
    local = timezone.localtime(post.published_at)
    return {
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "day": f"{local.day:02d}",
        "slug": post.slug,
    }


def _comment(request: HttpRequest, workspace: Workspace, post: Post) -> HttpResponse:
    try:
        result = receive_comment(post, request.POST, _client_address(request), request.META.get("HTTP_USER_AGENT", ""))
    except CommentRefused as refused:
        status = {"rate_limited": 429, "closed": 403}.get(refused.code, 400)
        form = CommentForm(request.POST, max_length=max_comment_length(workspace))
        form.is_valid()
        return _render_post(request, workspace, post, form=form, refusal=str(refused), status=status)
    if not result.ok:
        return _render_post(request, workspace, post, form=result.form, status=400)
    if result.dropped:
        if result.form.is_bot:  # a robot that filled the hidden field is told nothing
            return redirect(selectors.post_url(post) + "#comments")
        # A person whose comment the filter classed as spam learns that it is not lost, with their
        # text still in the form; what classed it so (scores, rules) is for the moderators only.
        notice = _(
            "Your comment was not published: our filter set it aside. A moderator will review it "
            "and publish it if it belongs here. Your text is kept below."
        )
        return _render_post(request, workspace, post, form=result.form, notice=notice)
    assert result.message is not None
    response = redirect(selectors.post_url(post) + f"#comment-{result.message.pk}")
    if result.held:
        remember_held_comment(request, response, result.message.pk)
    return response


# Comments are posted by visitors without an account: no session gives them authority to
# abuse, and a CSRF cookie on every post page would keep these pages out of the page cache.
@csrf_exempt
@public_page
@site_view
def post_detail(request: HttpRequest, workspace: Workspace, year: str, month: str, day: str, slug: str) -> HttpResponse:
    if request.method == "POST":  # a comment: the post as it is now
        post = selectors.public_post_by_date(workspace, int(year), int(month), int(day), slug)
    else:
        post = selectors.kept_public_post_by_date(workspace, int(year), int(month), int(day), slug)
    if post is None:
        raise Http404("no such post")
    preview = not selectors.is_visible_to_public(post)
    if preview and not _can_preview(request, workspace):
        raise Http404("no such post")
    if request.method == "POST":
        return _comment(request, workspace, post)
    return _render_post(request, workspace, post, preview=preview)


@csrf_exempt
@public_page
@site_view
def page(request: HttpRequest, workspace: Workspace, path: str) -> HttpResponse:
    slug = path.strip("/").split("/")[-1]
    found = selectors.post_by_slug(workspace, slug, PostType.PAGE)
    if found is None:
        raise Http404("no such page")
    preview = not selectors.is_visible_to_public(found)
    if preview and not _can_preview(request, workspace):
        raise Http404("no such page")
    canonical = selectors.page_url(found)
    if request.path != canonical and request.method == "GET":
        return HttpResponsePermanentRedirect(canonical)
    if request.method == "POST":
        return _comment(request, workspace, found)
    return _render_post(request, workspace, found, preview=preview)


@site_view
def preview(request: HttpRequest, workspace: Workspace, post_id: int) -> HttpResponse:
    """Any post of the workspace, for a team member who may see drafts; 404 for everyone else."""
    if not _can_preview(request, workspace):
        raise Http404("no such post")
    post = (
        Post.objects.filter(workspace=workspace, pk=post_id)
        .select_related("author", "message")
        .prefetch_related("categories", "tags")
        .first()
    )
    if post is None:
        raise Http404("no such post")
    return _render_post(request, workspace, post, preview=True)


# ---------------------------------------------------------------- robots


@public_page
@site_view
def robots_txt(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("space:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /app/",
        "Disallow: /api/",
        f"Disallow: {reverse('space:search')}",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
