"""Shared fixtures: real SQLite files in a temporary folder, never a mock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from status import store
from status.jurisdictions import all_jurisdictions
from status.seed import save_jurisdictions

_JURISDICTIONS = None


def _jurisdictions():
    global _JURISDICTIONS
    if _JURISDICTIONS is None:
        _JURISDICTIONS = all_jurisdictions()
    return _JURISDICTIONS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kratom.db"


@pytest.fixture
def conn(db_path: Path) -> sqlite3.Connection:
    """A migrated database holding every jurisdiction and no records."""
    connection = store.connect(db_path, create=True)
    save_jurisdictions(connection, _jurisdictions())
    yield connection
    connection.close()


def add_record(
    conn: sqlite3.Connection, jurisdiction: str, effective: str, status: str, **fields
) -> int:
    """Insert one record the way a loader would (method 'curated' unless told)."""
    row = {
        "jurisdiction": jurisdiction,
        "effective_date": effective,
        "status": status,
        "leaf_status": fields.pop("leaf_status", status),
        "seven_oh_status": fields.pop("seven_oh_status", status),
        "method": fields.pop("method", "curated"),
        "citation": fields.pop("citation", f"Test Act for {jurisdiction} ({effective})"),
        "source_url": fields.pop("source_url", "https://example.org/law"),
        "recorded_at": fields.pop("recorded_at", "2026-11-24T00:00:00Z"),
        **fields,
    }
    with store.transaction(conn):
        cursor = conn.execute(
            f"INSERT INTO records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
    return cursor.lastrowid
