"""The import writes posts a chunk at a time: the result never depends on where the chunks fall."""

from __future__ import annotations

import pytest

from animateur.space.models import Post
from animateur.space.wordpress import importer
from animateur.space.wordpress.importer import import_wxr
from animateur.stream.models import Message
from tests.conftest import SYSTEM
from tests.space.wordpress.helpers import FIXTURES, snapshot

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Blog</title><link>http://blog.example.org</link><wp:wxr_version>1.2</wp:wxr_version>
"""


def _item(title: str, name: str, date: str, post_id: int | None = None, comments: int = 0) -> str:
    ident = f"<wp:post_id>{post_id}</wp:post_id>" if post_id is not None else ""
    replies = "".join(
        f"<wp:comment><wp:comment_id>{post_id * 100 + n}</wp:comment_id>"
        f"<wp:comment_author>Ana</wp:comment_author><wp:comment_author_email>ana@example.org</wp:comment_author_email>"
        f"<wp:comment_date>{date}</wp:comment_date><wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
        f"<wp:comment_content>Réponse {n} à {title}</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{post_id * 100 + n - 1 if n else 0}</wp:comment_parent></wp:comment>"
        for n in range(comments)
        if post_id is not None
    )
    return (
        f"<item><title>{title}</title><dc:creator>carol</dc:creator>"
        f"<content:encoded><![CDATA[<p>{title}</p>]]></content:encoded>{ident}"
        f"<wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>"
        f"<wp:post_name>{name}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        f'<category domain="post_tag" nicename="{name}">{name}</category>{replies}</item>\n'
    )


def _write(path, items: list[str]):
    path.write_text(HEAD + "".join(items) + "</channel></rss>\n", encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "POST_CHUNK", 2)
    monkeypatch.setattr(importer, "COMMENT_BATCH", 3)


@pytest.mark.parametrize("fixture", ["wxr12.xml", "wxr11.xml", "wxr10.xml"])
def test_small_chunks_import_the_same_site_as_one_chunk(workspace, make_workspace, monkeypatch, fixture):
    summary = import_wxr(FIXTURES / fixture, workspace, actor=SYSTEM)
    monkeypatch.setattr(importer, "POST_CHUNK", 1)
    monkeypatch.setattr(importer, "COMMENT_BATCH", 1)
    other = make_workspace("autre", "Autre")

    assert import_wxr(FIXTURES / fixture, other, actor=SYSTEM).as_dict() == summary.as_dict()
    assert snapshot(other) == snapshot(workspace)


def test_importing_again_in_small_chunks_changes_nothing(workspace, small_chunks):
    import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)
    before = snapshot(workspace)
    rows = (Post.objects.count(), Message.objects.count())

    again = import_wxr(FIXTURES / "wxr12.xml", workspace, actor=SYSTEM)

    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert snapshot(workspace) == before
    assert (Post.objects.count(), Message.objects.count()) == rows


def test_posts_wanting_one_slug_get_suffixes_across_and_within_chunks(workspace, small_chunks, tmp_path):
    items = [
        _item(f"Même titre {n}", "meme-titre", f"2011-01-0{n} 10:00:00", post_id=n, comments=2) for n in range(1, 6)
    ]
    path = _write(tmp_path / "export.xml", items)

    summary = import_wxr(path, workspace, actor=SYSTEM)

    assert summary.created["posts"] == 5 and summary.created["comments"] == 10
    slugs = dict(Post.objects.filter(workspace=workspace).values_list("title", "slug"))
    assert slugs == {
        "Même titre 1": "meme-titre",
        "Même titre 2": "meme-titre-2",
        "Même titre 3": "meme-titre-3",
        "Même titre 4": "meme-titre-4",
        "Même titre 5": "meme-titre-5",
    }
    for post in Post.objects.filter(workspace=workspace):
        assert post.comment_count == 2
        assert post.message.thread_root_id == post.message_id
        assert post.message.external_id == f"post:{post.pk}"
    again = import_wxr(path, workspace, actor=SYSTEM)
    assert again.skipped["posts"] == 5 and sum(again.created.values()) == 0
    assert dict(Post.objects.filter(workspace=workspace).values_list("title", "slug")) == slugs


def test_an_item_without_id_repeated_in_one_chunk_makes_one_post(workspace, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "POST_CHUNK", 10)
    same = _item("Sans identifiant", "sans-identifiant", "2011-02-01 10:00:00")
    path = _write(tmp_path / "export.xml", [same, same])

    summary = import_wxr(path, workspace, actor=SYSTEM)

    assert summary.created["posts"] == 1 and summary.skipped["posts"] == 1
    assert Post.objects.filter(workspace=workspace).count() == 1


def test_a_failure_in_a_later_chunk_leaves_nothing_of_the_earlier_ones(workspace, small_chunks, monkeypatch, tmp_path):
    items = [_item(f"Billet {n}", f"billet-{n}", f"2011-03-0{n} 10:00:00", post_id=n, comments=1) for n in range(1, 8)]
    path = _write(tmp_path / "export.xml", items)
    calls = []
    real = importer.create_post_messages

    def failing_third_time(posts, channel):
        calls.append(len(posts))
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        real(posts, channel)

    monkeypatch.setattr(importer, "create_post_messages", failing_third_time)

    with pytest.raises(RuntimeError, match="the disk is full"):
        import_wxr(path, workspace, actor=SYSTEM)

    assert calls == [2, 2, 2]
    assert not Post.objects.filter(workspace=workspace).exists()
    assert not Message.objects.filter(workspace=workspace).exists()


def test_a_slug_given_up_by_an_updated_post_goes_to_a_new_post_of_the_same_chunk(workspace, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "POST_CHUNK", 10)
    import_wxr(
        _write(tmp_path / "first.xml", [_item("Premier", "nom-pris", "2011-04-01 10:00:00", post_id=1)]),
        workspace,
        actor=SYSTEM,
    )
    second = [
        _item("Premier", "nouveau-nom", "2011-04-01 10:00:00", post_id=1),
        _item("Second", "nom-pris", "2011-04-02 10:00:00", post_id=2),
    ]

    summary = import_wxr(_write(tmp_path / "second.xml", second), workspace, actor=SYSTEM)

    assert summary.updated["posts"] == 1 and summary.created["posts"] == 1
    assert dict(Post.objects.filter(workspace=workspace).values_list("title", "slug")) == {
        "Premier": "nouveau-nom",
        "Second": "nom-pris",
    }
