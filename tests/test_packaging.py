"""A wheel carries the front-end files it needs, and an install without them says so instead of
serving a 500 on every page."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from animateur.cli import main
from animateur.config import assets

REPOSITORY = Path(__file__).resolve().parent.parent


def test_run_without_the_front_end_files_refuses_to_start_and_says_how_to_get_them(
    db, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    assert main(["run", "--port", "8999", "--no-demo"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("animateur: error: the front-end files are missing (htmx.min.js")
    assert "make setup" in error and "python -m build" in error


def test_every_vendor_file_the_templates_load_is_in_the_list():
    used = set()
    for template in (REPOSITORY / "src" / "animateur").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for part in text.split("'vendor/")[1:] + text.split('"vendor/')[1:]:
            used.add(part.split("'")[0].split('"')[0])
    assert used, "no template loads a vendor file: the scan is broken"
    assert used <= set(assets.VENDOR)


def test_the_copy_takes_each_file_from_node_modules_and_names_what_is_absent(tmp_path):
    node_modules = tmp_path / "node_modules"
    (node_modules / "htmx.org" / "dist").mkdir(parents=True)
    (node_modules / "htmx.org" / "dist" / "htmx.min.js").write_text("/* htmx */")
    absent = assets.copy(node_modules, tmp_path / "vendor")
    assert (tmp_path / "vendor" / "htmx.min.js").read_text() == "/* htmx */"
    assert absent == ["chart.js/dist/chart.umd.min.js", "chart.js/dist/chart.umd.min.js.map"]


@pytest.mark.skipif(bool(assets.missing()), reason="the front-end files are not installed (make setup)")
def test_a_wheel_built_from_the_repository_carries_the_front_end_files(tmp_path):
    # A copy of what git tracks, plus the vendor files `make setup` copied: what a build sees.
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPOSITORY / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPOSITORY / name, source / name)
    shutil.copytree(assets.VENDOR_DIR, source / "src" / "animateur" / "static" / "vendor")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("animateur-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in assets.VENDOR:
        assert f"animateur/static/vendor/{name}" in names
    assert "animateur/config/assets.py" in names
    assert any(name.endswith("locale/fr/LC_MESSAGES/django.mo") for name in names)
    assert any(name.startswith("animateur/nlp/models/") for name in names)
