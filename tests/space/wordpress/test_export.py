import io
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from lxml import etree

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.space.models import Author, Category, Post, Tag
from animateur.space.wordpress.exporter import export_wxr
from animateur.space.wordpress.importer import import_wxr
from animateur.stream.models import Message, Visibility
from tests.conftest import SYSTEM
from tests.space.wordpress.helpers import FIXTURES, snapshot

WP = "http://wordpress.org/export/1.2/"
NS = {
    "wp": WP,
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
}


def exported(workspace, tmp_path, name="export.xml"):
    path = tmp_path / name
    with path.open("wb") as out:
        counts = export_wxr(workspace, out, actor=SYSTEM)
    return path, counts


@pytest.mark.parametrize("fixture", ["wxr12.xml", "wxr11.xml", "wxr10.xml"])
def test_an_export_imports_back_identically_into_a_fresh_workspace(
    workspace, make_workspace, tmp_path, fixture
):
    import_wxr(FIXTURES / fixture, workspace, actor=SYSTEM)
    path, _ = exported(workspace, tmp_path)
    copy = make_workspace("copy", "Copy")
    import_wxr(path, copy, actor=SYSTEM)
    assert snapshot(copy) == snapshot(workspace)


def tags_of(workspace):
    tags = {t.slug: (t.name, t.description) for t in Tag.objects.filter(workspace=workspace)}
    posts = {p.slug: sorted(p.tags.values_list("slug", flat=True)) for p in Post.objects.filter(workspace=workspace)}
    return tags, posts


def test_tags_survive_an_export_and_a_re_import(workspace, make_workspace, tmp_path):
    """The shapes of tags in WordPress's theme unit test data; scripts/check_wordpress_exports.py runs the file."""
    import_wxr(FIXTURES / "tags.xml", workspace, actor=SYSTEM)
    tags, posts = tags_of(workspace)
    assert tags == {
        "8bit": ("8BIT", "Tags posts about 8BIT."),
        "alignment-2": ("alignment", ""),
        "xanthopsia": ("xanthopsia", ""),
        "été": ("été", ""),
        "tags-co": ("Tags & Co", "Named in a wp:term."),
        "only-on-an-item": ("Only on an item", ""),
    }
    assert posts == {
        "tags-a": ["8bit", "alignment-2", "only-on-an-item", "tags-co", "xanthopsia", "été"],
        "tags-b": ["8bit"],
    }
    path, counts = exported(workspace, tmp_path)
    assert counts["tags"] == 6
    copy = make_workspace("copy", "Copy")
    summary = import_wxr(path, copy, actor=SYSTEM)
    assert summary.created["tags"] == 6
    assert tags_of(copy) == (tags, posts)
    # And into the workspace it came from: every tag is found again, none is added or changed.
    again = import_wxr(path, workspace, actor=SYSTEM)
    assert again.created["tags"] == again.updated["tags"] == 0
    assert tags_of(workspace) == (tags, posts)


def test_an_export_imported_again_into_its_own_workspace_changes_nothing(workspace, tmp_path):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    before = snapshot(workspace)
    path, _ = exported(workspace, tmp_path)
    summary = import_wxr(path, workspace, actor=SYSTEM)
    assert sum(summary.created.values()) == 0
    assert snapshot(workspace) == before


def test_an_export_reproduces_the_imported_fields_wordpress_reads(workspace, tmp_path):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    path, counts = exported(workspace, tmp_path)
    assert counts == {
        "posts": 6,
        "pages": 2,
        "attachments": 1,
        "authors": 2,
        "categories": 3,
        "tags": 2,
        "comments": 7,
    }
    root = etree.parse(str(path)).getroot()
    item = root.xpath("//item[wp:post_id='10']", namespaces=NS)[0]
    assert item.findtext("wp:post_date", namespaces=NS) == "2011-01-06 10:12:00"
    assert item.findtext("wp:post_date_gmt", namespaces=NS) == "2011-01-06 09:12:00"
    assert item.findtext("guid") == "https://blog.example.org/?p=10"
    assert "<!--more Lire la suite »-->" in item.findtext("content:encoded", namespaces=NS)
    comment = item.xpath("wp:comment[wp:comment_id='103']", namespaces=NS)[0]
    assert comment.findtext("wp:comment_parent", namespaces=NS) == "102"
    assert comment.findtext("wp:comment_date", namespaces=NS) == "2011-01-06 15:00:00"
    spam = item.xpath("wp:comment[wp:comment_id='105']", namespaces=NS)[0]
    assert spam.findtext("wp:comment_approved", namespaces=NS) == "spam"
    protected = root.xpath("//item[wp:post_id='14']", namespaces=NS)[0]
    assert protected.findtext("wp:status", namespaces=NS) == "publish"
    assert protected.findtext("wp:post_password", namespaces=NS) == "sesame"
    photo = root.xpath("//item[wp:post_id='30']", namespaces=NS)[0]
    assert photo.findtext("wp:status", namespaces=NS) == "inherit"
    assert photo.findtext("wp:post_parent", namespaces=NS) == "10"
    sticky = root.xpath("//item[wp:post_id='15']", namespaces=NS)[0]
    assert sticky.findtext("content:encoded", namespaces=NS) == "Du code : a[b[0]]> c"


def test_an_export_has_the_structure_the_wordpress_importer_requires(workspace, tmp_path):
    """What wordpress-importer's WXR_Parser_SimpleXML and WXR_Parser_XML read, and refuse without."""
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    path, _ = exported(workspace, tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>')
    root = etree.fromstring(raw)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert dict(root.nsmap) == NS
    channel = root.find("channel")
    # SimpleXML parser: "This does not appear to be a WXR file, missing/invalid WXR version number".
    assert channel.findtext("wp:wxr_version", namespaces=NS) == "1.2"
    assert channel.findtext("wp:base_site_url", namespaces=NS).startswith("http")
    assert channel.findtext("wp:base_blog_url", namespaces=NS).startswith("http")
    for name in ("title", "link", "description", "pubDate", "language"):
        assert channel.find(name) is not None
    authors = channel.findall("wp:author", namespaces=NS)
    assert {a.findtext("wp:author_login", namespaces=NS) for a in authors} == {"alice", "bob"}
    # Categories: a parent is written before its children (the importer looks parents up as it goes).
    seen = set()
    for category in channel.findall("wp:category", namespaces=NS):
        parent = category.findtext("wp:category_parent", namespaces=NS)
        assert not parent or parent in seen
        seen.add(category.findtext("wp:category_nicename", namespaces=NS))
        assert category.findtext("wp:cat_name", namespaces=NS)
    assert seen == {"news", "local", "events"}
    assert len(channel.findall("wp:tag", namespaces=NS)) == 2
    items = channel.findall("item")
    assert len(items) == 9
    for item in items:
        assert item.findtext("wp:post_id", namespaces=NS).isdigit()
        assert item.findtext("wp:post_type", namespaces=NS) in ("post", "page", "attachment")
        assert item.findtext("wp:status", namespaces=NS) in (
            "publish",
            "draft",
            "pending",
            "private",
            "future",
            "inherit",
            "trash",
        )
        for name in (
            "title",
            "guid",
            "dc:creator",
            "content:encoded",
            "excerpt:encoded",
            "wp:post_date",
            "wp:post_date_gmt",
            "wp:comment_status",
            "wp:ping_status",
            "wp:post_name",
            "wp:post_parent",
            "wp:menu_order",
            "wp:post_password",
            "wp:is_sticky",
        ):
            assert item.find(name, namespaces=NS) is not None, name
        for term in item.findall("category"):
            assert term.get("domain") and term.get("nicename")
        for comment in item.findall("wp:comment", namespaces=NS):
            for name in (
                "comment_id",
                "comment_author",
                "comment_author_email",
                "comment_date",
                "comment_date_gmt",
                "comment_content",
                "comment_approved",
                "comment_parent",
            ):
                assert comment.find(f"wp:{name}", namespaces=NS) is not None, name
    ids = [item.findtext("wp:post_id", namespaces=NS) for item in items]
    assert len(set(ids)) == len(ids)


def test_posts_written_in_animateur_export_as_html_and_come_back_as_markdown(
    workspace, make_workspace, tmp_path
):
    author = Author.objects.create(
        workspace=workspace, login="ed", slug="ed", display_name="Ed", email="ed@x.org"
    )
    news = Category.objects.create(workspace=workspace, name="Nouvelles", slug="nouvelles")
    post = Post(
        workspace=workspace,
        title="Écrit ici",
        slug="ecrit-ici",
        author=author,
        status="published",
        body="Un **texte** en Markdown.\n\n<!--more-->\n\nLa suite ]]> ici.",
        body_format="markdown",
        published_at=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        modified_at=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
    )
    post.render()
    post.save()
    post.categories.add(news)
    from animateur.space.threads import sync_post_message

    message = sync_post_message(post)
    Message.objects.create(
        workspace=workspace,
        channel=message.channel,
        external_id="c:abc",
        kind="comment",
        parent=message,
        thread_root=message,
        text="Caché par un modérateur",
        visibility=Visibility.HIDDEN,
        created_at=datetime(2024, 5, 3, 8, 0, tzinfo=UTC),
    )
    path, _ = exported(workspace, tmp_path)
    item = etree.parse(str(path)).getroot().find("channel/item")
    assert "<strong>texte</strong>" in item.findtext("content:encoded", namespaces=NS)
    copy = make_workspace("copy", "Copy")
    import_wxr(path, copy, actor=SYSTEM)
    assert snapshot(copy) == snapshot(workspace)


def test_export_is_an_action_checked_and_audited(workspace, make_user):
    import_wxr(FIXTURES / "wxr11.xml", workspace, actor=SYSTEM)
    analyst = make_user("analyst@example.org", workspace, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        export_wxr(workspace, io.BytesIO(), actor=analyst)
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    out = io.BytesIO()
    counts = export_wxr(workspace, out, actor=owner)
    assert counts["posts"] == 1 and counts["comments"] == 1
    event = AuditEvent.objects.get(workspace=workspace, verb="space.export_wordpress")
    assert event.actor_user == owner and event.data["posts"] == 1


def test_an_export_holds_only_its_own_workspace(workspace, make_workspace):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    other = make_workspace("other", "Other")
    import_wxr(FIXTURES / "wxr11.xml", other, actor=SYSTEM)
    out = io.BytesIO()
    counts = export_wxr(other, out, actor=SYSTEM)
    assert counts["posts"] == 1 and counts["comments"] == 1
    assert b"Tourisme" not in out.getvalue()
