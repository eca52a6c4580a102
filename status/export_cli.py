"""`kratom export` behind the Click layer: where the output goes and what is said about it.

Kept out of cli.py so the command stays a few lines: stdout or a file, a folder for a
data package, a closed pipe (`kratom export | head`) ending quietly, and a one-line
summary on stderr so stdout carries only data.
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from pathlib import Path

from status import exports
from status.errors import KratomError


def run_export(
    conn: sqlite3.Connection, what: str, fmt: str, output: str, filters: dict
) -> str | None:
    """Write the export; return the summary for stderr (None when writing to stdout)."""
    if fmt == "datapackage":
        return _datapackage(conn, what, output, filters)
    if output == "-":
        _to_stdout(conn, what, fmt, filters)
        return None
    count = exports.write(conn, what, fmt, Path(output), **filters)
    return f"wrote {count} {what} rows to {output}"


def _datapackage(conn: sqlite3.Connection, what: str, output: str, filters: dict) -> str:
    if output == "-":
        raise KratomError("a datapackage is a folder of files: give -o FOLDER")
    if what != "status":
        raise KratomError("a datapackage holds every table; leave out --what")
    path = exports.write_datapackage(conn, Path(output), **filters)
    return f"wrote a data package to {path.parent} ({path.name} and its CSV files)"


def _to_stdout(conn: sqlite3.Connection, what: str, fmt: str, filters: dict) -> None:
    """Stream UTF-8 to stdout whatever the locale; a reader that stops early is no error."""
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        exports.write(conn, what, fmt, stream, **filters)
        stream.flush()
    except BrokenPipeError:
        # `kratom export | head`: Python would report the pipe again when it exits.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        stream.detach()
