"""The map geometry: TopoJSON decoding, Equal Earth, the antimeridian cut, what is drawn."""

import datetime as dt
import hashlib
import itertools
import math
import re

import pytest

from status import maps
from status.site_data import Place
from status.site_mapview import county_markers, us_view, world_view


def test_decode_restarts_the_delta_sum_at_each_arc_and_applies_the_transform():
    topology = {
        "transform": {"scale": [2, 10], "translate": [100, 1000]},
        "arcs": [[[0, 0], [1, 0], [0, 1]], [[5, 5], [1, 1]]],
    }
    assert maps.decode_arcs(topology) == [
        [(100, 1000), (102, 1000), (102, 1010)],
        [(110, 1050), (112, 1060)],
    ]


def test_rings_join_shared_arcs_once_and_reverse_negative_indexes():
    arcs = [[(0, 0), (1, 0), (1, 1)], [(1, 1), (0, 1), (0, 0)]]
    polygon = {"type": "Polygon", "arcs": [[0, 1]]}
    assert maps.polygons(polygon, arcs) == [[[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]]
    # ~1 is arc 1 reversed: a neighbour walks the shared border the other way.
    reversed_ring = maps.polygons({"type": "Polygon", "arcs": [[-2]]}, arcs)
    assert reversed_ring == [[[(0, 0), (0, 1), (1, 1)]]]
    multi = {"type": "MultiPolygon", "arcs": [[[0]], [[1]]]}
    assert len(maps.polygons(multi, arcs)) == 2


def test_equal_earth_matches_the_published_extents():
    x, _ = maps.equal_earth(180, 0)
    _, y = maps.equal_earth(0, 90)
    assert x == pytest.approx(2.70663, abs=1e-5)
    assert y == pytest.approx(1.31736, abs=1e-5)
    assert maps.equal_earth(0, 0) == (0, 0)
    # Reference points from d3-geo 3 `geoEqualEarth()` (scale 177.158, translate [480, 250]).
    for (lon, lat), expected in (
        ((2.35, 48.86), (485.211279865426, 86.40955959847494)),
        ((-122.42, 37.77), (187.0310978448067, 119.75007885519258)),
        ((151.2, -33.87), (849.7225592271377, 367.757944097001)),
    ):
        x, y = maps.equal_earth(lon, lat)
        assert (480 + 177.158 * x, 250 - 177.158 * y) == pytest.approx(expected, abs=1e-6)


def test_a_ring_across_the_antimeridian_is_cut_into_pieces_on_each_side():
    fiji_like = [(178, -17), (-179, -17), (-179, -16), (178, -16), (178, -17)]
    pieces = maps.split_antimeridian(fiji_like)
    assert len(pieces) == 2
    for piece in pieces:
        assert all(-180 <= lon <= 180 for lon, _ in piece)
        assert not maps.crosses_antimeridian(piece)
    untouched = [(0, 0), (1, 0), (1, 1), (0, 0)]
    assert maps.split_antimeridian(untouched) == [untouched]


def _segments(d):
    for ring in re.findall(r"M([^Z]+)Z", d):
        points = [tuple(map(float, p.split(","))) for p in ring.split("L")]
        yield from itertools.pairwise(points)


def test_no_world_shape_streaks_across_the_map():
    geometry = maps.world_map()
    longest = max(math.dist(a, b) for shape in geometry.shapes for a, b in _segments(shape.d))
    assert longest < geometry.width / 4


def test_the_us_map_has_one_shape_per_state_and_dc():
    ids = {s.atlas_id for s in maps.us_map().shapes}
    assert len(maps.us_map().shapes) == 51
    assert "11" in ids and "02" in ids and "15" in ids  # DC, Alaska and Hawaii insets
    assert all(0 <= s.center[0] <= 975 and 0 <= s.center[1] <= 610 for s in maps.us_map().shapes)


def test_the_world_map_leaves_out_antarctica_and_has_points_for_small_countries():
    ids = {s.atlas_id for s in maps.world_map().shapes}
    assert "010" not in ids and "840" in ids and "764" in ids
    small = maps.small_country_points()
    assert "702" in small and "470" in small  # Singapore and Malta are too small at 1:110m
    x, y, _ = small["702"]
    assert 0 < x < maps.WORLD_WIDTH and 0 < y < maps.world_map().height


def _places():
    return {
        "US": Place("US", "United States", "country", None, None, "840", ("world",)),
        "US-AR": Place("US-AR", "Arkansas", "state", "US", "05", None, ("us",)),
        "US-DC": Place("US-DC", "District of Columbia", "district", "US", "11", None, ("us",)),
        "US-PR": Place("US-PR", "Puerto Rico", "territory", "US", "72", None, ("us",)),
        "US-AR-BENTON-COUNTY": Place(
            "US-AR-BENTON-COUNTY", "Benton County", "county", "US-AR", None, None, ("us",)
        ),
        "US-AR-SOMEWHERE": Place(
            "US-AR-SOMEWHERE", "Somewhere", "city", "US-AR", None, None, ("us",)
        ),
        "SG": Place("SG", "Singapore", "country", None, None, "702", ("world",)),
    }


def test_counties_are_placed_by_name_in_their_state_and_cities_never_guessed():
    markers = county_markers(_places())
    assert set(markers) == {"US-AR-BENTON-COUNTY"}
    x, y, name = maps.county_points()["05007"]
    assert name == "Benton" and markers["US-AR-BENTON-COUNTY"] == (x, y)


def test_map_views_link_known_jurisdictions_and_label_every_item():
    rows = {"US-AR": {"status": "banned", "since": "2016-02-01", "since_precision": "day"}}
    us = us_view(_places(), rows, dt.date(2026, 11, 24))
    arkansas = next(i for i in us.items if i.code == "US-AR")
    assert (
        arkansas.status == "banned" and arkansas.label == "Arkansas: banned since 1 February 2016"
    )
    assert [i.text for i in us.items if i.box] == ["DC", "PR"]
    world = world_view(_places(), {}, dt.date(2026, 11, 24))
    singapore = [i for i in world.items if i.code == "SG"]
    assert singapore and singapore[0].r > 0  # a circle: not in the 1:110m shapes
    unlinked = [i for i in world.items if i.code is None]
    assert unlinked and all("not tracked" in i.label for i in unlinked)


def test_geometry_files_match_the_checksums_in_their_readme():
    readme = (maps.geo_dir() / "README.md").read_text()
    listed = dict(re.findall(r"`([\w.-]+\.json)`: `([0-9a-f]{64})`", readme))
    assert set(listed) == {p.name for p in maps.geo_dir().glob("*.json")}
    for name, sha in listed.items():
        assert hashlib.sha256((maps.geo_dir() / name).read_bytes()).hexdigest() == sha, name
    assert (maps.geo_dir() / "LICENSE-us-atlas").exists()
    assert (maps.geo_dir() / "LICENSE-world-atlas").exists()
