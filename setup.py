"""Builds carry the front-end files from the npm registry (htmx, Chart.js), never committed.

Everything else about the package is in pyproject.toml. Before the source distribution or the
wheel is made, the vendor files are copied into src/animateur/static/vendor/ (installing the npm
packages first when node_modules is missing), so that `pip install animateur-*.whl` then
`animateur run` works on a machine without npm. An editable install (`pip install -e .`) copies
nothing: `make setup` does it, and `animateur run` says so when the files are missing.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def _assets():  # the list lives in the package; loaded by path, since nothing is installed yet
    spec = importlib.util.spec_from_file_location("animateur_assets", HERE / "src/animateur/config/assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_vendor_files() -> None:
    assets = _assets()
    if not assets.missing():
        return
    node_modules = HERE / "node_modules"
    if not node_modules.is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "animateur's front-end files are missing and npm is not installed: "
                f"install npm, or build from a source distribution that carries them ({assets.VENDOR_DIR})"
            )
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)  # noqa: S603
    absent = assets.copy(node_modules)
    if absent:
        raise SystemExit(f"not in node_modules after npm ci: {', '.join(absent)}")


class BuildWithAssets(build_py):
    def run(self) -> None:
        if not self.editable_mode:
            ensure_vendor_files()
        super().run()


class SdistWithAssets(sdist):
    def run(self) -> None:
        ensure_vendor_files()
        super().run()


setup(cmdclass={"build_py": BuildWithAssets, "sdist": SdistWithAssets})
