"""`kratom init` and `kratom update`: the main job, as a library call.

Today the job creates or migrates the database, (re)loads every jurisdiction and the
curated records. Crawling and publishing join it as they are built.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from status import curated, store
from status import sources as registry
from status.curated import LoadReport
from status.jurisdictions import all_jurisdictions
from status.seed import ensure_subdivision, save_jurisdictions


@dataclass
class InitReport:
    previous_version: int | None  # None: the database was created
    version: int
    jurisdictions: int
    curated: LoadReport
    sources: dict


def known_codes(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT code FROM jurisdictions")}


def register_curated_subdivisions(conn: sqlite3.Connection, folder: Path) -> None:
    """Curated files may name any ISO 3166-2 subdivision (AU-NSW); register those first."""
    known = known_codes(conn)
    for path in folder.glob("*.yaml"):
        if path.stem not in known and "-" in path.stem:
            ensure_subdivision(conn, path.stem)


def initialise(
    path: str | os.PathLike, records_folder: Path | None = None, registry_path: Path | None = None
) -> InitReport:
    """Create or migrate the database and load jurisdictions and curated records.

    The curated files and the sources registry are validated first: if any is wrong
    nothing is loaded and the error lists the problems (the database keeps what it had).
    """
    previous = store.peek_version(path)
    conn = store.connect(path, create=True)
    try:
        jurisdictions = all_jurisdictions()
        save_jurisdictions(conn, jurisdictions)
        folder = records_folder or curated.records_dir()
        register_curated_subdivisions(conn, folder)
        records = curated.validate_or_raise(known_codes(conn), folder)
        watched = registry.validate_or_raise(known_codes(conn), registry_path)
        report = curated.load(conn, records)
        saved = registry.save(conn, watched)
        return InitReport(previous, store.schema_version(conn), len(jurisdictions), report, saved)
    finally:
        conn.close()
