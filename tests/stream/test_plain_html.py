"""The normalize stage's short-cut for plain text gives exactly what Markdown rendering gives."""

import random

import pytest

from animateur.core.html import render_markdown
from animateur.stream.stages import plain_html

LETTERS = "abcdeéèêàâçôûïœæßzAZÉÀÇŒ"
OTHERS = "0123456789 .,;:?!'’\"()-«»…/%+=@€$°"
MARKDOWN = "*_`[]<>&\\#|~\t\u00a0\u0301\r"


def cases(alphabet: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lines = []
        for _ in range(rng.randint(1, 4)):
            line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            lines.append(line)
        out.append(rng.choice(["\n", "\n\n", "\n\n\n"]).join(lines).strip())
    return out


@pytest.mark.parametrize("comment", [True, False])
def test_plain_text_renders_exactly_as_markdown_does(comment):
    texts = cases(LETTERS + OTHERS + "\n", 3000, 1) + cases(LETTERS * 3 + " " * 6 + "\n", 1000, 2)
    texts += [
        "Merci pour cet article, il tombe à pic pour notre association (b0-1)",
        "Is Thursday's meetup open to everyone or members only?",
        'Il a dit "bonjour" à l\'équipe\net puis il est parti.\n\nFin.',
        "Prix : 5 € + 3 % = ? Écrivez à contact@example.org ou sur https://example.org/a",
    ]
    short_cut = 0
    for text in texts:
        html = plain_html(text)
        if html is not None:
            short_cut += 1
            assert html == render_markdown(text, comment=comment), text
    assert short_cut > 1000  # most ordinary texts take the short-cut


@pytest.mark.parametrize(
    "text",
    [
        "*important*",
        "a _b_ c",
        "1. un\n2. deux",
        "- item",
        "Titre\n=====",
        "Titre\n---",
        "# titre",
        "> cité",
        "    code",
        "a  \nb",
        "a\\\nb",
        "<b>gras</b>",
        "a &amp; b",
        "voir [ceci](http://x)",
        "a | b\n--|--\n1 | 2",
        "un\u00a0deux",
        "",
    ],
)
def test_text_with_markdown_or_html_in_it_is_left_to_the_renderer(text):
    assert plain_html(text) is None


def test_any_text_with_a_markdown_character_is_left_to_the_renderer():
    for text in cases(LETTERS + OTHERS + MARKDOWN + "\n", 2000, 3):
        html = plain_html(text)
        if html is not None:
            assert html == render_markdown(text, comment=True), text
