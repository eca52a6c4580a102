"""A Frictionless Data Package: CSV resources plus a datapackage.json that describes them.

The descriptor carries a Table Schema per resource (types, descriptions, enums, primary
and foreign keys, the `;` list delimiter) and each file's sha256 and size, so
`frictionless validate datapackage.json` checks the data, not just the descriptor. Its
`version` is `<as-of date>.<12 hex digits of a hash over the files>`: a paper citing
"kratom-status 2026-11-24.3f9a1c2b7d4e" names exactly the bytes it used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

from status.errors import KratomError
from status.export_fields import FIELDS
from status.export_rows import Filters

TITLE = "Kratom legal status: countries, US states and local jurisdictions, with dated history"
DESCRIPTION = (
    "Where kratom (Mitragyna speciosa, mitragynine, 7-hydroxymitragynine) is banned, "
    "restricted or legal, since when and by which law. `status` is every selected "
    "jurisdiction's status on the as-of day; `history` every dated, cited record (two clocks: "
    "effective date and recorded time); `jurisdictions` the codes to join on (ISO 3166, FIPS, "
    "OCD ids); `sources` and `checks` the watched official pages and every fetch of them. "
    "A research aid, not legal advice: check the cited law."
)
LICENSES = [
    {
        "name": "Apache-2.0",
        "path": "https://www.apache.org/licenses/LICENSE-2.0",
        "title": "Apache License 2.0 (the licence of the kratom-status project and its data)",
    }
]
SOURCES = [{"title": "Statutes, regulations and agency pages cited on every record"}]

# name -> (primary key, foreign keys as (fields, resource, referenced fields)).
_KEYS = {
    "jurisdictions": (["code"], [(["parent"], "", ["code"])]),
    "status": (["code"], [(["code"], "jurisdictions", ["code"])]),
    "history": (["record_id"], [(["jurisdiction"], "jurisdictions", ["code"])]),
    "sources": (["id"], [(["jurisdiction"], "jurisdictions", ["code"])]),
    "checks": (["id"], [(["source_id"], "sources", ["id"])]),
}


def write_package(
    conn: sqlite3.Connection,
    folder: Path,
    filters: Filters,
    written: tuple[str, ...] = (),
    sha256: dict[str, str] | None = None,
) -> Path:
    """Write every resource as CSV into `folder` (but those `written` already), then the
    descriptor; return its path. `sha256` holds hashes already known, by file name."""
    from status.dates import today
    from status.exports import write

    _make_folder(folder)
    as_of = filters.as_of or today()
    resources = []
    for name in _KEYS:
        path = folder / f"{name}.csv"
        if name not in written:
            write(conn, name, "csv", path, **_scope(name, filters, as_of))
        known = (sha256 or {}).get(path.name) if name in written else None
        resources.append(_resource(name, path, _keys(name, filters), known))
    descriptor = _descriptor(resources, as_of)
    target = folder / "datapackage.json"
    target.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return target


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise KratomError(f"cannot create folder {folder}: {exc.strerror or exc}") from None


def _scope(name: str, filters: Filters, as_of: dt.date) -> dict:
    """The filters each resource takes.

    The jurisdictions table is always whole, so that every code another resource
    mentions, and every parent, resolves as a foreign key.
    """
    if name == "jurisdictions":
        return {}
    scope = {"selections": filters.selections}
    if name == "status":
        scope["as_of"] = as_of
    elif name in ("history", "checks"):
        scope.update(since=filters.since, until=filters.until)
    return scope


def _keys(name: str, filters: Filters) -> tuple[list[str], list]:
    primary, foreign = _KEYS[name]
    if name == "status" and not (filters.since or filters.until):
        # The record in force is in history unless history was cut by date.
        foreign = [*foreign, (["record_id"], "history", ["record_id"])]
    return primary, foreign


def _resource(
    name: str, path: Path, keys: tuple[list[str], list], sha256: str | None = None
) -> dict:
    primary, foreign = keys
    return {
        "profile": "tabular-data-resource",
        "name": name,
        "path": path.name,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": "sha256:" + (sha256 or _sha256(path)),
        "schema": {
            "fields": [f.table_schema() for f in FIELDS[name]],
            "primaryKey": primary,
            "foreignKeys": [
                {"fields": fields, "reference": {"resource": resource, "fields": referenced}}
                for fields, resource, referenced in foreign
            ],
        },
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _descriptor(resources: list[dict], as_of: dt.date) -> dict:
    content = hashlib.sha256("".join(r["hash"] for r in resources).encode()).hexdigest()
    return {
        "profile": "tabular-data-package",
        "name": "kratom-status",
        "title": TITLE,
        "description": DESCRIPTION,
        "version": f"{as_of.isoformat()}.{content[:12]}",
        "as_of": as_of.isoformat(),
        "content_hash": f"sha256:{content}",
        "licenses": LICENSES,
        "sources": SOURCES,
        "keywords": ["kratom", "mitragynine", "7-hydroxymitragynine", "drug policy", "law"],
        "resources": resources,
    }
