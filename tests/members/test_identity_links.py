"""Identity evidence from profile links: Mastodon profile fields verified with rel=me (by the server, or
by animateur fetching the page from a local server here), a Bluesky handle on the person's own
domain, and the blog a commenter gave; each shown on the suggestion with its evidence."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from animateur.members import actions, links, resolution
from animateur.members.models import LinkProof, MergeSuggestion, ProfileLink
from tests.conftest import SYSTEM
from tests.members.factories import channel, say


class Pages:
    """A local web server answering each path with the HTML it was given."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = owner.pages.get(self.path)
                data = (body or "not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pages(settings) -> Iterator[Pages]:
    settings.ALLOW_PRIVATE_URLS = True  # the pages are served on this machine
    server = Pages({})
    yield server
    server.close()


def field(url: str, verified_at: str | None = None) -> dict[str, Any]:
    html = f'<a href="{url}" target="_blank" rel="nofollow noopener me" translate="no"><span class="invisible">http://</span>{url}</a>'
    return {"name": "Blog", "value": html, "verified_at": verified_at}


def toot(masto, acct: str, fields: list[dict[str, Any]], text: str = "Bonjour") -> None:
    url = f"https://social.example/@{acct}"
    say(masto, url, text, name=acct.title(), handle=f"@{acct}@social.example", url=url,
        raw={"account": {"acct": acct, "url": url, "fields": fields}})  # fmt: skip


def evidence_of(suggestion: MergeSuggestion) -> dict[str, dict[str, Any]]:
    return {e["kind"]: e for e in suggestion.evidence}


def test_a_link_checked_by_animateur_proves_the_commenter_is_the_mastodon_account(workspace, pages, manager_client):
    masto, site = channel(workspace, "mastodon", "Mastodon"), channel(workspace, "site", "Blog")
    pages.pages["/"] = (
        '<html><head><link rel="me" href="https://social.example/@alice"></head><body>Alice</body></html>'
    )
    pages.pages["/other"] = '<html><body><a href="https://social.example/@alice">not rel=me</a></body></html>'
    toot(masto, "alice", [field(pages.base + "/"), field(pages.base + "/other")])
    say(site, "ali@example.net", "Beau billet", name="A. Martin", email="ali@example.net", url=pages.base + "/")

    actions.do_recompute_members(workspace, actor=SYSTEM)  # reads the fields; nothing proven yet
    assert ProfileLink.objects.count() == 2
    assert not MergeSuggestion.objects.exists()  # an unproven link, and a comment form, prove nothing

    counts = actions.do_verify_profile_links(workspace, actor=SYSTEM)
    assert counts == {"checked": 2, "verified": 1}
    proven = ProfileLink.objects.get(url=pages.base + "/")
    assert proven.proof == LinkProof.CHECKED
    assert ProfileLink.objects.get(url=pages.base + "/other").check_error == "no_rel_me"

    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestion = MergeSuggestion.objects.get()
    found = evidence_of(suggestion)
    assert found["verified_link"]["proof"] == "checked" and found["verified_link"]["weight"] == 0.95
    assert suggestion.confidence >= 0.95
    page = manager_client.get(f"/app/members/suggestions/{suggestion.pk}/").content.decode()
    assert "vérifié avec rel=me" in page and "la page renvoie au profil" in page
    member_page = manager_client.get(f"/app/members/{suggestion.first_id}/").content.decode()
    assert "ne renvoie pas au profil avec rel=me" in member_page or "renvoie au profil" in member_page


def test_a_link_the_server_verified_counts_without_fetching_and_meets_a_bluesky_domain(workspace, settings):
    settings.ALLOW_PRIVATE_URLS = False  # nothing is fetched here
    masto, sky = channel(workspace, "mastodon", "Mastodon"), channel(workspace, "bluesky", "Bluesky")
    toot(masto, "bob", [field("https://bob.example.org/", "2025-11-24T15:45:57.501+00:00")])
    say(
        sky,
        "did:plc:bob",
        "Salut",
        name="Robert",
        handle="@bob.example.org",
        url="https://bsky.app/profile/bob.example.org",
    )
    summary = actions.do_recompute_members(workspace, actor=SYSTEM)
    assert summary["links"] == 1
    assert ProfileLink.objects.get().proof == LinkProof.SERVER
    found = evidence_of(MergeSuggestion.objects.get())
    assert found["verified_link"]["proof"] == "server"
    assert found["own_domain"]["detail"] == "bob.example.org"


def test_a_bluesky_domain_handle_meets_a_commenters_blog_on_it_but_not_a_bsky_social_handle(workspace):
    sky, site = channel(workspace, "bluesky", "Bluesky"), channel(workspace, "site", "Blog")
    say(sky, "did:1", "Salut", name="Chloé", handle="@chloe.example.fr")
    say(sky, "did:2", "Salut", name="Denis", handle="@denis.bsky.social")
    say(site, "c@example.net", "Merci", name="Chloé D.", email="c@example.net", url="https://chloe.example.fr/blog/")
    say(site, "d@example.net", "Merci", name="D. Roy", email="d@example.net", url="https://denis.bsky.social/")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestions = list(MergeSuggestion.objects.all())
    assert len(suggestions) == 1
    found = evidence_of(suggestions[0])
    assert (
        found["own_domain"]["detail"] == "chloe.example.fr" and "commenter_blog" not in found
    )  # the same address, once


def test_a_page_on_a_shared_host_meets_only_itself():
    rows = [
        resolution.IdentityRow(
            1, 10, "mastodon", "u1", "@eve@social.example", "Eve", "", "https://social.example/@eve"
        ),
        resolution.IdentityRow(2, 11, "site", "x@y", "", "Zed", "x@y", "https://github.com/zed"),
        resolution.IdentityRow(3, 11, "site", "e@y", "", "E", "e@y", "https://github.com/eve"),
    ]
    found = resolution.propose(rows, [resolution.LinkRow(1, "https://github.com/eve", "server")])
    assert [(p.first, p.second) for p in found] == [(1, 3)]
    assert found[0].evidence[0]["kind"] == "verified_link"


def test_unverified_links_prove_nothing():
    rows = [
        resolution.IdentityRow(
            1, 10, "mastodon", "u1", "@eve@social.example", "Eve", "", "https://social.example/@eve"
        ),
        resolution.IdentityRow(2, 11, "reddit", "u2", "zed", "Zed", "", "https://www.reddit.com/user/zed"),
    ]
    assert resolution.propose(rows, [resolution.LinkRow(1, "https://www.reddit.com/user/zed", "")]) == []


def test_field_links_read_mastodons_html_and_plain_values():
    fields = [field("https://a.example/", "2024-01-01T00:00:00Z"), {"name": "Site", "value": "https://b.example"},
              {"name": "bread", "value": "toasty.", "verified_at": None}]  # fmt: skip
    assert links.field_links(fields) == [("https://a.example/", "2024-01-01T00:00:00Z"), ("https://b.example", None)]
    assert links.field_links("not a list") == []


DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "mastodon" / "cassettes"


def _bodies_items(wanted: Callable[[dict[str, Any]], bool]) -> Iterator[dict[str, Any]]:
    """Every JSON object of the recorded responses that `wanted` accepts, at any depth."""
    import yaml

    def walk(value: Any) -> Iterator[dict[str, Any]]:
        if isinstance(value, dict):
            if wanted(value):
                yield value
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for path in sorted(DATA.glob("*.yaml")):
        for interaction in (yaml.safe_load(path.read_text()) or {}).get("interactions", []):
            body = ((interaction.get("response") or {}).get("body") or {}).get("string") or ""
            try:
                yield from walk(json.loads(body))
            except ValueError:
                continue


def _statuses() -> Iterator[dict[str, Any]]:
    return _bodies_items(lambda d: isinstance(d.get("account"), dict) and "content" in d and "id" in d)


@pytest.mark.skipif(not DATA.is_dir(), reason="the Mastodon recordings (../shared/data/mastodon) are absent")
def test_the_mastodon_recordings_give_their_accounts_links_and_no_false_merge(workspace):
    masto = channel(workspace, "mastodon", "Mastodon")
    seen: dict[str, dict[str, Any]] = {}
    for status in _statuses():
        seen.setdefault(str(status["id"]), status)
    accounts = {s["account"]["url"]: s["account"] for s in seen.values()}
    for n, status in enumerate(seen.values()):
        account = status["account"]
        say(masto, account["url"], f"statut {n}", name=account.get("display_name") or "", handle="@" + account["acct"],
            url=account["url"], raw=status)  # fmt: skip
    summary = actions.do_recompute_members(workspace, actor=SYSTEM)
    field_count = sum(len(a.get("fields") or []) for a in accounts.values())
    link_fields = sum(len(links.field_links(a.get("fields"))) for a in accounts.values())
    kinds = {"verified_link", "own_domain", "commenter_blog"}
    with_links = sum(1 for s in MergeSuggestion.objects.all() if kinds & {e["kind"] for e in s.evidence})
    print(f"\nrecordings: {len(seen)} statuses, {len(accounts)} accounts, {field_count} profile fields, "
          f"{link_fields} of them links, {ProfileLink.objects.count()} links kept, "
          f"{ProfileLink.objects.exclude(proof='').count()} verified, {summary['suggestions']} suggestions, "
          f"{with_links} with link evidence")  # fmt: skip
    assert ProfileLink.objects.count() == link_fields
    assert summary["merged"] == 0
    # Every account the recordings hold (the instance's contact account too), as their server verified them.
    everyone = {str(a.get("url")): a for a in _bodies_items(lambda d: "acct" in d and "fields" in d)}
    profile_links = [link for a in everyone.values() for link in links.field_links(a.get("fields"))]
    print(
        f"every account in the recordings: {len(everyone)} accounts, {len(profile_links)} links in their fields, "
        f"{sum(1 for _url, at in profile_links if at)} verified by their server with rel=me"
    )


def test_a_commenters_blog_that_a_verified_link_already_names_counts_once():
    """The blog and the verified link are one fact (the same address): the confidence is the link's, 0.95,
    not 1 − 0.05 × 0.2 = 0.99 as if two independent hints agreed."""
    rows = [
        resolution.IdentityRow(
            1, 10, "mastodon", "u1", "@alice@social.example", "Alice", "", "https://social.example/@alice"
        ),
        resolution.IdentityRow(
            2, 11, "site", "a@mail.example", "", "A. Martin", "a@mail.example", "https://alice.example/blog/"
        ),
    ]
    found = resolution.propose(rows, [resolution.LinkRow(1, "https://alice.example/", "server")])
    assert [(p.first, p.second) for p in found] == [(1, 2)]
    assert [e["kind"] for e in found[0].evidence] == ["verified_link"]
    assert found[0].confidence == resolution.WEIGHTS["verified_link"]


def test_a_commenters_blog_on_a_bluesky_domain_counts_once():
    rows = [
        resolution.IdentityRow(1, 10, "bluesky", "did:1", "@chloe.example.fr", "Chloé", "", ""),
        resolution.IdentityRow(
            2, 11, "site", "c@mail.example", "", "C. D.", "c@mail.example", "https://chloe.example.fr/blog/"
        ),
    ]
    found = resolution.propose(rows)
    assert [e["kind"] for e in found[0].evidence] == ["own_domain"]
    assert found[0].confidence == resolution.WEIGHTS["own_domain"]


def test_a_commenters_blog_alone_is_still_evidence():
    rows = [
        resolution.IdentityRow(
            1, 12, "wordpress", "g@other.example", "", "Gus", "g@other.example", "https://gus.example/"
        ),
        resolution.IdentityRow(
            2, 11, "site", "g@mail.example", "", "G. L.", "g@mail.example", "https://gus.example/notes/"
        ),
    ]
    found = resolution.propose(rows)
    assert [e["kind"] for e in found[0].evidence] == ["commenter_blog"]
    assert found[0].confidence == resolution.WEIGHTS["commenter_blog"]
