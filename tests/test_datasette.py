"""Datasette: full-text search (migration V2), metadata.yml, canned queries, a real server."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from status import store
from status.lookup import Selection
from status.queries import changes, status_as_of
from status.schema import FTS_COLUMNS, MIGRATIONS
from tests.conftest import add_record

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "metadata.yml"
D = dt.date.fromisoformat


def metadata() -> dict:
    return yaml.safe_load(METADATA.read_text())


def canned(name: str) -> str:
    return metadata()["databases"]["kratom"]["queries"][name]["sql"]


def fts_schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return sorted(
        tuple(row)
        for row in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN "
            "('records_fts', 'records_ai', 'records_ad', 'records_au')"
        )
    )


def test_the_fts_migration_is_what_sqlite_utils_enable_fts_creates(conn, tmp_path):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    older = sqlite3.connect(tmp_path / "v1.db", isolation_level=None)
    for statement in store._statements(MIGRATIONS[0]):
        older.execute(statement)
    db = sqlite_utils.Database(older)
    db["records"].enable_fts(list(FTS_COLUMNS), create_triggers=True)
    assert fts_schema(older) == fts_schema(conn)
    assert sqlite_utils.Database(conn)["records"].detect_fts() == "records_fts"


def test_an_existing_database_gets_a_filled_index_when_it_opens(tmp_path):
    path = tmp_path / "old.db"
    older = sqlite3.connect(path, isolation_level=None)
    for statement in store._statements(MIGRATIONS[0]):
        older.execute(statement)
    older.execute("PRAGMA user_version = 1")
    older.execute("INSERT INTO jurisdictions (code, name, kind) VALUES ('US-AL', 'AL', 'state')")
    older.execute(
        "INSERT INTO records (jurisdiction, effective_date, status, citation, evidence, method, "
        "recorded_at) VALUES ('US-AL', '2016-05-10', 'banned', 'Ala. Code § 20-2-23', "
        "'mitragynine is a Schedule I substance', 'curated', '2026-11-24T00:00:00Z')"
    )
    older.close()
    conn = store.connect(path)
    assert search(conn, "mitragynine") == [1]


def search(conn: sqlite3.Connection, words: str) -> list[int]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT rowid FROM records_fts WHERE records_fts MATCH ? ORDER BY rowid", (words,)
        )
    ]


def test_triggers_keep_the_index_in_step(conn):
    first = add_record(conn, "US-AL", "2016-05-10", "banned", evidence="Schedule I listing")
    second = add_record(conn, "US-TN", "2026-07-01", "banned", citation="Tenn. Code 39-17-452")
    assert search(conn, "schedule") == [first] and search(conn, "tenn") == [second]
    with store.transaction(conn):
        conn.execute("UPDATE records SET evidence = 'age limit' WHERE id = ?", (first,))
        conn.execute("DELETE FROM records WHERE id = ?", (second,))
    assert search(conn, "schedule") == [] and search(conn, "tenn") == []
    assert search(conn, "age") == [first]


def test_metadata_describes_every_table_and_column(conn):
    tables = metadata()["databases"]["kratom"]["tables"]
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'records_fts%'"
    )
    for (table,) in rows:
        assert tables.get(table, {}).get("description"), f"{table} has no description"
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        missing = [c for c in columns if c not in tables[table].get("columns", {})]
        assert not missing, f"metadata.yml: {table} columns {missing} are not described"
    assert {"title", "description", "license", "license_url", "source"} <= set(metadata())


@pytest.fixture
def laws(conn):
    add_record(conn, "US-AL", "2016-05-10", "banned")
    add_record(conn, "US-KY", "2024-04-04", "restricted")
    add_record(conn, "US-KY", "2027-01-01", "banned")
    add_record(conn, "US-TX", "1970-01-01", "legal", effective_precision="unknown")
    add_record(conn, "TH", "2021-08-24", "legal")
    add_record(conn, "TH", "2021-08-24", "restricted")
    return conn


@pytest.mark.parametrize("day", ["2015-01-01", "2021-08-24", "2026-11-24", "2027-01-01"])
@pytest.mark.parametrize("region", ["", "us-south", "world"])
def test_status_on_a_date_agrees_with_status_as_of(laws, day, region):
    found = laws.execute(canned("status_on_a_date"), {"day": day, "region": region})
    selections = [Selection(region=region)] if region else None
    expected = status_as_of(laws, D(day), selections)
    assert [(r["code"], r["status"], r["since"]) for r in found] == [
        (r["code"], r["status"], r["since"]) for r in expected
    ]


@pytest.mark.parametrize(
    ("region", "since", "until"), [("", "", ""), ("us", "2020-01-01", ""), ("", "", "2021-12-31")]
)
def test_changes_in_a_region_agrees_with_the_change_log(laws, region, since, until):
    found = laws.execute(
        canned("changes_in_a_region"), {"region": region, "since": since, "until": until}
    )
    expected = changes(
        laws, since and D(since), until and D(until), [Selection(region=region)] if region else None
    )
    assert [r["record_id"] for r in found] == [r["id"] for r in expected]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def datasette(laws, tmp_path):
    """`datasette kratom.db -m metadata.yml` on 127.0.0.1, always stopped afterwards."""
    pytest.importorskip("datasette")
    db = tmp_path / "kratom.db"
    laws.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            str(db),
            "-m",
            str(METADATA),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield wait_until_up(f"http://127.0.0.1:{port}", server)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_up(base: str, server: subprocess.Popen, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"datasette exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                return base
        except OSError:
            time.sleep(0.2)
    pytest.fail("datasette did not answer within 30 s")


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_datasette_serves_the_canned_queries_and_search(datasette, laws):
    rows = fetch(
        f"{datasette}/kratom/status_on_a_date.json?day=2025-01-01&region=us-south&_shape=array"
    )
    by_code = {r["code"]: r["status"] for r in rows}
    assert by_code["US-AL"] == "banned" and by_code["US-KY"] == "restricted"
    assert "TH" not in by_code
    log = fetch(f"{datasette}/kratom/changes_in_a_region.json?region=us&since=&until=&_shape=array")
    assert [r["jurisdiction"] for r in log][:1] == ["US-KY"]
    found = fetch(f"{datasette}/kratom/records.json?_search=Test+Act&_shape=array")
    assert len(found) == 6
    home = urllib.request.urlopen(f"{datasette}/kratom", timeout=10).read().decode()
    assert "Status on a date" in home and "Changes in a region" in home
