"""Reasons come out the same whether the words were explained before or not."""

from animateur.nlp import models as nlp_models
from animateur.nlp.models import shipped

SPAM = "Check out my channel and subscribe!!! Free gift cards http://bit.ly/x"


def test_reasons_do_not_depend_on_the_unit_cache(monkeypatch):
    models = shipped()
    models._unit_rows.clear()
    cold = models.explain_columns(SPAM, ("spam", "toxicity"))
    warm = models.explain_columns(SPAM, ("spam", "toxicity"))
    monkeypatch.setattr(nlp_models, "UNIT_CACHE_MAX", 30)
    models._unit_rows.clear()
    models._unit_rows.update({f"old unit {i}": models.weights[i] for i in range(30)})
    overflowing = models.explain_columns(SPAM, ("spam", "toxicity"))
    assert not any(key.startswith("old unit") for key in models._unit_rows)  # a full cache starts again
    assert cold == warm == overflowing
    spam_reasons = [feature for feature, _ in cold[0]]
    assert spam_reasons and {"(link)", "subscribe", "channel", "(call to action)"} & set(spam_reasons)
