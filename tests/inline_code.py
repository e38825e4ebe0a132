"""Finds what a Content-Security-Policy without 'unsafe-inline' would block in a page."""

from __future__ import annotations

import re

# An event handler attribute inside a tag (onclick="...", onchange='...'): never in text between tags.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.DOTALL)
# A script element with code in it; `src` scripts and JSON data blocks are not run inline.
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Every inline handler attribute and inline script of ``html``, as found."""
    found = [match.group(1) for match in HANDLER.finditer(html)]
    for attributes, body in SCRIPT.findall(html):
        if "src=" in attributes or "application/json" in attributes:
            continue
        if body.strip():
            found.append(f"<script>{body.strip()[:60]}")
    found += [f"javascript: {m}" for m in re.findall(r"href=\"javascript:([^\"]*)", html)]
    return found
