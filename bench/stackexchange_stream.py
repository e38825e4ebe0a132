"""A Stack Exchange site's Posts.xml as a JSON Lines file of the files schema, for `animateur import stream`.

    python bench/stackexchange_stream.py ../shared/data/interactions/stackexchange-coffee/Posts.xml -o coffee.jsonl
    animateur import stream coffee.jsonl --workspace SLUG

Questions are posts, answers replies to their question; `accepted` is true on the answer the asker
accepted (members' engagement reads it from the stored row). Posts.xml names no user, only their
numeric id (`OwnerUserId`), or a name for deleted accounts (`OwnerDisplayName`): an author has
no name unless one is given (a made-up « user 12 » would be evidence of nothing for identity
resolution, and « user 12 » of one site is not « user 12 » of another). Nothing of the data is copied into the project.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from defusedxml import ElementTree as ET


def rows(path: str, site: str) -> list[dict[str, Any]]:
    posts = [el.attrib for _event, el in ET.iterparse(path) if el.tag == "row"]
    accepted = {p["AcceptedAnswerId"] for p in posts if p.get("AcceptedAnswerId")}
    out = []
    for post in posts:
        kind = {"1": "post", "2": "reply"}.get(post.get("PostTypeId", ""))
        if kind is None:
            continue  # wiki excerpts and other kinds are not messages of people
        owner = post.get("OwnerUserId")
        name = post.get("OwnerDisplayName") or ""
        row: dict[str, Any] = {
            "id": f"{site}-{post['Id']}",
            "kind": kind,
            "created_at": post["CreationDate"] + "Z",
            "html": post.get("Body", ""),
            "title": post.get("Title", ""),
            "author_id": f"{site}-user-{owner}" if owner else (f"{site}-name-{name}" if name else ""),
            "author_name": name,
            "language": "en",
            "score": int(post.get("Score", "0") or 0),
        }
        if kind == "reply":
            row["parent_id"] = f"{site}-{post['ParentId']}"
            row["accepted"] = post["Id"] in accepted
        out.append(row)
    out.sort(key=lambda r: r["created_at"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", help="a Stack Exchange Posts.xml")
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--site", default="se", help="prefix of ids, to keep two sites apart")
    args = parser.parse_args()
    made = rows(args.posts, args.site)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in made)
    if args.output == "-":
        sys.stdout.write(lines)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(lines)
    print(f"{len(made)} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
