import sqlite3

import pytest

from status import store
from status.errors import KratomError
from status.schema import SCHEMA_VERSION
from tests.conftest import add_record


def test_a_new_database_is_migrated_with_wal_and_foreign_keys(conn, db_path):
    assert store.schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "jurisdictions",
        "sources",
        "checks",
        "snapshots",
        "records",
        "proposals",
        "record_audit",
        "regions",
    } <= tables


def test_opening_a_missing_database_for_reading_says_how_to_create_it(tmp_path):
    with pytest.raises(KratomError, match="run `kratom update`"):
        store.connect(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(KratomError, match="not a usable kratom database"):
        store.connect(path)


def test_a_newer_schema_than_we_know_is_refused(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(KratomError, match="newer than this kratom knows"):
        store.connect(db_path)


def test_reopening_keeps_every_row_and_does_not_migrate_again(conn, db_path):
    add_record(conn, "US-AL", "2016-05-10", "banned")
    conn.close()
    again = store.connect(db_path)
    assert again.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    assert store.migrate(again) == []


def test_foreign_keys_reject_a_record_for_an_unknown_jurisdiction(conn):
    with pytest.raises(sqlite3.IntegrityError):
        add_record(conn, "XX-NOPE", "2020-01-01", "banned")


def test_check_reports_ok_then_a_broken_reference(conn):
    assert store.check(conn) == []
    conn.execute("PRAGMA foreign_keys = OFF")
    add_record(conn, "XX-NOPE", "2020-01-01", "banned")
    problems = store.check(conn)
    assert len(problems) == 1 and "records" in problems[0]


def test_backup_is_a_consistent_copy(conn, tmp_path):
    add_record(conn, "US-AL", "2016-05-10", "banned")
    copy = store.backup(conn, tmp_path / "copy.db")
    other = sqlite3.connect(copy)
    assert other.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert other.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    with pytest.raises(KratomError, match="already exists"):
        store.backup(conn, copy)


def test_the_as_of_query_uses_the_index(conn):
    plan = " ".join(
        row[3]
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM records WHERE jurisdiction = ? "
            "AND effective_date <= ? ORDER BY effective_date DESC, id DESC LIMIT 1",
            ("US-AL", "2020-01-01"),
        )
    )
    assert "USING COVERING INDEX records_as_of" in plan
