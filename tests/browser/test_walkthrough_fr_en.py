"""A community manager's day in Chromium, in French then in English: log in, work a conversation,
moderate the queue, look at the response times, log out.

Every response is watched: any 5xx fails the walk. Every page a French reader sees is read by
tests/untranslated.py (the detector of the French pages test): any stored code or English word
on it fails the walk, naming the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from animateur.space.models import Post
from tests.core.french_world import build
from tests.core.test_french_pages import stored_codes
from tests.inbox.factories import inbound
from tests.untranslated import untranslated

pytestmark = pytest.mark.browser

QUESTION = "Bonjour, l’atelier du samedi est-il complet ?"
REPLY = "Bonjour Lucie, il reste deux places : à samedi !"


class Walk:
    """The page, what went wrong on it so far, and the checks made at every step."""

    def __init__(self, page: Any, french: bool) -> None:
        self.page, self.french = page, french
        self.errors: list[str] = []
        self.codes = stored_codes()
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            self.errors.append(f"{response.status} on {response.request.method} {response.url}")

    def check(self, step: str) -> None:
        """After each step: no server error so far, and on a French page nothing untranslated."""
        self.page.wait_for_load_state("load")
        assert not self.errors, f"{step}: " + "; ".join(self.errors)
        if self.french:
            found = untranslated(self.page.content(), self.codes)
            assert not found, f"{step} ({self.page.url}):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("locale", "language", "words"),
    [
        (
            "fr-FR",
            "",
            {"high": "Haute", "closed": "Fermée", "elsewhere": "répondue ailleurs", "sent": "Réponse envoyée."},
        ),
        (
            "en-US",
            "en",
            {"high": "High", "closed": "Closed", "elsewhere": "answered elsewhere", "sent": "Reply sent."},
        ),
    ],
    ids=["french", "english"],
)
def test_log_in_work_a_conversation_moderate_and_log_out(
    new_page, login, workspace, make_user, locale, language, words
):
    world = build(workspace, make_user)
    owner = world["owner"]
    owner.language = language
    owner.save(update_fields=["language"])
    post = Post.objects.get(pk=world["ids"]["post_id"][0])
    inbound(workspace, QUESTION, parent=post.message, name="Lucie Moreau", email="lucie@exemple.fr")

    page = new_page(locale)
    walk = Walk(page, french=not language)
    login(page, owner.email)
    walk.check("logged in")

    # The inbox: the new question is in the list; its conversation names the post it is on.
    page.goto("/app/inbox/")
    walk.check("inbox")
    page.locator("a.who", has_text="Lucie Moreau").click()
    walk.check("conversation")
    expect(page.locator("[data-article] a")).to_have_text(post.title)

    # One form: assignee, priority and state together.
    form = page.locator("#work-form")
    form.locator("select[name=assignee]").select_option(label=owner.name)
    form.locator("select[name=priority]").select_option("high")
    form.locator("select[name=state]").select_option("open")
    form.locator("#work-save").click()
    walk.check("assigned, prioritised")
    expect(page.locator(".facts [data-priority]")).to_contain_text(words["high"])
    expect(page.locator(".facts")).to_contain_text(owner.name)

    # A reply through the site, then the conversation is closed.
    page.locator("#reply-text").fill(REPLY)
    page.locator("#reply-form button[type=submit]").click()
    walk.check("replied")
    expect(page.locator(".flash")).to_contain_text(words["sent"])
    expect(page.locator(".thread .message.ours")).to_contain_text(REPLY)
    page.locator("#close-button").click()
    walk.check("closed")
    expect(page.locator("[data-state]")).to_have_text(words["closed"])

    # A Reddit comment animateur cannot answer: the team answers there, then says so here.
    page.goto("/app/inbox/")
    page.locator("a.who", has_text="Paul").click()
    walk.check("Reddit conversation")
    page.locator("#answered-elsewhere").click()
    walk.check("answered elsewhere")
    expect(page.locator(".facts")).to_contain_text(words["elsewhere"])

    # The queue: a first-time author approved, a muted spammer's comment rejected.
    page.goto("/app/moderation/")
    walk.check("review queue")
    first = page.locator(".mod-item", has_text="Premier message, bonjour à tous")
    first.locator("button.one-approve").click()
    walk.check("approved")
    expect(page.locator(".mod-item", has_text="Premier message, bonjour à tous")).to_have_count(0)
    page.locator(".mod-item", has_text="Encore moi, toujours là").locator("button.one-reject").click()
    walk.check("rejected")
    expect(page.locator(".mod-item", has_text="Encore moi, toujours là")).to_have_count(0)

    # How the team did: a chart the chart library drew, with its axes.
    page.goto("/app/inbox/response-times/")
    walk.check("response times")
    expect(page.locator("canvas[data-chart][data-drawn='1']")).to_have_count(1)

    # Log out from the header: the login page, no error.
    page.locator("form[action$='/logout/'] button").click()
    walk.check("logged out")
    expect(page).to_have_url(f"{page.url.split('/app/')[0]}/app/login/")
    expect(page.locator("input[name=password]")).to_be_visible()
    walk.check("login page after logging out")
