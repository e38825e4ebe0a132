def test_a_friendly_mastodon_reply_is_not_spam_because_it_starts_by_naming_whom_it_answers():
    from animateur.nlp import score_messages

    plain, addressed = score_messages(["hello!", "@mastodonpy_test hello!"], ["en", "en"])
    # not held (0.7, the default); a bare greeting scores higher since the spam model learnt
    # that forum posts and emails are long (issue 14): the point here is the addressing
    assert addressed.spam is not None and addressed.spam < 0.7
    assert abs(addressed.spam - plain.spam) < 1e-6
