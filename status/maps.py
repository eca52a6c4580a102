"""Map geometry: TopoJSON from us-atlas and world-atlas turned into SVG path data.

The site draws its maps on the server as inline SVG, so they work without JavaScript and
need no browser library. Three steps, each small enough to test on its own:

1. decode TopoJSON (quantized, delta-encoded arcs; a negative arc index means the arc
   reversed; consecutive arcs share an end point) into rings of points;
2. project: us-atlas `states-albers-10m` is already projected (Albers USA with the Alaska
   and Hawaii insets, 975x610, y down); world-atlas is lon/lat and gets Equal Earth, an
   equal-area projection (a choropleth must not make Russia look bigger than it is);
3. cut rings that cross the antimeridian (Fiji, Russia) so they do not streak across.

Geometry files live under `site/geo/` with their licence and provenance (README there).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from status.resources import site_dir

Point = tuple[float, float]
Ring = list[Point]

US_WIDTH, US_HEIGHT = 975, 610
WORLD_WIDTH = 975
# Antarctica (ISO numeric 010) has no kratom law and would take a fifth of the map;
# it stays in the tables.
WORLD_SKIP = {"010"}


def geo_dir() -> Path:
    return site_dir() / "geo"


# --- 1. TopoJSON ---------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[Ring]:
    """Every arc as absolute points: the running sum restarts at each arc (spec §2.1.2)."""
    transform = topology.get("transform")
    if not transform:
        return [[(float(x), float(y)) for x, y, *_ in arc] for arc in topology["arcs"]]
    (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for position in arc:
            x += position[0]
            y += position[1]
            points.append((x * kx + dx, y * ky + dy))
        decoded.append(points)
    return decoded


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    """Join arcs into one ring; drop each arc's first point, which repeats the last one."""
    points: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict, arcs: list[Ring]) -> list[list[Ring]]:
    """A Polygon or MultiPolygon as a list of polygons, each a list of rings."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [[_ring(arcs, ring) for ring in geometry["arcs"]]]
    if kind == "MultiPolygon":
        return [[_ring(arcs, ring) for ring in polygon] for polygon in geometry["arcs"]]
    return []


# --- 2. Projection -------------------------------------------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> Point:
    """Equal Earth (Šavrič, Patterson & Jenny 2018) on the unit sphere, y pointing up."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


# --- 3. Antimeridian -----------------------------------------------------------------


def crosses_antimeridian(ring: Ring) -> bool:
    return any(abs(b[0] - a[0]) > 180 for a, b in itertools.pairwise(ring))


def split_antimeridian(ring: Ring) -> list[Ring]:
    """A ring that jumps across ±180° becomes its pieces on each side, cut at the meridian.

    The ring is unwrapped (longitudes made continuous), then a copy shifted by 360° is
    clipped to [-180, 180] as well (Sutherland–Hodgman against one axis each side).
    """
    if not crosses_antimeridian(ring):
        return [ring]
    unwrapped, shift = [ring[0]], 0.0
    for (x0, _), (x1, y1) in itertools.pairwise(ring):
        if x1 - x0 > 180:
            shift -= 360
        elif x0 - x1 > 180:
            shift += 360
        unwrapped.append((x1 + shift, y1))
    pieces = []
    for offset in (0, 360, -360):
        moved = [(x + offset, y) for x, y in unwrapped]
        clipped = _clip(_clip(moved, -180, keep_above=True), 180, keep_above=False)
        if len(clipped) >= 3:
            pieces.append(_densify_edges(clipped))
    return pieces


def _clip(ring: Ring, bound: float, keep_above: bool) -> Ring:
    def inside(p: Point) -> bool:
        return p[0] >= bound if keep_above else p[0] <= bound

    result: Ring = []
    for i, current in enumerate(ring):
        previous = ring[i - 1]
        if inside(current):
            if not inside(previous):
                result.append(_cross(previous, current, bound))
            result.append(current)
        elif inside(previous):
            result.append(_cross(previous, current, bound))
    return result


def _cross(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _densify_edges(ring: Ring, step: float = 1.0) -> Ring:
    """Add points along cut edges on ±180°, which are curves once projected."""
    result: Ring = []
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        result.append(a)
        if abs(a[0]) == 180 and a[0] == b[0]:
            n = int(abs(b[1] - a[1]) / step)
            result.extend((a[0], a[1] + (b[1] - a[1]) * k / (n + 1)) for k in range(1, n + 1))
    return result


# --- SVG path data -------------------------------------------------------------------


def path_data(rings: Iterable[Ring]) -> str:
    """`M x,y L ... Z` for each ring, rounded to 0.1 px with repeated points dropped."""
    parts = []
    for ring in rings:
        points: list[str] = []
        for x, y in ring:
            point = f"{x:.1f},{y:.1f}"
            if not points or points[-1] != point:
                points.append(point)
        if len(points) >= 3:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def ring_area(ring: Ring) -> float:
    """Signed area (shoelace formula)."""
    return (
        sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True)) / 2
    )


def centroid(ring: Ring) -> Point:
    """Area centroid of one ring (the mean of its points if it has no area)."""
    area = ring_area(ring)
    if abs(area) < 1e-12:
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    cx = cy = 0.0
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = a[0] * b[1] - b[0] * a[1]
        cx += (a[0] + b[0]) * cross
        cy += (a[1] + b[1]) * cross
    return cx / (6 * area), cy / (6 * area)


def largest_ring(polys: list[list[Ring]]) -> Ring:
    return max((poly[0] for poly in polys if poly and poly[0]), key=lambda r: abs(ring_area(r)))


# --- The two maps --------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One drawable feature: the atlas id (FIPS or ISO numeric; None if it has none)."""

    atlas_id: str | None
    name: str
    d: str
    center: Point = (0.0, 0.0)


@dataclass(frozen=True)
class MapGeometry:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def _load(name: str) -> dict:
    with open(geo_dir() / name, encoding="utf-8") as f:
        return json.load(f)


def _features(topology: dict, name: str) -> Iterator[tuple[dict, list[list[Ring]]]]:
    arcs = decode_arcs(topology)
    for geometry in topology["objects"][name]["geometries"]:
        yield geometry, polygons(geometry, arcs)


# --- Keeping decoded maps between processes --------------------------------------------

_KEEP: list[Path] = []  # where decoded maps are kept (see keep_in); empty: nowhere


def keep_in(folder: Path) -> None:
    """Keep the decoded maps in `folder` from now on: decoding and projecting both atlases
    costs a few tenths of a second in every process, a good part of a small rebuild."""
    folder.mkdir(parents=True, exist_ok=True)
    _KEEP[:] = [folder]


@lru_cache(maxsize=1)
def _source_key() -> str:
    """What the decoded maps depend on: the atlas files and this module."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in ("states-albers-10m.json", "countries-110m.json"):
        digest.update((geo_dir() / name).read_bytes())
    return digest.hexdigest()


def _kept(name: str, make: Callable[[], dict]) -> dict:
    """`make()`, a JSON-able value, read back from the keep folder when still valid."""
    if not _KEEP:
        return make()
    path = _KEEP[0] / f"{name}.json"
    with contextlib.suppress(OSError, ValueError):
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == _source_key():
            return stored["value"]
    value = make()
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps({"key": _source_key(), "value": value}), encoding="utf-8")
    os.replace(temp, path)
    return value


def _shapes_json(shapes: Iterable[Shape]) -> list[list]:
    return [[s.atlas_id, s.name, s.d, *s.center] for s in shapes]


def _shapes(rows: list[list]) -> tuple[Shape, ...]:
    return tuple(Shape(i, name, d, (x, y)) for i, name, d, x, y in rows)


@lru_cache(maxsize=1)
def us_map() -> MapGeometry:
    """The 50 states and DC, already projected by us-atlas (AK and HI as insets)."""

    def make() -> dict:
        shapes = [
            Shape(
                g["id"],
                g["properties"]["name"],
                path_data(r for poly in polys for r in poly),
                centroid(largest_ring(polys)),
            )
            for g, polys in _features(_load("states-albers-10m.json"), "states")
        ]
        return {"shapes": _shapes_json(shapes)}

    return MapGeometry(US_WIDTH, US_HEIGHT, _shapes(_kept("us-map", make)["shapes"]))


@dataclass(frozen=True)
class WorldFit:
    """Equal Earth scaled and moved to fit the map's width, y pointing down."""

    scale: float
    x0: float
    y0: float

    def __call__(self, lon: float, lat: float) -> Point:
        x, y = equal_earth(lon, lat)
        return (x - self.x0) * self.scale, (self.y0 - y) * self.scale


def _world_rings(polys: list[list[Ring]]) -> list[Ring]:
    return [piece for poly in polys for ring in poly for piece in split_antimeridian(ring)]


@lru_cache(maxsize=1)
def _world() -> tuple[MapGeometry, WorldFit]:
    kept = _kept("world-map", _world_json)
    fit = WorldFit(*kept["fit"])
    return MapGeometry(WORLD_WIDTH, kept["height"], _shapes(kept["shapes"])), fit


def _world_json() -> dict:
    features = [
        (g, _world_rings(polys))
        for g, polys in _features(_load("countries-110m.json"), "countries")
        if g.get("id") not in WORLD_SKIP and polys
    ]
    xs, ys = [], []
    for _, rings in features:
        for ring in rings:
            for lon, lat in ring:
                x, y = equal_earth(lon, lat)
                xs.append(x)
                ys.append(y)
    pad = 4
    scale = (WORLD_WIDTH - 2 * pad) / (max(xs) - min(xs))
    fit = WorldFit(scale, min(xs) - pad / scale, max(ys) + pad / scale)
    height = math.ceil((max(ys) - min(ys)) * scale + 2 * pad)
    shapes = tuple(
        Shape(
            g.get("id"),
            g["properties"]["name"],
            _project_path(rings, fit),
            _projected_center(rings, fit),
        )
        for g, rings in features
    )
    return {
        "height": height,
        "fit": [fit.scale, fit.x0, fit.y0],
        "shapes": _shapes_json(shapes),
    }


def _projected_center(rings: list[Ring], fit: WorldFit) -> Point:
    """The centre of the largest piece, on the map (where a marker on the country goes)."""
    projected = [[fit(lon, lat) for lon, lat in ring] for ring in rings if ring]
    return centroid(max(projected, key=lambda r: abs(ring_area(r))))


def _project_path(rings: list[Ring], project: Callable[[float, float], Point]) -> str:
    return path_data([project(lon, lat) for lon, lat in ring] for ring in rings)


def world_map() -> MapGeometry:
    """Countries of Natural Earth 1:110m in Equal Earth, without Antarctica."""
    return _world()[0]


def world_point(lon: float, lat: float) -> Point:
    """Where a lon/lat point falls on the world map (for countries too small to draw)."""
    return _world()[1](lon, lat)


@lru_cache(maxsize=1)
def county_points() -> dict[str, tuple[float, float, str]]:
    """5-digit county FIPS -> (x, y, name) on the US map: where a county's marker goes."""
    return {k: (v[0], v[1], v[2]) for k, v in _load("county-points.json").items()}


@lru_cache(maxsize=1)
def small_country_points() -> dict[str, tuple[float, float, str]]:
    """ISO numeric -> (x, y, name) on the world map for countries 1:110m leaves out."""
    result = {}
    for numeric, (lon, lat, name) in _load("small-countries.json").items():
        x, y = world_point(lon, lat)
        result[numeric] = (x, y, name)
    return result


# --- Deriving the small point files (run by hand when the atlases are updated) --------


def derive_points(atlas: str | Path, out: str | Path | None = None) -> None:
    """Write county-points.json and small-countries.json from an `npm install` folder.

    `atlas` is a node_modules folder holding us-atlas and world-atlas; the big source
    files stay out of the repository, only these two small derived files are committed.
    """
    atlas, out = Path(atlas), Path(out or geo_dir())
    with open(atlas / "us-atlas" / "counties-albers-10m.json", encoding="utf-8") as f:
        counties = json.load(f)
    points = {}
    for g, polys in _features(counties, "counties"):
        if polys:
            x, y = centroid(largest_ring(polys))
            points[g["id"]] = [round(x, 1), round(y, 1), g["properties"]["name"]]
    _write_json(out / "county-points.json", dict(sorted(points.items())))
    drawn = {
        g.get("id") for g in _load("countries-110m.json")["objects"]["countries"]["geometries"]
    }
    with open(atlas / "world-atlas" / "countries-50m.json", encoding="utf-8") as f:
        detailed = json.load(f)
    small = {}
    for g, polys in _features(detailed, "countries"):
        numeric = g.get("id")
        if numeric and numeric not in drawn and numeric not in small and polys:
            ring = largest_ring(polys)
            lon, lat = centroid(_unwrapped(ring))
            lon = (lon + 180) % 360 - 180
            small[numeric] = [round(lon, 2), round(lat, 2), g["properties"]["name"]]
    _write_json(out / "small-countries.json", dict(sorted(small.items())))


def _unwrapped(ring: Ring) -> Ring:
    if not crosses_antimeridian(ring):
        return ring
    return [((x + 360) if x < 0 else x, y) for x, y in ring]


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n")
