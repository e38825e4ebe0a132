"""The public page cache's store: this process's memory, within a byte budget, least recently used out first.

A scan of random addresses must not grow a worker without end (it once held about 125 MB a
worker): every page counts its body, headers and key against `settings.PAGE_CACHE_BYTES`, and the
pages read least recently go first when a new one does not fit. A page is kept under its address
with the content version it was rendered for; a request of another version misses, and its page
replaces the old one, so expired versions do not pile up.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

Frozen = tuple[int, list[tuple[str, str]], bytes]
Key = tuple[int, str, str]  # workspace id, host, normalised path and query string
# What a page costs beyond its bytes (the tuple, the dict slot, the strings' headers): a rough figure,
# so that a flood of tiny pages is bounded too.
OVERHEAD_BYTES = 400


@dataclass(frozen=True)
class _Entry:
    version: int
    expires_at: float
    page: Frozen
    size: int


def page_size(key: Key, page: Frozen) -> int:
    _status, headers, content = page
    return OVERHEAD_BYTES + len(key[1]) + len(key[2]) + len(content) + sum(len(n) + len(v) for n, v in headers)


class PageStore:
    """Thread-safe: a web worker's threads share it."""

    def __init__(self) -> None:
        self._pages: OrderedDict[Key, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: Key, version: int) -> Frozen | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.expires_at <= time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return entry.page

    def put(self, key: Key, version: int, page: Frozen, *, seconds: float, budget: int) -> bool:
        """Keep the page unless it alone is over a quarter of the budget; returns whether it was kept."""
        size = page_size(key, page)
        if size > budget // 4:
            return False
        with self._lock:
            if key in self._pages:
                self._drop(key)
            while self._pages and self.bytes + size > budget:
                self._drop(next(iter(self._pages)))
            self._pages[key] = _Entry(version, time.monotonic() + seconds, page, size)
            self.bytes += size
        return True

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.bytes = 0

    def _drop(self, key: Key) -> None:
        entry = self._pages.pop(key)
        self.bytes -= entry.size


pages = PageStore()
