import pytest

from animateur.core.roles import Role
from animateur.moderation.actions.words import do_add_watched_word, do_remove_watched_word
from animateur.moderation.matching import Matcher, compiled_for, fold, matcher_for, rewrite
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Visibility

from .factories import SYSTEM, post


def words(*triples):
    return Matcher.build(triples)


def test_folding_ignores_case_accents_and_leetspeak():
    assert fold("DÉBILE") == "debile"
    assert fold("d3b1le") == "debile"
    assert fold("$p@m") == "spam"


@pytest.mark.parametrize("text", ["C'est débile", "c'est DEBILE !", "c'est d3bile", "Débîle."])
def test_a_watched_word_finds_its_accented_capitalised_and_leetspeak_forms(text):
    found = words(("debile", "flag", "")).find(text)
    assert [m.pattern for m in found] == ["debile"]


def test_an_accented_pattern_finds_the_plain_spelling():
    assert words(("débile", "flag", "")).find("vraiment debile")


def test_words_match_whole_words_only():
    assert not words(("con", "flag", "")).find("une conversation constructive")
    assert words(("con", "flag", "")).find("quel con !")


def test_a_wildcard_finds_every_ending_and_a_phrase_its_words_in_sequence():
    m = words(("arnaq*", "flag", ""), ("gagner de l'argent", "require_approval", ""))
    assert [x.found for x in m.find("Une arnaque, des arnaqueurs")] == ["arnaque", "arnaqueurs"]
    assert [x.found for x in m.find("Pour GAGNER   de l'argent vite")] == ["GAGNER   de l'argent"]
    assert not m.find("gagner beaucoup de l'argent")


def test_censor_keeps_the_length_and_replace_puts_the_replacement_in_the_original_text():
    m = words(("débile", "censor", ""), ("nul", "replace", "pas terrible"))
    assert rewrite("C'est DÉBILE et nul.", m.find("C'est DÉBILE et nul.")) == "C'est ■■■■■■ et pas terrible."


def test_the_matcher_is_compiled_once_per_change_of_the_words(workspace):
    do_add_watched_word(workspace, "débile", "flag", actor=SYSTEM)
    first = matcher_for(workspace.pk)
    assert matcher_for(workspace.pk) is first
    hits = compiled_for.cache_info().hits
    matcher_for(workspace.pk)
    assert compiled_for.cache_info().hits == hits + 1
    do_add_watched_word(workspace, "nul", "flag", actor=SYSTEM)
    second = matcher_for(workspace.pk)
    assert second is not first and len(second.find("débile et nul")) == 2


def test_block_trashes_require_approval_holds_flag_queues_and_label_labels(workspace):
    for pattern, action, value in [
        ("casino", "block", ""),
        ("remboursez", "require_approval", ""),
        ("débile", "flag", ""),
        ("livraison", "label", "logistique"),
    ]:
        do_add_watched_word(workspace, pattern, action, value, actor=SYSTEM)
    workspace.hold_first_comments = False
    workspace.save()
    from animateur.moderation.actions.settings import do_update_moderation_settings

    do_update_moderation_settings(workspace, site_hold_below="new", actor=SYSTEM)

    assert post(workspace, "Meilleur CASINO en ligne").visibility == Visibility.TRASH
    held = post(workspace, "Remboursez-moi svp", email="b@example.org")
    assert held.visibility == Visibility.PENDING
    assert "watched-word" in {r.source for r in held.review_item.reasons.all()}
    flagged = post(workspace, "Une idée d3bile", email="c@example.org")
    assert flagged.visibility == Visibility.VISIBLE
    assert ReviewItem.objects.filter(message=flagged, status="pending").exists()
    labelled = post(workspace, "La livraison est en retard", email="d@example.org")
    assert list(labelled.moderation_labels.values_list("label", flat=True)) == ["logistique"]


def test_censored_text_is_shown_and_the_original_kept(workspace):
    do_add_watched_word(workspace, "débile", "censor", actor=SYSTEM)
    message = post(workspace, "C'est **débile**")
    assert "débile" not in message.text and "■■■■■■" in message.html
    assert message.raw["moderation_original"]["text"] == "C'est **débile**"


def test_bad_patterns_are_refused_and_removing_a_word_stops_it_matching(workspace):
    from animateur.core.actions import ActionError

    with pytest.raises(ActionError):
        do_add_watched_word(workspace, "  * ", "flag", actor=SYSTEM)
    with pytest.raises(ActionError):
        do_add_watched_word(workspace, "x", "explode", actor=SYSTEM)
    word = do_add_watched_word(workspace, "débile", "flag", actor=SYSTEM)
    do_remove_watched_word(word, actor=SYSTEM)
    assert not matcher_for(workspace.pk).find("débile")


def test_the_try_box_shows_what_matches(workspace, client_as):
    do_add_watched_word(workspace, "débile", "censor", actor=SYSTEM)
    client = client_as(workspace, Role.MANAGER)
    page = client.get("/app/moderation/words/", {"try": "Quelle idée d3bile"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "d3bile" in html and "■■■■■■" in html
