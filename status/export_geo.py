"""GeoJSON geometry for the status export, from the site's map data (site/geo/, status.maps).

Only longitude/latitude data can become RFC 7946 GeoJSON, so:

- countries (and `US`, the federal level): Natural Earth 1:110m outlines from world-atlas
  `countries-110m.json`, matched on the ISO 3166-1 numeric code; rings that cross ±180°
  are cut there (RFC 7946 §3.1.9) and every ring is rewound to the RFC's rule (exterior
  counter-clockwise, holes clockwise: world-atlas has them the other way round);
- countries too small for 1:110m (Singapore, Malta...): a Point from `small-countries.json`;
- US states, DC and territories: us-atlas' unprojected `states-10m.json`, matched on the
  state FIPS code (the same Census boundaries as the site's Albers map);
- counties and cities: no geometry (null) yet; counties would need us-atlas'
  `counties-10m.json` (840 KB), which the repository does not carry.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable
from functools import lru_cache

from status import maps

Ring = list[tuple[float, float]]
DIGITS = 5  # about a metre: far finer than 1:110m outlines


def geometry_lookup(conn: sqlite3.Connection) -> Callable[[str], dict | None]:
    """`code -> GeoJSON geometry or None` for the jurisdictions of this database."""
    try:
        shapes = _country_shapes()
    except FileNotFoundError:
        return lambda code: None
    numeric = dict(
        conn.execute("SELECT code, iso_numeric FROM jurisdictions WHERE iso_numeric IS NOT NULL")
    )
    states = _state_shapes()
    fips = dict(
        conn.execute(
            "SELECT code, fips FROM jurisdictions WHERE parent = 'US' AND fips IS NOT NULL"
        )
    )
    return lambda code: shapes.get(numeric.get(code)) or states.get(fips.get(code))


@lru_cache(maxsize=1)
def _state_shapes() -> dict[str, dict]:
    """State FIPS -> geometry from us-atlas `states-10m.json` (longitude/latitude)."""
    path = maps.geo_dir() / "states-10m.json"
    if not path.exists():
        return {}
    topology = json.loads(path.read_text("utf-8"))
    arcs = maps.decode_arcs(topology)
    shapes = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        if geometry.get("id") and (shape := _multipolygon(maps.polygons(geometry, arcs))):
            shapes[geometry["id"]] = shape
    return shapes


@lru_cache(maxsize=1)
def _country_shapes() -> dict[str, dict]:
    """ISO numeric -> geometry, read once per process (about 100 KB of TopoJSON)."""
    topology = json.loads((maps.geo_dir() / "countries-110m.json").read_text("utf-8"))
    arcs = maps.decode_arcs(topology)
    shapes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = maps.polygons(geometry, arcs)
        if geometry.get("id") and (shape := _multipolygon(polygons)):
            shapes[geometry["id"]] = shape
    points = json.loads((maps.geo_dir() / "small-countries.json").read_text("utf-8"))
    for numeric, (lon, lat, _name) in points.items():
        shapes.setdefault(numeric, {"type": "Point", "coordinates": [lon, lat]})
    return shapes


def _multipolygon(polygons: list[list[Ring]]) -> dict | None:
    """A Polygon or MultiPolygon; slivers that round to nothing are left out."""
    parts = []
    for rings in polygons:
        exterior, holes = rings[0], [h for h in rings[1:] if _has_area(h)]
        for piece in filter(_has_area, _cut(exterior)):
            parts.append([_wound(piece, ccw=True), *(_wound(h, ccw=False) for h in holes)])
    if not parts:
        return None
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def _cut(ring: Ring) -> list[Ring]:
    """Pieces on each side of ±180°; a ring around a pole (Antarctica) stays whole."""
    if not maps.crosses_antimeridian(ring) or _around_a_pole(ring):
        return [ring]
    return maps.split_antimeridian(ring)


def _around_a_pole(ring: Ring) -> bool:
    """Walking the ring adds up to a full turn of longitude only if it encloses a pole."""
    turn = 0.0
    for (x0, _), (x1, _) in itertools.pairwise(ring):
        step = x1 - x0
        turn += step - 360 if step > 180 else step + 360 if step < -180 else step
    return abs(turn) > 180


def _has_area(ring: Ring) -> bool:
    rounded = [(round(x, DIGITS), round(y, DIGITS)) for x, y in ring]
    return len(set(rounded)) >= 3 and maps.ring_area(rounded) != 0


def _wound(ring: Ring, *, ccw: bool) -> list[list[float]]:
    """The ring closed, rounded, and turned the way RFC 7946 §3.1.6 asks."""
    points = [[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    if (maps.ring_area(ring) > 0) != ccw:
        points.reverse()
    return points
