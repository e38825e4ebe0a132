"""Headers that protect every page, the API documentation served from our own files, and data
files that only their owner can read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from animateur.space.actions.posts import do_create_post
from tests.conftest import SYSTEM


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {parts[0]: parts[1:] for parts in directives}


def test_every_kind_of_page_forbids_inline_scripts(workspace, manager_client):
    public = Client().get("/")
    login = Client().get("/app/login/")
    app = manager_client.get("/app/inbox/")
    for response in (public, login, app):
        assert response.status_code == 200
        directives = policy(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]


def test_a_public_page_served_from_the_cache_carries_the_policy_too(workspace, settings):
    settings.PAGE_CACHE_SECONDS = 300
    do_create_post(workspace, title="Bonjour", body="Texte", status="published", actor=SYSTEM)
    visitor = Client()
    first, second = visitor.get("/"), visitor.get("/")
    assert first.status_code == second.status_code == 200
    assert policy(second) == policy(first)


def test_https_requests_get_strict_transport_security_when_configured(workspace, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_api_documentation_loads_swagger_from_our_own_static_files(workspace, manager_client):
    page = manager_client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


def settings_of_a_fresh_install(data_dir: Path, **environ: str) -> dict[str, str]:
    """Settings as `animateur run` reads them, in a process of its own (no test mode)."""
    code = (
        "from animateur.config import settings as s; "
        "print(s.SECURE_HSTS_SECONDS); print(s.DATABASES['default']['NAME'])"
    )
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("ANIMATEUR_", "DATABASE_URL", "REDIS_"))
    }
    env.update({"ANIMATEUR_DATA_DIR": str(data_dir), **environ})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    hsts, database = done.stdout.split()
    return {"hsts": hsts, "database": database}


@pytest.mark.parametrize(
    ("base_url", "hsts"), [("https://communaute.example", "31536000"), ("http://127.0.0.1:8000", "0")]
)
def test_strict_transport_security_follows_the_public_address(tmp_path, base_url, hsts):
    assert settings_of_a_fresh_install(tmp_path / "var", ANIMATEUR_BASE_URL=base_url)["hsts"] == hsts


def test_a_new_data_folder_and_its_databases_are_readable_by_their_owner_only(tmp_path):
    data_dir = tmp_path / "var"
    database = Path(settings_of_a_fresh_install(data_dir)["database"])
    assert database.parent == data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("animateur.sqlite3", "tasks.sqlite3"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name


def test_database_files_left_readable_by_an_earlier_version_are_made_private(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    old = data_dir / "animateur.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    settings_of_a_fresh_install(data_dir)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
