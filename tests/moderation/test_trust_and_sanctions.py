from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.actions.sanctions import do_lift_sanction, do_sanction_member
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.models import Flag, Sanction
from animateur.moderation.prefs import DEFAULT_TRUST_THRESHOLDS
from animateur.moderation.trust import TrustStats, level_for, trust_level
from animateur.stream.models import Visibility

from .factories import SYSTEM, other_channel, post


@pytest.mark.parametrize(
    ("stats", "level"),
    [
        (TrustStats(), "new"),
        (TrustStats(approved=1, days_active=1), "basic"),
        (TrustStats(approved=5, days_active=3), "member"),
        (TrustStats(approved=5, days_active=2), "basic"),
        (TrustStats(approved=25, days_active=12), "regular"),
        (TrustStats(approved=60, days_active=40), "leader"),
        (TrustStats(approved=60, days_active=40, upheld_flags=1), "regular"),
        (TrustStats(approved=60, days_active=40, upheld_flags=3), "new"),
    ],
)
def test_trust_levels_follow_history_and_upheld_flags_lower_them(stats, level):
    assert level_for(stats, DEFAULT_TRUST_THRESHOLDS) == level


def test_trust_is_computed_from_stored_history_with_the_workspaces_thresholds(workspace):
    now = timezone.now()
    for day in range(3):
        message = post(
            workspace,
            f"Message du jour {day}",
            email="a@example.org",
            created_at=now - timedelta(days=day),
            source_visibility="visible",
        )
    member_id = message.author.member_id
    assert trust_level(workspace.pk, member_id) == "basic"
    do_update_moderation_settings(
        workspace,
        actor=SYSTEM,
        trust_thresholds={
            "basic": {"approved": 1, "days_active": 1, "max_upheld_flags": 2},
            "member": {"approved": 3, "days_active": 3, "max_upheld_flags": 1},
            "regular": {"approved": 99, "days_active": 99, "max_upheld_flags": 0},
            "leader": {"approved": 999, "days_active": 999, "max_upheld_flags": 0},
        },
    )
    assert trust_level(workspace.pk, member_id) == "member"
    Flag.objects.create(workspace=workspace, message=message, flagged_member_id=member_id, outcome="upheld")
    Flag.objects.create(workspace=workspace, message=message, flagged_member_id=member_id, outcome="upheld")
    assert trust_level(workspace.pk, member_id) == "member"  # two upheld flags on one message count once
    other = post(workspace, "Encore", email="a@example.org", source_visibility="visible")
    Flag.objects.create(workspace=workspace, message=other, flagged_member_id=member_id, outcome="upheld")
    assert trust_level(workspace.pk, member_id) == "basic"


def test_new_authors_are_held_on_the_site_by_default_and_trusted_ones_are_not(workspace):
    workspace.hold_first_comments = False
    workspace.save()
    first = post(workspace, "Bonjour à tous", email="a@example.org")
    assert first.visibility == Visibility.PENDING
    assert first.review_item.reasons.get(kind="trust").detail == "trust level new"
    post(workspace, "Ancien message", email="b@example.org", source_visibility="visible")
    assert post(workspace, "Nouveau message", email="b@example.org").visibility == Visibility.VISIBLE


def test_the_spam_score_holds_new_authors_but_not_trusted_ones_who_link(workspace):
    workspace.hold_first_comments = False
    workspace.save()
    easy = {"approved": 1, "days_active": 1, "max_upheld_flags": 1}
    do_update_moderation_settings(
        workspace,
        site_hold_below="new",
        trust_thresholds=dict.fromkeys(("basic", "member", "regular"), easy)
        | {"leader": {"approved": 99, "days_active": 99, "max_upheld_flags": 0}},
        actor=SYSTEM,
    )
    text = "Check out my channel and subscribe: http://promo.example/clip, free prize"
    post(workspace, "Merci pour l'article", email="regular@example.org", source_visibility="visible")
    trusted = post(workspace, text, email="regular@example.org")
    newcomer = post(workspace, text, email="new@example.org")
    assert trusted.scores["spam"] == newcomer.scores["spam"] >= 0.85  # the same score, kept for both
    assert trusted.visibility == Visibility.VISIBLE and not hasattr(trusted, "review_item")
    assert newcomer.visibility == Visibility.SPAM
    assert newcomer.review_item.reasons.filter(kind="spam-score").exists()

    do_update_moderation_settings(workspace, spam_trusted_from="leader", actor=SYSTEM)
    assert post(workspace, text, email="regular@example.org").visibility == Visibility.SPAM
    with pytest.raises(ActionError, match="« vip »"):
        do_update_moderation_settings(workspace, spam_trusted_from="vip", actor=SYSTEM)


def test_a_muted_author_is_held_everywhere_until_the_mute_is_lifted(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    known = post(workspace, "Déjà là", email="a@example.org", source_visibility="visible")
    member = known.author.member
    mute = do_sanction_member(member, "mute", "ton agressif", 3, actor=moderator)
    assert mute.ends_at is not None
    held = post(workspace, "Encore moi", email="a@example.org")
    assert held.visibility == Visibility.PENDING
    assert held.review_item.reasons.get(kind="sanction").detail == "author is muted"
    do_lift_sanction(mute, "excuses faites", actor=moderator)
    assert post(workspace, "Me revoilà", email="a@example.org").visibility == Visibility.VISIBLE
    verbs = list(AuditEvent.objects.filter(verb__startswith="moderation.sanction").values_list("verb", flat=True))
    assert sorted(verbs) == ["moderation.sanction.lift", "moderation.sanction.mute"]


def test_a_banned_author_cannot_post_on_the_site_and_is_hidden_elsewhere(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    member = post(workspace, "Déjà là", email="a@example.org", source_visibility="visible").author.member
    ban = do_sanction_member(member, "ban", "spam répété", actor=moderator)
    assert post(workspace, "Je reviens", email="a@example.org").visibility == Visibility.TRASH
    channel = other_channel(workspace)
    elsewhere = post(workspace, "Sur Mastodon", email="a@example.org", channel=channel)
    # Another channel is another identity: a ban follows the member once identities are merged.
    from animateur.stream.models import Identity

    Identity.objects.filter(pk=elsewhere.author_id).update(member=member)
    again = post(workspace, "Toujours sur Mastodon", email="a@example.org", channel=channel)
    assert again.visibility == Visibility.HIDDEN
    do_lift_sanction(ban, "", actor=moderator)
    assert post(workspace, "Pardon", email="a@example.org").visibility == Visibility.VISIBLE


def test_an_expired_sanction_no_longer_applies(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    member = post(workspace, "Déjà là", email="a@example.org", source_visibility="visible").author.member
    sanction = do_sanction_member(member, "mute", "calme-toi", 1, actor=moderator)
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert post(workspace, "Un jour après", email="a@example.org").visibility == Visibility.VISIBLE


def test_sanctions_need_a_reason_a_known_kind_and_the_permission(workspace, make_user):
    member = post(workspace, "Déjà là", email="a@example.org", source_visibility="visible").author.member
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    analyst = make_user("ana@example.org", workspace, Role.ANALYST)
    with pytest.raises(ActionError):
        do_sanction_member(member, "ban", "  ", actor=moderator)
    with pytest.raises(ActionError):
        do_sanction_member(member, "exile", "x", actor=moderator)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_sanction_member(member, "warn", "x", actor=analyst)
    assert not Sanction.objects.exists()
    sanction = do_sanction_member(member, "warn", "premier avertissement", actor=moderator)
    do_lift_sanction(sanction, actor=moderator)
    with pytest.raises(ActionError):
        do_lift_sanction(sanction, actor=moderator)


def test_the_member_page_sanctions_and_lifts_through_forms(workspace, client_as):
    member = post(workspace, "Déjà là", email="a@example.org", source_visibility="visible").author.member
    client = client_as(workspace, Role.MODERATOR)
    client.post(f"/app/moderation/members/{member.pk}/sanction/", {"kind": "mute", "reason": "insultes", "days": "2"})
    sanction = Sanction.objects.get()
    assert sanction.is_active() and sanction.created_by == client.user
    page = client.get(f"/app/moderation/members/{member.pk}/").content.decode()
    assert "insultes" in page
    client.post(f"/app/moderation/sanctions/{sanction.pk}/lift/", {"reason": "ok"})
    sanction.refresh_from_db()
    assert not sanction.is_active() and sanction.lift_reason == "ok"


def test_a_ban_rejects_the_authors_held_comments_and_they_leave_the_queue(workspace, client_as):
    from animateur.moderation.models import ReviewItem

    held = [post(workspace, f"Achetez mes montres n°{n}", email="troll@example.org") for n in (1, 2)]
    other = post(workspace, "Une vraie question sur le programme", email="curieuse@example.org")
    assert all(m.visibility == Visibility.PENDING for m in [*held, other])
    client = client_as(workspace, Role.MODERATOR)
    queue = client.get("/app/moderation/").content.decode()
    assert "Achetez mes montres n°1" in queue and "Une vraie question" in queue
    member = held[0].author.member
    answer = client.post(
        f"/app/moderation/members/{member.pk}/sanction/", {"kind": "ban", "reason": "spam répété"}, follow=True
    )
    assert "Bannissement enregistré : 2 messages retenus de cet auteur ont été rejetés." in answer.content.decode()
    queue = client.get("/app/moderation/").content.decode()
    assert "Achetez mes montres" not in queue and "Une vraie question" in queue
    for message in held:
        message.refresh_from_db()
        assert message.visibility == Visibility.HIDDEN
        assert message.review_item.status == ReviewItem.Status.REJECTED
        assert message.review_item.resolved_by == client.user
    # One change, one audit event: the ban, naming the messages it rejected.
    assert not AuditEvent.objects.filter(verb="moderation.reject").exists()
    ban = AuditEvent.objects.get(verb="moderation.sanction.ban", actor=f"user:{client.user.pk}")
    assert sorted(ban.data["rejected"]) == sorted(m.pk for m in held)
    other.refresh_from_db()
    assert other.visibility == Visibility.PENDING and other.review_item.status == ReviewItem.Status.PENDING


def test_a_ban_with_nothing_held_says_so_and_a_mute_keeps_held_comments_held(workspace, client_as):
    from animateur.moderation.models import ReviewItem

    client = client_as(workspace, Role.MODERATOR)
    quiet = post(workspace, "Déjà publié", email="calme@example.org", source_visibility="visible").author.member
    answer = client.post(f"/app/moderation/members/{quiet.pk}/sanction/", {"kind": "ban", "reason": "x"}, follow=True)
    assert "Bannissement enregistré : 0 message retenu de cet auteur a été rejeté." in answer.content.decode()
    held = post(workspace, "Ce débat me fâche", email="vif@example.org")
    answer = client.post(
        f"/app/moderation/members/{held.author.member.pk}/sanction/", {"kind": "mute", "reason": "ton"}, follow=True
    )
    assert "Sanction enregistrée." in answer.content.decode()
    held.refresh_from_db()
    assert held.visibility == Visibility.PENDING and held.review_item.status == ReviewItem.Status.PENDING
    assert "Ce débat me fâche" in client.get("/app/moderation/").content.decode()


def test_member_statistics_add_up_every_identity_of_each_member_and_no_one_elses(workspace):
    from datetime import UTC, datetime

    from animateur.moderation.trust import member_stats
    from animateur.stream.models import Identity

    def on(day: int) -> datetime:
        return datetime(2026, 3, day, 12, tzinfo=UTC)  # noon: the same date in the workspace's zone

    first = post(workspace, "Bonjour", email="a@example.org", created_at=on(2), source_visibility="visible")
    post(workspace, "Encore moi", email="a@example.org", created_at=on(2), source_visibility="visible")
    post(workspace, "Trois jours après", email="a@example.org", created_at=on(5), source_visibility="visible")
    member = first.author.member
    channel = other_channel(workspace)
    elsewhere = post(workspace, "Sur Mastodon", email="a@example.org", channel=channel, source_visibility="visible")
    Identity.objects.filter(pk=elsewhere.author_id).update(member=member)
    post(workspace, "Achetez", email="a@example.org", channel=channel, created_at=on(9), source_visibility="spam")
    post(workspace, "Caché", email="a@example.org", channel=channel, created_at=on(10), source_visibility="hidden")
    other = post(workspace, "Quelqu'un d'autre", email="b@example.org", created_at=on(3), source_visibility="visible")

    mine = TrustStats(approved=4, rejected=2, days_active=3)  # days 2 and 5, and today's on Mastodon
    assert member_stats(workspace.pk, [member.pk]) == {member.pk: mine}
    assert member_stats(workspace.pk, [member.pk, other.author.member_id]) == {
        member.pk: mine,
        other.author.member_id: TrustStats(approved=1, days_active=1),
    }
