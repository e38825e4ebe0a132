"""The scores read a message as its channel's register: an email's patch is not spam, a blog's fake support line is."""

from __future__ import annotations

from animateur.stream.models import Visibility

from .factories import other_channel, post

PATCH = """Re: [PATCH] ext3: fix the journal replay on 2.6.18
On Tue, 23 Jul 2002, Tabor J. Wells wrote:
> It still fails on 2.6.18-1.2798 with 192.168.1.10 as the server.

Here is the fix, tested on 2.6.18-1.2798 and 2.6.17 since 2002-08-21.

diff --git a/fs/ext3/super.c b/fs/ext3/super.c
index 3b18e51..a9c2f3e 100644
--- a/fs/ext3/super.c
+++ b/fs/ext3/super.c
@@ -1412,7 +1412,7 @@ static int ext3_fill_super(struct super_block *sb)
-    if (journal_inum > 0x1000)
+    if (journal_inum >= 0x1000)
             goto failed_mount;

Thanks,
Anne
--
Anne Dupont  +33 1 23 45 67 89
"""

FAKE_SUPPORT = (
    "Very nice article. If you face any issue with QuickBooks, call the QuickBooks support phone number "
    "+1-888-557-0199 toll free 24/7, QuickBooks customer service +1-888-557-0199 for instant help"
)


def test_a_legitimate_patch_email_from_a_newcomer_is_not_held(scores_decide):
    message = post(scores_decide, PATCH, channel=other_channel(scores_decide, "email"), email="anne@example.org")
    assert message.visibility == Visibility.VISIBLE
    assert message.scores["spam"] < 0.7
    reasons = [r["feature"] for r in message.scores.get("score_reasons", [])]
    assert "(phone number)" not in reasons


def test_an_obvious_fake_support_number_comment_is_held(scores_decide):
    message = post(scores_decide, FAKE_SUPPORT, email="support@example.org")  # the site's comments
    assert message.visibility in (Visibility.PENDING, Visibility.SPAM)
    assert message.scores["spam"] >= 0.7
