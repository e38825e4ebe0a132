"""Log in, set up two-factor login with its QR code, keep the recovery codes, log out: in French and English.

Fails on any server error, and on a page in the other language. ANIMATEUR_SCREENSHOTS=<folder>
saves a screenshot of each step there, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.core.team import do_set_require_totp

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {
        "forgot": "Mot de passe oublié ?",
        "log in": "Se connecter",
        "email": "Courriel",  # django.contrib.auth's word, first among the catalogs
        "password": "Mot de passe",
        "required": "Un espace de travail dont vous êtes membre exige la double authentification",
        "scan": "Scannez ce QR code",
        "cannot scan": "Impossible de le scanner ? Saisissez plutôt la clé",
        "code": "Code à six chiffres",
        "turn on": "Activer",
        "saved": "Je les ai enregistrés, continuer",
        "codes title": "Vos codes de secours",
        "log out": "Se déconnecter",
        "logged out": "Vous êtes déconnecté.",
        "verify": "Vérifier",
        "second": "Code à six chiffres ou code de secours",
    },
    "en": {
        "forgot": "Forgot your password?",
        "log in": "Log in",
        "email": "Email",
        "password": "Password",
        "required": "A workspace you belong to requires two-factor authentication",
        "scan": "Scan this QR code",
        "cannot scan": "Cannot scan it? Type the key instead",
        "code": "Six-digit code",
        "turn on": "Turn on",
        "saved": "I have saved them, continue",
        "codes title": "Your recovery codes",
        "log out": "Log out",
        "logged out": "You are logged out.",
        "verify": "Verify",
        "second": "Six-digit code or recovery code",
    },
}


def shoot(page, name: str) -> None:
    folder = os.environ.get("ANIMATEUR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def watch_for_server_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 500 else None)
    return errors


@pytest.mark.parametrize("language", ["fr", "en"])
def test_login_two_factor_set_up_recovery_codes_and_logout(language, page, make_workspace, make_user):
    words = WORDS[language]
    workspace = make_workspace("acme", "Acme", language=language, is_default=True)
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    do_set_require_totp(workspace, True, actor=owner)
    make_user("sacha@example.org", workspace, Role.MODERATOR)
    errors = watch_for_server_errors(page)

    page.goto("/app/login/")
    assert page.locator("html").get_attribute("lang") == language
    expect(page.get_by_role("link", name=words["forgot"])).to_be_visible()
    shoot(page, f"{language}-1-login")
    page.get_by_label(words["email"]).fill("sacha@example.org")
    page.get_by_label(words["password"]).fill("correct horse battery")
    page.get_by_role("button", name=words["log in"]).click()

    # The workspace requires a second factor: the set-up, with a QR code drawn on the page.
    page.wait_for_url("**/app/account/2fa/**")
    expect(page.locator(".notice")).to_contain_text(words["required"])
    expect(page.get_by_text(words["scan"])).to_be_visible()
    qr = page.locator(".totp-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 150 and abs(box["width"] - box["height"]) < 2
    shoot(page, f"{language}-2-setup")
    page.get_by_text(words["cannot scan"]).click()
    secret = page.locator("[data-totp-secret]").text_content()
    page.reload()  # the key holds
    assert page.locator("[data-totp-secret]").text_content() == secret

    page.get_by_label(words["code"]).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=words["turn on"]).click()
    expect(page.get_by_role("heading", name=words["codes title"])).to_be_visible()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    shoot(page, f"{language}-3-recovery-codes")
    page.get_by_role("link", name=words["saved"]).click()

    # Log out from the menu: the login page says so.
    page.get_by_role("button", name=words["log out"]).click()
    page.wait_for_url("**/app/login/")
    expect(page.locator(".flash")).to_have_text(words["logged out"])
    shoot(page, f"{language}-4-logged-out")

    # Back in with a recovery code, the phone being elsewhere.
    page.get_by_label(words["email"]).fill("sacha@example.org")
    page.get_by_label(words["password"]).fill("correct horse battery")
    page.get_by_role("button", name=words["log in"]).click()
    page.wait_for_url("**/app/login/2fa/")
    shoot(page, f"{language}-5-second-factor")
    page.get_by_label(words["second"]).fill(codes[0])
    page.get_by_role("button", name=words["verify"]).click()
    page.wait_for_url("**/app/reports/today/")
    expect(page.get_by_role("button", name=words["log out"])).to_be_visible()
    assert not errors, f"server errors: {errors}"
