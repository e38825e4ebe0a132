"""HTML read as plain text keeps its words apart: blocks are paragraphs, <br> a line, cells spaced."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from animateur.channels.site import site_channel
from animateur.core.html import text_of
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline

CASSETTES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mastodon" / "cassettes"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("a<br>b", "a\nb"),
        ("a<br/><br/>b", "a\n\nb"),
        ("<p>doo-doo head</p><p>edit: editing</p>", "doo-doo head\n\nedit: editing"),
        ("<ul><li>un</li><li>deux</li></ul>fin", "un\ndeux\n\nfin"),
        ("<div>Bonjour</div><div>Merci</div>", "Bonjour\nMerci"),
        ("<h2>Titre</h2>Texte", "Titre\n\nTexte"),
        ("<blockquote>cité</blockquote>réponse", "cité\n\nréponse"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("un<hr>deux", "un\n\ndeux"),
        ("<pre>  if x:\n      y()</pre>après", "  if x:\n      y()\n\naprès"),
    ],
)
def test_blocks_and_line_breaks_become_line_breaks(html, text):
    assert text_of(html) == text


def test_inline_markup_and_source_spacing_read_as_a_browser_shows_them():
    # Mastodon splits a long link into spans: it stays one word.
    link = '<a href="https://ex.org/x"><span class="invisible">https://</span><span>ex.org/x</span></a>'
    assert text_of(f"<p>Voir {link} ici</p>") == "Voir https://ex.org/x ici"
    assert text_of("<p>un <b>gros</b>\n   mot</p>") == "un gros mot"
    assert text_of("caf&eacute; &amp; &lt;b&gt;") == "café & <b>"
    assert text_of("x <script>alert(1)</script><style>p{}</style> y") == "x y"
    assert text_of("plain  text\n") == "plain text"


def _incoming(channel, external_id, html, kind="comment"):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text="",
        html=html,
        kind=kind,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        author=AuthorInfo(external_id="ana", display_name="Ana"),
    )


def test_a_stored_html_message_is_searchable_by_its_real_words(workspace):
    channel = site_channel(workspace)
    result = run_pipeline(
        [
            _incoming(channel, "p", "<p>Première ligne</p><p>seconde ligne</p>"),
            # A comment keeps no <div>: its text is read before the HTML is sanitized.
            _incoming(channel, "d", "<div>Bonjour</div><div>Merci</div>"),
        ]
    )
    texts = {m.external_id: m.text for m in result.created}
    assert texts == {"p": "Première ligne\n\nseconde ligne", "d": "Bonjour\nMerci"}
    assert "<div>" not in result.created[1].html


def _recorded_contents() -> list[str]:
    contents = set()
    for cassette in sorted(CASSETTES.glob("*.yaml")):
        # The bodies are JSON in YAML strings, single-quoted (folded lines) or double-quoted (escaped):
        # read both ways without a YAML reader; what does not parse as JSON is left out.
        text = cassette.read_text(encoding="utf-8")
        single = re.sub(r"\n\s+", " ", text).replace("''", "'")
        double = re.sub(r"\\\n\s*\\?", "", text).replace('\\"', '"').replace("\\\\", "\\")
        for match in re.finditer(r'"(?:content|note)":"((?:[^"\\]|\\.)*)"', single + double):
            try:
                html = json.loads(f'"{match.group(1)}"')
            except ValueError:
                continue
            if "</p><p>" in html:
                contents.add(html)
    return sorted(contents)


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="the real Mastodon recordings (../shared/data) are absent")
def test_real_mastodon_statuses_with_several_paragraphs_keep_them_apart():
    contents = _recorded_contents()
    assert contents, "the recordings hold statuses of several paragraphs"
    for html in contents:
        paragraphs = [text_of(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", html, re.S)]
        assert text_of(html) == "\n\n".join(p for p in paragraphs if p)
