"""Staff author posts and pages: Markdown with a preview, statuses, categories, tags, authors, approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.space.actions.approval import do_approve_post
from animateur.space.actions.authors import do_create_author
from animateur.space.actions.posts import do_create_post, do_update_post
from animateur.space.actions.publication import (
    do_publish_post,
    do_restore_post,
    do_schedule_post,
    do_trash_post,
    do_unpublish_post,
)
from animateur.space.actions.taxonomy import (
    CategoryCycleError,
    do_create_category,
    do_create_tag,
    do_delete_category,
    do_update_category,
)
from animateur.space.models import BodyFormat, Category, Post, PostStatus, PostType, Tag
from animateur.space.selectors import approval_of, post_url
from animateur.stream.models import Visibility

SYSTEM = SystemActor("tests")
EVIL = (
    'Hello **world**\n\n<script>alert("x")</script>\n\n[click](javascript:alert(1))'
    ' <a href="javascript:alert(3)">raw</a> <img src=x onerror="alert(2)">'
)


def new_post_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Bienvenue dans la communauté",
        "slug": "",
        "author": "",
        "body": "Bonjour **tout le monde**",
        "excerpt": "",
        "status": "draft",
        "published_at": "",
        "tags": "",
        "comments_open": "on",
        "body_format": "markdown",
    }
    data.update(overrides)
    return data


def anonymous_get(path: str) -> int:
    return Client().get(path).status_code


# ---------------------------------------------------------------- writing and previewing


def test_a_manager_writes_markdown_and_the_stored_html_has_no_script_nor_javascript_link(workspace, manager_client):
    response = manager_client.post(reverse("space_staff:post_new"), new_post_data(body=EVIL))
    post = Post.objects.get(workspace=workspace)
    assert response.status_code == 302 and response["Location"] == reverse("space_staff:post_edit", args=[post.pk])
    assert "<strong>world</strong>" in post.body_html
    for bad in ("<script", 'href="javascript', "onerror", "alert(2)", "alert(3)"):
        assert bad not in post.body_html
    assert '<a rel="noopener">raw</a>' in post.body_html
    assert post.body == EVIL  # the author's text is kept as written
    assert post.slug == "bienvenue-dans-la-communaute"
    assert post.author is not None and post.author.user == manager_client.user
    event = AuditEvent.objects.get(workspace=workspace, verb="space.post.create")
    assert event.target_id == str(post.pk) and event.actor == f"user:{manager_client.user.pk}"


def test_the_preview_endpoint_returns_the_sanitized_rendering(workspace, manager_client):
    response = manager_client.post(
        reverse("space_staff:post_preview"), {"body": EVIL, "body_format": "markdown"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>world</strong>" in html and "<script" not in html and 'href="javascript' not in html
    assert not Post.objects.exists()


def test_the_preview_button_without_javascript_shows_the_rendering_and_saves_nothing(workspace, manager_client):
    response = manager_client.post(
        reverse("space_staff:post_new"), new_post_data(body="# Titre\n\nUn *essai*", _preview="1")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<em>essai</em>" in html
    assert 'value="Bienvenue dans la communauté"' in html  # the form comes back filled in
    assert not Post.objects.exists()


def test_a_missing_title_is_named_in_the_form_and_nothing_is_saved(workspace, manager_client):
    response = manager_client.post(reverse("space_staff:post_new"), new_post_data(title="  "))
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode() or "Rien n" in response.content.decode()
    assert response.context["form"].errors["title"]
    assert not Post.objects.exists() and not AuditEvent.objects.filter(verb__startswith="space.post").exists()


def test_a_scheduled_time_in_the_past_is_refused_with_a_named_error(workspace, manager_client):
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = manager_client.post(
        reverse("space_staff:post_new"), new_post_data(status="scheduled", published_at=past)
    )
    assert response.status_code == 400
    assert "published_at" in response.context["form"].errors
    assert not Post.objects.exists()


def test_the_scheduled_time_is_read_in_the_workspace_time_zone(make_workspace, client_as):
    workspace = make_workspace("tokyo", "Tokyo", timezone="Asia/Tokyo")
    client = client_as(workspace, Role.MANAGER)
    next_year = timezone.now().year + 1
    client.post(
        f"/w/tokyo{reverse('space_staff:post_new')}",
        new_post_data(status="scheduled", published_at=f"{next_year}-06-01T09:30"),
    )
    post = Post.objects.get(workspace=workspace)
    assert post.status == PostStatus.SCHEDULED
    assert post.published_at == datetime(next_year, 6, 1, 0, 30, tzinfo=UTC)  # 9:30 in Tokyo


def test_tags_typed_with_commas_are_created_on_the_fly_and_reused(workspace, manager_client):
    Tag.objects.create(workspace=workspace, name="Réseaux", slug="reseaux")
    manager_client.post(reverse("space_staff:post_new"), new_post_data(tags="réseaux, Café , café,Tourisme"))
    post = Post.objects.get(workspace=workspace)
    assert sorted(post.tags.values_list("name", flat=True)) == ["Café", "Réseaux", "Tourisme"]
    assert Tag.objects.filter(workspace=workspace).count() == 3
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["cafe", "reseaux", "tourisme"]


def test_categories_are_offered_nested_and_saved_with_the_post(workspace, manager_client):
    parent = do_create_category(workspace, actor=SYSTEM, name="Interviews")
    child = do_create_category(workspace, actor=SYSTEM, name="Tourisme", parent=parent)
    page = manager_client.get(reverse("space_staff:post_new")).content.decode()
    assert page.index("Interviews") < page.index("Tourisme")
    assert 'style="--depth: 1"' in page
    manager_client.post(reverse("space_staff:post_new"), new_post_data(categories=[child.pk]))
    assert list(Post.objects.get().categories.all()) == [child]


def test_a_category_of_another_workspace_cannot_be_attached(workspace, make_workspace, manager_client):
    other = make_workspace("other", "Other")
    foreign = do_create_category(other, actor=SYSTEM, name="Ailleurs")
    response = manager_client.post(reverse("space_staff:post_new"), new_post_data(categories=[foreign.pk]))
    assert response.status_code == 400 and not Post.objects.exists()


def test_an_imported_html_post_is_edited_as_html_without_conversion(workspace, manager_client):
    post = do_create_post(
        workspace,
        actor=SYSTEM,
        title="Importé",
        body="<p>Un <em>vieux</em> billet</p>",
        body_format=BodyFormat.HTML,
    )
    page = manager_client.get(reverse("space_staff:post_edit", args=[post.pk])).content.decode()
    assert "&lt;p&gt;Un &lt;em&gt;vieux&lt;/em&gt; billet&lt;/p&gt;" in page  # the HTML itself, in the textarea
    assert 'name="body_format" value="html"' in page
    manager_client.post(
        reverse("space_staff:post_edit", args=[post.pk]),
        new_post_data(title="Importé", body="<p>Un <strong>vieux</strong> billet</p>"),
    )
    post.refresh_from_db()
    assert post.body_format == BodyFormat.HTML and post.body == "<p>Un <strong>vieux</strong> billet</p>"
    assert "<strong>vieux</strong>" in post.body_html


# ---------------------------------------------------------------- slugs


def test_slugs_fold_accents_and_collisions_get_a_number(workspace):
    first = do_create_post(workspace, actor=SYSTEM, title="Communauté")
    second = do_create_post(workspace, actor=SYSTEM, title="Communauté !")
    third = do_create_post(workspace, actor=SYSTEM, title="x", slug="Communauté")
    page = do_create_post(workspace, actor=SYSTEM, title="Communauté", type=PostType.PAGE)
    assert [first.slug, second.slug, third.slug] == ["communaute", "communaute-2", "communaute-3"]
    assert page.slug == "communaute"  # pages and posts have their own slugs


def test_a_slug_can_be_edited_and_keeps_clear_of_the_others(workspace):
    do_create_post(workspace, actor=SYSTEM, title="A propos")
    post = do_create_post(workspace, actor=SYSTEM, title="Autre")
    do_update_post(post, actor=SYSTEM, slug="à propos")
    assert post.slug == "a-propos-2"
    do_update_post(post, actor=SYSTEM, title="Nouveau titre")
    assert post.slug == "a-propos-2"  # a title change does not break the address


def test_a_title_without_letters_still_gets_a_slug(workspace):
    post = do_create_post(workspace, actor=SYSTEM, title="!!!")
    assert post.slug == "post"


# ---------------------------------------------------------------- what the public sees


def test_publishing_puts_the_post_on_the_public_site_and_in_the_stream(workspace, manager_client):
    post = do_create_post(workspace, actor=manager_client.user, title="Grande nouvelle", body="Texte")
    assert post.message.visibility == Visibility.HIDDEN
    path_before = post_url(post)
    assert anonymous_get(path_before) == 404
    response = manager_client.post(reverse("space_staff:post_status", args=[post.pk]), {"action": "publish"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.published_at <= timezone.now()
    assert post.message.visibility == Visibility.VISIBLE
    assert anonymous_get(post_url(post)) == 200
    assert AuditEvent.objects.filter(verb="space.post.publish", target_id=str(post.pk)).exists()


def test_public_changes_expire_the_cached_pages_once_committed_and_draft_edits_do_not(
    workspace, django_capture_on_commit_callbacks
):
    def version() -> int:
        return type(workspace).objects.get(pk=workspace.pk).content_version

    post = do_create_post(workspace, actor=SYSTEM, title="Cache")
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        do_update_post(post, actor=SYSTEM, body="Encore un brouillon")
    assert version() == before
    with django_capture_on_commit_callbacks(execute=True):
        do_publish_post(post, actor=SYSTEM)
    assert version() == before + 1


def test_drafts_and_private_posts_are_not_public(workspace):
    draft = do_create_post(workspace, actor=SYSTEM, title="Brouillon")
    private = do_create_post(workspace, actor=SYSTEM, title="Privé", status=PostStatus.PRIVATE)
    published = do_create_post(workspace, actor=SYSTEM, title="Public", status=PostStatus.PUBLISHED)
    assert private.published_at is not None
    for hidden in (draft, private):
        assert hidden.message.visibility == Visibility.HIDDEN
        assert anonymous_get(post_url(hidden)) == 404
    assert anonymous_get(post_url(published)) == 200
    home = Client().get(reverse("space:home")).content.decode()
    assert "Public" in home and "Brouillon" not in home and "Privé" not in home


def test_back_to_draft_and_trash_take_the_post_off_the_site(workspace, django_capture_on_commit_callbacks):
    post = do_create_post(workspace, actor=SYSTEM, title="Éphémère", status=PostStatus.PUBLISHED)
    url = post_url(post)
    assert anonymous_get(url) == 200  # now in the anonymous page cache
    with django_capture_on_commit_callbacks(execute=True):
        do_unpublish_post(post, actor=SYSTEM)
    assert anonymous_get(url) == 404 and post.message.visibility == Visibility.HIDDEN
    with django_capture_on_commit_callbacks(execute=True):
        do_publish_post(post, actor=SYSTEM)
    assert anonymous_get(url) == 200
    with django_capture_on_commit_callbacks(execute=True):
        do_trash_post(post, actor=SYSTEM)
    assert anonymous_get(url) == 404
    with pytest.raises(ActionError, match="dans la corbeille : restaurez-le"):
        do_update_post(post, actor=SYSTEM, title="Encore")
    do_restore_post(post, actor=SYSTEM)
    assert post.status == PostStatus.DRAFT


def test_a_published_status_with_a_future_date_becomes_a_schedule(workspace):
    later = timezone.now() + timedelta(days=2)
    post = do_create_post(workspace, actor=SYSTEM, title="Plus tard", status=PostStatus.PUBLISHED, published_at=later)
    assert post.status == PostStatus.SCHEDULED and post.published_at == later


# ---------------------------------------------------------------- pages


def test_a_manager_creates_a_sub_page_with_its_menu_order(workspace, manager_client):
    parent = do_create_post(workspace, actor=SYSTEM, title="À propos", type=PostType.PAGE, status=PostStatus.PUBLISHED)
    response = manager_client.post(
        reverse("space_staff:page_new"),
        new_post_data(title="L'équipe", status="published", parent=parent.pk, menu_order="3"),
    )
    assert response.status_code == 302
    page = Post.objects.get(workspace=workspace, type=PostType.PAGE, slug="l-equipe")
    assert page.parent == parent and page.menu_order == 3
    assert anonymous_get(post_url(page)) == 200
    listing = manager_client.get(reverse("space_staff:pages")).content.decode()
    assert "L&#x27;équipe" in listing or "L'équipe" in listing


def test_a_page_cannot_be_put_under_its_own_sub_page(workspace):
    top = do_create_post(workspace, actor=SYSTEM, title="Haut", type=PostType.PAGE)
    sub = do_create_post(workspace, actor=SYSTEM, title="Bas", type=PostType.PAGE, parent=top)
    with pytest.raises(ActionError, match="sous elle-même"):
        do_update_post(top, actor=SYSTEM, parent=sub)
    top.refresh_from_db()
    assert top.parent is None


# ---------------------------------------------------------------- the list


def test_the_list_filters_by_status_author_category_and_title(workspace, manager_client):
    news = do_create_category(workspace, actor=SYSTEM, name="Actualités")
    sub = do_create_category(workspace, actor=SYSTEM, name="Locales", parent=news)
    ana = do_create_author(workspace, actor=SYSTEM, display_name="Ana")
    do_create_post(
        workspace,
        actor=SYSTEM,
        title="Fête du village",
        categories=[sub],
        author=ana,
        status=PostStatus.PUBLISHED,
    )
    do_create_post(workspace, actor=SYSTEM, title="Brouillon secret")
    url = reverse("space_staff:home")

    def titles(query: str) -> set[str]:
        return {p.title for p in manager_client.get(url + query).context["posts"]}

    assert titles("") == {"Fête du village", "Brouillon secret"}
    assert titles("?status=draft") == {"Brouillon secret"}
    assert titles(f"?author={ana.pk}") == {"Fête du village"}
    assert titles(f"?category={news.pk}") == {"Fête du village"}  # a parent category includes its children
    assert titles("?q=SECRET") == {"Brouillon secret"}
    # Digits that int() cannot read (a superscript two) are ignored like any other junk, not a 500.
    assert titles("?author=%C2%B2&category=%C2%B2") == {"Fête du village", "Brouillon secret"}


# ---------------------------------------------------------------- categories, tags, authors


def test_categories_nest_and_a_cycle_is_refused_with_a_clear_error(workspace):
    a = do_create_category(workspace, actor=SYSTEM, name="Médias sociaux")
    b = do_create_category(workspace, actor=SYSTEM, name="Twitter", parent=a)
    c = do_create_category(workspace, actor=SYSTEM, name="Hashtags", parent=b)
    assert a.slug == "medias-sociaux" and c.ancestors() == [a, b]
    with pytest.raises(CategoryCycleError, match="« Médias sociaux » ne peut pas être placée sous « Hashtags »"):
        do_update_category(a, actor=SYSTEM, parent=c)
    with pytest.raises(CategoryCycleError, match="son propre parent"):
        do_update_category(a, actor=SYSTEM, parent=a)
    a.refresh_from_db()
    assert a.parent is None
    assert AuditEvent.objects.filter(verb="space.category.create").count() == 3
    assert not AuditEvent.objects.filter(verb="space.category.update").exists()


def test_the_category_form_names_the_cycle_on_the_parent_field(workspace, manager_client):
    a = do_create_category(workspace, actor=SYSTEM, name="Parent")
    b = do_create_category(workspace, actor=SYSTEM, name="Enfant", parent=a)
    response = manager_client.post(
        reverse("space_staff:category_edit", args=[a.pk]),
        {"name": "Parent", "slug": "parent", "parent": b.pk, "description": ""},
    )
    assert response.status_code == 400
    assert "Enfant" in " ".join(response.context["form"].errors["parent"])
    a.refresh_from_db()
    assert a.parent is None


def test_the_taxonomy_page_creates_categories_and_tags(workspace, manager_client):
    url = reverse("space_staff:taxonomy")
    manager_client.post(
        url,
        {
            "category-name": "Interviews",
            "category-slug": "",
            "category-parent": "",
            "category-description": "",
        },
    )
    parent = Category.objects.get(workspace=workspace, slug="interviews")
    manager_client.post(
        url,
        {
            "category-name": "Élus",
            "category-slug": "",
            "category-parent": parent.pk,
            "category-description": "",
        },
    )
    manager_client.post(url, {"tag-name": "Été", "tag-slug": "", "tag-description": ""})
    assert Category.objects.get(slug="elus").parent == parent
    assert Tag.objects.get(workspace=workspace).slug == "ete"
    response = manager_client.post(url, {"tag-name": "été", "tag-slug": "", "tag-description": ""})
    assert response.status_code == 400 and Tag.objects.count() == 1
    page = manager_client.get(url).content.decode()
    assert page.index("Interviews") < page.index("Élus")


def test_deleting_a_category_moves_its_children_up_and_keeps_the_posts(workspace):
    a = do_create_category(workspace, actor=SYSTEM, name="A")
    b = do_create_category(workspace, actor=SYSTEM, name="B", parent=a)
    c = do_create_category(workspace, actor=SYSTEM, name="C", parent=b)
    post = do_create_post(workspace, actor=SYSTEM, title="P", categories=[b])
    do_delete_category(b, actor=SYSTEM)
    c.refresh_from_db()
    assert c.parent == a and Post.objects.filter(pk=post.pk).exists()


def test_several_authors_sign_posts_and_one_is_linked_to_a_team_member(workspace, make_user, manager_client):
    colleague = make_user("bea@example.org", workspace, Role.MANAGER, display_name="Béa")
    response = manager_client.post(
        reverse("space_staff:authors"),
        {
            "display_name": "Béatrice Martin",
            "slug": "",
            "user": colleague.pk,
            "email": "",
            "url": "",
            "bio": "",
        },
    )
    assert response.status_code == 302
    bea = colleague.author_set.get()
    guest_author = do_create_author(workspace, actor=SYSTEM, display_name="Invité d'honneur")
    assert bea.slug == "beatrice-martin" and guest_author.user is None
    manager_client.post(reverse("space_staff:post_new"), new_post_data(title="Par Béa", author=bea.pk))
    manager_client.post(reverse("space_staff:post_new"), new_post_data(title="Par l'invité", author=guest_author.pk))
    assert Post.objects.get(title="Par Béa").author == bea
    assert Post.objects.get(title="Par l'invité").author == guest_author
    with pytest.raises(ActionError, match="signe déjà"):
        do_create_author(workspace, actor=SYSTEM, display_name="Doublon", user=colleague)


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST, Role.GUEST])
def test_readers_see_posts_read_only_and_cannot_write(workspace, client_as, role):
    post = do_create_post(workspace, actor=SYSTEM, title="Brouillon à relire", body="*Texte*")
    client = client_as(workspace, role)
    assert client.get(reverse("space_staff:home")).status_code == 200
    page = client.get(reverse("space_staff:post_edit", args=[post.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<em>Texte</em>" in html and 'name="body"' not in html
    assert client.get(reverse("space_staff:post_new")).status_code == 403
    assert client.post(reverse("space_staff:post_new"), new_post_data()).status_code == 403
    assert (
        client.post(reverse("space_staff:post_edit", args=[post.pk]), new_post_data(title="Changé")).status_code == 403
    )
    assert client.post(reverse("space_staff:post_status", args=[post.pk]), {"action": "publish"}).status_code == 403
    assert client.post(reverse("space_staff:post_preview"), {"body": "x"}).status_code == 403
    assert client.post(reverse("space_staff:taxonomy"), {"tag-name": "x"}).status_code == 403
    post.refresh_from_db()
    assert post.title == "Brouillon à relire" and post.status == PostStatus.DRAFT
    assert Post.objects.count() == 1 and not Tag.objects.exists()


def test_a_guest_approves_a_draft_and_the_approval_is_recorded(workspace, client_as):
    post = do_create_post(workspace, actor=SYSTEM, title="À valider", status=PostStatus.PENDING)
    guest = client_as(workspace, Role.GUEST)
    response = guest.post(reverse("space_staff:post_approve", args=[post.pk]), {"note": "OK pour nous"})
    assert response.status_code == 302
    post.refresh_from_db()
    approval = post.extra["approval"]
    assert approval["user_id"] == guest.user.pk and approval["note"] == "OK pour nous"
    assert post.status == PostStatus.PENDING  # approving is not publishing
    event = AuditEvent.objects.get(verb="space.post.approve")
    assert event.actor_user == guest.user and event.target_id == str(post.pk)
    page = guest.get(reverse("space_staff:post_edit", args=[post.pk])).content.decode()
    assert "OK pour nous" in page


def test_an_edit_after_approval_is_flagged(workspace):
    post = do_create_post(workspace, actor=SYSTEM, title="V1")
    do_approve_post(post, actor=SYSTEM)
    assert approval_of(post)["outdated"] is False
    do_update_post(post, actor=SYSTEM, body="V2")
    assert approval_of(post)["outdated"] is True


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_moderators_and_analysts_cannot_approve(workspace, client_as, role):
    post = do_create_post(workspace, actor=SYSTEM, title="À valider")
    client = client_as(workspace, role)
    assert client.post(reverse("space_staff:post_approve", args=[post.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        do_approve_post(post, actor=client.user)
    post.refresh_from_db()
    assert "approval" not in post.extra


def test_a_member_of_another_workspace_gets_404_and_a_visitor_is_sent_to_log_in(workspace, make_workspace, client_as):
    post = do_create_post(workspace, actor=SYSTEM, title="Interne")
    other = make_workspace("other", "Other")
    stranger = client_as(other, Role.OWNER)
    for url in (
        reverse("space_staff:home"),
        reverse("space_staff:post_edit", args=[post.pk]),
        reverse("space_staff:taxonomy"),
        reverse("space_staff:authors"),
    ):
        assert stranger.get(url).status_code == 404
        response = Client().get(url)
        assert response.status_code == 302 and reverse("core:login") in response["Location"]
    # Their own workspace's pages do not reach this workspace's posts either.
    assert stranger.get(f"/w/other{reverse('space_staff:post_edit', args=[post.pk])}").status_code == 404


def test_the_team_menu_links_every_space_page_and_marks_the_current_one(workspace, manager_client):
    html = manager_client.get(reverse("space_staff:pages")).content.decode()
    for name in ("home", "pages", "taxonomy", "authors", "comments"):
        assert f'href="{reverse("space_staff:" + name)}"' in html
    assert f'href="{reverse("space_staff:pages")}" aria-current="page"' in html
    assert 'class="skip-link" href="#main"' in html


# ---------------------------------------------------------------- audit


def test_every_authoring_action_leaves_one_audit_event(workspace, manager_client):
    user = manager_client.user
    cat = do_create_category(workspace, actor=user, name="Cat")
    tag = do_create_tag(workspace, actor=user, name="Tag")
    post = do_create_post(workspace, actor=user, title="Post", categories=[cat], tags=[tag])
    do_update_post(post, actor=user, title="Post 2")
    do_schedule_post(post, timezone.now() + timedelta(days=1), actor=user)
    do_publish_post(post, actor=user)
    do_approve_post(post, actor=user)
    do_trash_post(post, actor=user)
    verbs = list(
        AuditEvent.objects.filter(workspace=workspace, actor_user=user).order_by("id").values_list("verb", flat=True)
    )
    assert verbs == [
        "space.category.create",
        "space.tag.create",
        "space.post.create",
        "space.post.update",
        "space.post.schedule",
        "space.post.publish",
        "space.post.approve",
        "space.post.trash",
    ]


def test_saving_a_published_post_unchanged_keeps_its_date_to_the_second(workspace, manager_client):
    when = timezone.now() - timedelta(days=3, seconds=17)
    post = do_create_post(workspace, actor=SYSTEM, title="Daté", status=PostStatus.PUBLISHED, published_at=when)
    form = manager_client.get(reverse("space_staff:post_edit", args=[post.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else "" if v in (None, False) else v) for k, v in data.items()}
    data["published_at"] = form["published_at"].value().strftime("%Y-%m-%dT%H:%M")
    response = manager_client.post(reverse("space_staff:post_edit", args=[post.pk]), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.published_at == when and post.status == PostStatus.PUBLISHED
    assert "published_at" not in AuditEvent.objects.filter(verb="space.post.update").get().data


@pytest.mark.parametrize("body_format", ["markdown", "html"])
def test_the_editor_says_what_the_more_mark_does_shows_it_and_offers_a_button_without_inline_script(
    workspace, manager_client, body_format
):
    import lxml.html

    if body_format == "html":
        post = do_create_post(
            workspace, actor=SystemActor("tests"), title="Importé", body="<p>Un</p>", body_format=BodyFormat.HTML
        )
        response = manager_client.get(reverse("space_staff:post_edit", args=[post.pk]))
    else:
        response = manager_client.get(reverse("space_staff:post_new"))
    page = lxml.html.fromstring(response.content.decode())
    help_text = " ".join(page.get_element_by_id("more-help").text_content().split())
    # The mark is read as text: written raw, the browser took it for a comment and hid it.
    assert help_text.startswith("Le texte avant la marque <!--more--> sert de résumé sur la page d’accueil")
    assert "« Lire la suite »" in help_text
    button = page.xpath("//button[@data-insert-more]")[0]
    assert button.get("type") == "button"
    assert " ".join(button.text_content().split()) == "Insérer la marque « Lire la suite » au curseur"
    assert page.get_element_by_id(button.get("data-insert-more")).tag == "textarea"
    assert page.xpath("//script[contains(@src, 'space/editor.js')]")
    # A Content-Security-Policy forbids inline scripts and event attributes: the button needs neither.
    assert not [s for s in page.xpath("//script") if not s.get("src")]
    assert not [a for el in page.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
