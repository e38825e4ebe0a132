"""Ids read from requests: positive integers that fit the database's keys, or nothing.

A form, a query string or a stale page can send any text where an id is expected. `int()` takes
"-3", " 7", "٣" and thirty digits; a 30-digit id then makes SQLite raise OverflowError and
PostgreSQL refuse the query, a 500 where the answer is "no such object". Every id a view reads
from a request goes through here, so that such a value finds nothing instead.
"""

from __future__ import annotations

from collections.abc import Iterable

# Keys are 64-bit (BigAutoField): SQLite's INTEGER and PostgreSQL's bigint both stop here.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: object) -> int | None:
    """The id `value` names (an int, or ASCII digits), or None when it cannot name a row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
            return None
        number = int(text)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The ids among `values`, in their order, without the values that cannot name a row."""
    return [number for number in map(parse_id, values) if number is not None]
