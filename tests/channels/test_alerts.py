"""A failing channel tells its managers in the app and by email, each in their own language."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from animateur.channels.errors import AuthError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import ALERT_AFTER_FAILURES, poll_channel
from animateur.core.roles import Role
from animateur.inbox.models import Notification
from tests.channels.test_runner import Scripted


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fail(channel: Channel, error: Exception, times: int) -> None:
    for _ in range(times):
        Scripted.failures = [error]
        poll_channel(channel.pk)


def test_a_failing_channel_appears_on_each_managers_notifications_page_in_their_language(workspace, make_user):
    boss = make_user("boss@example.org", workspace, Role.OWNER)  # the workspace's language: French
    lead = make_user("lead@example.org", workspace, Role.MANAGER, language="en")
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    channel = Channel.objects.create(workspace=workspace, kind="scripted-test", name="Mastodon marque")
    fail(channel, TransientError("ConnectError: [Errno 111] Connection refused"), ALERT_AFTER_FAILURES)

    french = logged_in(boss).get("/app/inbox/notifications/").content.decode()
    link = f'<a href="/app/channels/{channel.pk}/">'
    assert f"{link}Le canal « Mastodon marque » échoue sans cesse</a>" in french
    english = logged_in(lead).get("/app/inbox/notifications/").content.decode()
    assert f"{link}The channel “Mastodon marque” keeps failing</a>" in english
    assert not Notification.objects.filter(user=moderator).exists()
    # The health page the notification leads to names the failure.
    health = logged_in(boss).get(f"/app/channels/{channel.pk}/").content.decode()
    assert "source injoignable" in health

    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["boss@example.org", "lead@example.org"]  # one email each, not two
    french_mail, english_mail = by_address["boss@example.org"], by_address["lead@example.org"]
    assert french_mail.subject == "Le canal « Mastodon marque » échoue sans cesse"
    assert f"{ALERT_AFTER_FAILURES} relevés de suite ont échoué : source injoignable." in french_mail.body
    assert "Détail technique : ConnectError: [Errno 111] Connection refused" in french_mail.body
    assert f"http://127.0.0.1:8000/app/channels/{channel.pk}/" in french_mail.body
    assert english_mail.subject == "The channel “Mastodon marque” keeps failing"
    assert f"{ALERT_AFTER_FAILURES} polls in a row failed: source unreachable." in english_mail.body
    assert "Technical detail: ConnectError: [Errno 111] Connection refused" in english_mail.body


def test_refused_credentials_tell_managers_to_reconnect_with_a_link_to_the_channel(make_workspace, make_user):
    english_site = make_workspace("brand", "Brand", language="en", is_default=False)
    owner = make_user("owner@example.org", english_site, Role.OWNER)
    francophone = make_user("fr@example.org", english_site, Role.MANAGER, language="fr")
    channel = Channel.objects.create(workspace=english_site, kind="scripted-test", name="acct")
    fail(channel, AuthError("401 invalid_token"), 1)

    page = logged_in(owner).get("/w/brand/app/inbox/notifications/").content.decode()
    assert f'<a href="/w/brand/app/channels/{channel.pk}/">The channel “acct” needs reconnecting</a>' in page
    notice = Notification.objects.get(user=francophone)
    assert notice.text == "Le canal « acct » est à reconnecter" and notice.channel == channel
    letter = next(m for m in mail.outbox if m.to == ["fr@example.org"])
    assert "La source a refusé les identifiants du canal." in letter.body
    assert f"http://127.0.0.1:8000/w/brand/app/channels/{channel.pk}/" in letter.body
    assert "Détail technique : 401 invalid_token" in letter.body
    assert len(mail.outbox) == 2


def choose_emails(user, choice: str) -> None:
    """The manager picks how they get emails on their notifications page, as in the inbox."""
    response = logged_in(user).post("/app/inbox/notifications/settings/", {"email": choice})
    assert response.status_code == 302


def test_each_manager_gets_the_alert_email_at_once_in_the_digest_or_never_as_they_chose(workspace, make_user):
    from animateur.inbox.tasks import send_digests

    now_one = make_user("now@example.org", workspace, Role.OWNER)
    digest_one = make_user("digest@example.org", workspace, Role.MANAGER, language="en")
    quiet_one = make_user("quiet@example.org", workspace, Role.MANAGER)
    choose_emails(now_one, "immediate")
    choose_emails(digest_one, "digest")
    choose_emails(quiet_one, "off")
    channel = Channel.objects.create(workspace=workspace, kind="scripted-test", name="Forum")
    fail(channel, AuthError("401 invalid_token"), 1)

    # Everyone sees the alert in the app; only the one who chose « at once » has an email now.
    for user in (now_one, digest_one, quiet_one):
        page = logged_in(user).get("/app/inbox/notifications/").content.decode()
        assert f'<a href="/app/channels/{channel.pk}/">' in page
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert mail.outbox[0].subject == "Le canal « Forum » est à reconnecter"

    # The next digest carries it to the digest reader, once, with the channel's health page.
    mail.outbox.clear()
    assert send_digests.call_local() == 1
    assert [m.to for m in mail.outbox] == [["digest@example.org"]]
    assert "The channel “Forum” needs reconnecting" in mail.outbox[0].body
    assert f"http://127.0.0.1:8000/app/channels/{channel.pk}/" in mail.outbox[0].body
    mail.outbox.clear()
    assert send_digests.call_local() == 0
    assert mail.outbox == []
    # The one who chose never got no email at all, and still has the alert in the app.
    assert Notification.objects.filter(user=quiet_one, channel=channel).count() == 1
