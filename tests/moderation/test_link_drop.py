"""A newcomer's forum post or blog comment that is a link and hardly a word waits for a moderator."""

from __future__ import annotations

from django.utils import translation

from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.labels import reason_kind_label
from animateur.stream.models import Visibility

from .factories import SYSTEM, other_channel, post

BACKLINK = "Very informative post. Keep sharing such content. https://www.packersmoversinpune.in"


def test_a_newcomers_backlink_comment_is_held_with_its_reason(scores_decide):
    wordpress = other_channel(scores_decide, "wordpress")
    message = post(scores_decide, BACKLINK, channel=wordpress, email="seo@example.org")
    assert message.visibility == Visibility.PENDING
    reasons = set(message.review_item.reasons.values_list("kind", "detail"))
    assert ("link-drop", "packersmoversinpune.in") in reasons
    with translation.override("fr"):
        assert reason_kind_label("link-drop") == "Un lien et presque aucun mot"


def test_the_same_on_a_social_network_or_from_a_known_member_is_published(scores_decide):
    mastodon = other_channel(scores_decide, "mastodon")
    assert post(scores_decide, BACKLINK, channel=mastodon, email="a@example.org").visibility == Visibility.VISIBLE
    # a member whose comments were approved on several days is past « new »
    wordpress = other_channel(scores_decide, "wordpress")
    do_update_moderation_settings(
        scores_decide, trust_thresholds={"basic": {"approved": 1, "days_active": 0}}, actor=SYSTEM
    )
    post(
        scores_decide,
        "Merci pour cet article, il tombe à point pour notre équipe.",
        channel=wordpress,
        email="b@example.org",
    )
    assert post(scores_decide, BACKLINK, channel=wordpress, email="b@example.org").visibility == Visibility.VISIBLE
