"""WHERE arguments of `kratom export`: everything `kratom status` takes, plus code globs.

A researcher asks for "every US state and county" as `US-*` and "every Canadian
province" as `CA-??`; the pattern is matched against jurisdiction codes (SQLite GLOB,
case-insensitive because codes are upper-case). Anything else goes to `lookup.resolve`.
"""

from __future__ import annotations

import re
import sqlite3

from status.errors import KratomError
from status.lookup import Selection, resolve

_GLOB_CHARS = set("*?[")
# Letters, digits and hyphens, `*`, `?` and bracket sets such as [A-C] or [!X].
_VALID_GLOB = re.compile(r"^(?:[A-Z0-9-]|\*|\?|\[!?(?:[A-Z0-9](?:-[A-Z0-9])?)+\])+$")


def expand(conn: sqlite3.Connection, where: str) -> Selection:
    """A glob (`US-*`) as the codes it matches; a code, name or region as `resolve` reads it."""
    if not _GLOB_CHARS & set(where):
        return resolve(conn, where)
    pattern = where.strip().upper()
    if not _VALID_GLOB.match(pattern):
        raise KratomError(
            f"bad pattern {where!r}: use * (any text), ? (one character) and [AB] sets "
            "on codes, e.g. US-* or CA-??"
        )
    codes = tuple(
        row[0]
        for row in conn.execute(
            "SELECT code FROM jurisdictions WHERE code GLOB ? ORDER BY code", (pattern,)
        )
    )
    if not codes:
        raise KratomError(f"no jurisdiction code matches {where!r}; codes look like US-AL, TH")
    return Selection(codes=codes)
