"""Two-factor set-up: a QR code, a key that holds until confirmed, recovery codes shown once and used once."""

from __future__ import annotations

import re
import time

import pyotp
import segno
from django.test import Client

from animateur.core.models import AuditEvent, RecoveryCode, TotpDevice
from animateur.core.roles import Role

SETUP = "/app/account/2fa/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def secret_on(page) -> str:
    return re.search(r"data-totp-secret>(\w+)<", page.content.decode()).group(1)


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """A code of the app; one step ahead once the current step's code was spent (never accepted twice)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def codes_on(page) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page.content.decode())


def turn_on(client: Client) -> tuple[str, list[str]]:
    secret = secret_on(client.get(SETUP))
    page = client.post(SETUP, {"code": code_at(secret)})
    return secret, codes_on(page)


def test_the_set_up_shows_a_qr_code_whose_key_holds_across_reloads_and_wrong_codes(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    client = logged_in(user)
    first = client.get(SETUP)
    secret = secret_on(first)
    html = first.content.decode()
    # The QR code is drawn on the server, inline: it is the otpauth address of this very key.
    uri = pyotp.TOTP(secret).provisioning_uri(name="ana@example.org", issuer_name="animateur")
    assert "<svg" in html and 'class="totp-qr-code"' in html
    expected = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff", lineclass=None)
    path = re.search(r'<path stroke="#000" d="([^"]+)"', expected).group(1)
    assert path in html
    assert secret_on(client.get(SETUP)) == secret  # a reload keeps it
    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 400 and "n’est pas valide" in wrong.content.decode()
    assert secret_on(wrong) == secret  # a wrong code keeps it
    assert secret_on(client.get(SETUP)) == secret
    assert AuditEvent.objects.filter(verb="user.totp_setup_start").count() == 1
    assert not TotpDevice.objects.get(user=user).confirmed


def test_turning_it_on_shows_ten_recovery_codes_once_and_keeps_only_their_hashes(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    client = logged_in(user)
    secret = secret_on(client.get(SETUP))
    page = client.post(SETUP, {"code": code_at(secret)})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    codes = codes_on(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", code) for code in codes)
    text = page.content.decode()
    assert "Enregistrez ces codes maintenant" in text
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(code in "".join(stored) for code in codes)
    assert TotpDevice.objects.get(user=user).confirmed
    assert AuditEvent.objects.filter(verb="user.totp_enable", actor_user=user).count() == 1
    after = client.get(SETUP).content.decode()
    assert "10 codes de secours inutilisés" in after and not any(code in after for code in codes)


def password_step(email: str = "ana@example.org") -> Client:
    client = Client()
    response = client.post("/app/login/", {"username": email, "password": "correct horse battery"})
    assert response["Location"].endswith("/app/login/2fa/")
    return client


def test_a_recovery_code_logs_in_once_in_place_of_a_code_of_the_app(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    _secret, codes = turn_on(logged_in(user))

    client = password_step()
    page = client.get("/app/login/2fa/")
    assert "codes de secours" in page.content.decode()
    response = client.post("/app/login/2fa/", {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.get("/app/inbox/").status_code == 200
    assert AuditEvent.objects.filter(verb="user.recovery_code_use", actor_user=user).count() == 1

    again = password_step()
    refused = again.post("/app/login/2fa/", {"code": codes[3]})
    assert refused.status_code == 400 and "_auth_user_id" not in again.session
    assert again.post("/app/login/2fa/", {"code": codes[4]}).status_code == 302


def test_new_recovery_codes_need_a_code_of_the_app_and_turn_the_old_ones_off(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    client = logged_in(user)
    secret, old = turn_on(client)

    refused = client.post("/app/account/2fa/recovery-codes/", {"code": "123456"})
    assert refused.status_code == 400 and "n’est pas valide" in refused.content.decode()
    assert RecoveryCode.objects.filter(user=user).count() == 10
    page = client.post("/app/account/2fa/recovery-codes/", {"code": code_at(secret, 1)})
    new = codes_on(page)
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(verb="user.recovery_codes_regenerate").count() == 1

    login = password_step()
    assert login.post("/app/login/2fa/", {"code": old[0]}).status_code == 400
    assert login.post("/app/login/2fa/", {"code": new[0]}).status_code == 302


def test_someone_who_lost_the_phone_turns_it_off_with_a_recovery_code(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    client = logged_in(user)
    _secret, codes = turn_on(client)
    assert client.post(SETUP, {"code": "aaaa-bbbb-cccc"}).status_code == 400
    assert TotpDevice.objects.filter(user=user, confirmed=True).exists()
    response = client.post(SETUP, {"code": codes[0]})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=user).exists() and not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(verb="user.totp_disable").count() == 1


def test_the_set_up_and_the_code_page_speak_english_to_who_chose_it(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.MODERATOR, language="en")
    page = logged_in(user).get(SETUP).content.decode()
    assert "Scan this QR code" in page and "Turn on" in page
