"""The JSON Lines contract of ``animateur score``."""

import io
import json

from animateur.nlp.score_command import run_score


def test_scores_each_line_in_order_and_reports_malformed_lines():
    lines = [
        json.dumps({"id": 1, "text": "Subscribe to my channel!!! http://bit.ly/x"}),
        "{not json",
        json.dumps({"text": "Merci pour cet article très clair", "language": "fr", "register": "wordpress"}),
        "",
        json.dumps({"language": "en"}),
        json.dumps(["a list"]),
        json.dumps({"text": "Vielen Dank für das schöne Video, wirklich toll gemacht"}),
    ]
    out = io.StringIO()
    status = run_score(io.StringIO("\n".join(lines) + "\n"), out, batch_size=2)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 2
    assert len(results) == 6
    assert results[0]["id"] == 1 and results[0]["language"] == "en" and results[0]["spam"] > 0.5
    assert {"language", "spam", "toxicity", "reasons"} <= results[0].keys()
    assert results[1]["line"] == 2 and "JSON" in results[1]["error"]
    assert results[2]["language"] == "fr" and results[2]["spam"] < 0.5
    assert results[3] == {"line": 5, "error": 'missing "text" (a string)'}
    assert results[4]["line"] == 6 and "object" in results[4]["error"]
    # spam is judged in every language; toxicity and sentiment only in French and English
    assert results[5]["spam"] < 0.5 and results[5]["toxicity"] is None and results[5]["unknown"] is True
    assert [r.get("decision") for r in results] == ["spam", None, "publish", None, None, "publish"]


def test_all_good_lines_exit_zero():
    out = io.StringIO()
    assert run_score(io.StringIO('{"text": "hello there, nice post"}\n'), out) == 0
    assert json.loads(out.getvalue())["language"] == "en"


def test_links_to_trusted_sites_are_not_read_as_promotion():
    line = json.dumps({"text": "Voir ma réponse sur https://www.exemple.fr/2010/04/forums , elle répond à ta question"})
    plain, trusting = io.StringIO(), io.StringIO()
    run_score(io.StringIO(line + "\n"), plain)
    run_score(io.StringIO(line + "\n"), trusting, trusted_hosts=("exemple.fr",))
    # since it learnt forum posts (issue 14) the model alone no longer takes this link for promotion
    assert json.loads(trusting.getvalue())["spam"] < json.loads(plain.getvalue())["spam"] < 0.7
    assert json.loads(trusting.getvalue())["spam"] < 0.5


def test_each_line_gets_the_decision_of_the_given_thresholds():
    line = json.dumps({"text": "Subscribe to my channel!!! http://bit.ly/x"}) + "\n"
    strict, lenient = io.StringIO(), io.StringIO()
    run_score(io.StringIO(line), strict)
    run_score(io.StringIO(line), lenient, thresholds={"spam_hold": 1.01, "spam_spam": 1.01, "toxicity_hold": 1.01})
    assert json.loads(strict.getvalue())["decision"] == "spam"
    assert json.loads(lenient.getvalue())["decision"] == "publish"


def test_the_default_thresholds_are_the_moderation_defaults():
    from animateur.moderation.prefs import DEFAULT_SCORE_THRESHOLDS
    from animateur.nlp.score_command import DEFAULT_THRESHOLDS

    assert dict(DEFAULT_THRESHOLDS) == DEFAULT_SCORE_THRESHOLDS
