"""The recompute over columns gives exactly what the reference loop over Python objects gives."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import numpy as np
from django.utils import timezone

from animateur.core.roles import Role
from animateur.members import engagement, graph, recompute
from animateur.members.models import CustomField, CustomValue, Level, MembersSettings, Profile
from animateur.stream.models import Identity, Member, Message
from tests.members.factories import channel


def random_stream(workspace, team_user, *, members: int = 40, messages: int = 400, seed: int = 5) -> None:
    rng = random.Random(seed)
    forum = channel(workspace)
    people = Member.objects.bulk_create(
        [Member(workspace=workspace, display_name=f"P{i}") for i in range(members + 1)]  # the last one never speaks
    )
    identities = Identity.objects.bulk_create(
        [
            Identity(workspace=workspace, channel=forum, member=m, origin="files", external_id=f"p{i}")
            for i, m in enumerate(people)
        ]
    )
    identities[0].user = team_user  # a team member's account: its messages are the organisation's
    identities[0].save()
    now = timezone.now()
    made: list[Message] = []
    for n in range(messages):
        author = identities[min(int(members * rng.random() ** 2), members - 1)]
        parent = rng.choice(made) if made and rng.random() < 0.75 else None
        root = (parent.thread_root or parent) if parent else None
        at = now - timedelta(days=rng.random() * 500, microseconds=rng.choice([0, rng.randrange(1, 10**6)]))
        if rng.random() < 0.1:
            at = at.replace(microsecond=0)
        text = rng.choice(["Merci beaucoup !", "THANKS a lot", "je réponds", "une question", "d'accord"])
        message = Message.objects.create(
            workspace=workspace,
            channel=forum,
            external_id=f"x{n}",
            kind="mention" if rng.random() < 0.05 else ("post" if parent is None else "comment"),
            author=author,
            parent=parent,
            thread_root=root,
            text=text,
            created_at=at,
            language=rng.choice(["fr", "fr", "en", "", "de"]),
            from_organisation=rng.random() < 0.03,
            sentiment=rng.choice(["", "negative", "positive"]),
            raw=rng.choice([{}, {"accepted": True}, {"accepted": False}, {"accepted": "yes"}, {"accepted": 1}]),
        )
        made.append(message)
    # An author-less message is no one's activity.
    Message.objects.create(workspace=workspace, channel=forum, external_id="anon", text="?", created_at=now)


def reference(workspace, settings: MembersSettings) -> dict[int, dict]:
    """What compute_profiles gave when it looped over Python objects (levels of first computation)."""
    ref_time = recompute.reference_time(workspace)
    made, plain = recompute.activities(workspace)
    figures = engagement.compute(
        made,
        reference=ref_time,
        weights=engagement.merged_weights(settings.weights),
        half_life_days=settings.half_life_days,
    )
    scored = [f for m, f in figures.items() if not plain[m]["team"]]
    centrality = graph.betweenness({m: f.ties for m, f in figures.items() if f.ties and not plain[m]["team"]})
    bridging = graph.bridges(centrality)
    engagement_cut = engagement.percentile([f.engagement for f in scored], 0.05)
    reach_cut = engagement.percentile([f.reach for f in scored], 0.10)
    out = {}
    for member_id in set(plain) | set(Identity.objects.filter(workspace=workspace).values_list("member_id", flat=True)):
        base = plain.get(member_id)
        fig = figures.get(member_id, engagement.Figures())
        team = bool(base and base["team"])
        out[member_id] = {
            "message_count": base["count"] if base else 0,
            "first_seen_at": base["first"] if base else None,
            "last_seen_at": base["last"] if base else None,
            "language": base["languages"].most_common(1)[0][0] if base and base["languages"] else "",
            "engagement": round(fig.engagement, 4),
            "reach": round(fig.reach, 4),
            "betweenness": round(centrality.get(member_id, 0.0), 6),
            "bridge": member_id in bridging,
            "is_team": team,
            "level": Level.TEAM if team else engagement.level_for(fig.engagement, len(fig.months)),
            "candidate_reasons": []
            if team
            else engagement.candidate_reasons(fig, engagement_cut=engagement_cut, reach_cut=reach_cut),
            "activity": dict(fig.counts),
        }
    return out


def test_the_column_recompute_equals_the_reference_loop(workspace, make_user):
    random_stream(workspace, make_user("team@example.org", workspace, Role.MANAGER))
    settings = MembersSettings(workspace=workspace, weights={"answer": 2.5}, half_life_days=60)
    expected = reference(workspace, settings)
    summary = recompute.compute_profiles(workspace, settings)
    assert summary["members"] == len(expected) == 41
    fields = list(next(iter(expected.values())))
    got = {p["member_id"]: p for p in Profile.objects.filter(workspace=workspace).values("member_id", *fields)}
    assert got.keys() == expected.keys()
    for member_id, want in expected.items():
        assert {k: got[member_id][k] for k in fields} == want, member_id
    assert any(p["activity"].get("thanked") for p in got.values())
    assert any(p["is_team"] for p in got.values()) and any(p["bridge"] for p in got.values())
    # Recomputed again: nothing moves, and the team's ambassador mark stays.
    Profile.objects.filter(member_id=next(iter(expected))).update(ambassador=True)
    recompute.compute_profiles(workspace, settings)
    assert Profile.objects.filter(ambassador=True).count() == 1
    again = {p["member_id"]: p for p in Profile.objects.filter(workspace=workspace).values("member_id", *fields)}
    assert again == got


def test_sampled_betweenness_estimates_the_exact_one():
    rng = np.random.default_rng(3)
    nodes = 400
    first = (nodes * rng.random(2000) ** 2).astype(np.int64)
    second = rng.integers(0, nodes, 2000)
    keep = first != second
    pairs = np.unique(np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1)[keep], axis=0)
    exact = graph.exact(nodes, pairs[:, 0], pairs[:, 1])
    # Every node a pivot: Brandes' dependencies over numpy give rustworkx's exact scores.
    assert np.allclose(graph.sampled(nodes, pairs[:, 0], pairs[:, 1], pivots=nodes), exact, atol=1e-12)
    estimate = graph.sampled(nodes, pairs[:, 0], pairs[:, 1], pivots=100)
    top = set(np.argsort(-exact)[:20].tolist())
    assert len(top & set(np.argsort(-estimate)[:20].tolist())) >= 14
    assert np.abs(estimate - exact).max() < 0.25 * exact.max()
    assert Counter(graph.bridges_of(exact).tolist())[True] == 20


def test_the_timeline_pages_through_every_identity_newest_first(workspace):
    from animateur.members import selectors

    forum, other = channel(workspace), channel(workspace)
    person = Member.objects.create(workspace=workspace, display_name="Ana")
    accounts = [
        Identity.objects.create(workspace=workspace, channel=ch, member=person, origin="files", external_id="ana")
        for ch in (forum, other)
    ]
    now = timezone.now().replace(microsecond=0)
    for n in range(9):  # three messages at the same second, on both accounts
        Message.objects.create(
            workspace=workspace,
            channel=accounts[n % 2].channel,
            external_id=f"t{n}",
            author=accounts[n % 2],
            text=f"n{n}",
            created_at=now - timedelta(seconds=n // 3),
        )
    seen, before = [], None
    while True:
        page, more = selectors.timeline(person, before=before, limit=2)
        seen += page
        if not more:
            break
        before = page[-1].pk
    assert len(seen) == 9 == len({m.pk for m in seen})
    assert seen == sorted(seen, key=lambda m: (m.created_at, m.pk), reverse=True)


def test_the_list_read_from_profile_indexes_gives_the_same_pages(workspace, monkeypatch):
    from animateur.members import selectors
    from animateur.members.models import Tag

    monkeypatch.setattr(selectors, "PER_PAGE", 7)
    rng = random.Random(9)
    now = timezone.now()
    people = Member.objects.bulk_create([Member(workspace=workspace, display_name=f"M{i}") for i in range(60)])
    Member.objects.filter(pk__in=[people[3].pk, people[40].pk]).update(merged_into=people[0])
    profiles = []
    for i, person in enumerate(people):
        if i % 9 == 4:
            continue  # not computed yet
        profiles.append(
            Profile(
                member=person,
                workspace=workspace,
                engagement=rng.choice([0.0, 0.0, 1.5, 3.0, rng.random() * 40]),
                message_count=rng.choice([0, 1, 1, 5, 12]),
                last_seen_at=None if i % 7 == 2 else now - timedelta(days=rng.randrange(200)),
                first_seen_at=now - timedelta(days=rng.randrange(200, 400)),
                level=rng.choice([1, 2, 3, 4, 4]),
                language=rng.choice(["fr", "en", ""]),
                ambassador=i % 11 == 1,
                bridge=i % 5 == 0,
                is_team=i == 8,
                candidate_reasons=["engagement", "tone"] if i % 6 == 0 else [],
            )
        )
    Profile.objects.bulk_create(profiles)
    Tag.objects.bulk_create([Tag(workspace=workspace, member=p, name="vip") for p in people[::4]])
    # Identities on two channels (every third person on the second too), and a custom field's values.
    first, second = channel(workspace, name="un"), channel(workspace, name="deux")
    Identity.objects.bulk_create(
        [Identity(workspace=workspace, channel=first, member=p, origin="files", external_id=f"a{p.pk}") for p in people]
        + [
            Identity(workspace=workspace, channel=second, member=p, origin="files", external_id=f"b{p.pk}")
            for p in people[::3]
        ]
    )
    town = CustomField.objects.create(workspace=workspace, name="Ville", kind="text")
    CustomValue.objects.bulk_create(
        [
            CustomValue(workspace=workspace, field=town, member=p, value="Lyon" if i % 2 else "Paris")
            for i, p in enumerate(people)
        ]
    )
    cases = [
        {"channel_id": second.pk},
        {"channel_id": second.pk, "level": 4},
        {"custom_field_id": town.pk, "custom_value": "lyo"},
        {},
        {"level": 4},
        {"language": "fr", "sort": "last_seen"},
        {"sort": "messages"},
        {"tag": "vip", "sort": "last_seen"},
        {"seen_within_days": 30},
        {"silent_for_days": 14, "sort": "last_seen"},
        {"ambassador": "candidate"},
        {"ambassador": "marked"},
        {"cohort": "slipping"},
        {"cohort": "bridges", "sort": "last_seen"},
    ]
    for case in cases:
        for page in range(1, 11):
            filters = selectors.MemberFilters(**case, page=page)
            old = list(selectors.filtered(workspace, filters).values_list("pk", flat=True))[(page - 1) * 7 :][:8]
            got = selectors._page_by_profile(workspace, filters, (page - 1) * 7, selectors.filtered(workspace, filters))
            assert got is not None and got[0] == old, (case, page)
        exact = selectors.filtered(workspace, selectors.MemberFilters(**case)).count()
        assert selectors.page_of(workspace, selectors.MemberFilters(**case)).total == exact
        capped = selectors.page_of(workspace, selectors.MemberFilters(**case), count_limit=5)
        assert (capped.total, capped.total_is_more) == (min(exact, 5), exact > 5), case
