"""The page cache's front: cached public pages answered before Django, to anonymous visitors only.

Requests go through the WSGI application that the production server runs (config.wsgi), as a
server would call it; whether Django was entered is seen from the queries and from a request
counter on Django's own handler.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from animateur.config.wsgi import application
from animateur.space import selectors
from animateur.space.comment_cookie import HELD_COOKIE
from animateur.space.front import PageCacheFront
from animateur.stream.actions import do_set_message_visibility
from animateur.stream.models import Message, Visibility
from tests.conftest import SYSTEM
from tests.space.test_page_cache import COMMENT
from tests.space.test_site_factories import make_post


@pytest.fixture(autouse=True)
def connection_kept_across_requests():
    """As Django's test client does: the handler would close the database connection at each
    request's end, and on PostgreSQL that is the test's own connection, inside its transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def trusted_for_the_test(monkeypatch):
    """A loaded test machine may take more than the trusted second between two requests."""
    from animateur.core import middleware

    cache.clear()
    monkeypatch.setattr(middleware, "VERSION_TRUST_SECONDS", 30.0)
    middleware.forget_content_versions()


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body
        self.code = int(status.split()[0])


def call(path: str = "/", method: str = "GET", **extra: str) -> Answer:
    path_info, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **extra,
    }
    given: list[Any] = []
    result = application(environ, lambda status, headers, exc_info=None: given.extend([status, headers]))
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return Answer(given[0], given[1], body)


@pytest.fixture
def django_entered(monkeypatch) -> list[str]:
    """The paths of the requests that reached Django."""
    entered: list[str] = []
    front = application
    assert isinstance(front, PageCacheFront)
    inner = front.application

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        entered.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(front, "application", counting)
    return entered


def test_the_second_anonymous_visit_is_answered_without_entering_django(workspace, django_entered):
    make_post(workspace, "Premier article", slug="premier")
    first = call("/")
    with CaptureQueriesContext(connection) as queries:
        again = call("/?utm_source=mastodon")
    assert first.code == again.code == 200
    assert again.body == first.body and "Premier article" in again.body.decode()
    assert django_entered == ["/"]
    assert len(queries) == 0
    # The headers the middleware around the cache adds are kept with the page.
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert again.headers["x-content-type-options"] == "nosniff"
    assert again.headers["content-type"] == "text/html; charset=utf-8"


def test_once_the_trusted_second_is_over_a_kept_page_is_answered_without_rendering_it_again(workspace, django_entered):
    from animateur.core import middleware

    make_post(workspace, "Premier article", slug="premier")
    first = call("/")
    middleware.forget_content_versions()  # the trusted second is over: Django reads the version again
    with CaptureQueriesContext(connection) as queries:
        again = call("/")
    assert django_entered == ["/", "/"]
    assert len(queries) == 1, [query["sql"] for query in queries]  # the content version, nothing else
    assert again.code == 200 and again.body == first.body and again.headers["etag"] == first.headers["etag"]
    middleware.forget_content_versions()
    assert call("/", HTTP_IF_NONE_MATCH=first.headers["etag"]).code == 304


def test_a_change_made_here_shows_at_once(workspace):
    make_post(workspace, "Premier article", slug="premier")
    call("/")
    make_post(workspace, "Deuxième article", slug="deuxieme")
    workspace.bump_content_version()
    assert "Deuxième article" in call("/").body.decode()


def post_comment(url: str, text: str) -> Answer:
    form = urlencode({**COMMENT, "text": text}).encode()
    return call(
        url,
        method="POST",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(form)),
        **{"wsgi.input": io.BytesIO(form)},
    )


def test_a_published_comment_shows_at_once_on_the_post_and_on_the_home_page(
    workspace, django_capture_on_commit_callbacks
):
    post = make_post(workspace, "Premier article", slug="premier")
    url = selectors.post_url(post)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_comment(url, "Un premier avis").code == 302  # a first-time commenter: held
        do_set_message_visibility([Message.objects.get(kind="comment")], Visibility.VISIBLE, actor=SYSTEM)
    assert "Un premier avis" in call(url).body.decode()
    assert "1 commentaire" in call("/").body.decode()
    call(url)  # kept by the front

    with django_capture_on_commit_callbacks(execute=True):  # Ana has a published comment: no longer held
        assert post_comment(url, "Un autre avis, publié.").code == 302
    assert "Un autre avis, publié." in call(url).body.decode()
    assert "2 commentaires" in call("/").body.decode()


@pytest.mark.parametrize(
    "cookie",
    [f"{settings.SESSION_COOKIE_NAME}=abc", f"theme=dark; {HELD_COOKIE}=xyz", f"{settings.SESSION_COOKIE_NAME}="],
)
def test_a_visitor_with_a_session_or_a_held_comment_never_gets_the_front_s_page(workspace, django_entered, cookie):
    make_post(workspace, "Premier article", slug="premier")
    call("/")
    call("/", HTTP_COOKIE=cookie)
    assert django_entered == ["/", "/"]


def test_a_logged_in_team_member_gets_a_page_of_their_own(workspace, manager_client, django_entered):
    make_post(workspace, "Premier article", slug="premier")
    call("/")
    session = manager_client.cookies[settings.SESSION_COOKIE_NAME].value
    with CaptureQueriesContext(connection) as queries:
        theirs = call("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}")
    assert theirs.code == 200
    assert django_entered == ["/", "/"]
    assert any("django_session" in query["sql"] for query in queries)  # their session was read


def test_head_gets_the_headers_and_no_body(workspace, django_entered):
    make_post(workspace, "Premier article", slug="premier")
    full = call("/")
    head = call("/", method="HEAD")
    assert head.code == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(full.body))
    assert head.headers["etag"] == full.headers["etag"]
    assert django_entered == ["/"]


def test_a_conditional_get_of_an_unchanged_page_is_answered_304(workspace, django_entered):
    make_post(workspace, "Premier article", slug="premier")
    tag = call("/").headers["etag"]
    assert call("/", HTTP_IF_NONE_MATCH=tag).code == 304
    assert call("/", HTTP_IF_NONE_MATCH='"something else"').code == 200
    make_post(workspace, "Deuxième article", slug="deuxieme")
    workspace.bump_content_version()
    changed = call("/", HTTP_IF_NONE_MATCH=tag)
    assert changed.code == 200 and "Deuxième article" in changed.body.decode()
    assert changed.headers["etag"] != tag


def test_pages_behind_another_scheme_or_host_are_kept_apart(workspace, settings, django_entered):
    settings.ALLOWED_HOSTS = ["testserver", "autre.example"]
    settings.USE_X_FORWARDED_HOST = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    make_post(workspace, "Premier article", slug="premier")
    plain = call("/feed/")
    secure = call("/feed/", HTTP_X_FORWARDED_PROTO="https")
    other = call("/feed/", HTTP_X_FORWARDED_HOST="autre.example")
    assert "http://testserver/" in plain.body.decode()
    assert "https://testserver/" in secure.body.decode()
    assert "autre.example" in other.body.decode()
    assert django_entered == ["/feed/"] * 3


def test_only_successful_public_pages_are_kept(workspace, django_entered):
    call("/no-such-page/")
    assert call("/no-such-page/").code == 404
    call("/app/")
    call("/app/")
    assert django_entered == ["/no-such-page/"] * 2 + ["/app/"] * 2


def test_posting_a_form_goes_to_django(workspace, django_entered):
    post = make_post(workspace, "Premier article", slug="premier")
    url = selectors.post_url(post)
    call(url)
    call(url, method="POST", CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH="0")
    assert django_entered == [url, url]


def test_the_page_cache_turned_off_turns_the_front_off(workspace, settings, django_entered):
    settings.PAGE_CACHE_SECONDS = 0
    make_post(workspace, "Premier article", slug="premier")
    call("/")
    call("/")
    assert django_entered == ["/", "/"]


def test_head_of_a_page_that_is_not_kept_gets_no_body_either(workspace):
    missing = call("/no-such-page/", method="HEAD")
    assert missing.code == 404 and missing.body == b""
    assert int(missing.headers["content-length"]) > 0  # what a GET would get
