"""Inbox benchmark: list, filtered view, search and conversation page, on SQLite and PostgreSQL.

    python bench/inbox.py [--scale small|full] [--databases sqlite,postgres] [--reuse]

Full scale: 1,000,000 messages in 200,000 conversations (the issue's numbers); small: 5,000 in 1,000
(under a minute for both databases). Each database runs in a child process on a fresh database; every page is fetched
through Django's test client as a logged-in moderator. The baseline is a primary-key fetch of one
message in the same run. Target: p95 under 100 ms. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta

from benchkit.child import run_databases, setup_django, time_cases

SCALES = {"small": (5_000, 1_000), "full": (1_000_000, 200_000)}
REPEAT = {"small": 15, "full": 60}
WORDS = [
    "musée",
    "horaires",
    "billet",
    "parking",
    "accès",
    "enfant",
    "tarif",
    "réservation",
    "groupe",
    "visite",
    "boutique",
    "café",
    "jardin",
    "exposition",
    "concert",
    "famille",
    "handicap",
    "navette",
    "hôtel",
    "plage",
    "vélo",
    "randonnée",
    "marché",
    "festival",
    "nuit",
]
PG_URL = os.environ.get("ANIMATEUR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/animateur_bench_inbox")


def child(scale: str) -> dict:
    setup_django()
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Membership, User
    from animateur.inbox.models import Conversation, ConversationItem, State, due_sort_of
    from animateur.inbox.search import search_text_of
    from animateur.stream.models import Identity, Member, Message

    n_messages, n_conversations = SCALES[scale]
    from animateur.core.models import Workspace

    def generate() -> tuple[User, float]:
        rng = random.Random(42)
        workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"), is_default=True)
        site = Channel.objects.get(workspace=workspace, kind="site")
        mastodon = Channel.objects.create(workspace=workspace, kind="mastodon", name="mastodon")
        user = User.objects.create_user("mod@bench.org", "bench password 123")
        Membership.objects.create(user=user, workspace=workspace, role="moderator")
        started = time.perf_counter()
        members = Member.objects.bulk_create(
            [Member(workspace=workspace, display_name=f"Member {i}") for i in range(2000)]
        )
        identities = Identity.objects.bulk_create(
            [
                Identity(
                    workspace=workspace,
                    channel=site if i % 3 else mastodon,
                    member=m,
                    origin="site",
                    external_id=f"m{i}",
                    display_name=m.display_name,
                )
                for i, m in enumerate(members)
            ]
        )
        now = timezone.now()
        per = n_messages // n_conversations
        chunk = 2000
        stemmed = {w: search_text_of(w, "fr") for w in WORDS}
        for start in range(0, n_conversations, chunk):
            with transaction.atomic():
                roots, texts = [], []
                for i in range(start, min(n_conversations, start + chunk)):
                    ident = identities[i % len(identities)]
                    text = " ".join(rng.choices(WORDS, k=12)) + f" n{i}"
                    at = now - timedelta(minutes=(n_conversations - i) * 3)
                    roots.append(
                        Message(
                            workspace=workspace,
                            channel_id=ident.channel_id,
                            external_id=f"r{i}",
                            kind="comment",
                            author=ident,
                            text=text,
                            html=f"<p>{text}</p>",
                            created_at=at,
                            received_at=at,
                            language="fr",
                        )
                    )
                    texts.append(text)
                Message.objects.bulk_create(roots)
                convs = []
                for i, root in enumerate(roots):
                    due = root.created_at + timedelta(hours=2) if rng.random() < 0.7 else None
                    answered = root.created_at + timedelta(minutes=1) if rng.random() < 0.5 else None
                    convs.append(
                        Conversation(
                            workspace=workspace,
                            root=root,
                            channel_id=root.channel_id,
                            channel_kind="site" if root.channel_id == site.pk else "mastodon",
                            author_name=root.author.display_name,
                            subject=texts[i][:300],
                            preview=texts[i][:300],
                            search_text=" ".join(stemmed.get(w, w) for w in texts[i].split()),
                            language="fr",
                            state=rng.choice([State.NEW, State.OPEN, State.WAITING, State.CLOSED]),
                            assignee=user if rng.random() < 0.2 else None,
                            message_count=per,
                            started_at=root.created_at,
                            last_message_at=root.created_at + timedelta(minutes=per),
                            last_inbound_at=root.created_at,
                            last_message_id=0,
                            due_at=due,
                            first_response_at=answered,
                            due_sort=due_sort_of(due, answered),
                        )
                    )
                Conversation.objects.bulk_create(convs)
                replies = []
                for root in roots:
                    for k in range(1, per):
                        replies.append(
                            Message(
                                workspace=workspace,
                                channel_id=root.channel_id,
                                external_id=f"{root.external_id}.{k}",
                                kind="reply",
                                parent=root,
                                author=root.author,
                                text=f"réponse {k}",
                                html=f"<p>réponse {k}</p>",
                                created_at=root.created_at + timedelta(minutes=k),
                                from_organisation=k % 2 == 1,
                            )
                        )
                Message.objects.bulk_create(replies, batch_size=5000)
                items = [ConversationItem(conversation=c, message=r) for c, r in zip(convs, roots, strict=True)]
                by_root = {r.pk: c for c, r in zip(convs, roots, strict=True)}
                items += [ConversationItem(conversation=by_root[m.parent_id], message=m) for m in replies]
                ConversationItem.objects.bulk_create(items, batch_size=5000)
            if start and start % 20_000 == 0:
                print(f"  {start} conversations in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        load_seconds = time.perf_counter() - started
        return user, load_seconds

    reused = Workspace.objects.filter(slug="bench").exists()
    if reused:  # --reuse: the generated inbox of an earlier run, generation is not measured anyway
        user, load_seconds = User.objects.get(email="mod@bench.org"), 0.0
    else:
        user, load_seconds = generate()
    rng = random.Random(7)

    client = Client()
    client.force_login(user)
    conv_ids = list(Conversation.objects.values_list("pk", flat=True)[:5000])
    msg_ids = list(Message.objects.values_list("pk", flat=True)[:5000])

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    cases = {
        "baseline_pk_fetch": lambda: Message.objects.get(pk=rng.choice(msg_ids)),
        "inbox_list": lambda: get("/app/inbox/"),
        "filtered_view": lambda: get("/app/inbox/?view=unassigned&channel=mastodon&sort=recent"),
        "search": lambda: get(f"/app/inbox/?q={rng.choice(WORDS)}+n{rng.randrange(n_conversations)}"),
        "conversation_page": lambda: get(f"/app/inbox/c/{rng.choice(conv_ids)}/"),
    }
    results = time_cases(cases, REPEAT[scale])
    return {
        "vendor": connection.vendor,
        "messages": Message.objects.count(),
        "conversations": Conversation.objects.count(),
        "load_seconds": round(load_seconds, 1),
        "reused": reused,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the generated databases")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scale)))
        return
    figures: dict[str, object] = {"bench": "inbox", "scale": args.scale}
    figures.update(
        run_databases(
            __file__,
            "inbox",
            args.scale,
            args.databases.split(","),
            reuse=args.reuse,
            pg_url=PG_URL,
            describe=lambda database, result: (
                f"{database}: {result['messages']} messages, {result['conversations']} conversations "
                f"(loaded in {result['load_seconds']} s)"
            ),
            width=20,
        )
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
