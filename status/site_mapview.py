"""Which jurisdiction goes where on the two maps, and how each item reads.

The US map: one shape per state and DC (us-atlas FIPS ids -> `jurisdictions.fips`), a
labelled box for DC (too small to click as a shape) and one per inhabited territory, and a
circle for each local jurisdiction whose county is known (by FIPS, or by county name
within its state). Cities have no coordinates here: they are listed under the map, never
placed by guess. The world map: one shape per country (world-atlas ISO numeric ids ->
`jurisdictions.iso_numeric`), a circle for each country too small for 1:110m, and
unlinked grey shapes for the few areas without an ISO code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from status.maps import (
    county_points,
    small_country_points,
    us_map,
    world_map,
)
from status.names import normalise
from status.site_data import Place
from status.site_render import date_text
from status.site_rows import status_of
from status.site_views import label

DC_BOX = (892.0, 282.0, 36.0, 20.0)
TERRITORY_ROW = (562.0, 574.0, 36.0, 20.0, 40.0)  # x, y, width, height, step
COUNTY_SUFFIXES = (" county", " parish", " borough", " census area", " municipality")
UNKNOWN_ROW = {"status": "unknown"}
PENDING_DESC = "A white diamond marks a live kratom bill (evidence of what may come, not a status)."


@dataclass
class MapItem:
    """A shape (`d`), a circle (`cx`, `cy`, `r`) or a labelled box (`box`, `text`)."""

    code: str | None
    name: str
    status: str
    label: str
    d: str | None = None
    cx: float | None = None
    cy: float | None = None
    r: float = 0.0
    box: tuple[float, float, float, float] | None = None
    text: str | None = None
    line: tuple[float, float, float, float] | None = None
    pending: str | None = None  # a live kratom bill, e.g. "HB 12 (2026) passed one chamber"
    mark: tuple[float, float] | None = None  # where the pending marker goes


@dataclass
class LiveBills:
    """The live bills behind the map's pending markers (empty on a past day's map)."""

    notes: dict[str, str] = field(default_factory=dict)

    def item(self, code: str, at: tuple[float, float]) -> dict:
        note = self.notes.get(code)
        return {"pending": note, "mark": at} if note else {}


@dataclass
class MapView:
    key: str
    title: str
    desc: str
    width: int
    height: int
    items: list[MapItem] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.items if i.code]


def _item(code: str | None, places: dict[str, Place], rows: dict[str, dict], **shape) -> MapItem:
    place = places[code]
    row = rows.get(code, UNKNOWN_ROW)
    text = label(place.name, row)
    if shape.get("pending"):
        text += f"; a kratom bill is pending: {shape['pending']}"
    return MapItem(code, place.name, row["status"], text, **shape)


def us_view(
    places: dict[str, Place],
    rows: dict[str, dict],
    day: dt.date,
    pending: LiveBills | None = None,
) -> MapView:
    """The US map; `pending` puts a marker on each state with a live kratom bill."""
    pending = pending or LiveBills()
    view = MapView(
        "us",
        f"Kratom legal status in the US states, as of {date_text(day.isoformat())}",
        "Each state is filled by its status: banned (dark red, hatched), restricted "
        "(orange, dotted), legal (blue) or unknown (grey). Boxes stand for DC and the "
        "territories; circles mark county bans. The table after the map lists the same.",
        us_map().width,
        us_map().height,
    )
    by_fips = {p.fips: c for c, p in places.items() if p.parent == "US" and p.fips}
    for shape in us_map().shapes:
        code = by_fips.get(shape.atlas_id)
        if code == "US-DC":  # too small to carry a marker: its box does
            x, y, w, h = DC_BOX
            view.items.append(_item(code, places, rows, d=shape.d, pending=pending.notes.get(code)))
            view.items.append(
                _item(
                    code,
                    places,
                    rows,
                    box=DC_BOX,
                    text="DC",
                    line=(*shape.center, x, y + h / 2),
                    **pending.item(code, (x + w, y)),
                )
            )
        elif code:
            more = pending.item(code, shape.center)
            view.items.append(_item(code, places, rows, d=shape.d, **more))
    x, y, w, h, step = TERRITORY_ROW
    territories = sorted(c for c, p in places.items() if p.parent == "US" and p.kind == "territory")
    for i, code in enumerate(territories):
        box = (x + i * step, y, w, h)
        more = pending.item(code, (box[0] + w, y))
        view.items.append(_item(code, places, rows, box=box, text=code.split("-")[1], **more))
    for code, (cx, cy) in marked_counties(places, rows, pending).items():
        more = pending.item(code, (cx + 5.0, cy - 5.0))
        view.items.append(_item(code, places, rows, cx=cx, cy=cy, r=5.0, **more))
    return _note_pending(view)


def marked_counties(
    places: dict[str, Place], rows: dict[str, dict], pending: LiveBills | None = None
) -> dict[str, tuple[float, float]]:
    """The counties the US map marks: placed, with a rule on record or a live bill."""
    notes = pending.notes if pending else {}
    return {
        code: point
        for code, point in county_markers(places).items()
        if status_of(rows, code) != "unknown" or code in notes
    }


def _note_pending(view: MapView) -> MapView:
    if any(item.mark for item in view.items):
        view.desc += f" {PENDING_DESC}"
    return view


def county_markers(places: dict[str, Place]) -> dict[str, tuple[float, float]]:
    """Local jurisdictions placed at their county's centre: by FIPS, else by name in state."""
    points = county_points()
    by_name = _counties_by_name()
    result = {}
    counties = sorted((c, p) for c, p in places.items() if p.kind == "county")
    for code, place in counties:
        if not place.parent or place.parent not in places:
            continue
        fips = place.fips if place.fips in points else None
        state_fips = places[place.parent].fips
        if fips is None and state_fips:
            fips = by_name.get((state_fips, _county_name(place.name)))
        if fips:
            result[code] = points[fips][:2]
    return result


@lru_cache(maxsize=1)
def _counties_by_name() -> dict[tuple[str, str], str]:
    """(state FIPS, normalised county name) -> county FIPS."""
    return {(fips[:2], normalise(name)): fips for fips, (_, _, name) in county_points().items()}


def _county_name(name: str) -> str:
    key = normalise(name)
    for suffix in COUNTY_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def world_view(
    places: dict[str, Place],
    rows: dict[str, dict],
    day: dt.date,
    pending: LiveBills | None = None,
) -> MapView:
    """The world map; `pending` marks countries with a live national kratom bill."""
    pending = pending or LiveBills()
    geometry = world_map()
    view = MapView(
        "world",
        f"Kratom legal status by country, as of {date_text(day.isoformat())}",
        "Each country is filled by its national status: banned (dark red, hatched), "
        "restricted (orange, dotted), legal (blue) or unknown (grey); the United States "
        "shows the federal level. Circles mark countries too small to draw. The table "
        "after the map lists every country.",
        geometry.width,
        geometry.height,
    )
    by_numeric = {p.iso_numeric: c for c, p in places.items() if p.kind == "country"}
    for shape in geometry.shapes:
        code = by_numeric.get(shape.atlas_id)
        if code:
            more = pending.item(code, shape.center)
            view.items.append(_item(code, places, rows, d=shape.d, **more))
        else:
            text = f"{shape.name}: not tracked (no ISO 3166 code)"
            view.items.append(MapItem(None, shape.name, "none", text, d=shape.d))
    for numeric, (cx, cy, _) in sorted(small_country_points().items()):
        code = by_numeric.get(numeric)
        if code:
            more = pending.item(code, (cx + 2.6, cy - 2.6))
            view.items.append(_item(code, places, rows, cx=cx, cy=cy, r=2.6, **more))
    return _note_pending(view)
