"""Known spam sites and fake support numbers, as hashes: a link or a number that spam has used before.

``models/known_spam.npz`` holds two sorted arrays of CRC-32 values (no text, no pickle), written
by ``scripts/train_models.py`` from SmokeDetector's blacklisted websites and numbers and the
WordPress comment blacklist's domains (``animateur.nlp.register_data``; sources and licences in
``models/README.md``). A message is looked up by the names of its links' hosts (the host, its
registered domain, and that domain's name without its suffix, as the lists write them) and by
the digits of its phone-shaped numbers (all of them, and the last ten).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from animateur.nlp.features import _URL_RE, host_name, registered_domain, unhtml
from animateur.nlp.npz import write_npz

FILE_NAME = "known_spam.npz"
_NON_DIGIT_RE = re.compile(r"\D")
# a run of digits with the separators phone numbers are written with: « +1 (844) 205-0712 »
_NUMBER_RE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def site_keys(host: str) -> set[str]:
    """The names under which a host may be listed: itself, its registered domain, that domain's first label."""
    domain = registered_domain(host)
    return {host, domain, domain.split(".")[0]}


def number_keys(number: str) -> set[str]:
    digits = _NON_DIGIT_RE.sub("", number)
    return {digits, digits[-10:]} if len(digits) >= 7 else set()


@dataclass(frozen=True)
class KnownSpam:
    sites: np.ndarray  # sorted uint32
    numbers: np.ndarray  # sorted uint32

    @classmethod
    def build(cls, sites: Iterable[str], numbers: Iterable[str]) -> KnownSpam:
        site_hashes = {_crc(s.lower()) for s in sites if s}
        number_hashes = {_crc(k) for n in numbers for k in number_keys(n)}
        return cls(np.array(sorted(site_hashes), dtype=np.uint32), np.array(sorted(number_hashes), dtype=np.uint32))

    def save(self, directory: Path) -> None:
        write_npz(directory / FILE_NAME, sites=self.sites, numbers=self.numbers)

    @classmethod
    def load(cls, directory: Path) -> KnownSpam:
        path = directory / FILE_NAME
        if not path.exists():
            return cls(np.zeros(0, np.uint32), np.zeros(0, np.uint32))
        with np.load(path, allow_pickle=False) as npz:
            return cls(npz["sites"].astype(np.uint32), npz["numbers"].astype(np.uint32))

    @staticmethod
    def _has(table: np.ndarray, keys: Iterable[str]) -> bool:
        if not len(table):
            return False
        wanted = np.fromiter((_crc(k) for k in keys), dtype=np.uint32)
        if not len(wanted):
            return False
        pos = np.searchsorted(table, wanted)
        pos[pos >= len(table)] = 0
        return bool(np.any(table[pos] == wanted))

    def signals(self, text: str) -> list[str]:
        """``m:spam_site`` and/or ``m:fake_number`` when the message links to a listed site or gives a listed number."""
        found = []
        lowered = text.lower()
        if "." in lowered:
            hosts = [host_name(u) for u in _URL_RE.findall(unhtml(lowered))]
            keys = {k for h in hosts if h for k in site_keys(h)}
            if keys and self._has(self.sites, keys):
                found.append("m:spam_site")
        if any(c.isdigit() for c in text):
            keys = {k for n in _NUMBER_RE.findall(text) for k in number_keys(n)}
            if keys and self._has(self.numbers, keys):
                found.append("m:fake_number")
        return found


@functools.lru_cache(maxsize=1)
def shipped_known_spam() -> KnownSpam:
    from animateur.nlp.models import MODELS_DIR

    return KnownSpam.load(MODELS_DIR)
