"""Opening the SQLite database: connection settings, schema version and migrations.

Readers (`kratom status`) use a plain `sqlite3` connection so that the command people
run most starts fast; writers wrap the same connection in `sqlite_utils.Database`
(`open_db`). Either way the database is migrated forward on open.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from status.errors import KratomError
from status.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_DB = "kratom.db"
BUSY_TIMEOUT_MS = 30_000


def default_path() -> str:
    """`KRATOM_DB` if set, else ./kratom.db (the DESIGN contract)."""
    return os.environ.get("KRATOM_DB") or DEFAULT_DB


def connect(path: str | os.PathLike, *, create: bool = False) -> sqlite3.Connection:
    """Open (and migrate) the database; without `create`, a missing file is an error.

    WAL lets readers go on while a crawl writes; foreign keys are on; a writer waits up
    to BUSY_TIMEOUT_MS for another rather than failing with "database is locked".
    """
    path = Path(path)
    if not create and not path.exists():
        raise KratomError(
            f"no database at {path}; run `kratom update` (or `kratom init`) to create it, "
            "or point --db / KRATOM_DB at an existing one"
        )
    if path.exists() and path.is_dir():
        raise KratomError(f"--db {path} is a directory; give the path of a .db file")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise KratomError(f"{path} is not a usable kratom database ({exc})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise KratomError(
            f"{path} has schema version {version}, newer than this kratom knows "
            f"({SCHEMA_VERSION}); upgrade kratom-status"
        )
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of the block's writes land, or none do.

    Connections run in autocommit mode (so readers never hold a transaction open);
    `with conn:` would then commit statement by statement, so writers use this.
    Nested use joins the outer transaction.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the pending migrations, each in its own transaction; return their numbers."""
    applied = []
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:  # some errors end the transaction themselves
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise KratomError(
                    f"migrating to schema version {number} failed ({exc}); the database "
                    f"was left unchanged at schema version {number - 1}"
                ) from exc
            raise
        applied.append(number)
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]


def open_db(path: str | os.PathLike, *, create: bool = True) -> sqlite_utils.Database:
    """The writer's handle: a sqlite-utils Database on a migrated connection."""
    import sqlite_utils

    return sqlite_utils.Database(connect(path, create=create))


def peek_version(path: str | os.PathLike) -> int | None:
    """The schema version of an existing database file, without migrating it."""
    if not Path(path).is_file():
        return None
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise KratomError(f"{path} is not a usable kratom database ({exc})") from None
    finally:
        conn.close()


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def check(conn: sqlite3.Connection) -> list[str]:
    """Problems found by SQLite's integrity and foreign-key checks and the schema version."""
    problems = []
    integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.extend(f"integrity: {line}" for line in integrity)
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {table} row {rowid} points at a missing {parent} row")
    version = schema_version(conn)
    if version != SCHEMA_VERSION:
        problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
    return problems


def backup(conn: sqlite3.Connection, destination: str | os.PathLike) -> Path:
    """A consistent copy through SQLite's online backup API, safe while others write."""
    destination = Path(destination)
    if destination.exists():
        raise KratomError(f"{destination} already exists; choose a new path for the backup")
    if not destination.parent.is_dir():
        raise KratomError(f"folder {destination.parent} does not exist; create it first")
    target = sqlite3.connect(destination)
    try:
        with target:
            conn.backup(target)
    finally:
        target.close()
    return destination
