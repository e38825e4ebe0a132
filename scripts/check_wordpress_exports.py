#!/usr/bin/env python
"""Import real WordPress exports and check that nothing was lost.

    python scripts/check_wordpress_exports.py [--data DIR] [--big [MB]]

Every *.xml file of DIR/wordpress (default ../shared/data beside the repository) is
imported into a fresh workspace of a throw-away database. What the file holds is
counted independently (with the standard library's XML parser, not animateur's), per
post type and status, comments per approval state, categories, tags, authors and the
terms of every post, and compared with what was stored; then the file is imported again
(everything must be unchanged), exported, and the export imported into another fresh
workspace (the same counts, and the same terms on the same posts, must come back).
Prints one table per file and exits 1 if a count differs.

--big generates an export of about MB megabytes (default 100) in a temporary folder,
imports it and prints the peak resident memory of the import.
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    # Django is set up by the script itself: the models are imported when the functions run.
    from animateur.core.models import Workspace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

STATUS = {
    "publish": "published",
    "draft": "draft",
    "auto-draft": "draft",
    "pending": "pending",
    "private": "private",
    "future": "scheduled",
    "trash": "trash",
    "inherit": "published",
}
APPROVED = {"1": "visible", "0": "pending", "spam": "spam", "trash": "trash"}


def _setup() -> None:
    folder = tempfile.mkdtemp(prefix="animateur-wxr-check-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the throw-away database goes with the run
    os.environ["ANIMATEUR_DATA_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def expected_counts(path: Path) -> Counter[str]:
    """What the file holds, counted without animateur's parser."""
    counts: Counter[str] = Counter()
    categories: set[str] = set()
    tags: set[str] = set()
    authors: set[str] = set()
    wp = ""
    # The standard library's parser, on purpose: the counts must not come from the code they check.
    for event, element in ET.iterparse(path, events=("start-ns", "end")):  # noqa: S314 - local files
        if event == "start-ns":
            prefix, uri = element
            if prefix == "wp":
                wp = "{" + uri + "}"
            continue
        tag = element.tag
        if tag == f"{wp}author":
            authors.add(element.findtext(f"{wp}author_login", "").strip())
        elif tag == f"{wp}category" and element.find(f"{wp}category_nicename") is not None:
            categories.add(unquote(element.findtext(f"{wp}category_nicename", "").strip()))
        elif tag == f"{wp}tag" and element.find(f"{wp}tag_slug") is not None:
            tags.add(unquote(element.findtext(f"{wp}tag_slug", "").strip()))
        elif tag == f"{wp}term":
            taxonomy = element.findtext(f"{wp}term_taxonomy", "").strip()
            slug = unquote(element.findtext(f"{wp}term_slug", "").strip())
            if taxonomy == "category":
                categories.add(slug)
            elif taxonomy == "post_tag":
                tags.add(slug)
        elif tag == "item":
            post_type = element.findtext(f"{wp}post_type", "").strip()
            if post_type not in ("post", "page", "attachment"):
                counts[f"skipped {post_type or '(no wp:post_type)'}"] += 1
                element.clear()
                continue
            status = STATUS.get(element.findtext(f"{wp}status", "publish").strip() or "publish", "draft")
            if element.findtext(f"{wp}post_password", "") and status == "published":
                status = "private"
            counts[f"{post_type} {status}"] += 1
            creator = element.findtext("{http://purl.org/dc/elements/1.1/}creator", "").strip()
            if creator:
                authors.add(creator)
            links: set[tuple[str, str]] = set()
            for category in element.findall("category"):
                domain = category.get("domain", "")
                slug = unquote(category.get("nicename", "")) or _slugify(category.text or "")
                if domain in ("category", ""):
                    categories.add(slug)
                    links.add(("categories on posts", slug))
                elif domain in ("post_tag", "tag"):
                    tags.add(slug)
                    links.add(("tags on posts", slug))
            for what, _slug in links:
                counts[what] += 1
            for comment in element.findall(f"{wp}comment"):
                approved = comment.findtext(f"{wp}comment_approved", "1").strip()
                counts[f"comments {APPROVED.get(approved, 'pending')}"] += 1
            element.clear()
    counts["categories"] = len(categories)
    counts["tags"] = len(tags)
    counts["authors"] = len(authors)
    return counts


def _slugify(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text.strip(), allow_unicode=True)


def stored_counts(workspace: Workspace) -> Counter[str]:
    from animateur.space.models import Author, Category, Post, Tag
    from animateur.space.threads import COMMENT_KINDS
    from animateur.stream.models import Message

    counts: Counter[str] = Counter()
    for post_type, status in Post.objects.filter(workspace=workspace).values_list("type", "status"):
        counts[f"{post_type} {status}"] += 1
    visibilities = Message.objects.filter(workspace=workspace, kind__in=COMMENT_KINDS).values_list(
        "visibility", flat=True
    )
    for visibility in visibilities:
        counts[f"comments {visibility}"] += 1
    counts["categories"] = Category.objects.filter(workspace=workspace).count()
    counts["tags"] = Tag.objects.filter(workspace=workspace).count()
    counts["categories on posts"] = Post.categories.through.objects.filter(post__workspace=workspace).count()
    counts["tags on posts"] = Post.tags.through.objects.filter(post__workspace=workspace).count()
    counts["authors"] = Author.objects.filter(workspace=workspace).count()
    return counts


def term_links(workspace: Workspace) -> set[tuple[str, str, str, str, str]]:
    """Every (post type, post slug, taxonomy, term slug, term name): what a round trip must give back."""
    from animateur.space.models import Post

    links: set[tuple[str, str, str, str, str]] = set()
    for post in Post.objects.filter(workspace=workspace).prefetch_related("categories", "tags"):
        links.update((post.type, post.slug, "category", c.slug, c.name) for c in post.categories.all())
        links.update((post.type, post.slug, "post_tag", t.slug, t.name) for t in post.tags.all())
    return links


def check_file(path: Path, index: int) -> bool:
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.space.wordpress.exporter import export_wxr
    from animateur.space.wordpress.importer import import_wxr

    actor = SystemActor("check")
    expected = expected_counts(path)
    workspace = do_create_workspace(f"check-{index}", path.stem, language="en", actor=actor)
    started = time.perf_counter()
    summary = import_wxr(path, workspace, actor=actor)
    seconds = time.perf_counter() - started
    stored = stored_counts(workspace)
    again = import_wxr(path, workspace, actor=actor)
    changed_again = sum(again.created.values()) + sum(again.updated.values())
    with tempfile.TemporaryDirectory() as folder:
        exported = Path(folder) / "export.xml"
        with exported.open("wb") as out:
            export_wxr(workspace, out, actor=actor)
        copy = do_create_workspace(f"check-{index}-copy", path.stem, language="en", actor=actor)
        import_wxr(exported, copy, actor=actor)
        round_trip = stored_counts(copy)
    ok = True
    keys = sorted(k for k in set(expected) | set(stored) if not k.startswith("skipped"))
    print(f"\n{path.name}: imported in {seconds:.1f} s")
    print(f"  {'what':<28}{'in file':>9}{'stored':>9}{'round trip':>12}")
    for key in keys:
        mark = "" if expected[key] == stored[key] == round_trip[key] else "  <-- differs"
        ok = ok and not mark
        print(f"  {key:<28}{expected[key]:>9}{stored[key]:>9}{round_trip[key]:>12}{mark}")
    for key in sorted(k for k in expected if k.startswith("skipped")):
        print(f"  {key:<28}{expected[key]:>9}{'(skipped on purpose)':>21}")
    lost = term_links(workspace) ^ term_links(copy)
    if lost:
        ok = False
        print(f"  post terms that differ after the round trip: {sorted(lost)[:10]}  <-- differs")
    skipped_types = sum(
        summary.skipped.get(k, 0) for k in ("nav_menu_items", "other_types", "without_type", "duplicates")
    )
    expected_skipped = sum(v for k, v in expected.items() if k.startswith("skipped"))
    if skipped_types != expected_skipped:
        ok = False
        print(
            f"  skipped items: importer: {skipped_types}, file: has {expected_skipped} <-- differs",
        )
    print(
        f"  second import: {changed_again} rows created or updated"
        f"{'' if changed_again == 0 else '  <-- should be 0'}"
    )
    ok = ok and changed_again == 0
    for note in summary.notes[:10]:
        print(f"  note: {note}")
    return ok


def generate_big(path: Path, megabytes: int) -> int:
    """A WXR 1.2 file of about `megabytes` MB: posts with long bodies and threaded comments."""
    paragraph = (
        "<p>Lorem ipsum dolor sit amet, « communauté » consectetur adipiscing elit, sed do eiusmod "
        "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.</p>\n"
    ) * 20
    target = megabytes * 1024 * 1024
    items = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
            "<channel><title>Big</title><wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:author><wp:author_login>ana</wp:author_login><wp:author_email>ana@example.org"
            "</wp:author_email><wp:author_display_name>Ana</wp:author_display_name></wp:author>\n"
            "<wp:category><wp:category_nicename>news</wp:category_nicename><wp:category_parent>"
            "</wp:category_parent><wp:cat_name>News</wp:cat_name></wp:category>\n"
        )
        while out.tell() < target:
            items += 1
            comments = "".join(
                f"<wp:comment><wp:comment_id>{items * 10 + c}</wp:comment_id><wp:comment_author>Reader {c}"
                f"</wp:comment_author><wp:comment_author_email>r{c}@example.org</wp:comment_author_email>"
                f"<wp:comment_date_gmt>2020-01-01 10:{c:02d}:00</wp:comment_date_gmt>"
                f"<wp:comment_content><![CDATA[Comment {c} on post {items}: merci !]]></wp:comment_content>"
                f"<wp:comment_approved>1</wp:comment_approved>"
                f"<wp:comment_parent>{items * 10 + c - 1 if c else 0}</wp:comment_parent></wp:comment>"
                for c in range(3)
            )
            out.write(
                f"<item><title>Post {items}</title><dc:creator>ana</dc:creator>"
                f"<content:encoded><![CDATA[{paragraph}<!--more-->{paragraph}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{items}</wp:post_id>"
                f"<wp:post_date>2020-01-01 12:00:00</wp:post_date><wp:post_date_gmt>2020-01-01 11:00:00"
                f"</wp:post_date_gmt><wp:post_name>post-{items}</wp:post_name><wp:status>publish</wp:status>"
                f"<wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="news"><![CDATA[News]]></category>{comments}</item>\n'
            )
        out.write("</channel></rss>\n")
    return items


def check_big(megabytes: int) -> None:
    """Peak memory of importing a small export, then a big one: bounded memory means about the same peak."""
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.space.wordpress.importer import import_wxr

    actor = SystemActor("check")
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, size in (("small", 2), ("big", megabytes)):
            path = Path(folder) / f"{name}.xml"
            items = generate_big(path, size)
            workspace = do_create_workspace(f"memory-{name}", name, language="en", actor=actor)
            started = time.perf_counter()
            summary = import_wxr(path, workspace, actor=actor)
            seconds = time.perf_counter() - started
            # ru_maxrss is the peak of the whole process: the small import runs first, and loads
            # everything imports need (language and scoring models), so the difference is the file's.
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            figures[name] = peak
            print(
                f"\n{name} export: {path.stat().st_size / 1024 / 1024:.0f} MB, {items} posts, "
                f"{summary.created['comments']} comments in {seconds:.0f} s; peak RSS so far {peak:.0f} MB"
            )
            path.unlink()
    print(f"peak RSS grew by {figures['big'] - figures['small']:.0f} MB from the small to the big export")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="the data folder")
    parser.add_argument(
        "--big",
        type=int,
        nargs="?",
        const=100,
        metavar="MB",
        help="also import a generated export of MB megabytes and print the peak memory",
    )
    args = parser.parse_args(argv)
    folder = args.data / "wordpress"
    files = sorted(folder.glob("*.xml")) if folder.is_dir() else []
    if not files and not args.big:
        print(f"check_wordpress_exports: no WordPress exports in {folder}: nothing checked (pass --data DIR)")
        return 0
    _setup()
    results = [check_file(path, n) for n, path in enumerate(files)]  # every file, even after a failure
    ok = all(results)
    if args.big:
        check_big(args.big)
    print("\nall counts match" if ok else "\nSOME COUNTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
