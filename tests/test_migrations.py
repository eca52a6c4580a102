"""Databases written by earlier schema versions open, migrate forward and keep every row.

The fixtures (tests/fixtures/migrations/v1.db, v2.db, made by make_fixtures.py) stand
for databases in the wild: each has a few rows in every table of its version. A copy is
opened with `store.connect`, which migrates it; nothing may be lost or changed, and a
migration that fails leaves the database exactly at the version it had.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from status import schema, store
from status.errors import KratomError
from tests.fixtures.migrations.make_fixtures import FTS_WORD, RECORDS
from tests.fixtures.migrations.make_fixtures import build as build_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"
OLD_VERSIONS = [1, 2, 3, 4]


def test_there_is_a_fixture_for_every_earlier_schema_version():
    assert list(range(1, schema.SCHEMA_VERSION)) == OLD_VERSIONS, (
        "a new schema version: add the previous one to OLD_VERSIONS and run "
        "tests/fixtures/migrations/make_fixtures.py with it"
    )
    for version in OLD_VERSIONS:
        path = FIXTURES / f"v{version}.db"
        assert path.is_file(), f"run tests/fixtures/migrations/make_fixtures.py {version}"
        assert path.stat().st_size < 200_000


@pytest.fixture(params=OLD_VERSIONS, ids=lambda v: f"v{v}")
def old_db(request, tmp_path: Path) -> tuple[int, Path]:
    """A copy of a fixture (the committed file is never opened for writing)."""
    copy = tmp_path / f"v{request.param}.db"
    shutil.copyfile(FIXTURES / copy.name, copy)
    return request.param, copy


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection that migrates nothing."""
    return sqlite3.connect(path, isolation_level=None)


def schema_of(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()


def tables(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def contents(conn: sqlite3.Connection, only_columns: dict[str, list[str]] | None = None) -> dict:
    """Every row of every table (the given columns of each), in a stable order."""
    found = {}
    for table in tables(conn):
        if only_columns is not None and table not in only_columns:
            continue
        names = only_columns[table] if only_columns is not None else columns(conn, table)
        # Versions are random by design (schema V4, V5): only which rows exist is stable.
        names = [n for n in names if n != "version"] or names
        listed = ", ".join(f'"{c}"' for c in names)
        rows = conn.execute(f'SELECT {listed} FROM "{table}"').fetchall()
        found[table] = sorted(rows, key=repr)
    return found


def before_and_after(path: Path) -> tuple[dict, dict, dict[str, list[str]]]:
    """The tables' contents before and after opening `path` with store.connect."""
    old = raw(path)
    shape = {t: columns(old, t) for t in tables(old)}
    before = contents(old, shape)
    old.close()
    store.connect(path).close()
    new = raw(path)
    after = contents(new, shape)
    new.close()
    return before, after, shape


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_the_fixtures_match_the_migration_steps_that_shipped(version, tmp_path):
    """A shipped step must never be edited: rebuilding a fixture from today's first N
    steps gives the committed schema and rows."""
    committed = raw(FIXTURES / f"v{version}.db")
    rebuilt = raw(build_fixture(tmp_path / "rebuilt.db", version))
    assert committed.execute("PRAGMA user_version").fetchone()[0] == version
    assert schema_of(rebuilt) == schema_of(committed)
    assert contents(rebuilt) == contents(committed)


def test_every_table_of_the_old_version_holds_rows(old_db):
    _, path = old_db
    conn = raw(path)
    empty = [t for t in tables(conn) if not conn.execute(f'SELECT 1 FROM "{t}"').fetchone()]
    assert empty == []
    assert len(tables(conn)) >= 10


def test_opening_an_old_database_migrates_it_to_the_current_version(old_db):
    version, path = old_db
    assert store.peek_version(path) == version
    conn = store.connect(path)
    assert store.schema_version(conn) == schema.SCHEMA_VERSION
    assert store.migrate(conn) == []


def test_migrating_keeps_every_row_of_every_table(old_db):
    _, path = old_db
    before, after, shape = before_and_after(path)
    assert set(after) == set(shape)
    for table in shape:
        assert after[table] == before[table], f"{table} changed"
    assert len(before["records"]) == len(RECORDS)


def test_columns_added_by_a_migration_are_empty_on_old_rows(old_db):
    version, path = old_db
    old_columns = columns(raw(path), "proposals")
    conn = store.connect(path)
    added = [c for c in columns(conn, "proposals") if c not in old_columns]
    assert added == (["bill_id"] if version < 3 else [])
    assert conn.execute("SELECT count(*) FROM proposals WHERE bill_id IS NULL").fetchone()[0] == 3


def test_every_jurisdiction_with_rows_gets_a_version_and_later_writes_change_it(old_db):
    _, path = old_db
    conn = store.connect(path)
    versions = dict(conn.execute("SELECT jurisdiction, version FROM jurisdiction_versions"))
    expected = {
        row[0]
        for row in conn.execute(
            "SELECT jurisdiction FROM records UNION SELECT s.jurisdiction FROM checks c "
            "JOIN sources s ON s.id = c.source_id UNION SELECT jurisdiction FROM bills"
        )
    }
    assert set(versions) == expected
    conn.execute("UPDATE records SET note = 'edited by hand' WHERE jurisdiction = 'US-AL'")
    conn.execute(
        "INSERT INTO checks (source_id, checked_at, outcome) "
        "VALUES ('th-narcotics', '2026-01-01T00:00:00Z', 'unchanged')"
    )
    after = dict(conn.execute("SELECT jurisdiction, version FROM jurisdiction_versions"))
    moved = {code for code in after if after[code] != versions.get(code)}
    assert moved == {"US-AL", "TH"}


def test_a_migrated_database_passes_the_integrity_and_foreign_key_checks(old_db):
    _, path = old_db
    conn = store.connect(path)
    assert [tuple(row) for row in conn.execute("PRAGMA integrity_check")] == [("ok",)]
    assert store.check(conn) == []
    conn.execute("INSERT INTO records_fts (records_fts) VALUES ('integrity-check')")


def test_a_migrated_database_has_the_schema_of_a_new_one(old_db, tmp_path):
    _, path = old_db
    fresh = store.connect(tmp_path / "fresh.db", create=True)
    assert schema_of(store.connect(path)) == schema_of(fresh)


def test_full_text_search_finds_a_record_written_before_the_index_existed(old_db):
    _, path = old_db
    conn = store.connect(path)
    search = (
        "SELECT r.curated_key, r.jurisdiction FROM records_fts "
        "JOIN records r ON r.id = records_fts.rowid WHERE records_fts MATCH ?"
    )
    assert [tuple(r) for r in conn.execute(search, (FTS_WORD,))] == [("TH/baseline", "TH")]
    assert [tuple(r) for r in conn.execute(search, ("county",))] == [
        (None, "US-MS-MONROE-COUNTY")
    ]


def test_editing_an_old_record_after_migrating_keeps_the_index_in_step(old_db):
    """The update trigger deletes the old text from the index: that only works if the
    migration indexed the old rows exactly."""
    _, path = old_db
    conn = store.connect(path)
    with store.transaction(conn):
        conn.execute(
            "UPDATE records SET summary = 'Delisted wombatleaf.' WHERE curated_key = 'TH/baseline'"
        )
    search = "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?"
    assert conn.execute(search, (FTS_WORD,)).fetchone()[0] == 0
    assert conn.execute(search, ("wombatleaf",)).fetchone()[0] == 1
    conn.execute("INSERT INTO records_fts (records_fts) VALUES ('integrity-check')")


def test_the_cli_answers_from_a_migrated_database(old_db):
    _, path = old_db
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "status", "TH", "--as-of", "2022-01-01"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Thailand (TH): legal since 2021-08-24")
    result = runner.invoke(cli, ["--db", str(path), "history", "Alabama", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "Ala. Code § 20-2-23" in result.output
    result = runner.invoke(cli, ["--db", str(path), "db", "check"])
    assert result.exit_code == 0, result.output
    assert f"schema version {schema.SCHEMA_VERSION}" in result.output


BROKEN = "\nINSERT INTO no_such_table VALUES (1);\n"


def test_a_migration_that_fails_half_way_leaves_the_previous_version_untouched(
    tmp_path, monkeypatch
):
    path = tmp_path / "v2.db"
    shutil.copyfile(FIXTURES / "v2.db", path)
    old = raw(path)
    schema_before, rows_before = schema_of(old), contents(old)
    old.close()
    # V3 with a failing last statement: every table V3 creates and its ALTER TABLE run
    # first, so a partial step would show.
    monkeypatch.setattr(store, "MIGRATIONS", [schema.V1, schema.V2, schema.V3 + BROKEN])
    with pytest.raises(KratomError, match=r"schema version 3.*no such table.*version 2"):
        store.connect(path)
    after = raw(path)
    assert after.execute("PRAGMA user_version").fetchone()[0] == 2
    assert schema_of(after) == schema_before
    assert contents(after) == rows_before
    assert "documents" not in tables(after) and "bill_id" not in columns(after, "proposals")
    after.close()
    monkeypatch.undo()
    assert store.schema_version(store.connect(path)) == schema.SCHEMA_VERSION


def test_steps_that_succeeded_before_a_failing_one_are_kept(tmp_path, monkeypatch):
    """Each step is its own transaction: a v1 database stops at the last good step."""
    path = tmp_path / "v1.db"
    shutil.copyfile(FIXTURES / "v1.db", path)
    steps = [*schema.MIGRATIONS, "CREATE TABLE half_done (x);" + BROKEN]
    monkeypatch.setattr(store, "MIGRATIONS", steps)
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(steps))
    with pytest.raises(KratomError, match=f"schema version {len(steps)}"):
        store.connect(path)
    conn = raw(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert "half_done" not in tables(conn)
    assert {"records_fts", "documents", "bills"} <= set(tables(conn))


def test_a_table_of_the_users_own_that_a_migration_needs_stops_it_cleanly(tmp_path):
    """Someone added a `bills` table to their v2 database; V3 creates one too."""
    path = tmp_path / "v2.db"
    shutil.copyfile(FIXTURES / "v2.db", path)
    mine = raw(path)
    mine.execute("CREATE TABLE bills (name TEXT)")
    mine.execute("INSERT INTO bills VALUES ('my notes')")
    schema_before, rows_before = schema_of(mine), contents(mine)
    mine.close()
    with pytest.raises(KratomError, match="table bills already exists") as error:
        store.connect(path)
    assert "Traceback" not in str(error.value)
    after = raw(path)
    assert after.execute("PRAGMA user_version").fetchone()[0] == 2
    # V3 creates `documents` before `bills`: it must have been rolled back.
    assert schema_of(after) == schema_before
    assert contents(after) == rows_before
    result = CliRunner().invoke(cli, ["--db", str(path), "status", "TH"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "table bills already exists" in result.output
