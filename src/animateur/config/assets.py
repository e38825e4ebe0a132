"""The front-end files that come from the npm registry: the one list of them.

`make setup` installs the npm packages (package.json) and copies these files into
static/vendor/ (`python -m animateur.config.assets copy node_modules`); a wheel built with
`python -m build` carries them (setup.py runs the same copy), so that an install from the wheel
needs no npm. `animateur run` refuses to start without them rather than serve a 500 on every page.

No Django here: setup.py reads this file before anything is installed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"

# File in static/vendor/ -> where it is in node_modules/. A source map travels with its script:
# the static files' manifest follows the script's sourceMappingURL and fails without it.
VENDOR: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "chart.umd.min.js.map": "chart.js/dist/chart.umd.min.js.map",
}


def missing(vendor_dir: Path | None = None) -> list[str]:
    vendor_dir = vendor_dir or VENDOR_DIR
    return [name for name in VENDOR if not (vendor_dir / name).is_file()]


def copy(node_modules: Path, vendor_dir: Path | None = None) -> list[str]:
    """Copy every vendor file from node_modules; returns what was not found there."""
    vendor_dir = vendor_dir or VENDOR_DIR
    vendor_dir.mkdir(parents=True, exist_ok=True)
    absent = []
    for name, source in VENDOR.items():
        origin = node_modules / source
        if origin.is_file():
            shutil.copyfile(origin, vendor_dir / name)
        else:
            absent.append(source)
    return absent


def main(argv: list[str]) -> int:
    if argv[:1] == ["copy"] and len(argv) == 2:
        absent = copy(Path(argv[1]))
        if absent:
            print(f"not in {argv[1]} (run npm ci first): {', '.join(absent)}", file=sys.stderr)
            return 1
        return 0
    if argv == ["check"]:
        absent = missing()
        if absent:
            print(f"missing in {VENDOR_DIR}: {', '.join(absent)}", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m animateur.config.assets copy NODE_MODULES | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
