"""Real messages of each register animateur serves, with a fixed development split.

Readers for the training script and the benchmark (``../shared/data``, see its README): forum
posts (two Stack Exchange sites), mailing-list email (SpamAssassin ham, hard ham and spam),
real forum spam titles (SmokeDetector), fake support numbers and spam sites' names (SmokeDetector,
the WordPress comment blacklist), blog comments (the WordPress theme test content).

Every split is by a key that keeps a thread together (a question and its answers, an email
thread's subject): one in five keys goes to the development split, by CRC-32, the same on
every machine. Training never reads the development split.
"""

from __future__ import annotations

import html
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

DEV_SHARE = 5  # one key in five is development


def is_dev(key: str) -> bool:
    return zlib.crc32(key.encode("utf-8")) % DEV_SHARE == 0


@dataclass
class Register:
    """Messages of one register, with labels (1 = spam) and the key of their split."""

    name: str
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def add(self, text: str, label: int, key: str) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.keys.append(key)

    def split(self, dev: bool) -> Register:
        out = Register(self.name)
        for text, label, key in zip(self.texts, self.labels, self.keys, strict=True):
            if is_dev(key) == dev:
                out.add(text, label, key)
        return out

    def __len__(self) -> int:
        return len(self.texts)


_TAG_RE = re.compile(r"<[^>]{0,300}>")


def _plain(body: str) -> str:
    """The text of an HTML body, code blocks and links kept as text."""
    text = re.sub(r"<a\s[^>]*href=\"([^\"]*)\"[^>]*>", r" \1 ", body)
    return html.unescape(_TAG_RE.sub(" ", text)).strip()


def read_forum(data: Path) -> Register:
    """Questions (title and body) and answers of the two Stack Exchange sites: legitimate forum posts.

    The split key is the thread: a question's id, an answer's parent.
    """
    reg = Register("forum")
    for site in ("stackexchange-beer", "stackexchange-coffee"):
        path = data / "interactions" / site / "Posts.xml"
        if not path.exists():
            continue
        # the data folder's own files, read by the training script and the benchmark only
        for row in ElementTree.parse(path).getroot().iter("row"):  # noqa: S314
            kind = row.get("PostTypeId")
            if kind not in ("1", "2"):
                continue
            thread = row.get("Id") if kind == "1" else row.get("ParentId")
            body = _plain(row.get("Body") or "")
            title = row.get("Title") or ""
            text = f"{title}\n{body}".strip()
            if text:
                reg.add(text, 0, f"{site}:{thread}")
    return reg


def read_forum_titles(data: Path) -> Register:
    """The questions' titles alone: short legitimate messages, beside the real spam titles.

    Without them the spam model learnt that a short message is a spam title: it held a third
    of the WordPress test comments (« Comments? I love comments! » 0.77).
    """
    reg = Register("forum titles")
    for site in ("stackexchange-beer", "stackexchange-coffee"):
        path = data / "interactions" / site / "Posts.xml"
        if not path.exists():
            continue
        for row in ElementTree.parse(path).getroot().iter("row"):  # noqa: S314 - the data folder's own files
            title = (row.get("Title") or "").strip()
            if row.get("PostTypeId") == "1" and title:
                reg.add(title, 0, f"{site}:{row.get('Id')}")
    return reg


_SUBJECT_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|tr)\s*(\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+", re.IGNORECASE)
MAX_EMAIL_CHARS = 4000  # what a moderation queue reads of an email (the rest of a long body is quotes and patches)


def _thread_subject(subject: str) -> str:
    return _SUBJECT_PREFIX_RE.sub("", subject or "").strip().lower()


def read_email(data: Path) -> tuple[Register, Register]:
    """SpamAssassin: (ham and hard ham, as a mailing list receives them; spam). Key: the thread's subject."""
    ham, spam = Register("email"), Register("email spam")
    path = data / "spam" / "spamassassin" / "messages.jsonl"
    if not path.exists():
        return ham, spam
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            msg = json.loads(line)
            text = f"{msg.get('subject') or ''}\n{msg.get('body') or ''}".strip()[:MAX_EMAIL_CHARS]
            key = "email:" + _thread_subject(msg.get("subject") or "")
            (spam if msg["label"] == "spam" else ham).add(text, int(msg["label"] == "spam"), key)
    return ham, spam


def read_forum_spam(data: Path) -> Register:
    """SmokeDetector's real spam titles, caught on Stack Exchange (one a line)."""
    reg = Register("forum spam")
    path = data / "spam" / "smokedetector" / "spammy_titles.csv"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip().strip('"')
            if line:
                reg.add(line, 1, "title:" + line.lower())
    return reg


def read_blog_comments(data: Path) -> Register:
    """The comments of the WordPress theme test content: legitimate blog comments (a few dozen)."""
    reg = Register("blog")
    for path in sorted((data / "wordpress").glob("*.xml")):
        for match in re.finditer(
            r"<wp:comment_content><!\[CDATA\[(.*?)\]\]></wp:comment_content>", path.read_text("utf-8"), re.S
        ):
            text = _plain(match.group(1))
            if text:
                reg.add(text, 0, "blog:" + text.lower())
    return reg


def _lines(path: Path) -> Iterator[str]:
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def fake_support_numbers(data: Path) -> list[str]:
    """SmokeDetector's fake support numbers, as written in spam (« 1-844-205-0712 »)."""
    return list(_lines(data / "spam" / "smokedetector" / "blacklisted_numbers.txt"))


_PLAIN_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{3,}(?:\.[a-z]{2,})*")


def spam_site_names(data: Path) -> list[str]:
    """Names of spam sites: SmokeDetector's blacklisted websites and the WordPress blacklist's domains.

    Only the entries that are plain names (a regular expression's ``\\.`` read as a dot);
    a name of the WordPress list counts when it looks like a domain (it has a dot).
    """
    names = []
    for line in _lines(data / "spam" / "smokedetector" / "blacklisted_websites.txt"):
        name = line.replace("\\.", ".").lower()
        if _PLAIN_NAME_RE.fullmatch(name):
            names.append(name)
    for line in _lines(data / "spam" / "wordpress-comment-blacklist" / "blacklist.txt"):
        name = line.lower().strip(".")
        if "." in name and _PLAIN_NAME_RE.fullmatch(name):
            names.append(name)
    return names


# ---------------------------------------------------------------- toxicity: hate about groups


@dataclass
class Labelled:
    """Texts with labels (1 = toxic) and their split key (the text itself unless a thread keeps them together)."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def split(self, dev: bool) -> Labelled:
        out = Labelled()
        for text, label in zip(self.texts, self.labels, strict=True):
            if is_dev("text:" + text) == dev:
                out.texts.append(text)
                out.labels.append(label)
        return out

    def __len__(self) -> int:
        return len(self.texts)


def read_toxigen(data: Path) -> Labelled:
    """ToxiGen prompts: implicit hateful (1) and neutral (0) statements about 13 groups (English)."""
    out = Labelled()
    seen: set[str] = set()
    for path in sorted((data / "toxicity" / "toxigen").glob("*_1k.txt")):
        label = int(path.name.startswith("hate_"))
        for part in path.read_text(encoding="utf-8").replace("\\n", "\n").split("\n"):
            text = part.strip().lstrip("-").strip()
            if len(text) > 3 and text not in seen:  # each prompt file repeats its statements many times
                seen.add(text)
                out.texts.append(text)
                out.labels.append(label)
    return out


def read_stormfront(data: Path) -> Labelled:
    """Forum sentences labelled hate (1) or noHate (0) (English)."""
    import csv

    folder = data / "toxicity" / "stormfront"
    out = Labelled()
    if not folder.exists():
        return out
    with open(folder / "annotations_metadata.csv", encoding="utf-8", newline="") as fh:
        labels = {row["file_id"]: row["label"] for row in csv.DictReader(fh)}
    with open(folder / "sentences.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            label = labels.get(row["file_id"])
            if label in ("hate", "noHate") and row["text"].strip():
                out.texts.append(row["text"])
                out.labels.append(int(label == "hate"))
    return out


def read_french_racism(data: Path) -> Labelled:
    """FTR: French tweets, racist (1) or not (0)."""
    import csv

    out = Labelled()
    path = data / "toxicity" / "ftr-french-racism" / "FTR_new_labels.csv"
    if path.exists():
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("label") in ("0", "1") and row.get("tweet"):
                    out.texts.append(row["tweet"])
                    out.labels.append(int(row["label"]))
    return out


def read_toxifrench(data: Path) -> Labelled:
    """ToxiFrench forum comments (toxic 1 or not) and the French translations of its Jigsaw comments."""
    import csv

    out = Labelled()
    folder = data / "toxicity" / "toxifrench"
    for name in ("ToxiFrenchBalanced.csv", "JigsawBilingualBalanced.csv"):
        path = folder / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("label") in ("0", "1") and row.get("content"):
                    out.texts.append(row["content"])
                    out.labels.append(int(row["label"]))
    return out


def read_identity_templates(data: Path) -> Labelled:
    """Template sentences naming identity groups, toxic (1) or not (English): a functional test, never trained on."""
    import csv

    out = Labelled()
    path = data / "toxicity" / "identity-templates" / "en_sentence_templates.csv"
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.texts.append(row["phrase"])
                out.labels.append(int(row["toxicity"] == "toxic"))
    return out


def read_jigsaw_english(data: Path) -> Labelled:
    """The English originals of ToxiFrench's Jigsaw comments (Wikipedia talk pages), toxic (1) or not."""
    import csv

    out = Labelled()
    path = data / "toxicity" / "toxifrench" / "JigsawBilingualBalanced.csv"
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("label") in ("0", "1") and row.get("original_text"):
                    out.texts.append(row["original_text"])
                    out.labels.append(int(row["label"]))
    return out
