"""Every jurisdiction's status row during a build, decoded only when a page reads it.

A rebuild after one change needs the rows of a few hundred jurisdictions (the maps, the
children of a changed one) and the bare status of the local ones (the US map's local
table), not fifty thousand dictionaries. So the build cache keeps each row as a small
`marshal` document beside its status, and `StatusRows` turns a document into a row the
first time it is read.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator, Mapping

from status.site_views import ROW_FIELDS


def encode(row: Mapping[str, object]) -> bytes:
    """A status row as stored in the build cache (its values in ROW_FIELDS order)."""
    return marshal.dumps(tuple(row.get(f) for f in ROW_FIELDS))


def decode(document: bytes) -> dict:
    return dict(zip(ROW_FIELDS, marshal.loads(document), strict=True))


class StatusRows(Mapping[str, dict]):
    """Status rows by code: the ones set during this build, else the cached ones.

    `cached` maps a code to a tuple ending with (status, document), as the build cache's
    entries do (`site_cache.Cached`); `status()` answers from it without decoding.
    marshal is not meant for untrusted data: these are the build's own memo.
    """

    def __init__(self, cached: Mapping[str, tuple]) -> None:
        self._cached = cached
        self._rows: dict[str, dict] = {}

    def __getitem__(self, code: str) -> dict:
        row = self._rows.get(code)
        if row is None:
            row = self._rows[code] = decode(self._cached[code][-1])
        return row

    def __setitem__(self, code: str, row: dict) -> None:
        self._rows[code] = row

    def __contains__(self, code: object) -> bool:
        return code in self._rows or code in self._cached

    def __iter__(self) -> Iterator[str]:
        yield from self._rows
        yield from (c for c in self._cached if c not in self._rows)

    def __len__(self) -> int:
        return len(self._rows) + sum(1 for c in self._cached if c not in self._rows)

    def status(self, code: str, default: str = "unknown") -> str:
        row = self._rows.get(code)
        if row is not None:
            return row["status"]
        cached = self._cached.get(code)
        return cached[-2] if cached is not None else default


def with_rule(rows: Mapping[str, dict], codes: Iterable[str]) -> list[str]:
    """The codes whose status in `rows` is known (not unknown), in the order given."""
    if not isinstance(rows, StatusRows):
        return [c for c in codes if status_of(rows, c) != "unknown"]
    made, cached = rows._rows, rows._cached
    found = []
    for code in codes:
        row = made.get(code)
        if row is not None:
            if row["status"] != "unknown":
                found.append(code)
        elif (entry := cached.get(code)) is not None and entry[-2] != "unknown":
            found.append(code)
    return found


def status_of(rows: Mapping[str, dict], code: str) -> str:
    """A code's status in `rows`, 'unknown' without a row (no decoding of cached rows)."""
    if isinstance(rows, StatusRows):
        return rows.status(code)
    row = rows.get(code)
    return row["status"] if row else "unknown"
