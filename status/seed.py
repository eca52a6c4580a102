"""Writing the jurisdictions, their regions and aliases into the database (idempotent)."""

from __future__ import annotations

import sqlite3

from status import store
from status.jurisdictions import Jurisdiction, all_jurisdictions, subdivision


def save_jurisdictions(conn: sqlite3.Connection, jurisdictions: list[Jurisdiction]) -> int:
    """Upsert jurisdictions with their regions and aliases in one transaction."""
    regions = {r.slug: r for j in jurisdictions for r in j.regions}
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO regions (slug, name, kind, parent) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(slug) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
            "parent = excluded.parent",
            [(r.slug, r.name, r.kind, r.parent) for r in _parents_first(regions)],
        )
        columns = list(jurisdictions[0].row()) if jurisdictions else []
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "code")
        conn.executemany(
            f"INSERT INTO jurisdictions ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT(code) DO UPDATE SET {updates}",
            [tuple(j.row().values()) for j in jurisdictions],
        )
        codes = [j.code for j in jurisdictions]
        _replace_pairs(
            conn,
            "jurisdiction_regions",
            ("jurisdiction", "region"),
            codes,
            {(j.code, r.slug) for j in jurisdictions for r in j.regions},
        )
        _replace_pairs(
            conn,
            "aliases",
            ("jurisdiction", "alias"),
            codes,
            {(j.code, a) for j in jurisdictions for a in j.aliases if a},
        )
    return len(jurisdictions)


def _replace_pairs(
    conn: sqlite3.Connection,
    table: str,
    columns: tuple[str, str],
    codes: list[str],
    wanted: set[tuple[str, str]],
) -> None:
    """Make `table`'s (jurisdiction, value) pairs for `codes` exactly `wanted`, touching
    only the pairs that differ: an update that changes nothing writes nothing, so the
    version triggers (schema V5) do not fire and the next site build reuses its places."""
    code, value = columns
    wanted_codes = set(codes)
    existing = {
        (row[0], row[1])
        for row in conn.execute(f"SELECT {code}, {value} FROM {table}")
        if row[0] in wanted_codes
    }
    conn.executemany(
        f"DELETE FROM {table} WHERE {code} = ? AND {value} = ?", sorted(existing - wanted)
    )
    conn.executemany(
        f"INSERT INTO {table} ({code}, {value}) VALUES (?, ?)", sorted(wanted - existing)
    )


def _parents_first(regions: dict) -> list:
    ordered, seen = [], set()

    def visit(slug):
        if slug in seen or slug not in regions:
            return
        visit(regions[slug].parent)
        seen.add(slug)
        ordered.append(regions[slug])

    for slug in regions:
        visit(slug)
    return ordered


def load_jurisdictions(conn: sqlite3.Connection) -> int:
    """Every country, US subdivision and local jurisdiction; returns how many."""
    return save_jurisdictions(conn, all_jurisdictions())


def ensure_subdivision(conn: sqlite3.Connection, code: str) -> bool:
    """Register an ISO 3166-2 subdivision on first use; False if ISO has no such code.

    It inherits its country's regions so that region filters and feeds include it.
    """
    j = subdivision(code)
    if j is None:
        return False
    country = j.code.split("-")[0]
    if conn.execute("SELECT 1 FROM jurisdictions WHERE code = ?", (country,)).fetchone() is None:
        return False
    if conn.execute("SELECT 1 FROM jurisdictions WHERE code = ?", (j.parent,)).fetchone() is None:
        j.parent = country
    from status.regions import Region

    j.regions = [
        Region(row["slug"], row["name"], row["kind"], row["parent"])
        for row in conn.execute(
            "SELECT r.* FROM regions r JOIN jurisdiction_regions jr ON jr.region = r.slug "
            "WHERE jr.jurisdiction = ?",
            (country,),
        )
    ]
    save_jurisdictions(conn, [j])
    return True
