"""Background work of moderation."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from typing import Any
from urllib.parse import urlparse

import httpx
from django.conf import settings
from huey.contrib.djhuey import task

log = logging.getLogger(__name__)


def _private(url: str) -> bool:
    host = urlparse(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return True
    return any(
        ipaddress.ip_address(a.split("%")[0]).is_private or ipaddress.ip_address(a.split("%")[0]).is_loopback
        for a in addresses
    )


@task(retries=3, retry_delay=30)
def call_webhook(url: str, payload: dict[str, Any]) -> None:
    """POST the payload as JSON; private addresses only when ANIMATEUR_ALLOW_PRIVATE_URLS is set."""
    if not settings.ALLOW_PRIVATE_URLS and _private(url):
        log.warning("webhook %s refused: private address", url)
        return
    httpx.post(url, content=json.dumps(payload), headers={"Content-Type": "application/json"}, timeout=10)
