"""The rows of each export as texts: CSV lines (formula-safe, CRLF included) or JSON objects.

SQLite writes every row of status, history, jurisdictions, sources and checks
(export_sql), so this module only hands on the cursor's strings: no Python runs per row
and memory stays flat whatever the row count. Changes come from `status.queries.changes`
and are shaped here in Python (the csv module writes their lines), and so are the rows of
`status_dicts`: `queries.status_as_of` with typed values, for GeoJSON. A test checks that
they and the SQL status export agree, value for value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from status import export_sql
from status.export_fields import CONDITIONS, FIELDS, JURISDICTION, Field
from status.lookup import Selection
from status.output import flat, safe_cell
from status.queries import changes, selection_filter, status_as_of


@dataclass(frozen=True)
class Filters:
    """What to export: the same filters as `kratom status` and `kratom changes`."""

    selections: list[Selection] | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None


def rows(conn: sqlite3.Connection, what: str, shape: str, filters: Filters) -> Iterator[str]:
    """Rows of `what` ('status', 'history', ...) as CSV lines (CRLF included) or JSON texts."""
    if what == "changes":
        return shape_dicts(change_dicts(conn, filters), FIELDS[what], shape)
    return _IN_SQL[what](conn, shape, filters)


def shape_dicts(dicts: Iterable[dict], fields: tuple[Field, ...], shape: str) -> Iterator[str]:
    """Typed Python rows as CSV lines or compact JSON, the same texts SQLite produces."""
    if shape == "csv":
        yield from _csv_lines(tuple(csv_value(f, row.get(f.name)) for f in fields) for row in dicts)
        return
    for row in dicts:
        values = {f.name: row.get(f.name) for f in fields}
        yield json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _csv_lines(cells: Iterable[tuple]) -> Iterator[str]:
    """Each tuple of cells as the line the csv module writes for it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in cells:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_value(field: Field, value: object) -> object:
    """A typed value as the CSV cell the Table Schema reads back (true/false, a;b).

    Free text is made formula-safe here, as export_sql does for the SQL-shaped rows.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(flat(value)) if field.free_text else flat(value)


def jurisdiction_columns(conn: sqlite3.Connection) -> dict[str, dict]:
    """Every jurisdiction's join columns (codes, names, regions), by code."""
    columns = ", ".join(f"jx.{f.name}" for f in JURISDICTION)
    found = {}
    for row in conn.execute(f"WITH {export_sql.JX} SELECT jx.code, {columns} FROM jx"):
        values = dict(zip([f.name for f in JURISDICTION], row[1:], strict=True))
        values["regions"] = json.loads(values["regions"])
        found[row[0]] = values
    return found


def status_dicts(conn: sqlite3.Connection, filters: Filters) -> list[dict]:
    """`status_as_of` rows with the join columns, both clocks and typed conditions."""
    from status.dates import today

    day = filters.as_of or today()
    found = status_as_of(conn, day, filters.selections)
    places = jurisdiction_columns(conn)
    extras = _record_extras(conn, [r["record_id"] for r in found if r["record_id"]])
    return [
        _status_dict(row, places[row["code"]], extras.get(row["record_id"], {}), day)
        for row in found
    ]


def _status_dict(row: dict, place: dict, extra: dict, day: dt.date) -> dict:
    upcoming = row["upcoming"] or {}
    return {
        **row,
        **place,
        **_conditions(row["conditions"]),
        "as_of": day.isoformat(),
        "expires_date": row["expires"],
        "enacted_date": extra.get("enacted_date"),
        "source_urls": extra.get("source_urls", []),
        "recorded_at": extra.get("recorded_at"),
        "upcoming_status": upcoming.get("status"),
        "upcoming_date": upcoming.get("effective_date"),
    }


def _record_extras(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict]:
    """The record columns `status_as_of` leaves out, for the records in force."""
    found = conn.execute(
        "SELECT id, enacted_date, source_urls, recorded_at FROM records "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return {
        row[0]: {"enacted_date": row[1], "source_urls": json.loads(row[2]), "recorded_at": row[3]}
        for row in found
    }


def _conditions(conditions: dict) -> dict:
    """The conditions object as typed columns (booleans stay booleans, missing is None)."""
    typed = {}
    for field in CONDITIONS:
        value = conditions.get(field.name)
        if field.type == "boolean" and value is not None:
            value = bool(value)
        typed[field.name] = value
    return typed


def change_dicts(conn: sqlite3.Connection, filters: Filters) -> Iterator[dict]:
    """`queries.changes` rows (newest first) in the history export's columns."""
    places = jurisdiction_columns(conn)
    for row in changes(conn, filters.since, filters.until, filters.selections):
        yield {
            **row,
            **places[row["jurisdiction"]],
            **_conditions(row["conditions"]),
            "record_id": row["id"],
            "is_change": True,
        }


def _history(conn: sqlite3.Connection, shape: str, filters: Filters) -> Iterator[str]:
    """Every record in timeline order; the previous status looks past --since and --until."""
    where, params = _history_filter(filters)
    return _texts(_execute(conn, export_sql.history_sql(where, shape), params))


def _history_filter(filters: Filters) -> tuple[str, dict]:
    where, params = selection_filter(filters.selections, column="r.jurisdiction")
    return _between(where, params, filters, "r.effective_date"), params


def both(conn: sqlite3.Connection, what: str, filters: Filters) -> sqlite3.Cursor:
    """`what` ('history' or 'status') as (CSV line, JSON object) pairs of UTF-8 bytes:
    two files from one pass."""
    if what == "history":
        where, params = _history_filter(filters)
        return _execute(conn, export_sql.history_both_sql(where), params)
    where, params = _status_filter(filters)
    return _execute(conn, export_sql.status_both_sql(where), params)


def _sources(conn: sqlite3.Connection, shape: str, filters: Filters) -> Iterator[str]:
    where, params = selection_filter(filters.selections, column="s.jurisdiction")
    return _texts(_execute(conn, export_sql.sources_sql(where, shape), params))


def _checks(conn: sqlite3.Connection, shape: str, filters: Filters) -> Iterator[str]:
    where, params = selection_filter(filters.selections, column="s.jurisdiction")
    where = _between(where, params, filters, "substr(c.checked_at, 1, 10)")
    return _texts(_execute(conn, export_sql.checks_sql(where, shape), params))


def _between(where: str, params: dict, filters: Filters, day: str) -> str:
    """`where` narrowed to --since/--until on the date expression `day` (params filled)."""
    if filters.since:
        where += f" AND {day} >= :since"
        params["since"] = filters.since.isoformat()
    if filters.until:
        where += f" AND {day} <= :until"
        params["until"] = filters.until.isoformat()
    return where


def _status(conn: sqlite3.Connection, shape: str, filters: Filters) -> Iterator[str]:
    """Every selected jurisdiction on the day (today by default), in code order."""
    where, params = _status_filter(filters)
    return _texts(_execute(conn, export_sql.status_sql(where, shape), params))


def _status_filter(filters: Filters) -> tuple[str, dict]:
    from status.dates import today

    where, params = selection_filter(filters.selections)
    params["day"] = (filters.as_of or today()).isoformat()
    return where, params


def _jurisdictions(conn: sqlite3.Connection, shape: str, filters: Filters) -> Iterator[str]:
    where, params = selection_filter(filters.selections, column="jx.code")
    return _texts(_execute(conn, export_sql.jurisdictions_sql(where, shape), params))


def _execute(conn: sqlite3.Connection, sql: str, params: dict) -> sqlite3.Cursor:
    """A cursor of plain tuples (faster than sqlite3.Row)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def _texts(cursor: sqlite3.Cursor) -> Iterator[str]:
    """The one text of each row (a CSV line or a JSON object), straight from the cursor."""
    return map(operator.itemgetter(0), cursor)


_IN_SQL = {
    "status": _status,
    "history": _history,
    "sources": _sources,
    "checks": _checks,
    "jurisdictions": _jurisdictions,
}
