"""A long message's toxicity is its most toxic window's, not the sum of many mildly marked words."""

from animateur.nlp import score_messages
from animateur.nlp.scoring import TOXICITY_WINDOW, windows

# a long, ordinary answer of a coffee forum: « bitter », « dirty », « burnt », « crazy » are its subject
ANSWER = (
    "There are a lot of factors that contribute to the bitterness of coffee. Some of these have to do with "
    "the concentration of various compounds in the beans and the roasting process, but the way you brew can make "
    "a big difference as well.\n\nAssuming you are not going to be roasting your own beans, start with the grind. "
    "A finer grind extracts faster, and over-extraction is what most people taste as harsh and bitter. "
    "Water that is too hot will do the same: aim for 92 to 96 degrees rather than a rolling boil.\n\n"
    "Steeping time matters too. In a French press, four minutes is plenty; leave it longer and the cup turns "
    "astringent. Dirty equipment is another common cause: old oils go rancid and taint every brew, so rinse the "
    "press and descale the kettle regularly.\n\nFinally, robusta beans carry almost twice the caffeine of arabica, "
    "and caffeine itself tastes bitter, so a blend heavy in robusta will never be mild."
    "\n\nIf you drink it black, try a lighter roast first. Dark roasts burn off much of the acidity people "
    "like and leave the smoky, burnt notes behind; that is not a defect, but it does read as bitter. "
    "Cold brew is the other easy fix: steeping coarse grounds for twelve hours in the fridge extracts far "
    "fewer of the harsh compounds, and the concentrate keeps for about a week.\n\nA pinch of salt in the grounds "
    "also masks bitterness, an old trick from navy galleys. It sounds crazy, but it works, and it costs nothing. "
    "Milk and sugar hide it too, of course, though then you are no longer tasting the coffee itself.\n\n"
    "Last, check how long the beans have been open. Stale beans lose the sweet aromatics first, and what is left "
    "is flat and bitter no matter how carefully you brew, so buy small bags and keep them sealed away from light."
)
INSULT = "And whoever wrote the other answer is a stupid idiot, shut up."


def test_a_long_ordinary_answer_is_not_held_as_toxic():
    # read whole, its many mildly marked words added up to 0.91, above the default hold (0.85)
    scores = score_messages([ANSWER], ["en"])[0]
    assert scores.toxicity is not None and scores.toxicity < 0.85


def test_one_insulting_sentence_in_a_long_message_is_still_caught_and_explained():
    scores = score_messages([ANSWER + "\n\n" + INSULT], ["en"])[0]
    assert scores.toxicity is not None and scores.toxicity >= 0.85
    toxic = [r.feature for r in scores.reasons if r.kind == "toxicity"]
    # the reasons are the insulting window's: its kind and its words
    assert toxic[0] == "(insult)"
    assert {"idiot", "stupid"} & set(toxic)


def test_windows_cut_at_sentence_ends_and_keep_every_word():
    assert windows("short text") == ["short text"]
    parts = windows(ANSWER)
    assert len(parts) > 3
    assert all(len(p) <= TOXICITY_WINDOW for p in parts)
    assert " ".join(parts).split() == ANSWER.split()


def test_a_sentence_longer_than_a_window_is_not_cut():
    sentence = "word " * 200
    assert windows(sentence.strip()) == [sentence.strip()]
