"""The build's memory between runs: what each jurisdiction looked like when last built.

A rebuild after one change must not re-read fifty thousand timelines. So the builder keeps,
next to the output (in `.DIR.kratom/cache.sqlite`), per jurisdiction its stamp (see
`site_data.stamps`), its status row and its changes, and a generation counter per group
of pages (a year of the change log, a region, the maps). A jurisdiction is read again only
when its stamp moved or a date it was waiting for has come (`site_data.valid_until`);
the counters of the groups it touches go up, and a page's fingerprint includes the
counters it depends on. Nothing here is a source of truth: deleting the file only makes
the next build a full one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import marshal
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from status.site_data import Place
from status.site_rows import encode
from status.site_tree import fsync_file

CHANGE_FIELDS = (
    "record_id",
    "effective_date",
    "effective_precision",
    "previous_status",
    "status",
    "citation",
    "source_url",
    "summary",
    "evidence",
    "confidence",
    "method",
    "recorded_at",
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS places (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    code TEXT NOT NULL, year INTEGER NOT NULL, {", ".join(CHANGE_FIELDS)},
    PRIMARY KEY (code, record_id));
CREATE TABLE IF NOT EXISTS generations (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, tag TEXT NOT NULL, value TEXT NOT NULL);
"""
# The change log's orders. Dropped while a first build fills an empty cache and made
# again after: building an index once is far cheaper than keeping it through 10^6 inserts.
# A year's changes are a range of the first (effective dates are ISO: 'YYYY-...'), so
# they need no index of their own.
_INDEXES = """
CREATE INDEX IF NOT EXISTS changes_order ON changes (effective_date DESC, code, record_id DESC);
CREATE INDEX IF NOT EXISTS changes_recorded
    ON changes (recorded_at DESC, effective_date DESC, code, record_id DESC);
"""
_INSERT = (
    f"INSERT INTO changes (code, year, {', '.join(CHANGE_FIELDS)}) "
    f"VALUES (?, {', '.join('?' * (len(CHANGE_FIELDS) + 1))})"
)
_BATCH = 20_000
_SMALL_GROUP = 1000  # places: a group this small is read apart (see newest_by_group)
_FROM_RECORD = {"record_id": "r.id", "previous_status": "w.previous_status"}
# The previous status comes from the covering index (jurisdiction, date, id, status)
# alone; whole rows are read for the changes only: twice as fast as a window over rows.
_FILL = f"""
INSERT INTO changes (code, year, {", ".join(CHANGE_FIELDS)})
SELECT r.jurisdiction, CAST(substr(r.effective_date, 1, 4) AS INTEGER),
    {", ".join(_FROM_RECORD.get(f, f"r.{f}") for f in CHANGE_FIELDS)}
FROM (
    SELECT id, status, coalesce(lag(status) OVER (
        PARTITION BY jurisdiction ORDER BY effective_date, id), 'unknown') AS previous_status
    FROM source.records
    WHERE jurisdiction IN (SELECT value FROM json_each(?))) w
JOIN source.records r ON r.id = w.id
WHERE w.status != w.previous_status AND r.effective_precision != 'unknown'
"""
_ORDER = "ORDER BY effective_date DESC, code, record_id DESC"
_RECORDED_ORDER = "ORDER BY recorded_at DESC, effective_date DESC, code, record_id DESC"


class Cached(NamedTuple):
    """What the cache keeps of one jurisdiction. The memo holds plain tuples in this
    order (read by index in bulk, or made into a Cached for one code)."""

    stamp: int | None  # its version when last read (site_data.stamps)
    valid_until: str  # the day its status next changes by itself
    identity: str  # a digest of its name, kind, parent, codes and regions
    status: str
    row: bytes  # its status row: see site_rows


STAMP, VALID_UNTIL = 0, 1


class Cache:
    """Reads freely; writes inside one transaction from `begin` to `commit`.

    `source` is the database the site is built from, attached (read only by
    `fill_changes`) so that an empty cache's change log is copied in one statement.
    """

    def __init__(self, path: Path, salt: str, source: str | Path | None = None) -> None:
        self.path = Path(path)
        self.source = Path(source).resolve().as_uri() + "?mode=ro" if source else None
        self.conn = conn = self._connect(self.path, wal=True)
        conn.execute("CREATE TABLE IF NOT EXISTS main.meta (key TEXT PRIMARY KEY, value TEXT)")
        row = conn.execute("SELECT value FROM main.meta WHERE key = 'salt'").fetchone()
        if row is None or row[0] != salt:
            self._reset(salt)
        self._bumped: set[str] = set()
        self._queued: list[tuple] = []  # changes of jurisdictions new to the cache
        self._places: dict[str, tuple] | None = None  # read by places(), written by commit()
        self._saved_places: bytes | None = None  # see save_places
        self._fresh: Path | None = None  # see fill

    def _connect(self, path: Path, *, wal: bool = False) -> sqlite3.Connection:
        """A connection to the cache at `path` (in WAL mode if `wal`), the source attached."""
        conn = sqlite3.connect(path, isolation_level=None, uri=True)
        conn.execute("PRAGMA cache_size = -131072")
        if wal:
            conn.execute("PRAGMA main.journal_mode = WAL")
            conn.execute("PRAGMA main.synchronous = NORMAL")
        if self.source is not None:
            # Read-only, so that nothing here can write to the database the site shows;
            # here, as ATTACH is refused inside a transaction (see begin).
            conn.execute("ATTACH DATABASE ? AS source", (self.source,))
        return conn

    def _reset(self, salt: str) -> None:
        """New code computed the cache: forget it all. Generations only ever go up, so a
        page built before cannot be mistaken for one built from the new cache."""
        for table in ("places", "changes", "blobs"):
            self.conn.execute(f"DROP TABLE IF EXISTS main.{table}")
        self.conn.executescript(_SCHEMA + _INDEXES)
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('salt', ?)", (salt,))

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def prepare(self) -> None:
        """Write what `commit` will make current, where that can come first: a cache
        filled from empty (see `fill`) is written out whole, and reaches the disk, before
        the site is swapped; `commit` then only renames it."""
        if self._fresh is None:
            return
        self._write_places()
        self.conn.execute("COMMIT")
        fsync_file(self._fresh)

    def commit(self) -> None:
        if self._fresh is not None:
            if self.conn.in_transaction:
                self.prepare()
            self.conn.close()
            for stale in (f"{self.path}-wal", f"{self.path}-shm"):  # the old file's
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(stale)
            os.replace(self._fresh, self.path)
            self._fresh = None
            self.conn = self._connect(self.path, wal=True)
        else:
            self._write_places()
            self.conn.execute("COMMIT")
        self._bumped.clear()

    def _write_places(self) -> None:
        if self._saved_places is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO places (key, value) VALUES ('places', ?)",
                (self._saved_places,),
            )
        if self._places is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO places (key, value) VALUES ('all', ?)",
                (marshal.dumps(self._places),),
            )

    def rollback(self) -> None:
        if self._fresh is not None:  # the old file stays as it was
            self.conn.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._fresh)
            self._fresh = None
            self.conn = self._connect(self.path, wal=True)
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    # --- jurisdictions ---------------------------------------------------------------

    def places(self) -> dict[str, tuple]:
        """What each jurisdiction looked like at the last build: code -> a tuple in
        `Cached` order.

        All of them are kept as one `marshal` document, read and written whole: fifty
        thousand rows cost a second to read one by one, the document a few hundredths.
        Each status row stays encoded until a page reads it (`site_rows.StatusRows`).
        marshal is not meant for untrusted data; this is the build's own memo (a damaged
        one is dropped and the next build reads everything again).
        """
        row = self.conn.execute("SELECT value FROM places WHERE key = 'all'").fetchone()
        try:
            self._places = marshal.loads(row[0]) if row else {}
            if not isinstance(self._places, dict):
                raise ValueError("not a memo")
        except (EOFError, ValueError, TypeError):
            self._places = {}
        return self._places

    def put_place(
        self, code: str, stamp: int | None, valid_until: str, row: dict, identity: str
    ) -> None:
        """Remember a jurisdiction's stamp, status row and identity (name, parent, ...)."""
        assert self._places is not None, "places() first"
        self._places[code] = (stamp, valid_until, identity, row["status"], encode(row))

    def saved_places(self, version: int | None) -> tuple[dict[str, Place], list[str]] | None:
        """The places read at the last build, if the jurisdictions' version is the same."""
        row = self.conn.execute("SELECT value FROM places WHERE key = 'places'").fetchone()
        try:
            saved_version, places, refused = marshal.loads(row[0]) if row else (None, {}, [])
            if saved_version is None or saved_version != version:
                return None
            make = functools.partial(tuple.__new__, Place)  # no per-field checks: ours
            return {code: make(values) for code, values in places.items()}, refused
        except (EOFError, ValueError, TypeError):
            return None

    def save_places(
        self, version: int | None, places: dict[str, Place], refused: list[str]
    ) -> None:
        """Keep the places for the next build (written at `commit`)."""
        self._saved_places = marshal.dumps(
            (version, {code: tuple(place) for code, place in places.items()}, refused)
        )

    def drop_place(self, code: str) -> set[int]:
        """Forget a jurisdiction that left the database; the years its changes were in."""
        years = self.put_changes(code, [])
        assert self._places is not None, "places() first"
        self._places.pop(code, None)
        return years

    def fill(self) -> None:
        """Before filling an empty cache (`fill_changes`): go on in a new file.

        Nothing is there to roll back to, so the new file has no journal and every page
        is written once (through a WAL, the change log copied at scale, hundreds of MB,
        would be written twice); its indexes are made after the copy (`settle`). Only
        `commit` renames it over the old file: a failure or a crash before that leaves
        the old one as it was. Call it at the start of the build's transaction.
        """
        keep = {
            table: self.conn.execute(f"SELECT * FROM main.{table}").fetchall()
            for table in ("meta", "generations", "blobs")
        }
        self.rollback()
        self._bumped.clear()
        self.conn.close()
        fresh = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(fresh)  # left by a crash
        self.conn = conn = self._connect(fresh)
        self._fresh = fresh
        conn.execute("PRAGMA main.journal_mode = OFF")
        conn.execute("PRAGMA main.synchronous = OFF")
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN IMMEDIATE")
        for table, rows in keep.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT OR REPLACE INTO main.{table} VALUES ({marks})", rows)

    def fill_changes(self, codes: Iterable[str]) -> set[int]:
        """Copy the changes of `codes` (none in the cache yet) from the attached source
        database in one statement; the years they fall in.

        The rule is the one `put_changes` receives from `site_data.changes_of`, in SQL: a
        record whose status differs from the one before it (in effective-date order,
        `unknown` before the first), unless its date is unknown. A first build at scale
        would otherwise send a million change dicts from its workers to be inserted one
        by one, the costliest thing its main process did.
        """
        self.conn.execute(_FILL, (json.dumps(list(codes)),))
        return {row[0] for row in self.conn.execute("SELECT DISTINCT year FROM changes")}

    def settle(self) -> None:
        """Write the queued changes and (re)make the indexes: call before reading changes."""
        if self._queued:
            self.conn.executemany(_INSERT, self._queued)
            self._queued.clear()
        for statement in _INDEXES.split(";"):  # not executescript: it would commit
            if statement.strip():
                self.conn.execute(statement)

    def put_changes(self, code: str, changes: list[dict], *, new: bool = False) -> set[int]:
        """Replace one jurisdiction's changes; the years whose list is now different.

        `new`: the cache has nothing of `code` yet, so there is nothing to compare; the rows
        are queued and written in large batches (see `settle`).
        """
        if new:
            rows = [(code, *_change_row(c)) for c in changes]
            self._queued.extend(rows)
            if len(self._queued) >= _BATCH:
                self.conn.executemany(_INSERT, self._queued)
                self._queued.clear()
            return {row[1] for row in rows}
        old = {
            row[1]: row
            for row in self.conn.execute(
                f"SELECT year, {', '.join(CHANGE_FIELDS)} FROM changes WHERE code = ?", (code,)
            )
        }
        new = {c["record_id"]: _change_row(c) for c in changes}
        if old == new:
            return set()
        years = {row[0] for key, row in old.items() if new.get(key) != row}
        years |= {row[0] for key, row in new.items() if old.get(key) != row}
        self.conn.execute("DELETE FROM changes WHERE code = ?", (code,))
        self.conn.executemany(_INSERT, [(code, *row) for row in new.values()])
        return years

    # --- the change log ----------------------------------------------------------------

    def latest(self) -> Iterator[dict]:
        """Every change, newest first (the order of `kratom changes`); read lazily."""
        yield from self._dicts(f"SELECT code, {', '.join(CHANGE_FIELDS)} FROM changes {_ORDER}")

    def recorded(self) -> Iterator[dict]:
        """Every change, last recorded first (the order of the feeds): news is what we learnt."""
        yield from self._dicts(
            f"SELECT code, {', '.join(CHANGE_FIELDS)} FROM changes {_RECORDED_ORDER}"
        )

    def newest_by_group(
        self, groups: dict[str, tuple[str, ...]], limit: int, *, by_recorded: bool = False
    ) -> dict[str, list[dict]]:
        """The first `limit` changes of each group, newest first (by effective date, or
        by when they were recorded); `groups` maps a jurisdiction to the groups it is in.

        One pass over an ordered index reading only codes, whole rows only for what is
        kept: a region's list costs the same whether the log holds a thousand changes
        or a million. The pass ends when every group is full, so a group of few places
        (which may never fill) is read apart, its places' changes sorted by SQLite.
        """
        order = _RECORDED_ORDER if by_recorded else _ORDER
        members: dict[str, list[str]] = {}
        for code, gs in groups.items():
            for g in gs:
                members.setdefault(g, []).append(code)
        picked: dict[str, list[int]] = {}
        for group, codes in members.items():
            if len(codes) <= _SMALL_GROUP:
                picked[group] = [
                    row[0]
                    for row in self.conn.execute(
                        "SELECT rowid FROM changes INDEXED BY sqlite_autoindex_changes_1 "
                        f"WHERE code IN (SELECT value FROM json_each(?)) {order} LIMIT ?",
                        (json.dumps(codes), limit),
                    )
                ]
        open_groups = {g for g in members if g not in picked}
        picked.update((g, []) for g in open_groups)
        for code, rowid in self.conn.execute(f"SELECT code, rowid FROM changes {order}"):
            if not open_groups:
                break
            for group in groups.get(code, ()):
                if group in open_groups:
                    picked[group].append(rowid)
                    if len(picked[group]) >= limit:
                        open_groups.discard(group)
        rows = self._by_rowid({r for ids in picked.values() for r in ids})
        return {g: [rows[r] for r in ids] for g, ids in picked.items()}

    def _by_rowid(self, rowids: set[int]) -> dict[int, dict]:
        result, ids = {}, sorted(rowids)
        names = ("jurisdiction", *CHANGE_FIELDS)
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            for rowid, *row in self.conn.execute(
                f"SELECT rowid, code, {', '.join(CHANGE_FIELDS)} FROM changes "
                f"WHERE rowid IN ({', '.join('?' * len(batch))})",
                batch,
            ):
                result[rowid] = dict(zip(names, row, strict=True))
        return result

    def year(self, year: int, limit: int) -> tuple[list[dict], int]:
        """The newest `limit` changes effective in `year`, and how many there are in all."""
        span = _year_span(year)
        rows = list(
            self._dicts(
                f"SELECT code, {', '.join(CHANGE_FIELDS)} FROM changes "
                f"WHERE effective_date >= ? AND effective_date < ? {_ORDER} LIMIT ?",
                (*span, limit),
            )
        )
        total = self.conn.execute(
            "SELECT count(*) FROM changes WHERE effective_date >= ? AND effective_date < ?", span
        )
        return rows, total.fetchone()[0]

    def years(self) -> list[int]:
        """The years with changes, by skipping down the date index (a few dozen seeks,
        not a scan of a million entries)."""
        years: list[int] = []
        bound = "\uffff"
        while True:
            row = self.conn.execute(
                "SELECT year, effective_date FROM changes WHERE effective_date < ? "
                "ORDER BY effective_date DESC LIMIT 1",
                (bound,),
            ).fetchone()
            if row is None:
                return years[::-1]
            years.append(row[0])
            bound = _year_span(row[0])[0]

    def years_of(self, codes: list[str]) -> list[int]:
        """The years in which any of these jurisdictions changed."""
        rows = self.conn.execute(
            "SELECT DISTINCT year FROM changes WHERE code IN (SELECT value FROM json_each(?)) "
            "ORDER BY year",
            (json.dumps(codes),),
        )
        return [row[0] for row in rows]

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM changes").fetchone()[0]

    def _dicts(self, sql: str, params: tuple = ()) -> Iterator[dict]:
        names = ("jurisdiction", *CHANGE_FIELDS)
        for row in self.conn.execute(sql, params):
            yield dict(zip(names, row, strict=True))

    # --- generations and stored values ----------------------------------------------

    def bump(self, keys: Iterable[str]) -> None:
        """Raise the generation of each group of pages (once per build: any rise will do)."""
        new = sorted(set(keys) - self._bumped)
        if not new:
            return
        self._bumped.update(new)
        self.conn.executemany(
            "INSERT INTO generations (key, n) VALUES (?, 1) "
            "ON CONFLICT(key) DO UPDATE SET n = n + 1",
            [(k,) for k in new],
        )

    def generations(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT key, n FROM generations"))

    def blob(self, key: str, tag: str) -> object | None:
        """A stored value, if it was computed for the same `tag` (inputs)."""
        row = self.conn.execute("SELECT tag, value FROM blobs WHERE key = ?", (key,)).fetchone()
        return json.loads(row[1]) if row and row[0] == tag else None

    def put_blob(self, key: str, tag: str, value: object) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO blobs (key, tag, value) VALUES (?, ?, ?)",
            (key, tag, json.dumps(value, separators=(",", ":"))),
        )


def _year_span(year: int) -> tuple[str, str]:
    """The effective dates of `year`: from 'YYYY' (inclusive) to the next year's."""
    return f"{year:04d}", f"{year + 1:04d}"


def _change_row(change: dict) -> tuple:
    return (int(change["effective_date"][:4]), *(change[f] for f in CHANGE_FIELDS))
