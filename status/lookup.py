"""Resolving what a person types (a code, a name, an alias, a region slug) to jurisdictions.

Reads only the database (no pycountry) so that `kratom status X` stays fast; a typo gets
the closest name as a suggestion.
"""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import dataclass

from status.errors import KratomError, UnknownJurisdiction
from status.names import normalise


@dataclass(frozen=True)
class Selection:
    """What a WHERE argument selected: jurisdiction codes, or a region slug."""

    codes: tuple[str, ...] = ()
    region: str | None = None


def resolve(conn: sqlite3.Connection, where: str) -> Selection:
    """A code (`US-AL`), a name or alias (`alabama`, `UK`), or a region slug (`us`, `europe`)."""
    text = require_text(where).strip()
    if not text:
        raise KratomError("an empty jurisdiction; give a code (US-AL), a name or a region slug")
    code = text.upper()
    if _exists(conn, "SELECT 1 FROM jurisdictions WHERE code = ?", code):
        return Selection(codes=(code,))
    if _exists(conn, "SELECT 1 FROM regions WHERE slug = ?", text.lower()):
        return Selection(region=text.lower())
    key = normalise(text)
    matches = [
        row[0]
        for row in conn.execute(
            "SELECT a.jurisdiction FROM aliases a JOIN jurisdictions j ON j.code = a.jurisdiction "
            "WHERE a.alias = ? ORDER BY j.code",
            (key,),
        )
    ]
    if len(matches) == 1:
        return Selection(codes=(matches[0],))
    if len(matches) > 1:
        options = " or ".join(_label(conn, c) for c in matches)
        raise KratomError(f"{where!r} is ambiguous: {options}; give the code")
    if _register_subdivision(conn, code):
        return Selection(codes=(code,))
    raise UnknownJurisdiction(_unknown_message(conn, where, key))


def require_text(where: str) -> str:
    """`where` itself, if it is text SQLite can take: a byte that is not UTF-8 in a command
    line argument arrives as a lone surrogate, which cannot be encoded."""
    try:
        where.encode("utf-8")
    except UnicodeEncodeError:
        raise KratomError(
            f"{where!r} is not valid UTF-8; check the terminal's encoding and type it again"
        ) from None
    return where


def _exists(conn: sqlite3.Connection, sql: str, value: str) -> bool:
    return conn.execute(sql, (value,)).fetchone() is not None


def _label(conn: sqlite3.Connection, code: str) -> str:
    name = conn.execute("SELECT name FROM jurisdictions WHERE code = ?", (code,)).fetchone()[0]
    return f"{name} ({code})"


def _register_subdivision(conn: sqlite3.Connection, code: str) -> bool:
    """ISO 3166-2 subdivisions outside the US are added on first use (`CA-ON`)."""
    if "-" not in code or len(code) > 6:
        return False
    from status.seed import ensure_subdivision

    return ensure_subdivision(conn, code)


def _unknown_message(conn: sqlite3.Connection, where: str, key: str) -> str:
    message = f"unknown jurisdiction {where!r}"
    names = {row[0]: row[1] for row in conn.execute("SELECT alias, jurisdiction FROM aliases")}
    codes = {row[0].casefold(): row[0] for row in conn.execute("SELECT code FROM jurisdictions")}
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    if close:
        return f"{message}; did you mean {_label(conn, names[close[0]])}?"
    close = difflib.get_close_matches(where.casefold(), codes, n=1, cutoff=0.8)
    if close:
        return f"{message}; did you mean {_label(conn, codes[close[0]])}?"
    return f"{message}; give an ISO code (TH, US-AL), a name (Alabama) or a region (us, europe)"
