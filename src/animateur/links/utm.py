"""UTM parameters: which network, which kind of medium and which campaign brought a visitor."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_utm(url: str, *, source: str, medium: str, campaign: str) -> str:
    """The URL with utm_source, utm_medium and utm_campaign added, each unless the URL already has it
    (the author's own choice wins) or its value is empty; the fragment stays last."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _value in query}
    added = [
        (key, value)
        for key, value in (("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign))
        if value and key not in present
    ]
    if not added:
        return url
    joined = f"{parts.query}&{urlencode(added)}" if parts.query else urlencode(added)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))
