"""A day's (or a month's) counts in compact form, so that a year of them is read in milliseconds.

Who wrote is a bitmap (bit i: the member `base + i`): a year's active members are 365 ORs of
small integers instead of decoding and merging 365 JSON lists of ids. First responses are kept as
arrays of seconds (float64, 8 bytes each): a period's percentile is an exact selection over their
concatenation (numpy's partition), not a sort of Python lists. Both answer exactly what the lists
answered; the tests compare them with a count made directly from the messages.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where it is used: a web worker loads this module at set-up (the pipeline's
# hooks) and serves pages without ever counting.

# What a kept Members starts with: its bitmap, or its ids' offsets from the base.
_BITMAP, _OFFSETS = b"B", b"O"


class Members:
    """A set of member ids as the bits of one integer, from a base (a multiple of 64). In memory its
    size is the span of its ids over 8 bytes. Kept, it is that bitmap when the ids are close together
    (2.5 kB a day for 20,000 members of one workspace), else their offsets from the base, 4 bytes
    each: on an instance shared by several workspaces, one's members are spread among the others'
    ids, and a day's few writers would otherwise keep a bitmap of the whole span."""

    __slots__ = ("base", "bits")

    def __init__(self, base: int = 0, bits: int = 0) -> None:
        self.base = base
        self.bits = bits

    @classmethod
    def of(cls, ids: Iterable[int]) -> Members:
        import numpy as np

        found = np.fromiter(ids, dtype=np.int64)
        if not found.size:
            return cls()
        base = int(found.min()) & ~63
        flags = np.zeros(int(found.max()) - base + 1, dtype=np.uint8)
        flags[found - base] = 1
        return cls(base, int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little"))

    @classmethod
    def stored(cls, base: int, data: bytes | memoryview | None) -> Members:
        import numpy as np

        data = bytes(data or b"")
        if not data:
            return cls(base)
        if data[:1] == _OFFSETS:
            offsets = np.frombuffer(data, dtype="<u4", offset=1).astype(np.int64)
            return cls.of(offsets + base) if offsets.size else cls(base)
        return cls(base, int.from_bytes(data[1:], "little"))

    def packed(self) -> tuple[int, bytes]:
        import numpy as np

        bitmap = self._bitmap()
        count = len(self)
        if count and 4 * count < len(bitmap) and self.bits.bit_length() <= 2**32:
            offsets = np.flatnonzero(np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little"))
            return self.base, _OFFSETS + offsets.astype("<u4").tobytes()
        return self.base, _BITMAP + bitmap if bitmap else b""

    def _bitmap(self) -> bytes:
        return self.bits.to_bytes((self.bits.bit_length() + 7) // 8, "little")

    def _aligned(self, other: Members) -> tuple[int, int, int]:
        if not other.bits:
            return self.base, self.bits, 0
        if not self.bits:
            return other.base, 0, other.bits
        base = min(self.base, other.base)
        return base, self.bits << (self.base - base), other.bits << (other.base - base)

    def __or__(self, other: Members) -> Members:
        base, mine, theirs = self._aligned(other)
        return Members(base, mine | theirs)

    def __and__(self, other: Members) -> Members:
        base, mine, theirs = self._aligned(other)
        return Members(base, mine & theirs)

    def __sub__(self, other: Members) -> Members:
        base, mine, theirs = self._aligned(other)
        return Members(base, mine & ~theirs)

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __bool__(self) -> bool:
        return self.bits != 0

    def __iter__(self) -> Iterator[int]:
        import numpy as np

        flags = np.unpackbits(np.frombuffer(self._bitmap(), dtype=np.uint8), bitorder="little")
        return iter((np.flatnonzero(flags) + self.base).tolist())

    def __contains__(self, member: object) -> bool:
        return isinstance(member, int) and member >= self.base and bool(self.bits >> (member - self.base) & 1)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Members):
            return set(self) == set(other)
        if isinstance(other, set | frozenset):
            return set(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Members({sorted(self)})"


class Kind:
    """The arrays of response times a day keeps."""

    IN_HOURS = 0  # business seconds of the conversations started in business hours
    OUT_BUSINESS = 1  # business seconds of those started out of hours
    OUT_CLOCK = 2  # clock seconds of those started out of hours: what the member waited


_HEADER = struct.Struct("<3I")


@dataclass
class Responses:
    """The first responses of some days: their times by kind, and how many were judged and on time."""

    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = field(default_factory=lambda: ([], [], []))
    judged: int = 0
    on_time: int = 0

    @classmethod
    def of(cls, responses: Iterable[dict[str, Any]]) -> Responses:
        """From FirstResponse data (sla.first_response_data)."""
        import numpy as np

        times: tuple[list[float], list[float], list[float]] = ([], [], [])
        out = cls()
        for d in responses:
            if d.get("elsewhere"):
                continue
            on_time = d.get("within_target")
            if on_time is not None:
                out.judged += 1
                out.on_time += bool(on_time)
            business = d.get("business_seconds")
            if business is None:
                continue
            if d.get("in_hours"):
                times[Kind.IN_HOURS].append(float(business))
            else:
                times[Kind.OUT_BUSINESS].append(float(business))
                if d.get("seconds") is not None:
                    times[Kind.OUT_CLOCK].append(float(d["seconds"]))
        for kind, values in enumerate(times):
            if values:
                out.parts[kind].append(np.array(values, dtype=np.float64))
        return out

    @classmethod
    def stored(cls, data: bytes | memoryview | None, judged: int, on_time: int) -> Responses:
        import numpy as np

        out = cls(judged=judged, on_time=on_time)
        if not data:
            return out
        counts = _HEADER.unpack_from(data)
        offset = _HEADER.size
        for kind, n in enumerate(counts):
            if n:
                out.parts[kind].append(np.frombuffer(data, dtype="<f8", count=n, offset=offset))
            offset += 8 * n
        return out

    def packed(self) -> bytes:
        arrays = [self.values(kind) for kind in (Kind.IN_HOURS, Kind.OUT_BUSINESS, Kind.OUT_CLOCK)]
        if not any(a.size for a in arrays):
            return b""
        return _HEADER.pack(*(a.size for a in arrays)) + b"".join(a.astype("<f8").tobytes() for a in arrays)

    def add(self, other: Responses) -> None:
        for mine, theirs in zip(self.parts, other.parts, strict=True):
            mine.extend(theirs)
        self.judged += other.judged
        self.on_time += other.on_time

    def values(self, *kinds: int) -> np.ndarray:
        import numpy as np

        arrays = [a for kind in kinds for a in self.parts[kind]]
        if len(arrays) == 1:
            return arrays[0]
        return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.float64)

    def percentile(self, q: float, *kinds: int) -> float | None:
        """Nearest-rank percentile (as inbox.stats.percentile), exact: the rank-th smallest value."""
        import numpy as np

        values = self.values(*kinds)
        if not values.size:
            return None
        rank = max(1, -(-values.size * q // 100))  # ceil, as inbox.stats.percentile
        k = int(rank) - 1
        return float(np.partition(values, k)[k])


@dataclass
class Counts:
    """What a day (or a period) counted: messages, sentiments, the site's comments, who wrote, first responses."""

    inbound: int = 0
    sentiments: dict[str, int] = field(default_factory=dict)
    site_comments: int = 0
    members: Members = field(default_factory=Members)
    responses: Responses = field(default_factory=Responses)

    def add(self, other: Counts) -> None:
        self.inbound += other.inbound
        for sentiment, count in other.sentiments.items():
            self.sentiments[sentiment] = self.sentiments.get(sentiment, 0) + count
        self.site_comments += other.site_comments
        self.members = self.members | other.members
        self.responses.add(other.responses)

    # A row's fields (reports.models.CountedFigures) ...

    def fields(self) -> dict[str, Any]:
        base, bits = self.members.packed()
        return {
            "inbound": self.inbound,
            "sentiments": self.sentiments,
            "site_comments": self.site_comments,
            "member_base": base,
            "members": bits,
            "responses": self.responses.packed(),
            "judged": self.responses.judged,
            "on_time": self.responses.on_time,
        }

    @classmethod
    def of_row(cls, row: Any) -> Counts:
        return cls(
            row.inbound,
            dict(row.sentiments),
            row.site_comments,
            Members.stored(row.member_base, row.members),
            Responses.stored(row.responses, row.judged, row.on_time),
        )

    # ... and the same in JSON, for each channel of a row.

    def as_json(self) -> dict[str, Any]:
        fields = self.fields()
        fields["members"] = base64.b64encode(fields["members"]).decode()
        fields["responses"] = base64.b64encode(fields["responses"]).decode()
        return fields

    @classmethod
    def of_json(cls, d: dict[str, Any]) -> Counts:
        return cls(
            d["inbound"],
            dict(d["sentiments"]),
            d["site_comments"],
            Members.stored(d["member_base"], base64.b64decode(d["members"])),
            Responses.stored(base64.b64decode(d["responses"]), d["judged"], d["on_time"]),
        )
