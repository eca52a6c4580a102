"""What the site reads from the database, through `status.queries` and plain lookups.

The publisher only reads. Point-in-time answers come from `queries.status_as_of`, the
timeline of one jurisdiction from `timeline` (the columns of `queries.history` that pages
and feeds show, marked the same way); a change is a timeline record whose status differs
from the one before, except an undated baseline — the rule of `queries.changes`, applied
to the timeline the page already holds (a test checks the two agree), so a build reads
each jurisdiction's records once.

`stamps` is the cheap fingerprint that makes rebuilds incremental: per jurisdiction, a
version that triggers change on every write to its records, its sources' checks or its
bills (the table jurisdiction_versions), read in one go whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from status.legislative import bills
from status.lookup import Selection
from status.queries import RECORD_COLUMNS, status_as_of

# Codes become folder and file names: ISO 3166-1/-2 or a local code under its parent,
# upper-case ASCII letters, digits and single hyphens only (no dots, slashes, spaces).
CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?(-[A-Z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_CODE_LENGTH = 64
US_STATE_KINDS = ("state", "district")
LOCAL_KINDS = ("county", "city", "town", "village")
BATCH = 500
PENDING_STAGES = ("introduced", "passed-one-chamber", "passed-both")
# A bill at a pending stage with no action for this long has almost surely died with its
# session (most legislatures sit for one or two years): the map stops calling it live.
LIVE_DAYS = 730


def safe_code(code: str) -> bool:
    """True if `code` may be used as a path segment (validated before any file is named)."""
    return isinstance(code, str) and len(code) <= MAX_CODE_LENGTH and bool(CODE.match(code))


def safe_slug(slug: str) -> bool:
    return isinstance(slug, str) and len(slug) <= MAX_CODE_LENGTH and bool(SLUG.match(slug))


class Place(NamedTuple):
    """One jurisdiction as the site needs it: identity, where it sits, what it belongs to.

    A named tuple, not a dataclass: a build makes fifty thousand of them."""

    code: str
    name: str
    kind: str
    parent: str | None
    fips: str | None
    iso_numeric: str | None
    regions: tuple[str, ...]

    @property
    def is_local(self) -> bool:
        return self.kind in LOCAL_KINDS

    def identity(self) -> tuple:
        return (self.name, self.kind, self.parent, self.fips, self.iso_numeric, self.regions)


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    kind: str
    parent: str | None


def places(conn: sqlite3.Connection) -> tuple[dict[str, Place], list[str]]:
    """Every jurisdiction whose code is safe to publish, and the codes that were refused."""
    members: dict[str, tuple[str, ...]] = {}
    for code, regions in tuples(
        conn,
        "SELECT jurisdiction, group_concat(region, ' ') FROM jurisdiction_regions "
        "GROUP BY jurisdiction",
    ):
        members[code] = tuple(sorted(regions.split()))
    result, refused = {}, []
    rows = tuples(conn, "SELECT code, name, kind, parent, fips, iso_numeric FROM jurisdictions")
    for row in sorted(rows):  # a table scan and a sort beat reading in index order
        if not safe_code(row[0]):
            refused.append(row[0])
            continue
        result[row[0]] = Place(*row, members.get(row[0], ()))
    return result, refused


def regions(conn: sqlite3.Connection) -> list[Region]:
    """Every region with a URL-safe slug, broadest kinds first."""
    rows = conn.execute("SELECT slug, name, kind, parent FROM regions ORDER BY kind, name")
    return [Region(*row) for row in rows if safe_slug(row[0])]


def tuples(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> sqlite3.Cursor:
    """Rows as plain tuples: reading tens of thousands, `sqlite3.Row` objects cost."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def stamps(conn: sqlite3.Connection) -> dict[str, int]:
    """Per jurisdiction, a version that changes with every write to its records, the
    checks of its sources or its bills (kept by triggers: schema V4)."""
    return dict(tuples(conn, "SELECT jurisdiction, version FROM jurisdiction_versions"))


def places_version(conn: sqlite3.Connection) -> int | None:
    """A version that moves with any change to the jurisdictions, their regions or the
    regions (kept by triggers: schema V5)."""
    row = conn.execute("SELECT version FROM table_versions WHERE name = 'jurisdictions'")
    found = row.fetchone()
    return found[0] if found else None


def last_recorded(conn: sqlite3.Connection) -> str | None:
    """When the latest record was written (an index read)."""
    return conn.execute("SELECT max(recorded_at) FROM records").fetchone()[0]


def bill_events(conn: sqlite3.Connection, code: str) -> list[dict]:
    """Each stage a tracked bill of `code` reached, for the jurisdiction's feed."""
    try:
        rows = conn.execute(
            "SELECT e.id, e.jurisdiction, e.from_stage, e.to_stage, e.action_date, "
            "e.recorded_at, b.provider, b.external_id, b.identifier, b.session, b.title, b.url "
            "FROM bill_events e JOIN bills b ON b.id = e.bill_id WHERE e.jurisdiction = ? "
            "ORDER BY e.recorded_at DESC, e.id DESC",
            (code,),
        )
    except sqlite3.OperationalError:  # a database from before bills were tracked
        return []
    return [dict(row) for row in rows]


def pending_bills(conn: sqlite3.Connection, code: str) -> list[dict]:
    """Bills not yet law nor dead, most recent action first (evidence, never a status)."""
    try:
        return bills(conn, [code], list(PENDING_STAGES))
    except sqlite3.OperationalError:
        return []


def live_bills(conn: sqlite3.Connection, day: dt.date) -> dict[str, str]:
    """Per jurisdiction with a live kratom bill on `day`, a short note for maps and tables.

    Live: at a pending stage, with an action (or, with no action date, a first sighting)
    in the last LIVE_DAYS days. The note names the furthest-advanced bill, e.g.
    "HB 1234 (2026) passed one chamber", and how many more there are.
    """
    since = (day - dt.timedelta(days=LIVE_DAYS)).isoformat()
    notes: dict[str, list[tuple]] = {}
    try:
        rows = conn.execute(
            "SELECT jurisdiction, identifier, session, stage, last_action_date FROM bills "
            f"WHERE stage IN ({', '.join('?' * len(PENDING_STAGES))}) "
            "AND coalesce(last_action_date, substr(first_seen_at, 1, 10)) >= ?",
            (*PENDING_STAGES, since),
        ).fetchall()
    except sqlite3.OperationalError:  # a database from before bills were tracked
        return {}
    for code, identifier, session, stage, acted in rows:
        rank = (PENDING_STAGES.index(stage), acted or "", identifier, session or "")
        notes.setdefault(code, []).append((rank, identifier, session, stage))
    result = {}
    for code, found in notes.items():
        _, identifier, session, stage = max(found, key=lambda bill: bill[0])
        note = f"{identifier}{f' ({session})' if session else ''} {stage.replace('-', ' ')}"
        more = len(found) - 1
        result[code] = note + (f", and {more} more" if more else "")
    return result


def current(
    conn: sqlite3.Connection, day: dt.date, codes: Iterable[str] | None = None
) -> Iterator[dict]:
    """`status_as_of(day)` for the given codes (all if None), in batches."""
    if codes is None:
        yield from status_as_of(conn, day)
        return
    codes = list(codes)
    for start in range(0, len(codes), BATCH):
        batch = tuple(codes[start : start + BATCH])
        yield from status_as_of(conn, day, [Selection(codes=batch)])


# For each record, the first record of the run of its status that it ends: after the
# latest earlier record with another status (in timeline order), or the timeline's first.
# Index seeks in `records_as_of` alone, a few per record.
_BEGAN = """
SELECT c.id, b.effective_date, b.effective_precision
FROM records c
LEFT JOIN records o ON o.id = (
    SELECT y.id FROM records y
    WHERE y.jurisdiction = c.jurisdiction AND y.status != c.status
        AND (y.effective_date, y.id) < (c.effective_date, c.id)
    ORDER BY y.effective_date DESC, y.id DESC LIMIT 1)
JOIN records b ON b.id = (
    SELECT x.id FROM records x
    WHERE x.jurisdiction = c.jurisdiction
        AND (o.id IS NULL OR (x.effective_date, x.id) > (o.effective_date, o.id))
    ORDER BY x.effective_date, x.id LIMIT 1)
WHERE c.id IN (SELECT value FROM json_each(?))
"""


def began(conn: sqlite3.Connection, record_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """When the status of each record in force began: by record id, the date and
    precision of the first record of its run (Florida: restricted since 2023, though
    the rule in force dates from 2025), as `site_pages.status_began` finds it in a
    timeline. Read for every row before any page renders, so that the pages that list
    other places (and the maps) need not wait for those places' timelines."""
    ids = json.dumps([int(i) for i in record_ids])
    return {row[0]: (row[1], row[2]) for row in tuples(conn, _BEGAN, (ids,))}


# What only the record in force shows (its details on the page), read whole apart
# (`queries.record`); the timeline, the feed and the cache read the other columns,
# undecoded, which halves the cost of a timeline, the largest single cost of a full
# build after rendering.
_DETAILS = ("leaf_status", "seven_oh_status", "min_age", "instrument", "note", "checked_date")
_LISTS = ("conditions", "substances", "source_urls")  # JSON, decoded by `queries.record`
TIMELINE_COLUMNS = tuple(c for c in RECORD_COLUMNS if c not in (*_DETAILS, *_LISTS))
_TIMELINE = (
    f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM records WHERE jurisdiction = ? "
    "ORDER BY effective_date, id"
)
_STATUS = TIMELINE_COLUMNS.index("status")
_TIMELINE_KEYS = (*TIMELINE_COLUMNS, "previous_status", "is_change")


def timeline(conn: sqlite3.Connection, code: str) -> list[dict]:
    """One jurisdiction's records, oldest first, each with `previous_status` and `is_change`
    (as `queries.history` marks them), holding only TIMELINE_COLUMNS."""
    cursor = conn.cursor()
    cursor.row_factory = None
    # Fetched whole, then each dict made at its final size in one call: half the cost of
    # growing it by two keys per row (a full build reads fifty thousand timelines).
    result, previous = [], "unknown"
    for row in cursor.execute(_TIMELINE, (code,)).fetchall():
        status = row[_STATUS]
        result.append(dict(zip(_TIMELINE_KEYS, (*row, previous, status != previous), strict=True)))
        previous = status
    return result


def is_change(record: dict) -> bool:
    """The rule of `queries.changes`: a new status, and a dated one (not a baseline)."""
    return record["is_change"] and record["effective_precision"] != "unknown"


def changes_of(records: list[dict]) -> list[dict]:
    """The changes in one timeline, newest first (the order of the change log)."""
    return [r for r in reversed(records) if is_change(r)]


def compact_change(record: dict) -> dict:
    """A history record as the change log, the feeds and the build cache keep it."""
    return {
        "record_id": record["id"],
        "effective_date": record["effective_date"],
        "effective_precision": record["effective_precision"],
        "previous_status": record["previous_status"],
        "status": record["status"],
        "citation": record["citation"],
        "source_url": record["source_url"],
        "summary": record["summary"],
        "evidence": record["evidence"],
        "confidence": record["confidence"],
        "method": record["method"],
        "recorded_at": record["recorded_at"],
    }


def valid_until(records: list[dict], day: dt.date) -> str:
    """The first day on which this jurisdiction's pages read differently without any edit.

    An upcoming record takes effect, or an emergency rule passes its expiry date ("expires"
    becomes "expired"); until then the cached status row and the rendered pages stay right.
    """
    iso = day.isoformat()
    wake = [r["effective_date"] for r in records if r["effective_date"] > iso]
    for r in records:
        if r["expires_date"]:
            after = (dt.date.fromisoformat(r["expires_date"]) + dt.timedelta(days=1)).isoformat()
            if after > iso:
                wake.append(after)
    return min(wake, default="9999-12-31")


def content_signature(conn: sqlite3.Connection, jurisdictions: str) -> str:
    """What the downloads (exports and the database copy) depend on, cheaply.

    `jurisdictions` is the digest of every jurisdiction's stamp and of `places_version`
    (records, checks, bills, names, regions); append-mostly tables (audit, checks,
    snapshots, proposals) count through their row count and highest rowid; the small
    tables people edit in place (regions, sources, proposals' decisions) through their
    whole content.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(jurisdictions.encode())
    digest.update(repr(conn.execute("PRAGMA user_version").fetchone()[0]).encode())
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"  # FTS: derived, slow to count
        )
    ]
    for table in tables:
        try:
            row = conn.execute(f'SELECT count(*), max(rowid) FROM "{table}"').fetchone()
        except sqlite3.OperationalError:  # WITHOUT ROWID tables
            row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        digest.update(repr((table, *row)).encode())
    for table, order in (("regions", "slug"), ("sources", "id")):
        if table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):
                digest.update(repr(tuple(row)).encode())
    if "proposals" in tables:
        digest.update(
            repr(
                tuple(
                    conn.execute(
                        "SELECT max(decided_at), total(state = 'pending') FROM proposals"
                    ).fetchone()
                )
            ).encode()
        )
    return digest.hexdigest()
