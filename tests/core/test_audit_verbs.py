"""The audit verbs are one registry, and each reads as words in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from animateur.core.actions import SystemActor, record
from animateur.core.audit_labels import VERB_LABELS, verb_label
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace


def test_every_verb_of_the_registry_has_words():
    assert set(AuditVerb) - set(VERB_LABELS) == set()


@pytest.mark.parametrize("verb", list(AuditVerb))
def test_every_verb_reads_in_french(verb):
    with translation.override("en"):
        english = verb_label(verb)
    with translation.override("fr"):
        french = verb_label(verb)
    assert english != verb.value, f"{verb.value} has no words"
    assert french != english, f"{verb.value} is not translated to French: {english!r}"


def test_every_verb_names_its_domain():
    core = {"workspace", "user", "team", "api", "demo", "webhook"}
    apps = {
        "space",
        "stream",
        "channel",
        "inbox",
        "moderation",
        "member",
        "members",
        "listening",
        "publishing",
        "links",
        "report",
    }
    domains = core | apps
    assert {verb.value.split(".")[0] for verb in AuditVerb} <= domains


@pytest.mark.django_db
def test_a_verb_outside_the_registry_is_refused():
    workspace = Workspace.objects.create(slug="w", name="W")
    with pytest.raises(ValueError):
        record(workspace, SystemActor("cli"), "space.post.frobnicate")  # type: ignore[arg-type]
