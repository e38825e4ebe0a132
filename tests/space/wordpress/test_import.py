from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.space.models import Author, Category, Post, Tag
from animateur.space.threads import COMMENT_KINDS
from animateur.space.wordpress.importer import WXRError, import_wxr
from animateur.stream.models import Identity, Message
from tests.conftest import SYSTEM
from tests.space.wordpress.helpers import FIXTURES, snapshot

PARIS = ZoneInfo("Europe/Paris")


def comments(workspace):
    return Message.objects.filter(workspace=workspace, kind__in=COMMENT_KINDS)


def test_a_wxr_1_2_export_brings_posts_pages_attachments_terms_authors_and_comments(workspace):
    summary = import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)

    assert summary.created == {
        "posts": 6,
        "pages": 2,
        "attachments": 1,
        "authors": 2,
        "categories": 3,
        "tags": 2,
        "comments": 7,
    }
    assert summary.skipped["nav_menu_items"] == 1
    assert summary.skipped["other_types"] == 1
    assert Post.objects.filter(workspace=workspace).count() == 9
    assert not Post.objects.filter(workspace=workspace, title="Un produit").exists()


def test_statuses_are_mapped_and_a_password_protected_post_is_not_public(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    status = dict(Post.objects.filter(workspace=workspace).values_list("slug", "status"))
    assert status == {
        "port": "published",
        "tourisme-et-medias-sociaux": "published",
        "un-brouillon": "draft",
        "programme": "scheduled",
        "reserve": "private",
        "protege": "private",
        "epingle": "published",
        "equipe": "published",
        "a-propos": "published",
    }
    protected = Post.objects.get(workspace=workspace, slug="protege")
    assert protected.extra["wp"]["post_password"] == "sesame"


def test_dates_come_from_gmt_and_a_draft_without_one_has_no_publication_date(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    post = Post.objects.get(workspace=workspace, slug="tourisme-et-medias-sociaux")
    assert post.published_at == datetime(2011, 1, 6, 9, 12, tzinfo=UTC)
    assert post.modified_at == datetime(2011, 1, 7, 10, 0, tzinfo=UTC)
    draft = Post.objects.get(workspace=workspace, slug="un-brouillon")
    assert draft.published_at is None
    assert draft.comments_open is False


def test_a_date_without_gmt_is_read_in_the_workspace_time_zone(workspace):
    import_wxr(FIXTURES / "wxr10.xml", workspace, actor=SYSTEM)
    comment = comments(workspace).get()
    assert comment.created_at == datetime(2009, 7, 15, 9, 0, tzinfo=PARIS)


def test_the_body_is_kept_exactly_with_its_more_marker_and_the_excerpt_is_the_teaser(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    post = Post.objects.get(workspace=workspace, slug="tourisme-et-medias-sociaux")
    assert post.body_format == "html"
    assert post.body == (
        "<p>Le début de l’article.</p>\n<!--more Lire la suite »-->\n"
        "<p>La suite, avec <strong>du gras</strong>.</p>"
    )
    assert post.has_more and post.more_label == "Lire la suite »"
    assert post.excerpt == "Un résumé écrit à la main."
    assert "Un résumé écrit à la main." in post.teaser_html
    assert "<strong>du gras</strong>" in post.body_html
    assert Post.objects.get(workspace=workspace, slug="epingle").body == "Du code : a[b[0]]> c"


def test_categories_keep_their_hierarchy_even_when_a_child_is_listed_before_its_parent(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    events = Category.objects.get(workspace=workspace, slug="events")
    assert [c.slug for c in events.ancestors()] == ["news", "local"]
    assert events.name == "Événements" and events.description == "Ce qui se passe près de chez vous"
    post = Post.objects.get(workspace=workspace, slug="tourisme-et-medias-sociaux")
    assert sorted(post.categories.values_list("slug", flat=True)) == ["events", "news"]
    assert sorted(post.tags.values_list("name", flat=True)) == ["tourisme", "été"]
    assert Tag.objects.filter(workspace=workspace, slug="été").exists()
    assert post.extra["wp"]["terms"] == [["post_format", "post-format-aside", "Aside"]]


def test_authors_come_with_names_and_emails_and_sign_their_posts(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    alice = Author.objects.get(workspace=workspace, login="alice")
    assert (alice.display_name, alice.email, alice.first_name, alice.last_name) == (
        "Alice Martin",
        "alice@example.org",
        "Alice",
        "Martin",
    )
    assert Post.objects.get(workspace=workspace, slug="programme").author.login == "bob"


def test_pages_keep_their_hierarchy_and_attachments_their_parent_and_link(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    team = Post.objects.get(workspace=workspace, type="page", slug="equipe")
    assert team.parent.slug == "a-propos" and team.menu_order == 2
    photo = Post.objects.get(workspace=workspace, type="attachment")
    assert photo.parent.slug == "tourisme-et-medias-sociaux"
    assert photo.attachment_url == "https://blog.example.org/wp-content/uploads/port.jpg"
    assert photo.extra["wp"]["postmeta"] == [["_wp_attached_file", "port.jpg"]]
    assert Post.objects.get(workspace=workspace, slug="epingle").is_sticky


def test_comments_are_threaded_with_their_status_author_and_address(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    post = Post.objects.get(workspace=workspace, slug="tourisme-et-medias-sociaux")
    by_id = {m.external_id: m for m in comments(workspace).select_related("author", "parent")}
    first, answer, thanks = by_id["wp-comment:101"], by_id["wp-comment:102"], by_id["wp-comment:103"]
    assert first.parent_id == post.message_id and first.kind == "comment"
    assert answer.parent_id == first.pk and answer.kind == "reply" and answer.from_organisation
    assert thanks.parent_id == answer.pk and thanks.thread_root_id == post.message_id
    assert first.text == "Très bon article !\nMerci pour le partage."
    assert (first.author.display_name, first.author.email, first.author.url) == (
        "Ana Lopez",
        "Ana@Example.org",
        "https://ana.example.org",
    )
    assert first.author_id == thanks.author_id  # one identity per email, whatever its case
    assert first.remote_addr == "192.0.2.1" and answer.remote_addr == "2001:db8::1"
    assert first.created_at == datetime(2011, 1, 6, 11, 0, tzinfo=UTC)
    assert by_id["wp-comment:104"].kind == "pingback"
    visibility = {key: m.visibility for key, m in by_id.items()}
    assert visibility == {
        "wp-comment:101": "visible",
        "wp-comment:102": "visible",
        "wp-comment:103": "visible",
        "wp-comment:104": "visible",
        "wp-comment:105": "spam",
        "wp-comment:106": "pending",
        "wp-comment:107": "trash",
    }
    assert by_id["wp-comment:107"].raw["wp"]["commentmeta"] == [["_wp_trash_meta_status", "1"]]
    post.refresh_from_db()
    assert post.comment_count == 4


def test_wxr_1_1_and_1_0_exports_import_too(workspace, make_workspace):
    summary = import_wxr(FIXTURES / "wxr11.xml", workspace, actor=SYSTEM)
    assert (summary.created["posts"], summary.created["comments"], summary.created["authors"]) == (1, 1, 1)
    hello = Post.objects.get(workspace=workspace, slug="hello-world")
    assert hello.has_more and hello.author.login == "carol"

    old = make_workspace("old", "Old")
    summary = import_wxr(FIXTURES / "wxr10.xml", old, actor=SYSTEM)
    post = Post.objects.get(workspace=old, slug="old-post")
    assert list(post.categories.values_list("slug", flat=True)) == ["diary"]
    assert list(post.tags.values_list("slug", flat=True)) == ["life"]
    assert post.author.login == "admin"  # WXR 1.0 has no author blocks
    assert comments(old).get().kind == "pingback"  # a trackback


def test_importing_the_same_file_twice_changes_nothing(workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    before = snapshot(workspace)
    rows = [model.objects.count() for model in (Post, Category, Tag, Author, Message, Identity)]
    again = import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    assert sum(again.created.values()) == 0
    assert sum(again.updated.values()) == 0
    assert again.skipped["posts"] == 6 and again.skipped["comments"] == 7
    assert snapshot(workspace) == before
    assert [model.objects.count() for model in (Post, Category, Tag, Author, Message, Identity)] == rows


def test_a_changed_post_is_updated_on_the_next_import(workspace, tmp_path):
    import_wxr(FIXTURES / "wxr11.xml", workspace, actor=SYSTEM)
    changed = tmp_path / "changed.xml"
    changed.write_text((FIXTURES / "wxr11.xml").read_text().replace("The rest.", "The rest, edited."))
    summary = import_wxr(changed, workspace, actor=SYSTEM)
    assert summary.updated["posts"] == 1 and summary.created["posts"] == 0
    assert Post.objects.get(workspace=workspace, slug="hello-world").body.endswith("The rest, edited.")


@pytest.mark.parametrize(
    ("fixture", "line", "reason"),
    [
        ("malformed_xml.xml", 57, "malformed XML: Opening and ending tag mismatch"),
        ("bad_date.xml", 66, "wp:post_date '2010-13-45 11:00:00' is not a date"),
        ("bad_post_id.xml", 65, "wp:post_id 'two' is not a whole number"),
        ("bad_comment_date.xml", 84, "wp:comment_date 'yesterday' is not a date"),
        ("not_wxr.xml", 2, "the document is <html>, not an RSS (WXR) export"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_reason_and_nothing_is_imported(
    workspace, fixture, line, reason
):
    with pytest.raises(WXRError) as error:
        import_wxr(FIXTURES / fixture, workspace, actor=SYSTEM)
    assert error.value.line == line
    assert error.value.reason.startswith(reason)
    assert str(error.value).startswith(f"line {line}: ")
    # The first item of these files is valid: it must not have been imported either.
    assert not Post.objects.filter(workspace=workspace).exists()
    assert not Author.objects.filter(workspace=workspace).exists()
    assert not comments(workspace).exists()
    assert not AuditEvent.objects.filter(workspace=workspace, verb="space.import_wordpress").exists()


def test_an_item_without_post_type_is_skipped_and_named_and_the_rest_is_imported(workspace):
    """As WordPress's importer does with the items of its a11y and namespace test files that have no type."""
    summary = import_wxr(FIXTURES / "missing_post_type.xml", workspace, actor=SYSTEM)
    assert list(Post.objects.filter(workspace=workspace).values_list("slug", flat=True)) == ["hello-world"]
    assert summary.created["posts"] == 1 and summary.created["comments"] == 1
    assert summary.skipped["without_type"] == 1
    assert summary.notes == ["line 56: item 'Hello world' has no wp:post_type: skipped, as WordPress does"]
    # Its comment (id 2) went with it.
    assert comments(workspace).count() == 1
    audit = AuditEvent.objects.get(workspace=workspace, verb="space.import_wordpress")
    assert audit.data["skipped"]["without_type"] == 1


def test_namespace_errors_are_read_past_and_an_item_typed_in_another_namespace_is_skipped_as_wordpress_does(
    workspace,
):
    summary = import_wxr(FIXTURES / "namespaces.xml", workspace, actor=SYSTEM)
    assert sorted(Post.objects.filter(workspace=workspace).values_list("slug", flat=True)) == [
        "accentue",
        "ordinaire",
        "prefixe-invalide",
    ]
    assert summary.skipped["without_type"] == 2
    assert summary.notes == [
        "line 12: item 'Type dans un autre espace de noms' has no wp:post_type: skipped, as WordPress does",
        "line 36: item 'Sans type du tout' has no wp:post_type: skipped, as WordPress does",
    ]


def test_a_file_without_a_wxr_version_is_refused_as_wordpress_refuses_it_and_nothing_is_imported(workspace):
    with pytest.raises(WXRError) as error:
        import_wxr(FIXTURES / "no_wxr_version.xml", workspace, actor=SYSTEM)
    assert "wp:wxr_version" in error.value.reason
    assert "does not appear to be a WordPress export" in str(error.value)
    assert not Post.objects.filter(workspace=workspace).exists()
    assert not Author.objects.filter(workspace=workspace).exists()
    assert not comments(workspace).exists()
    assert not AuditEvent.objects.filter(workspace=workspace, verb="space.import_wordpress").exists()


def test_import_reports_progress_up_to_the_whole_file(workspace):
    seen = []
    import_wxr(
        FIXTURES / "wxr11.xml",
        workspace,
        actor=SYSTEM,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_import_is_an_action_checked_and_audited(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        import_wxr(FIXTURES / "wxr11.xml", workspace, actor=moderator)
    assert not Post.objects.filter(workspace=workspace).exists()

    manager = make_user("manager@example.org", workspace, Role.MANAGER)
    import_wxr(FIXTURES / "wxr11.xml", workspace, actor=manager)
    event = AuditEvent.objects.get(workspace=workspace, verb="space.import_wordpress")
    assert event.actor_user == manager
    assert event.data["created"]["posts"] == 1 and event.data["file"] == "wxr11.xml"


def test_a_slug_already_used_by_another_post_gets_a_suffix(workspace):
    import_wxr(FIXTURES / "wxr11.xml", workspace, actor=SYSTEM)
    Post.objects.filter(workspace=workspace).update(import_key="")  # now a post written in animateur
    import_wxr(FIXTURES / "wxr11.xml", workspace, actor=SYSTEM)
    assert sorted(Post.objects.filter(workspace=workspace).values_list("slug", flat=True)) == [
        "hello-world",
        "hello-world-2",
    ]


def test_the_import_command_names_what_it_skipped(workspace, capsys):
    from animateur.cli import main

    assert main(["import", "wordpress", str(FIXTURES / "missing_post_type.xml"), "--workspace", workspace.slug]) == 0
    out = capsys.readouterr().out
    assert "skipped: 1 without type" in out
    assert "line 56: item 'Hello world' has no wp:post_type: skipped, as WordPress does" in out


def test_the_import_command_refuses_a_file_without_a_wxr_version_and_says_why(workspace, capsys):
    from animateur.cli import main

    assert main(["import", "wordpress", str(FIXTURES / "no_wxr_version.xml"), "--workspace", workspace.slug]) == 2
    assert "does not appear to be a WordPress export" in capsys.readouterr().err
    assert not Post.objects.filter(workspace=workspace).exists()
