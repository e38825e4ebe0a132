"""The reads and writes behind a recompute: resolution over identities, engagement over messages.

Private helpers of members.actions (which checks the permission and records the audit event); they
read the stream in batches of values, never model instances, so a large workspace fits in memory.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.members import engagement, graph, resolution
from animateur.members.models import Level, MembersSettings, MergeSuggestion, Profile, SuggestionStatus
from animateur.stream.models import Identity, Kind, Member, Message

Progress = Callable[[int, int], None] | None
CHUNK = 5000
STREAM_BLOCK = 100_000
WRITE_BLOCK = 10_000
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


def identity_rows(workspace: Workspace) -> list[resolution.IdentityRow]:
    rows = Identity.objects.filter(workspace=workspace, member__merged_into=None, user=None).values_list(
        "member_id", "channel_id", "origin", "external_id", "handle", "display_name", "email", "url"
    )
    return [resolution.IdentityRow(*row) for row in rows]


def store_proposals(workspace: Workspace, proposals: list[resolution.Proposal]) -> tuple[int, list[MergeSuggestion]]:
    """Create or refresh the suggestions; rejected ones stay rejected (« not the same person », remembered)."""
    existing = {
        (s.first_id, s.second_id): s
        for s in MergeSuggestion.objects.filter(workspace=workspace, first_id__in={p.first for p in proposals})
    }
    created: list[MergeSuggestion] = []
    now = timezone.now()
    for proposal in proposals:
        found = existing.get((proposal.first, proposal.second))
        if found is None:
            created.append(
                MergeSuggestion(
                    workspace=workspace,
                    first_id=proposal.first,
                    second_id=proposal.second,
                    evidence=proposal.evidence,
                    confidence=proposal.confidence,
                    same_source=proposal.same_source,
                    created_at=now,
                )
            )
        elif found.status == SuggestionStatus.OPEN or (
            found.status == SuggestionStatus.SNOOZED and found.snoozed_until and found.snoozed_until <= now
        ):
            found.evidence, found.confidence, found.same_source = (
                proposal.evidence,
                proposal.confidence,
                proposal.same_source,
            )
            found.status, found.snoozed_until = SuggestionStatus.OPEN, None
            found.save(update_fields=["evidence", "confidence", "same_source", "status", "snoozed_until"])
    MergeSuggestion.objects.bulk_create(created, batch_size=1000)
    certain = [
        s
        for s in MergeSuggestion.objects.filter(workspace=workspace, status=SuggestionStatus.OPEN, same_source=False)
        if any(e.get("kind") == "same_email" for e in s.evidence)
    ]
    return len(created), certain


def reference_time(workspace: Workspace) -> datetime:
    """Now, or the stream's latest message when the stream stops earlier (an imported archive)."""
    latest = Message.objects.filter(workspace=workspace).aggregate(latest=Max("created_at"))["latest"]
    now = timezone.now()
    return min(now, latest) if latest else now


def activities(workspace: Workspace, progress: Progress = None) -> tuple[list[engagement.Activity], dict[int, dict]]:
    """Every message as an activity, and per member the plain figures (count, first and last seen, language).

    The reference of `compute_profiles`, one Python object per message: tests compare the two, and
    bench/members.py measures it as the baseline (too slow for a large workspace).
    """
    team_identities = set(Identity.objects.filter(workspace=workspace).exclude(user=None).values_list("pk", flat=True))
    rows = list(
        Message.objects.filter(workspace=workspace)
        .exclude(author=None)
        .values_list(
            "id",
            "author_id",
            "author__member_id",
            "kind",
            "parent_id",
            "thread_root_id",
            "created_at",
            "from_organisation",
            "sentiment",
            "language",
            "raw__accepted",
        )
        .order_by("id")
        .iterator(chunk_size=CHUNK)
    )
    total = len(rows)
    member_of = {r[0]: r[2] for r in rows}
    organisation = {r[0] for r in rows if r[7] or r[1] in team_identities}
    # Replies by the asker that thank: read the start of replies' texts only.
    thanked: set[int] = set()
    root_of = {r[0]: r[5] for r in rows}
    reply_ids = [r[0] for r in rows if r[4] is not None]
    for start in range(0, len(reply_ids), CHUNK):
        chunk = reply_ids[start : start + CHUNK]
        for message_id, parent_id, head in (
            Message.objects.filter(pk__in=chunk)
            .annotate(head=Substr("text", 1, 300))
            .values_list("id", "parent_id", "head")
        ):
            root = root_of.get(message_id)
            if (
                root is not None
                and member_of.get(root) == member_of.get(message_id)
                and engagement.is_thanks(head or "")
            ):
                thanked.add(parent_id)
    plain: dict[int, dict] = defaultdict(
        lambda: {"count": 0, "first": None, "last": None, "languages": Counter(), "team": False}
    )
    made: list[engagement.Activity] = []
    for done, (
        message_id,
        _author,
        member_id,
        kind,
        parent_id,
        root_id,
        created_at,
        _from_org,
        sentiment,
        language,
        accepted,
    ) in enumerate(rows, 1):
        figures = plain[member_id]
        figures["count"] += 1
        figures["first"] = created_at if figures["first"] is None else min(figures["first"], created_at)
        figures["last"] = created_at if figures["last"] is None else max(figures["last"], created_at)
        if language:
            figures["languages"][language] += 1
        if message_id in organisation:
            figures["team"] = True
            continue
        kinds: list[str] = []
        root_member = member_of.get(root_id) if root_id else None
        if kind == Kind.MENTION:
            kinds.append("mention")
        elif parent_id is None:
            kinds.append("post")
        elif (
            (parent_id == root_id or root_id is None)
            and root_member not in (None, member_id)
            and root_id not in organisation
        ):
            kinds.append("answer")
        else:
            kinds.append("comment")
        if accepted in (True, 1, "1", "true", "True", "yes"):
            kinds.append("accepted")
        if message_id in thanked:
            kinds.append("thanked")
        partner = member_of.get(parent_id) if parent_id else None
        others = (root_member,) if root_member is not None and root_member != partner else ()
        made.append(
            engagement.Activity(
                member_id=member_id,
                created_at=created_at,
                kinds=tuple(kinds),
                partner_id=partner,
                thread_partner_ids=others,
                sentiment=sentiment or "",
            )
        )
        if progress is not None and done % CHUNK == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    return made, plain


@dataclass
class Stream:
    """The workspace's messages with an author, as columns in message id order (what a recompute reads)."""

    ids: IntArray
    member: IntArray  # the author's member id
    mention: BoolArray
    parent: IntArray  # 0 for none
    root: IntArray  # 0 for none
    created_us: IntArray  # microseconds since 1970, UTC
    organisation: BoolArray  # from the organisation, or by a team member's identity
    negative: BoolArray
    accepted: BoolArray
    language: IntArray  # position in `languages`, -1 for none
    languages: list[str]


def _stream_sql(table: str, identities: str) -> str:
    """Every message with an author, as plain numbers (no date or JSON parsed in Python)."""
    if connection.vendor == "postgresql":
        created = "(EXTRACT(EPOCH FROM m.created_at) * 1000000)::bigint"
        accepted = "(m.raw ->> 'accepted') IN ('true', '1', 'True', 'yes', '1.0')"
        flag = "CASE WHEN {} THEN 1 ELSE 0 END"
    else:  # SQLite keeps UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]' (Django's format)
        created = (
            "CAST(strftime('%%s', m.created_at) AS INTEGER) * 1000000"
            " + CAST(substr(m.created_at || '.000000', 21, 6) AS INTEGER)"
        )
        accepted = "json_extract(m.raw, '$.accepted') IN (1, '1', 'true', 'True', 'yes')"
        flag = "CASE WHEN {} THEN 1 ELSE 0 END"
    # The four yes-or-no columns in one number (mention 1, organisation 2, negative 4, accepted 8):
    # every column costs each row a Python object.
    flags = " + ".join(
        f"{flag.format(condition)} * {bit}"
        for condition, bit in (
            ("m.kind = %s", 1),
            ("m.from_organisation OR i.user_id IS NOT NULL", 2),
            ("m.sentiment = 'negative'", 4),
            (accepted, 8),
        )
    )
    columns = ", ".join(
        [
            "m.id",
            "i.member_id",
            "COALESCE(m.parent_id, 0)",
            "COALESCE(m.thread_root_id, 0)",
            created,
            flags,
            "COALESCE(m.language, '')",
        ]
    )
    if connection.vendor == "postgresql":
        return f"SELECT {columns} FROM {table} m JOIN {identities} i ON i.id = m.author_id WHERE m.workspace_id = %s"  # noqa: S608 - model names only
    # SQLite: the messages in table order (no index: every row of the workspace is read), each
    # author's identity by its key; left to itself, SQLite walks the identities and reaches each
    # message through the author index, in random order (three times slower).
    return f"SELECT {columns} FROM {table} m CROSS JOIN {identities} i ON i.id = m.author_id WHERE +m.workspace_id = %s"  # noqa: S608 - model names only


def read_stream(workspace: Workspace, progress: Progress = None) -> Stream:
    """The stream in blocks of STREAM_BLOCK rows, each turned into numpy columns at once."""
    quote = connection.ops.quote_name
    sql = _stream_sql(quote(Message._meta.db_table), quote(Identity._meta.db_table))
    total = Message.objects.filter(workspace=workspace).exclude(author=None).count()
    blocks: list[list[Any]] = []
    languages: dict[str, int] = {"": -1}
    done = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [Kind.MENTION, workspace.pk])
        while rows := cursor.fetchmany(STREAM_BLOCK):
            columns = list(zip(*rows, strict=True))
            numbers = [np.array(c, dtype=np.int64) for c in columns[:6]]
            for name in set(columns[6]) - languages.keys():
                languages[name] = len(languages) - 1
            codes = np.fromiter(map(languages.__getitem__, columns[6]), dtype=np.int64, count=len(rows))
            blocks.append([*numbers, codes])
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
    if progress is not None:
        progress(total, total)
    joined = [np.concatenate([b[i] for b in blocks]) if blocks else np.zeros(0, dtype=np.int64) for i in range(7)]
    if joined[0].size > 1 and not bool(np.all(joined[0][1:] > joined[0][:-1])):
        order = np.argsort(joined[0], kind="stable")
        joined = [c[order] for c in joined]
    ids, member, parent, root, created_us, flags, language = joined
    return Stream(
        ids=ids,
        member=member,
        mention=(flags & 1) != 0,
        parent=parent,
        root=root,
        created_us=created_us,
        organisation=(flags & 2) != 0,
        negative=(flags & 4) != 0,
        accepted=(flags & 8) != 0,
        language=language,
        languages=[name for name, code in sorted(languages.items(), key=lambda x: x[1]) if code >= 0],
    )


def _lookup(ids: IntArray, wanted: IntArray) -> tuple[IntArray, BoolArray]:
    """Positions of `wanted` message ids among the sorted `ids`, and whether each is there."""
    if not ids.size:
        return np.zeros(wanted.shape, dtype=np.int64), np.zeros(wanted.shape, dtype=bool)
    position = np.minimum(np.searchsorted(ids, wanted), ids.size - 1)
    return position, ids[position] == wanted


def thanked_messages(stream: Stream) -> BoolArray:
    """Messages that the asker thanked: a reply in the asker's own thread whose start says thanks."""
    root_at, root_found = _lookup(stream.ids, stream.root)
    candidates = (stream.parent != 0) & (stream.root != 0) & root_found
    candidates &= stream.member[root_at] == stream.member
    thanked: set[int] = set()
    chosen = stream.ids[candidates].tolist()
    for start in range(0, len(chosen), CHUNK):
        rows = (
            Message.objects.filter(pk__in=chosen[start : start + CHUNK])
            .annotate(head=Substr("text", 1, 300))
            .values_list("parent_id", "head")
        )
        thanked.update(parent_id for parent_id, head in rows if engagement.is_thanks(head or ""))
    return np.isin(stream.ids, np.fromiter(thanked, dtype=np.int64, count=len(thanked)))


def activity_columns(stream: Stream, universe: IntArray) -> tuple[engagement.Columns, BoolArray]:
    """The activities (messages not from the organisation), with their kinds as `activities` once chose them."""
    bits = engagement.KIND_BITS
    parent_at, parent_found = _lookup(stream.ids, stream.parent)
    root_at, root_found = _lookup(stream.ids, stream.root)
    parent_member = np.where(parent_found & (stream.parent != 0), stream.member[parent_at], -1)
    root_member = np.where(root_found & (stream.root != 0), stream.member[root_at], -1)
    root_organisation = root_found & (stream.root != 0) & stream.organisation[root_at]
    answer = (
        ((stream.parent == stream.root) | (stream.root == 0))
        & (root_member >= 0)
        & (root_member != stream.member)
        & ~root_organisation
    )
    kinds = np.where(
        stream.mention,
        bits["mention"],
        np.where(stream.parent == 0, bits["post"], np.where(answer, bits["answer"], bits["comment"])),
    )
    kinds |= np.where(stream.accepted, bits["accepted"], 0)
    kinds |= np.where(thanked_messages(stream), bits["thanked"], 0)
    others = np.where((root_member >= 0) & (root_member != parent_member), root_member, -1)
    keep = ~stream.organisation

    def position(ids: IntArray) -> IntArray:
        found = np.searchsorted(universe, ids)
        return np.where(ids >= 0, found, -1)

    columns = engagement.Columns(
        member=position(stream.member[keep]),
        created_us=stream.created_us[keep],
        kinds=kinds[keep].astype(np.int64),
        partner=position(parent_member[keep]),
        thread_partner=position(others[keep]),
        negative=stream.negative[keep],
    )
    return columns, keep


def _languages(stream: Stream, position: IntArray, members: int) -> IntArray:
    """Each member's most frequent language (the first seen among equals, as Counter.most_common), -1 for none."""
    chosen = np.full(members, -1, dtype=np.int64)
    has = stream.language >= 0
    if not has.any():
        return chosen
    width = len(stream.languages)
    key = position[has] * width + stream.language[has]
    unique, first, counts = np.unique(key, return_index=True, return_counts=True)
    owner = unique // width
    order = np.lexsort((first, -counts, owner))
    best = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    chosen[owner[best]] = unique[best] % width
    return chosen


def _datetimes(values: IntArray, known: BoolArray) -> list[Any]:
    """Microseconds since 1970 as the database wants a DateTimeField's value (None where not known)."""
    text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us").tolist()
    adapt = connection.ops.adapt_datetimefield_value
    zero = datetime(1970, 1, 1, tzinfo=UTC)
    if connection.vendor == "sqlite":  # Django's own text: 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        return [
            (t[:19] if t.endswith(".000000") else t).replace("T", " ") if k else None
            for k, t in zip(known.tolist(), text, strict=True)
        ]
    return [
        adapt(zero + timedelta(microseconds=v)) if k else None
        for k, v in zip(known.tolist(), values.tolist(), strict=True)
    ]


def compute_profiles(workspace: Workspace, settings: MembersSettings, progress: Progress = None) -> dict[str, int]:
    """Every member's profile recomputed from the stream; levels move as engagement.next_level says.

    Columns all the way: the stream is read as numbers in blocks, every figure is computed with numpy
    (engagement.compute_columns, the same sums in the same order as engagement.compute), and the
    profiles are written in bulk (an upsert; PostgreSQL through COPY).
    """
    reference = reference_time(workspace)
    stream = read_stream(workspace, progress)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT i.member_id FROM {quote(Identity._meta.db_table)} i"  # noqa: S608 - model names only
            f" JOIN {quote(Member._meta.db_table)} m ON m.id = i.member_id"
            " WHERE i.workspace_id = %s AND m.merged_into_id IS NULL",
            [workspace.pk],
        )
        listed = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    universe = np.union1d(np.unique(stream.member), listed)
    members = universe.size
    author = np.searchsorted(universe, stream.member)
    columns, _kept = activity_columns(stream, universe)
    weights = engagement.merged_weights(settings.weights)
    figures = engagement.compute_columns(
        columns, members, reference=reference, weights=weights, half_life_days=settings.half_life_days
    )
    # Plain figures of every message, the organisation's included.
    count = np.bincount(author, minlength=members)
    first = np.full(members, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(members, -1, dtype=np.int64)
    np.minimum.at(first, author, stream.created_us)
    np.maximum.at(last, author, stream.created_us)
    first[count == 0] = 0
    last[count == 0] = 0
    team = np.bincount(author[stream.organisation], minlength=members) > 0
    language = _languages(stream, author, members)
    # The engagement and reach cuts over members with figures (an activity or a tie), the team left out.
    tied = np.zeros(members, dtype=bool)
    tied[figures.tie_first] = True
    tied[figures.tie_second] = True
    scored = ((figures.messages > 0) | tied) & ~team
    engagement_cut = engagement.percentile_of(figures.engagement[scored], 0.05)
    reach_cut = engagement.percentile_of(figures.reach[scored], 0.10)
    # Betweenness over the ties of members not of the team (a tie to the team counts, from the other side).
    edge = ~(team[figures.tie_first] & team[figures.tie_second])
    nodes, inverse = np.unique(np.concatenate([figures.tie_first[edge], figures.tie_second[edge]]), return_inverse=True)
    half = int(edge.sum())
    scores = graph.betweenness_arrays(nodes.size, inverse[:half], inverse[half:])
    centrality = np.zeros(members)
    centrality[nodes] = scores
    bridge = np.zeros(members, dtype=bool)
    bridge[nodes] = graph.bridges_of(scores)
    computed = engagement.levels_for(figures.engagement, figures.months)
    reasons = np.where(team, 0, engagement.reasons_bits(figures, engagement_cut=engagement_cut, reach_cut=reach_cut))
    now = timezone.now()
    written = _write_profiles(
        workspace,
        universe=universe,
        count=count,
        first=first,
        last=last,
        language=[stream.languages[c] if c >= 0 else "" for c in language.tolist()],
        figures=figures,
        computed=computed,
        team=team,
        centrality=centrality,
        bridge=bridge,
        reasons=reasons,
        now=now,
    )
    return {
        "members": written,
        "candidates": int((reasons != 0).sum()),
        "bridges": int(bridge.sum()),
        "messages": int(stream.ids.size),
    }


PROFILE_COLUMNS = (
    "member_id", "workspace_id", "message_count", "first_seen_at", "last_seen_at", "language", "engagement",
    "level", "level_since", "reach", "betweenness", "bridge", "is_team", "ambassador", "candidate_reasons",
    "activity", "computed_at",
)  # fmt: skip
# Kept on a recompute: the team's mark.
KEPT_COLUMNS = ("member_id", "workspace_id", "ambassador")


def _write_profiles(
    workspace: Workspace,
    *,
    universe: IntArray,
    count: IntArray,
    first: IntArray,
    last: IntArray,
    language: list[str],
    figures: engagement.ColumnFigures,
    computed: IntArray,
    team: BoolArray,
    centrality: FloatArray,
    bridge: BoolArray,
    reasons: IntArray,
    now: datetime,
) -> int:
    """Levels against the stored ones (engagement.next_level), then one upsert of every profile."""
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    table = quote(Profile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, level, level_since, level_since <= %s FROM {table} WHERE workspace_id = %s",  # noqa: S608
            [adapt(now - timedelta(days=engagement.DEMOTION_DAYS)), workspace.pk],
        )
        current = {row[0]: row[1:] for row in cursor.fetchall()}
    stamp = adapt(now)
    kinds = engagement.ACTIVITY_KINDS
    reason_text = [json.dumps(engagement.reasons_of(bits)) for bits in range(16)]
    counts = figures.counts.tolist()
    # Plain Python numbers for the driver (numpy's are not adapted by sqlite3).
    messages, engaged, reached = count.tolist(), figures.engagement.tolist(), figures.reach.tolist()
    between, bridges, why = centrality.tolist(), bridge.tolist(), reasons.tolist()
    firsts, lasts = _datetimes(first, count > 0), _datetimes(last, count > 0)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i, (member_id, computed_level, is_team) in enumerate(
            zip(universe.tolist(), computed.tolist(), team.tolist(), strict=True)
        ):
            old = current.get(member_id)
            if is_team:
                level = int(Level.TEAM)
                since = adapt(old[1]) if old is not None and old[0] == Level.TEAM else stamp
            elif (
                old is None
                or old[0] == 0
                or old[1] is None
                # engagement.next_level: promoted at once, demoted after DEMOTION_DAYS at the level.
                or computed_level < old[0]
                or (computed_level > old[0] and old[2])
            ):
                level, since = computed_level, stamp
            else:
                level, since = old[0], adapt(old[1])
            activity = "{" + ", ".join(f'"{k}": {n}' for k, n in zip(kinds, counts[i], strict=True) if n) + "}"
            yield (
                member_id,
                workspace.pk,
                messages[i],
                firsts[i],
                lasts[i],
                language[i],
                round(engaged[i], 4),
                level,
                since,
                round(reached[i], 4),
                round(between[i], 6),
                bridges[i],
                is_team,
                False,
                reason_text[why[i]],
                activity,
                stamp,
            )

    return _upsert(table, rows())


def _upsert(table: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """Insert or update every row (the team's mark kept); the number of rows."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in PROFILE_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in PROFILE_COLUMNS if c not in KEPT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMPORARY TABLE profile_load (LIKE {table}) ON COMMIT DROP")
            written = 0
            with cursor.cursor.copy(f"COPY profile_load ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM profile_load"  # noqa: S608 - model names only
                f" ON CONFLICT ({quote('member_id')}) DO UPDATE SET {updates}"
            )
            cursor.execute("DROP TABLE profile_load")
            return written
        marks = ", ".join(["%s"] * len(PROFILE_COLUMNS))
        sql = (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({quote('member_id')}) DO UPDATE SET {updates}"  # noqa: S608
        )
        written = 0
        while block := list(islice(rows, WRITE_BLOCK)):
            cursor.executemany(sql, block)
            written += len(block)
        return written


def refresh_counts(member_ids: list[int]) -> None:
    """After a merge, split or revert: the members' plain figures at once (the rest at the next recompute)."""
    from django.db.models import Count, Min

    for member_id in member_ids:
        agg = Message.objects.filter(author__member_id=member_id).aggregate(
            n=Count("id"), first=Min("created_at"), last=Max("created_at")
        )
        Profile.objects.filter(member_id=member_id).update(
            message_count=agg["n"], first_seen_at=agg["first"], last_seen_at=agg["last"]
        )


def snooze_until(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)
