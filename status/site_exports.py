"""The site's `data/` downloads, written by `status.exports` (the same code as `kratom export`).

The site only decides which files it offers and what each one is; the columns, the
formula-safe CSV and the Data Package come from the exports module, and the database copy
from SQLite's online backup API (`store.backup`), consistent even while a crawl writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import sqlite3
from pathlib import Path

from status import store
from status.errors import KratomError
from status.export_fields import FIELDS
from status.site_tree import file_sha, fsync_file

DOWNLOADS = (
    ("status.csv", "every jurisdiction's status on the date above, one row each"),
    ("status.json", "the same as a JSON list of objects"),
    ("history.csv", "every dated, cited record of every jurisdiction"),
    ("history.ndjson", "the same, one JSON object per line"),
    ("datapackage.json", "Frictionless Data Package: the CSV files with their schemas"),
    ("jurisdictions.csv", "every jurisdiction's codes (ISO 3166, FIPS, OCD id) and parent"),
    ("sources.csv", "the official pages the crawler watches"),
    ("checks.csv", "every fetch of those pages and its outcome"),
    ("kratom.db", "the whole SQLite database (open with sqlite3 or Datasette)"),
)
DICTIONARY = ("status", "history", "jurisdictions", "sources", "checks")
SHAS = "sha256.json"  # beside the downloads in the writer's folder, never published


def write_downloads(conn: sqlite3.Connection, folder: Path, day: dt.date) -> dict[str, str]:
    """Write every download into `folder` (new and empty); return each file's sha256, by
    name, in DOWNLOADS order.

    Each file goes to disk as soon as it is written (fsync): at scale they are two
    gigabytes, and left dirty in memory beside the pages they would push the kernel over
    its dirty-memory limit, where it pauses every writing process, the page renderers too.
    """
    from status.exports import write_datapackage, write_history_both, write_status_both

    history = write_history_both(conn, folder / "history.csv", folder / "history.ndjson")
    status = write_status_both(conn, folder / "status.csv", folder / "status.json", as_of=day)
    _fsync_all(folder)
    known = {**history.sha256, **status.sha256}
    write_datapackage(conn, folder, as_of=day, written=("history", "status"), sha256=known)
    _fsync_all(folder)
    store.backup(conn, folder / "kratom.db")
    _fsync_all(folder, "kratom.db")
    return {name: known.get(name) or file_sha(folder / name) for name, _ in DOWNLOADS}


def _fsync_all(folder: Path, *names: str) -> None:
    """fsync the named files in `folder` (all of its files if none are named)."""
    for path in [folder / n for n in names] or sorted(folder.iterdir()):
        fsync_file(path)


class Pending:
    """Downloads being written by another process (or already written, without `fork`)."""

    def __init__(self, folder: Path, process=None) -> None:
        self.folder, self.process = folder, process

    def wait(self) -> Path:
        if self.process is not None:
            self.process.join()
            if self.process.exitcode != 0:
                raise KratomError(
                    f"writing the downloads failed (exit code {self.process.exitcode}); "
                    "see the error above"
                )
        return self.folder

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()


def start(db_path: str, folder: Path, day: dt.date) -> Pending:
    """Write the downloads into `folder` in a forked process; inline where fork is missing."""
    if "fork" not in multiprocessing.get_all_start_methods():
        _write_from(db_path, folder, day)
        return Pending(folder)
    process = multiprocessing.get_context("fork").Process(
        target=_write_from, args=(db_path, folder, day), name="kratom-downloads"
    )
    process.start()
    return Pending(folder, process)


def _write_from(db_path: str, folder: Path, day: dt.date) -> None:
    conn = store.connect(db_path)
    try:
        # Hashed here, beside the page rendering, so publishing them later costs nothing.
        shas = write_downloads(conn, folder, day)
    finally:
        conn.close()
    (folder / SHAS).write_text(json.dumps(shas), encoding="utf-8")


def written_shas(folder: Path) -> dict[str, str]:
    """The content hash of each download the writer left in `folder`."""
    return json.loads((folder / SHAS).read_text(encoding="utf-8"))


def code_fingerprint() -> str:
    """The export code's own fingerprint: new columns must reach the site's files."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("export*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dictionary() -> list[dict]:
    """The data dictionary: each file's columns with type and meaning."""
    return [{"name": f"{name}.csv", "fields": FIELDS[name]} for name in DICTIONARY]


def size_text(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"
