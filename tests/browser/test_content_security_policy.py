"""Pages work under the Content-Security-Policy: the API documentation draws Swagger UI from our own
files (offline too), and the app's scripts run (the page fixture fails the test on any refusal)."""

from __future__ import annotations

from animateur.core.roles import Role
from animateur.space.actions.posts import do_create_post
from tests.conftest import SYSTEM


def test_the_api_documentation_shows_the_endpoints_with_no_request_outside(workspace, make_user, page, login):
    make_user("doc@example.org", workspace, Role.OWNER)
    outside: list[str] = []
    page.on("request", lambda request: None if "127.0.0.1" in request.url or "localhost" in request.url
            else outside.append(request.url))
    login(page, "doc@example.org")
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 3
    assert outside == []


def test_the_public_site_and_the_app_run_their_scripts_under_the_policy(workspace, make_user, page, login):
    do_create_post(workspace, title="Bienvenue", body="Premier billet", status="published", actor=SYSTEM)
    make_user("csp@example.org", workspace, Role.OWNER)
    page.goto("/")
    page.get_by_role("link", name="Bienvenue").first.click()
    login(page, "csp@example.org")
    for address in ("/app/inbox/", "/app/moderation/", "/app/space/posts/new/", "/app/channels/"):
        response = page.goto(address)
        assert response.status < 400, address
        page.wait_for_load_state("networkidle")
