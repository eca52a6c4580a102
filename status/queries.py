"""The point-in-time questions, shared by the CLI, the exports and the site.

A record says "jurisdiction J had status S from effective date D". The status of J on a
day is its latest record effective on or before that day (ties: the later recorded
wins). Each query below is one SQL statement over the `records_as_of` index.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator

from status.lookup import Selection

RECORD_COLUMNS = (
    "id",
    "effective_date",
    "effective_precision",
    "enacted_date",
    "expires_date",
    "status",
    "leaf_status",
    "seven_oh_status",
    "min_age",
    "conditions",
    "substances",
    "instrument",
    "citation",
    "source_url",
    "source_urls",
    "summary",
    "evidence",
    "note",
    "disputed",
    "confidence",
    "method",
    "checked_date",
    "recorded_at",
)
_R = ", ".join(f"r.{c} AS r_{c}" for c in RECORD_COLUMNS)

_LAST_CHECK = """(SELECT substr(max(c.checked_at), 1, 10) FROM checks c
    JOIN sources s ON s.id = c.source_id
    WHERE s.jurisdiction = j.code AND c.outcome IN ('unchanged', 'changed', 'first'))"""


def selection_filter(
    selections: list[Selection] | None, column: str = "j.code"
) -> tuple[str, dict]:
    """A SQL condition (with named parameters) matching any of the selections."""
    if not selections:
        return "1", {}
    ors, params = [], {}
    for i, sel in enumerate(selections):
        if sel.region:
            ors.append(
                f"{column} IN (SELECT jurisdiction FROM jurisdiction_regions WHERE region = :s{i})"
            )
            params[f"s{i}"] = sel.region
        else:
            marks = ", ".join(f":s{i}_{k}" for k in range(len(sel.codes)))
            ors.append(f"{column} IN ({marks})")
            params.update({f"s{i}_{k}": code for k, code in enumerate(sel.codes)})
    return "(" + " OR ".join(ors) + ")", params


def status_as_of(
    conn: sqlite3.Connection,
    day: dt.date,
    selections: list[Selection] | None = None,
) -> list[dict]:
    """Every selected jurisdiction's status on `day`, with the next change after it."""
    where, params = selection_filter(selections)
    sql = f"""
        SELECT j.code, j.name, j.kind, j.parent, {_R}, {_LAST_CHECK} AS checks_last,
               n.effective_date AS next_date, n.status AS next_status,
               n.summary AS next_summary
        FROM jurisdictions j
        LEFT JOIN records r ON r.id = (
            SELECT r2.id FROM records r2
            WHERE r2.jurisdiction = j.code AND r2.effective_date <= :day
            ORDER BY r2.effective_date DESC, r2.id DESC LIMIT 1)
        LEFT JOIN records n ON n.id = (
            SELECT r3.id FROM records r3
            WHERE r3.jurisdiction = j.code AND r3.effective_date > :day
            ORDER BY r3.effective_date, r3.id LIMIT 1)
        WHERE {where}
        ORDER BY j.code
    """
    # Plain tuples read by position (the site reads fifty thousand rows at once, and a
    # sqlite3.Row looks each column up by name).
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, {"day": day.isoformat(), **params})
    at = {d[0]: i for i, d in enumerate(cursor.description)}
    record_at = [(c, at["r_" + c]) for c in RECORD_COLUMNS]
    return [_status_row(row, at, record_at) for row in cursor]


def _status_row(row: tuple, at: dict[str, int], record_at: list[tuple[str, int]]) -> dict:
    """One row of `status_as_of`'s query as a dict; `at` gives each column's position,
    `record_at` those of the record in force's columns."""
    record = None
    if row[at["r_id"]] is not None:
        record = {c: row[i] for c, i in record_at}
        _decode_lists(record)
    checks_last = row[at["checks_last"]]
    last_checked = max(
        (d for d in (record and record["checked_date"], checks_last) if d), default=None
    )
    upcoming = None
    if row[at["next_date"]] is not None:
        upcoming = {
            "status": row[at["next_status"]],
            "effective_date": row[at["next_date"]],
            "summary": row[at["next_summary"]],
        }
    return {
        "code": row[at["code"]],
        "name": row[at["name"]],
        "kind": row[at["kind"]],
        "status": record["status"] if record else "unknown",
        "since": _since(record),
        "since_precision": record["effective_precision"] if record else None,
        "citation": record["citation"] if record else None,
        "source_url": record["source_url"] if record else None,
        "last_checked": last_checked,
        "leaf_status": record["leaf_status"] if record else None,
        "seven_oh_status": record["seven_oh_status"] if record else None,
        "min_age": record["min_age"] if record else None,
        "substances": record["substances"] if record else [],
        "conditions": record["conditions"] if record else {},
        "instrument": record["instrument"] if record else None,
        "expires": record["expires_date"] if record else None,
        "confidence": record["confidence"] if record else None,
        "disputed": record["disputed"] if record else None,
        "summary": record["summary"] if record else None,
        "method": record["method"] if record else None,
        "record_id": record["id"] if record else None,
        "upcoming": upcoming,
    }


def _since(record: dict | None) -> str | None:
    if not record or record["effective_precision"] == "unknown":
        return None
    return record["effective_date"]


def _json(text: str | None, empty: str) -> object:
    """`json.loads(text or empty)`, without the parser for the usual empty `{}` / `[]`."""
    if not text:
        text = empty
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return json.loads(text)


def _record(row: sqlite3.Row) -> dict:
    record = {c: row[c] for c in RECORD_COLUMNS}
    _decode_lists(record)
    return record


def _decode_lists(record: dict) -> None:
    """A record's JSON columns as the values they hold."""
    record["conditions"] = _json(record["conditions"], "{}")
    record["substances"] = _json(record["substances"], "[]")
    record["source_urls"] = _json(record["source_urls"], "[]")


_HISTORY = (
    f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE jurisdiction = ? "
    "ORDER BY effective_date, id"
)
# A history record's keys, in order: copied, it is a dict already sized for all of them.
_HISTORY_KEYS = dict.fromkeys((*RECORD_COLUMNS, "previous_status", "is_change"))


def history(conn: sqlite3.Connection, code: str) -> list[dict]:
    """One jurisdiction's records in effective-date order, each marked if it changed status."""
    # Plain tuples zipped with the column names: the same dicts as `_record` makes, without
    # a sqlite3.Row lookup per column (the site reads every timeline of a full build).
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(_HISTORY, (code,))
    result, previous = [], "unknown"
    for row in cursor:
        record = _HISTORY_KEYS.copy()
        record.update(zip(RECORD_COLUMNS, row, strict=True))
        _decode_lists(record)
        status = record["status"]
        record["previous_status"] = previous
        record["is_change"] = status != previous
        previous = status
        result.append(record)
    return result


def record(conn: sqlite3.Connection, record_id: int) -> dict | None:
    """One record, every column, its lists and conditions decoded as `history` gives them."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    sql = f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE id = ?"
    row = cursor.execute(sql, (record_id,)).fetchone()
    return _record(row) if row is not None else None


def changes(
    conn: sqlite3.Connection,
    since: dt.date | None = None,
    until: dt.date | None = None,
    selections: list[Selection] | None = None,
) -> list[dict]:
    """The change log, newest first: records whose status differs from the one before.

    A jurisdiction's first record counts as a change from `unknown`, except a baseline
    whose start is not known (effective_precision 'unknown'): that is no dated event.
    """
    where, params = selection_filter(selections, column="jurisdiction")
    if since:
        where += " AND effective_date >= :since"
        params["since"] = since.isoformat()
    if until:
        where += " AND effective_date <= :until"
        params["until"] = until.isoformat()
    sql = f"""
        WITH ordered AS (
            SELECT r.*, j.name,
                   coalesce(lag(r.status) OVER (
                       PARTITION BY r.jurisdiction ORDER BY r.effective_date, r.id), 'unknown')
                       AS previous_status
            FROM records r JOIN jurisdictions j ON j.code = r.jurisdiction
        )
        SELECT * FROM ordered
        WHERE status != previous_status AND effective_precision != 'unknown' AND {where}
        ORDER BY effective_date DESC, jurisdiction, id DESC
    """
    result = []
    for row in conn.execute(sql, params):
        record = _record(row)
        record.update(
            jurisdiction=row["jurisdiction"],
            name=row["name"],
            previous_status=row["previous_status"],
        )
        result.append(record)
    return result


def iter_jurisdiction_codes(conn: sqlite3.Connection) -> Iterator[str]:
    yield from (row[0] for row in conn.execute("SELECT code FROM jurisdictions ORDER BY code"))
