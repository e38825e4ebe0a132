"""An event sink for tests: keeps what it hears."""

from __future__ import annotations

collected: list = []


def collect(events) -> None:
    collected.extend(events)
