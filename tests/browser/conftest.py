"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Fixtures: `browser` (one Chromium for the session), `page` (a fresh French page per test,
opened on a fresh context so cookies never leak between tests) and `login` (logs a page in
through the real login form). Every test in this folder is marked `browser`.

Chromium comes from the system package, not from Playwright's downloads, so the set-up
(`make test`, `.ci/run`) installs `chromium` when it is missing. Without it the tests are
skipped on a developer's machine, and fail in CI, where skipping would hide a broken set-up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# database access from it (SynchronousOnlyOperation) although the calls really are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
DEFAULT_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """Debian's chromium; ANIMATEUR_CHROMIUM may name another binary."""
    configured = os.environ.get("ANIMATEUR_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        reason = "chromium is not installed (apt-get install chromium, or run `make test`, which installs it)"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extras missing
        if in_ci():
            pytest.fail("playwright is not installed (pip install -e .[dev])")
        pytest.skip("playwright is not installed (pip install -e .[dev])")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    """The live server shares this process's in-memory cache: start each test with none of it.

    Cached public pages are keyed by workspace id and content version, which a flushed
    database can give again to a different workspace.
    """
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


class PolicyViolations(list):
    """What the browser refused under the Content-Security-Policy: every browser test fails on any,
    since a refused script is a button that silently does nothing."""

    def watch(self, target_page: Any) -> Any:
        def seen(message: Any) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                self.append(f"{target_page.url}: {message.text}")

        target_page.on("console", seen)
        return target_page


@pytest.fixture
def csp_violations() -> Iterator[PolicyViolations]:
    violations = PolicyViolations()
    yield violations
    assert not violations, "the Content-Security-Policy refused:\n" + "\n".join(violations)


@pytest.fixture
def page(browser: Any, live_server: Any, csp_violations: PolicyViolations) -> Iterator[Any]:
    """A page in a new context, in French, with `base_url` set to the live server."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, timezone_id="Europe/Paris")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = csp_violations.watch(context.new_page())
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any, csp_violations: PolicyViolations) -> Iterator[Callable[..., Any]]:
    """Open more pages, each in its own context (e.g. a visitor and a moderator side by side)."""
    contexts: list[Any] = []

    def make(locale: str = "fr-FR") -> Any:
        context = browser.new_context(locale=locale, base_url=live_server.url, timezone_id="Europe/Paris")
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return csp_violations.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login() -> Callable[[Any, str, str], None]:
    """Log a page in through the team's login form, then leave it on the page it lands on."""

    # The password tests/conftest.py's make_user gives every user.
    def do_login(target_page: Any, email: str, password: str = "correct horse battery") -> None:  # noqa: S107
        target_page.goto("/app/login/")
        target_page.fill("input[name=username]", email)
        target_page.fill("input[name=password]", password)
        with target_page.expect_navigation():
            target_page.click("form button[type=submit]")

    return do_login
