"""Researcher exports: the public API behind `kratom export` and the site's data/ files.

    write(conn, "history", "csv", Path("history.csv"), selections=..., since=..., until=...)
    write_datapackage(conn, Path("site/data"))

`what` is one of WHATS, `fmt` one of FORMATS (datapackage has its own function: it
writes a folder). Filters mean what they mean for `kratom status` and `kratom changes`:
`as_of` picks the day of a status export, `since`/`until` bound effective dates (history,
changes) or check times (checks). A combination that means nothing is a KratomError, so
a script never gets a silently unfiltered file. Columns: export_fields and
docs/data-dictionary.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import operator
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple, TextIO

from status import export_formats
from status.errors import KratomError
from status.export_fields import FIELDS, Field
from status.export_rows import Filters, both, rows, status_dicts
from status.lookup import Selection

WHATS = ("status", "history", "changes", "sources", "checks", "jurisdictions")
FORMATS = ("csv", "json", "ndjson", "geojson", "datapackage")
# Which filters each export understands (the others are an error, not silently ignored).
_ACCEPTS = {
    "status": {"as_of"},
    "history": {"since", "until"},
    "changes": {"since", "until"},
    "sources": set(),
    "checks": {"since", "until"},
    "jurisdictions": set(),
}


def write(
    conn: sqlite3.Connection,
    what: str,
    fmt: str,
    out: TextIO | Path | str,
    *,
    selections: list[Selection] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    as_of: dt.date | None = None,
    geometry: Callable[[str], dict | None] | None = None,
) -> int:
    """Write one export to a text stream or a file path; return the number of rows.

    `geometry(code)` gives GeoJSON features their geometry; by default the site's map
    data (export_geo: countries from world-atlas; null where there is no lon/lat data).
    A path is written to a temporary file beside it and renamed at the end, so a reader
    (the site, a running script) never sees half a file.
    """
    filters = check_filters(what, fmt, Filters(selections, since, until, as_of))
    with _readable(what), _opened(out) as stream:
        return _write(conn, what, fmt, stream, filters, geometry)


class Written(NamedTuple):
    """What `write_history_both` or `write_status_both` wrote: the number of rows and
    each file's sha256."""

    rows: int
    sha256: dict[str, str]  # by file name


def write_history_both(conn: sqlite3.Connection, csv_path: Path, ndjson_path: Path) -> Written:
    """Every record as history.csv and history.ndjson at once (the same two files that
    `write` makes one at a time, from one pass over the records).

    At scale these are gigabytes, so SQLite's text goes out as the UTF-8 bytes it already
    is (no str made and encoded again, a thousand rows a write) and each file is hashed
    as it is written, not read back for it.
    """
    return _write_both(conn, "history", Filters(), csv_path, ndjson_path, array=False)


def write_status_both(
    conn: sqlite3.Connection, csv_path: Path, json_path: Path, *, as_of: dt.date
) -> Written:
    """Every jurisdiction's status on `as_of` as status.csv and status.json at once (the
    files `write` makes one at a time), as `write_history_both` does."""
    return _write_both(conn, "status", Filters(as_of=as_of), csv_path, json_path, array=True)


def _write_both(
    conn: sqlite3.Connection,
    what: str,
    filters: Filters,
    csv_path: Path,
    json_path: Path,
    *,
    array: bool,
) -> Written:
    """`what` as CSV and as JSON (a streamed array, or NDJSON) from one query."""
    header = io.StringIO(newline="")
    export_formats.write_csv(header, FIELDS[what], ())
    with (
        _readable(what),
        _opened_binary(csv_path) as csv_out,
        _opened_binary(json_path) as json_out,
    ):
        csv_out.write(header.getvalue().encode("utf-8"))
        cursor = both(conn, what, filters)
        # An array is "[", the objects joined by ",\n", "]" (export_formats.write_json);
        # NDJSON is an object a line.
        between, after = (b",\n", b"") if array else (b"\n", b"\n")
        count = 0
        while batch := cursor.fetchmany(1000):
            csv_out.write(b"".join([line for line, _ in batch]))
            before = (b"[\n" if count == 0 else between) if array else b""
            json_out.write(before + between.join([text for _, text in batch]) + after)
            count += len(batch)
        if array:
            json_out.write(b"\n]\n" if count else b"[]\n")
    return Written(count, {csv_path.name: csv_out.sha256, json_path.name: json_out.sha256})


def write_datapackage(
    conn: sqlite3.Connection,
    folder: Path | str,
    *,
    selections: list[Selection] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    as_of: dt.date | None = None,
    written: tuple[str, ...] = (),
    sha256: dict[str, str] | None = None,
) -> Path:
    """A Frictionless Data Package in `folder`; returns the path of its datapackage.json.

    `written` names resources whose CSV is in `folder` already (`write_history_both`,
    `write_status_both`),
    made from the same filters: they are described, not written again. `sha256` gives
    the hashes already known of files in `folder`, by file name (the others are read).
    """
    from status.export_package import write_package

    check_dates(since, until)
    filters = Filters(selections, since, until, as_of)
    return write_package(conn, Path(folder), filters, written, sha256)


def check_filters(what: str, fmt: str, filters: Filters) -> Filters:
    """Refuse unknown exports and filters that do not apply, with the fix in the message."""
    if what not in WHATS:
        raise KratomError(f"unknown export {what!r}; choose one of {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise KratomError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "datapackage":
        raise KratomError("a datapackage is a folder: use write_datapackage (-o FOLDER)")
    if fmt == "geojson" and what != "status":
        raise KratomError("geojson maps jurisdictions: use it with --what status")
    given = {name for name in ("since", "until", "as_of") if getattr(filters, name)}
    if wrong := sorted(given - _ACCEPTS[what]):
        raise KratomError(_filter_hint(what, wrong[0]))
    check_dates(filters.since, filters.until)
    return filters


def check_dates(since: dt.date | None, until: dt.date | None) -> None:
    if since and until and since > until:
        raise KratomError(f"--since {since} is after --until {until}; swap them")


def _filter_hint(what: str, name: str) -> str:
    option = "--" + name.replace("_", "-")
    if name == "as_of":
        return f"{option} picks the day of a status export; --what {what} takes --since/--until"
    if what == "status":
        return f"{option} does not apply to --what status; use --as-of DATE for a past day"
    return f"{option} does not apply to --what {what}"


def _write(
    conn: sqlite3.Connection,
    what: str,
    fmt: str,
    stream: TextIO,
    filters: Filters,
    geometry: Callable[[str], dict | None] | None,
) -> int:
    fields = FIELDS[what]
    if fmt == "geojson":
        if geometry is None:
            from status.export_geo import geometry_lookup

            geometry = geometry_lookup(conn)
        return export_formats.write_geojson(stream, status_dicts(conn, filters), fields, geometry)
    if fmt == "csv":
        return _write_csv(stream, fields, rows(conn, what, "csv", filters))
    objects = rows(conn, what, "json", filters)
    if fmt == "ndjson":
        return export_formats.write_ndjson(stream, objects)
    return export_formats.write_json(stream, objects)


def _write_csv(stream: TextIO, fields: tuple[Field, ...], lines: Iterable[str]) -> int:
    """The header, then the CSV lines as they come (SQLite wrote them); returns their number.

    The header is export_formats.write_csv with no rows, so the csv module writes it.
    zip stops at the end of `lines` before drawing from the counter, so next(counter) is
    the number of lines, counted without a Python loop.
    """
    export_formats.write_csv(stream, fields, ())
    counter = itertools.count()
    stream.writelines(map(operator.itemgetter(0), zip(lines, counter, strict=False)))
    return next(counter)


@contextmanager
def _readable(what: str) -> Iterator[None]:
    """A database the export cannot read (an old schema) is one clear error."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise KratomError(
            f"cannot export {what} from this database ({exc}); `kratom update` migrates it"
        ) from None


@contextmanager
def _opened(out: TextIO | Path | str) -> Iterator[TextIO]:
    """A stream as given, or a new file written atomically (temp file + rename)."""
    if not isinstance(out, str | os.PathLike):
        yield out
        return
    with _atomic(Path(out)) as handle, open(handle, "w", encoding="utf-8", newline="") as stream:
        yield stream


@contextmanager
def _atomic(path: Path) -> Iterator[int]:
    """A descriptor of a new temporary file beside `path`, renamed to `path` once the
    block ends well (and removed if it does not)."""
    if path.is_dir():
        raise KratomError(f"-o {path} is a folder; give a file path (or - for stdout)")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    except OSError as exc:
        raise KratomError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield handle
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise KratomError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _HashedFile:
    """A binary file being written, and the sha256 of what was written to it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream, self._digest = stream, hashlib.sha256()

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._digest.update(data)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


@contextmanager
def _opened_binary(path: Path) -> Iterator[_HashedFile]:
    """`_opened` for bytes, hashed as they are written."""
    with _atomic(path) as handle, open(handle, "wb") as stream:
        yield _HashedFile(stream)
