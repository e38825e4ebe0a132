"""The team's authoring pages of the community space: posts, pages, categories, tags, authors.

Every view is for one workspace (@workspace_permission), reads only that workspace's rows,
shows times in the workspace's time zone, and changes things only through space.actions.
Team members who may read but not write (moderators, analysts, guests) get the same pages
read-only; guests can approve a post.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.html import render_body
from animateur.core.ids import parse_id
from animateur.core.models import AuditEvent, Workspace
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.space.actions.approval import do_approve_post
from animateur.space.actions.authors import do_create_author, do_update_author
from animateur.space.actions.posts import do_create_post, do_update_post
from animateur.space.actions.publication import do_publish_post, do_restore_post, do_trash_post, do_unpublish_post
from animateur.space.actions.taxonomy import (
    CategoryCycleError,
    do_create_category,
    do_create_tag,
    do_delete_category,
    do_delete_tag,
    do_update_category,
    do_update_tag,
)
from animateur.space.models import Author, BodyFormat, Category, Post, PostStatus, PostType, Tag
from animateur.space.selectors import approval_of, author_for_user
from animateur.space.staff_forms import (
    AuthorForm,
    CategoryForm,
    PostForm,
    PreviewForm,
    TagForm,
    category_tree,
    indented_choices,
)

PER_PAGE = 50


def in_workspace_tz(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Dates in forms and lists are read and shown in the workspace's time zone."""

    @wraps(view)
    def wrapper(request: WorkspaceRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from animateur.space.selectors import workspace_tz

        with timezone.override(workspace_tz(request.workspace)):
            return view(request, *args, **kwargs)

    return wrapper


def _can(request: WorkspaceRequest, permission: str) -> bool:
    return has_permission(request.user, request.workspace, permission)


def _require(request: WorkspaceRequest, permission: str) -> None:
    if not _can(request, permission):
        raise PermissionDenied(permission)


def _public_url(post: Post) -> str:
    from animateur.space.selectors import post_url

    return post_url(post)


# ---------------------------------------------------------------- lists of posts and pages


def _filtered_posts(request: WorkspaceRequest, workspace: Workspace, post_type: str) -> tuple[QuerySet[Post], dict]:
    posts = Post.objects.filter(workspace=workspace, type=post_type).select_related("author")
    status = request.GET.get("status", "")
    if status in PostStatus.values:
        posts = posts.filter(status=status)
    else:
        status = ""
        posts = posts.exclude(status=PostStatus.TRASH)
    filters: dict[str, Any] = {"status": status, "q": (request.GET.get("q") or "").strip()[:200]}
    if filters["q"]:
        posts = posts.filter(title__icontains=filters["q"])
    author = parse_id(request.GET.get("author"))
    if author is not None:
        posts = posts.filter(author_id=author)
        filters["author"] = author
    category = parse_id(request.GET.get("category"))
    if category is not None and post_type == PostType.POST:
        from animateur.space.selectors import category_with_descendants

        found = Category.objects.filter(workspace=workspace, pk=category).first()
        if found is not None:
            posts = posts.filter(categories__in=category_with_descendants(found)).distinct()
            filters["category"] = found.pk
    posts = posts.order_by(
        "-modified_at" if status in ("", PostStatus.DRAFT, PostStatus.PENDING) else "-published_at", "-id"
    )
    return posts, filters


def _post_list(request: WorkspaceRequest, post_type: str) -> HttpResponse:
    workspace = request.workspace
    posts, filters = _filtered_posts(request, workspace, post_type)
    page = Paginator(posts.prefetch_related("categories"), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "space/staff/posts.html",
        {
            "post_type": post_type,
            "is_pages": post_type == PostType.PAGE,
            "page_obj": page,
            "posts": page.object_list,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": PostStatus.choices,
            "authors": Author.objects.filter(workspace=workspace),
            "category_options": indented_choices(category_tree(workspace)) if post_type == PostType.POST else [],
            "section": "pages" if post_type == PostType.PAGE else "posts",
            "can_write": _can(request, "space.post.write"),
            "now": timezone.now(),
        },
    )


@workspace_permission("space.post.view_drafts")
@in_workspace_tz
def staff_home(request: WorkspaceRequest) -> HttpResponse:
    """The posts of the space, newest work first, with filters."""
    return _post_list(request, PostType.POST)


@workspace_permission("space.post.view_drafts")
@in_workspace_tz
def pages(request: WorkspaceRequest) -> HttpResponse:
    return _post_list(request, PostType.PAGE)


# ---------------------------------------------------------------- editing a post or page


def _editor(
    request: WorkspaceRequest,
    post: Post | None,
    post_type: str,
    form: PostForm,
    *,
    preview_html: str | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace
    body_format = post.body_format if post is not None else BodyFormat.MARKDOWN
    history = (
        AuditEvent.objects.filter(workspace=workspace, target_type="space.post", target_id=str(post.pk)).select_related(
            "actor_user"
        )[:20]
        if post is not None
        else []
    )
    selected = {str(v) for v in (form["categories"].value() or [])} if "categories" in form.fields else set()
    return render(
        request,
        "space/staff/post_form.html",
        {
            "form": form,
            "post": post,
            "post_type": post_type,
            "is_page": post_type == PostType.PAGE,
            "section": "pages" if post_type == PostType.PAGE else "posts",
            "body_format": body_format,
            "is_html": body_format == BodyFormat.HTML,
            "preview_html": preview_html,
            "category_choices": [(c, depth, str(c.pk) in selected) for c, depth in form.category_tree],
            "history": history,
            "approval": approval_of(post) if post is not None else None,
            "public_url": _public_url(post) if post is not None and post.pk else "",
            "can_write": _can(request, "space.post.write"),
            "can_publish": _can(request, "space.post.publish"),
            "can_approve": _can(request, "space.post.approve"),
            "workspace_tz": workspace.timezone,
        },
        status=status,
    )


def _save(request: WorkspaceRequest, post: Post | None, post_type: str) -> HttpResponse:
    workspace = request.workspace
    form = PostForm(request.POST, workspace=workspace, post_type=post_type, post=post)
    body_format = post.body_format if post is not None else BodyFormat.MARKDOWN
    if "_preview" in request.POST:
        # Without JavaScript, « Preview » submits the form: shown again with the rendering, nothing saved.
        form.is_valid()
        return _editor(
            request,
            post,
            post_type,
            form,
            preview_html=render_body(request.POST.get("body", ""), body_format),
        )
    if not form.is_valid():
        return _editor(request, post, post_type, form, status=400)
    try:
        if post is None:
            fields = form.changes()
            fields["type"], fields["body_format"] = post_type, body_format
            post = do_create_post(workspace, actor=request.user, **fields)
            messages.success(request, _("Saved: « %(title)s ».") % {"title": post.title})
        else:
            post = do_update_post(post, actor=request.user, **form.changes())
            messages.success(request, _("Saved: « %(title)s ».") % {"title": post.title})
    except ActionError as error:
        form.add_error(None, str(error))
        return _editor(request, post if post is not None and post.pk else None, post_type, form, status=400)
    return redirect("space_staff:post_edit", post_id=post.pk)


def _new(request: WorkspaceRequest, post_type: str) -> HttpResponse:
    workspace = request.workspace
    if request.method == "POST":
        return _save(request, None, post_type)
    own = author_for_user(workspace, request.user)
    form = PostForm(
        workspace=workspace,
        post_type=post_type,
        initial={
            "status": PostStatus.DRAFT,
            "comments_open": post_type == PostType.POST,
            "author": own.pk if own else None,
            "menu_order": 0,
        },
    )
    return _editor(request, None, post_type, form)


@workspace_permission("space.post.write")
@in_workspace_tz
def post_new(request: WorkspaceRequest) -> HttpResponse:
    return _new(request, PostType.POST)


@workspace_permission("space.post.write")
@in_workspace_tz
def page_new(request: WorkspaceRequest) -> HttpResponse:
    return _new(request, PostType.PAGE)


def _post_of(request: WorkspaceRequest, post_id: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("author", "workspace", "parent"),
        pk=post_id,
        workspace=request.workspace,
        type__in=(PostType.POST, PostType.PAGE),
    )


@workspace_permission("space.post.view_drafts")
@in_workspace_tz
def post_edit(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    """The editor for those who may write; the same post, read-only, for the rest of the team."""
    post = _post_of(request, post_id)
    if request.method == "POST":
        _require(request, "space.post.write")
        return _save(request, post, post.type)
    form = PostForm(
        initial=PostForm.initial_for(post),
        workspace=request.workspace,
        post_type=post.type,
        post=post,
    )
    return _editor(request, post, post.type, form)


@require_POST
@workspace_permission("space.post.write")
def post_preview(request: WorkspaceRequest) -> HttpResponse:
    """The body rendered as the site will show it (sanitized): htmx swaps it next to the editor."""
    form = PreviewForm(request.POST)
    form.is_valid()
    body = form.cleaned_data.get("body") or ""
    body_format = form.cleaned_data.get("body_format") or BodyFormat.MARKDOWN
    return render(request, "space/staff/_preview.html", {"preview_html": render_body(body, body_format)})


STATUS_ACTIONS: dict[str, Callable[..., Post]] = {
    "publish": do_publish_post,
    "unpublish": do_unpublish_post,
    "trash": do_trash_post,
    "restore": do_restore_post,
}


@require_POST
@workspace_permission("space.post.write")
def post_status(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    post = _post_of(request, post_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404("no such action")
    try:
        action(post, actor=request.user)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("« %(title)s » is now: %(status)s.") % {"title": post.title, "status": PostStatus(post.status).label},
        )
    if post.status == PostStatus.TRASH:
        return redirect("space_staff:pages" if post.type == PostType.PAGE else "space_staff:home")
    return redirect("space_staff:post_edit", post_id=post.pk)


@require_POST
@workspace_permission("space.post.approve")
def post_approve(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    post = _post_of(request, post_id)
    try:
        do_approve_post(post, actor=request.user, note=request.POST.get("note", "")[:2000])
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You approved « %(title)s ».") % {"title": post.title})
    return redirect("space_staff:post_edit", post_id=post.pk)


# ---------------------------------------------------------------- categories and tags


@workspace_permission("workspace.view")
def taxonomy(request: WorkspaceRequest) -> HttpResponse:
    """Categories (nested) and tags on one page, with a form to add each."""
    workspace = request.workspace
    category_form = CategoryForm(workspace=workspace, prefix="category")
    tag_form = TagForm(prefix="tag")
    status = 200
    if request.method == "POST":
        _require(request, "space.taxonomy.edit")
        if "category-name" in request.POST:
            category_form = CategoryForm(request.POST, workspace=workspace, prefix="category")
            if category_form.is_valid():
                try:
                    created = do_create_category(workspace, actor=request.user, **category_form.values())
                except ActionError as error:
                    category_form.add_error(None, str(error))
                else:
                    messages.success(request, _("Category « %(name)s » created.") % {"name": created.name})
                    return redirect("space_staff:taxonomy")
        else:
            tag_form = TagForm(request.POST, prefix="tag")
            if tag_form.is_valid():
                try:
                    tag = do_create_tag(workspace, actor=request.user, **tag_form.cleaned_data)
                except ActionError as error:
                    tag_form.add_error(None, str(error))
                else:
                    messages.success(request, _("Tag « %(name)s » created.") % {"name": tag.name})
                    return redirect("space_staff:taxonomy")
        status = 400
    from django.db.models import Count

    counts = dict(Category.objects.filter(workspace=workspace).annotate(n=Count("posts")).values_list("pk", "n"))
    return render(
        request,
        "space/staff/taxonomy.html",
        {
            "categories": [(c, depth, counts.get(c.pk, 0)) for c, depth in category_tree(workspace)],
            "tags": Tag.objects.filter(workspace=workspace).annotate(n=Count("posts")).order_by("name"),
            "category_form": category_form,
            "tag_form": tag_form,
            "can_edit": _can(request, "space.taxonomy.edit"),
            "section": "taxonomy",
        },
        status=status,
    )


@workspace_permission("space.taxonomy.edit")
def category_edit(request: WorkspaceRequest, category_id: int) -> HttpResponse:
    workspace = request.workspace
    category = get_object_or_404(Category, pk=category_id, workspace=workspace)
    if request.method == "POST" and "delete" in request.POST:
        do_delete_category(category, actor=request.user)
        messages.success(request, _("Category « %(name)s » deleted.") % {"name": category.name})
        return redirect("space_staff:taxonomy")
    form = CategoryForm(request.POST or None, workspace=workspace, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_category(category, actor=request.user, **form.values())
        except ActionError as error:
            form.add_error("parent" if isinstance(error, CategoryCycleError) else None, str(error))
        else:
            messages.success(request, _("Category « %(name)s » saved.") % {"name": category.name})
            return redirect("space_staff:taxonomy")
    return render(
        request,
        "space/staff/category_form.html",
        {"form": form, "category": category, "section": "taxonomy"},
        status=400 if request.method == "POST" else 200,
    )


@workspace_permission("space.taxonomy.edit")
def tag_edit(request: WorkspaceRequest, tag_id: int) -> HttpResponse:
    workspace = request.workspace
    tag = get_object_or_404(Tag, pk=tag_id, workspace=workspace)
    if request.method == "POST" and "delete" in request.POST:
        do_delete_tag(tag, actor=request.user)
        messages.success(request, _("Tag « %(name)s » deleted.") % {"name": tag.name})
        return redirect("space_staff:taxonomy")
    form = TagForm(request.POST or None, initial={"name": tag.name, "slug": tag.slug, "description": tag.description})
    if request.method == "POST" and form.is_valid():
        try:
            do_update_tag(tag, actor=request.user, **form.cleaned_data)
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Tag « %(name)s » saved.") % {"name": tag.name})
            return redirect("space_staff:taxonomy")
    return render(
        request,
        "space/staff/tag_form.html",
        {"form": form, "tag": tag, "section": "taxonomy"},
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- authors


@workspace_permission("workspace.view")
def authors(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form = AuthorForm(workspace=workspace)
    status = 200
    if request.method == "POST":
        _require(request, "space.post.write")
        form = AuthorForm(request.POST, workspace=workspace)
        if form.is_valid():
            try:
                author = do_create_author(workspace, actor=request.user, **form.values())
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Author « %(name)s » created.") % {"name": author.display_name})
                return redirect("space_staff:authors")
        status = 400
    from django.db.models import Count

    rows = (
        Author.objects.filter(workspace=workspace)
        .select_related("user")
        .annotate(n=Count("posts", filter=~Q(posts__status=PostStatus.TRASH)))
        .order_by("display_name")
    )
    return render(
        request,
        "space/staff/authors.html",
        {
            "authors": rows,
            "form": form,
            "can_edit": _can(request, "space.post.write"),
            "section": "authors",
        },
        status=status,
    )


@workspace_permission("space.post.write")
def author_edit(request: WorkspaceRequest, author_id: int) -> HttpResponse:
    workspace = request.workspace
    author = get_object_or_404(Author, pk=author_id, workspace=workspace)
    form = AuthorForm(request.POST or None, workspace=workspace, author=author)
    if request.method == "POST" and form.is_valid():
        try:
            do_update_author(author, actor=request.user, **form.values())
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Author « %(name)s » saved.") % {"name": author.display_name})
            return redirect(reverse("space_staff:authors"))
    return render(
        request,
        "space/staff/author_form.html",
        {"form": form, "author": author, "section": "authors"},
        status=400 if request.method == "POST" else 200,
    )
