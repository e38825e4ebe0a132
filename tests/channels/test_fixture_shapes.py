"""The hand-written Bluesky and Reddit fixtures, checked against what the client libraries know of the
real answers (there is no recording of the live services offline).

Bluesky: atproto's models are generated from the lexicons; validated here with strict string formats
(DIDs, handles, AT-URIs, CIDs, datetimes, languages), records included, which the client itself does
not check when it parses an answer. Reddit: praw has no schema; its objector turns the fixtures into
the models it hands the connector, and the fields the connector reads must come out of them typed.
"""

from __future__ import annotations

import json
from typing import Any

import praw
import pytest
from atproto import models
from atproto_client.models.record_registry import resolve_record_type
from atproto_client.models.utils import get_or_create

from tests.channels.replay import FIXTURES

BLUESKY_ANSWERS = {
    "create_session": models.ComAtprotoServerCreateSession.Response,
    "notifications": models.AppBskyNotificationListNotifications.Response,
    "notifications_page2": models.AppBskyNotificationListNotifications.Response,
    "search": models.AppBskyFeedSearchPosts.Response,
    "create_record": models.ComAtprotoRepoCreateRecord.Response,
    "delete_record": models.ComAtprotoRepoDeleteRecord.Response,
}


def body(kind: str, name: str) -> Any:
    recorded = json.loads((FIXTURES / kind / f"{name}.json").read_text())
    return recorded["body"] if not isinstance(recorded["body"], str) else json.loads(recorded["body"])


def strict(data: Any, model: Any = None) -> Any:
    return get_or_create(data, model, strict=True, strict_string_format=True)


@pytest.mark.parametrize("name", sorted(BLUESKY_ANSWERS))
def test_each_bluesky_answer_is_valid_for_its_lexicon_with_strict_formats(name):
    answer = strict(body("bluesky", name), BLUESKY_ANSWERS[name])
    assert isinstance(answer, BLUESKY_ANSWERS[name])


@pytest.mark.parametrize("name", ["notifications", "notifications_page2", "search"])
def test_each_record_in_a_bluesky_list_is_a_valid_record_of_its_type(name):
    data = body("bluesky", name)
    entries = data.get("notifications") or data.get("posts")
    assert entries
    for entry in entries:
        model = resolve_record_type(entry["record"]["$type"])  # a post, a like...
        record = strict(entry["record"], model)
        assert isinstance(record, model) and record.py_type == entry["record"]["$type"]
        assert record.created_at == entry["record"]["createdAt"]


def test_a_bluesky_answer_that_breaks_a_format_is_refused_by_the_same_check():
    broken = body("bluesky", "notifications")
    broken["notifications"][0]["author"]["did"] = "lea.bsky.social"  # a handle where a DID must be
    with pytest.raises(Exception, match="(?i)did"):
        strict(broken, models.AppBskyNotificationListNotifications.Response)


@pytest.mark.parametrize("name", ["bad_password", "rate_limited"])
def test_bluesky_errors_carry_the_xrpc_error_shape(name):
    error = body("bluesky", name)
    assert set(error) == {"error", "message"} and all(isinstance(v, str) for v in error.values())


def reddit() -> praw.Reddit:
    # No request is made: the objector only turns JSON into praw's models.
    return praw.Reddit(client_id="x", client_secret="y", user_agent="test", check_for_updates=False)


@pytest.mark.parametrize("name,kind", [("new", praw.models.Submission), ("comments", praw.models.Comment)])
def test_reddit_listings_become_praws_own_models_with_the_fields_the_connector_reads(name, kind):
    listing = reddit()._objector.objectify(data=body("reddit", name))
    assert isinstance(listing, praw.models.listing.listing.Listing) and len(listing.children) >= 2
    for thing in listing.children:
        assert isinstance(thing, kind)
        assert thing.name == f"{thing.fullname}" and thing.name.startswith("t3_" if name == "new" else "t1_")
        assert isinstance(thing.created_utc, float) and isinstance(thing.author, praw.models.Redditor)
        assert thing.permalink.startswith("/r/acme/comments/")
        if kind is praw.models.Comment:
            assert thing.parent_id.startswith(("t1_", "t3_")) and thing.link_id.startswith("t3_")


def test_reddits_about_page_is_a_subreddit_to_praw():
    about = reddit()._objector.objectify(data=body("reddit", "about"))
    assert isinstance(about, praw.models.Subreddit) and about.display_name == "acme"


def test_every_connector_that_sets_a_status_at_the_source_declares_it():
    """A `moderate` of its own without Capability.MODERATE would never be called (and the reverse fails)."""
    from animateur.channels.connectors.base import Capability, Connector, kinds

    for kind, connector in kinds().items():
        overrides = connector.moderate is not Connector.moderate
        declared = Capability.MODERATE in connector.capabilities or kind == "reddit"  # Reddit: per channel
        assert overrides == declared, kind
