"""The JSON Lines contract of ``animateur score``."""

import io
import json

from animateur.nlp.score_command import run_score


def test_scores_each_line_in_order_and_reports_malformed_lines():
    lines = [
        json.dumps({"id": 1, "text": "Subscribe to my channel!!! http://bit.ly/x"}),
        "{not json",
        json.dumps({"text": "Merci pour cet article très clair", "language": "fr"}),
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
    assert results[5]["spam"] is None and results[5]["unknown"] is True


def test_all_good_lines_exit_zero():
    out = io.StringIO()
    assert run_score(io.StringIO('{"text": "hello there, nice post"}\n'), out) == 0
    assert json.loads(out.getvalue())["language"] == "en"
