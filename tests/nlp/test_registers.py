"""The register a message was written in: emails read as their author wrote them, the register spam model."""

import io
import json

import numpy as np
import pytest

from animateur.nlp.features import N_BUCKETS
from animateur.nlp.models import shipped
from animateur.nlp.registers import (
    CONTEXT_FEATURES,
    SpamModel,
    clean_email,
    context_matrix,
    register_of_channel,
)
from animateur.nlp.score_command import run_score
from animateur.nlp.scoring import score_messages

PATCH_EMAIL = """Re: [PATCH] fix the build on 2.6.18
On Tue, 23 Jul 2002, Tabor J. Wells wrote:
> Razor/Client.pm is part of Razor v1. You've installed v2.
> Call me at 555.123.4567 if it breaks again.

Here is the fix for version 2.6.18-1.2798, tested on 192.168.1.10 on 2002-08-21.

diff --git a/Makefile b/Makefile
index 3b18e51..a9c2f3e 100644
--- a/Makefile
+++ b/Makefile
@@ -1,3 +1,3 @@
-VERSION = 2.6.17
+VERSION = 2.6.18
 all:

Thanks,
Anne
--
Anne Dupont  +33 1 23 45 67 89
http://anne.example.org

_______________________________________________
Razor-users mailing list
https://lists.sourceforge.net/lists/listinfo/razor-users
"""

FAKE_SUPPORT = (
    "Great post! If you have any problem with QuickBooks call our QuickBooks support phone number "
    "+1-888-557-0199, toll free 24/7, QuickBooks customer service number +1-888-557-0199"
)


def test_channel_kinds_and_names_map_to_registers():
    assert register_of_channel("mbox") == "email"
    assert register_of_channel("wordpress") == "forum"
    assert register_of_channel("Mastodon") == "social"
    assert register_of_channel("blog comment") == "forum"
    assert register_of_channel("files") is None
    assert register_of_channel(None) is None


def test_an_email_is_read_without_quotes_signature_patch_and_list_footer():
    cleaned = clean_email(PATCH_EMAIL)
    assert "Here is the fix for version 2.6.18-1.2798" in cleaned
    assert "Thanks," in cleaned
    for gone in ("Razor/Client.pm", "555.123.4567", "wrote:", "VERSION =", "diff --git", "+33 1 23", "listinfo"):
        assert gone not in cleaned


def test_an_email_that_is_only_a_quote_keeps_its_subject_line():
    assert clean_email("Re: that bug\n> it crashes\n> again") == "Re: that bug"


def test_context_features_name_the_register_and_its_crossings_with_the_shape():
    ctx = context_matrix(["email", None], [["m:url", "m:url", "m:len2"], ["m:url"]])
    on = [CONTEXT_FEATURES[k] for k in np.flatnonzero(ctx[0])]
    assert on == ["r:email", "r:email*m:url"]
    assert not ctx[1].any()


def test_the_spam_model_round_trips_and_its_register_moves_the_score(tmp_path):
    weights = np.zeros(N_BUCKETS, dtype=np.float32)
    context = np.zeros(len(CONTEXT_FEATURES), dtype=np.float32)
    context[CONTEXT_FEATURES.index("r:forum")] = 2.0
    SpamModel(weights, context, -1.0, {"note": "test"}).save(tmp_path)
    model = SpamModel.load(tmp_path)
    assert model is not None and model.meta == {"note": "test"}
    texts = ["hello there"] * 3
    scores = score_messages(texts, ["en"] * 3, models=shipped(), spam_model=model, registers=["forum", "email", None])
    assert scores[0].spam == pytest.approx(1 / (1 + np.exp(-1.0)), abs=1e-3)
    assert scores[1].spam == pytest.approx(scores[2].spam) == pytest.approx(1 / (1 + np.exp(1.0)), abs=1e-3)
    assert SpamModel.load(tmp_path / "nothing") is None


def test_registers_must_match_the_texts():
    with pytest.raises(ValueError):
        score_messages(["a", "b"], registers=["email"])


def test_a_legitimate_patch_email_is_not_held():
    scores = score_messages([PATCH_EMAIL], ["en"], registers=["email"])[0]
    assert scores.spam is not None and scores.spam < 0.7
    assert "(phone number)" not in [r.feature for r in scores.reasons]


@pytest.mark.parametrize("register", ["wordpress", "discourse", None])
def test_an_obvious_fake_support_number_comment_is_held(register):
    scores = score_messages([FAKE_SUPPORT], ["en"], registers=[register])[0]
    assert scores.spam is not None and scores.spam >= 0.7


def test_the_score_command_reads_the_register_and_refuses_an_unknown_one():
    lines = [
        json.dumps({"id": 1, "text": PATCH_EMAIL, "register": "email"}),
        json.dumps({"id": 2, "text": FAKE_SUPPORT, "register": "wordpress"}),
        json.dumps({"id": 3, "text": "hello", "register": "carrier pigeon"}),
    ]
    out = io.StringIO()
    assert run_score(io.StringIO("\n".join(lines) + "\n"), out) == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["decision"] == "publish"
    assert rows[1]["decision"] in ("hold", "spam")
    assert rows[2]["line"] == 3 and '"register"' in rows[2]["error"]
