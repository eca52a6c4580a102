"""Researcher exports: round trips, the data package, GeoJSON, filters, safety, errors."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from status import exports
from status.errors import KratomError
from status.export_fields import FIELDS, Field
from status.export_rows import csv_value, rows, shape_dicts, status_dicts
from status.export_select import expand
from status.lookup import Selection
from status.output import FORMULA_STARTS, safe_cell
from status.queries import changes
from tests.conftest import add_record

D = dt.date.fromisoformat
DOCS = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


@pytest.fixture
def laws(conn):
    """A small history with every kind of value an export must carry."""
    add_record(
        conn,
        "US-AL",
        "2016-05-10",
        "banned",
        enacted_date="2016-05-10",
        citation="Ala. Code § 20-2-23",
        substances='["leaf", "mitragynine"]',
        conditions='{"possession_offence": true}',
        confidence="high",
    )
    add_record(conn, "US-TX", "1970-01-01", "legal", effective_precision="unknown")
    add_record(
        conn,
        "US-TX",
        "2025-09-01",
        "restricted",
        min_age=18,
        conditions='{"min_age": 18, "licensing": true, "labelling": false, "alkaloid_cap": "2%"}',
        source_urls='["https://example.org/tx", "https://example.org/tx2"]',
        method="reviewed",
        confidence="medium",
    )
    add_record(conn, "US-KY", "2024-04-04", "restricted", min_age=21)
    add_record(conn, "US-KY", "2027-01-01", "banned", enacted_date="2025-03-01")
    add_record(conn, "US-MS-MONROE-COUNTY", "2019-01-15", "banned", instrument="ordinance")
    add_record(conn, "TH", "2021-08-24", "legal", leaf_status="legal", seven_oh_status="legal")
    add_record(
        conn,
        "TH",
        "2021-08-24",
        "restricted",
        summary="Same day; the later id wins.",
        evidence='Line one,\r\nline "two"\rthree\n',
    )
    return conn


@pytest.fixture
def run(conn, db_path):
    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args])

    return invoke


def export(conn, what, fmt, **filters) -> str:
    out = io.StringIO()
    exports.write(conn, what, fmt, out, **filters)
    return out.getvalue()


def typed(field: Field, cell: str):
    """A CSV cell read back by its Table Schema type (what a researcher's reader does)."""
    if cell == "":
        return [] if field.type == "list" else None
    if field.type == "integer":
        return int(cell)
    if field.type == "boolean":
        return {"true": True, "false": False}[cell]
    if field.type == "list":
        return cell.split(";")
    return cell


def read_csv(text: str, what: str) -> list[dict]:
    fields = {f.name: f for f in FIELDS[what]}
    return [
        {name: typed(fields[name], cell) for name, cell in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


@pytest.mark.parametrize("what", ["status", "history", "changes", "jurisdictions"])
def test_csv_json_and_ndjson_round_trip_to_the_same_typed_rows(laws, what):
    as_json = json.loads(export(laws, what, "json"))
    as_ndjson = [json.loads(line) for line in export(laws, what, "ndjson").splitlines()]
    as_csv = read_csv(export(laws, what, "csv"), what)
    assert as_json == as_ndjson == as_csv
    assert as_json and list(as_json[0]) == [f.name for f in FIELDS[what]]


def test_values_are_typed_and_join_columns_are_present(laws):
    texas = json.loads(export(laws, "status", "json", selections=[expand(laws, "US-TX")]))[0]
    assert (texas["status"], texas["since"], texas["min_age"]) == ("restricted", "2025-09-01", 18)
    assert (texas["licensing"], texas["labelling"], texas["registration"]) == (True, False, None)
    assert texas["alkaloid_cap"] == "2%"
    assert texas["source_urls"] == ["https://example.org/tx", "https://example.org/tx2"]
    assert (texas["iso_code"], texas["fips"], texas["state_fips"]) == ("US-TX", "48", "48")
    assert texas["ocd_id"] == "ocd-division/country:us/state:tx"
    assert "us-south" in texas["regions"] and texas["country"] == "US"
    assert (texas["method"], texas["confidence"]) == ("reviewed", "medium")
    assert texas["recorded_at"] == "2026-11-24T00:00:00Z"
    monroe = json.loads(export(laws, "history", "json", selections=[expand(laws, "US-MS-M*")]))
    assert monroe[0]["iso_code"] is None and monroe[0]["state_fips"] == "28"
    thailand = json.loads(export(laws, "status", "json", selections=[expand(laws, "TH")]))[0]
    assert (thailand["iso_alpha3"], thailand["iso_numeric"]) == ("THA", "764")
    assert thailand["status"] == "restricted"


def test_history_knows_the_previous_status_across_a_since_cut(laws):
    rows_ = json.loads(export(laws, "history", "json", since=D("2025-01-01")))
    assert [
        (r["jurisdiction"], r["previous_status"], r["status"], r["is_change"]) for r in rows_
    ] == [("US-KY", "restricted", "banned", True), ("US-TX", "legal", "restricted", True)]
    until = json.loads(export(laws, "history", "json", until=D("2016-12-31")))
    assert [r["jurisdiction"] for r in until] == ["US-AL", "US-TX"]


def test_history_changes_agree_with_the_change_log(laws):
    history = json.loads(export(laws, "history", "json"))
    marked = {
        r["record_id"] for r in history if r["is_change"] and r["effective_precision"] != "unknown"
    }
    assert marked == {r["id"] for r in changes(laws)}
    exported = json.loads(export(laws, "changes", "json", selections=[Selection(region="us")]))
    assert [r["record_id"] for r in exported] == [
        r["id"] for r in changes(laws, selections=[Selection(region="us")])
    ]


def test_history_streams_from_the_cursor(laws):
    stream = rows(laws, "history", "csv", exports.Filters())
    assert iter(stream) is stream  # an iterator over the cursor, not a list
    line = next(stream)  # one CSV line, written by SQLite
    assert line.endswith("\r\n") and line.split(",")[1] in {"TH", "US-AL"}


def test_both_history_files_from_one_pass_are_the_files_written_one_by_one(laws, tmp_path):
    add_record(laws, "US-AL", "2017-01-01", "legal", citation='=HYPERLINK("x")', summary="a,b")
    written = exports.write_history_both(laws, tmp_path / "h.csv", tmp_path / "h.ndjson")
    csv_text = (tmp_path / "h.csv").read_bytes().decode()  # CRLF line ends kept
    assert csv_text == export(laws, "history", "csv")
    assert (tmp_path / "h.ndjson").read_bytes().decode() == export(laws, "history", "ndjson")
    assert written.rows == 9 and "'=HYPERLINK" in csv_text
    for name in ("h.csv", "h.ndjson"):  # hashed as written: the hash of the file itself
        assert written.sha256[name] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_both_status_files_from_one_pass_are_the_files_written_one_by_one(laws, tmp_path):
    add_record(laws, "US-AL", "2017-01-01", "legal", citation='=HYPERLINK("x")', summary="a,b")
    day = D("2026-11-24")
    written = exports.write_status_both(laws, tmp_path / "s.csv", tmp_path / "s.json", as_of=day)
    csv_text = (tmp_path / "s.csv").read_bytes().decode()
    assert csv_text == export(laws, "status", "csv", as_of=day)
    assert (tmp_path / "s.json").read_bytes().decode() == export(laws, "status", "json", as_of=day)
    assert written.rows == csv_text.count("\r\n") - 1 > 1 and "'=HYPERLINK" in csv_text
    for name in ("s.csv", "s.json"):
        assert written.sha256[name] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_formula_cells_from_scraped_text_are_neutralised_in_csv_only(conn):
    add_record(
        conn,
        "US-AL",
        "2016-05-10",
        "banned",
        citation='=HYPERLINK("http://evil")',
        summary="+1 sold",
        evidence="-2 grams",
        note="@SUM(A1)",
        source_url="=cmd|' /C calc'!A0",
    )
    history = next(csv.DictReader(io.StringIO(export(conn, "history", "csv"))))
    assert history["citation"] == '\'=HYPERLINK("http://evil")'
    assert (history["summary"], history["evidence"], history["note"]) == (
        "'+1 sold",
        "'-2 grams",
        "'@SUM(A1)",
    )
    assert history["source_url"].startswith("'=")
    status = next(
        csv.DictReader(
            io.StringIO(export(conn, "status", "csv", selections=[Selection(codes=("US-AL",))]))
        )
    )
    assert status["citation"].startswith("'=") and status["summary"] == "'+1 sold"
    assert json.loads(export(conn, "history", "json"))[0]["summary"] == "+1 sold"


def test_a_glob_region_and_as_of_agree_with_kratom_status(run, laws):
    exported = json.loads(run("export", "US-*", "--format", "json").stdout)
    listed = json.loads(run("status", "--format", "json").stdout)
    assert [r["code"] for r in exported] == [
        r["code"] for r in listed if r["code"].startswith("US-")
    ]
    args = ["--region", "us-south", "--as-of", "2025-06-01", "--format", "json"]
    exported = json.loads(run("export", *args).stdout)
    listed = json.loads(run("status", *args).stdout)
    assert [(r["code"], r["status"], r["since"]) for r in exported] == [
        (r["code"], r["status"], r["since"]) for r in listed
    ]
    assert {r["code"]: r["status"] for r in exported}["US-TX"] == "legal"


def test_a_datapackage_validates_and_names_its_version(laws, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    path = exports.write_datapackage(laws, tmp_path / "pkg", as_of=D("2026-01-01"))
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads(path.read_text())
    assert re.fullmatch(r"2026-01-01\.[0-9a-f]{12}", descriptor["version"])
    status = next(r for r in descriptor["resources"] if r["name"] == "status")
    assert status["schema"]["primaryKey"] == ["code"]
    assert {
        "fields": ["code"],
        "reference": {"resource": "jurisdictions", "fields": ["code"]},
    } in status["schema"]["foreignKeys"]
    again = exports.write_datapackage(laws, tmp_path / "again", as_of=D("2026-01-01"))
    assert json.loads(again.read_text())["version"] == descriptor["version"]
    add_record(laws, "US-AK", "2026-01-01", "banned")
    changed = exports.write_datapackage(laws, tmp_path / "changed", as_of=D("2026-01-01"))
    assert json.loads(changed.read_text())["version"] != descriptor["version"]


def test_the_datapackage_csv_reads_back_typed_like_the_json(laws, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    path = exports.write_datapackage(laws, tmp_path / "pkg")
    package = frictionless.Package(str(path))
    read = package.get_resource("history").read_rows()
    as_json = json.loads(export(laws, "history", "json"))
    assert len(read) == len(as_json)
    for row, expected in zip(read, as_json, strict=True):
        values = {
            k: v.isoformat().replace("+00:00", "Z") if hasattr(v, "isoformat") else v
            for k, v in row.items()
        }
        values = {
            k: [] if v is None and FIELDS_BY_NAME[k].type == "list" else v
            for k, v in values.items()
        }
        assert values == expected


FIELDS_BY_NAME = {f.name: f for f in FIELDS["history"]}


def test_geojson_has_one_feature_per_jurisdiction(laws):
    collection = json.loads(export(laws, "status", "geojson"))
    assert collection["type"] == "FeatureCollection"
    codes = [f["id"] for f in collection["features"]]
    total = laws.execute("SELECT count(*) FROM jurisdictions").fetchone()[0]
    assert len(codes) == len(set(codes)) == total
    features = {f["id"]: f for f in collection["features"]}
    alabama = features["US-AL"]
    assert alabama["type"] == "Feature" and alabama["properties"]["status"] == "banned"
    assert alabama["geometry"]["type"] == "MultiPolygon"  # us-atlas states-10m, lon/lat
    lon, lat = alabama["geometry"]["coordinates"][0][0][0]
    assert -89 < lon < -84 and 30 < lat < 35.5  # Alabama's box
    assert features["US-DC"]["geometry"] is not None
    county = next(code for code in features if code.startswith("US-MS-"))
    assert features[county]["geometry"] is None  # counties: no lon/lat outlines shipped yet
    past = json.loads(export(laws, "status", "geojson", as_of=D("2015-01-01")))
    assert {f["id"]: f["properties"]["status"] for f in past["features"]}["US-AL"] == "unknown"


def signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def test_country_geometry_follows_rfc_7946(laws):
    features = {f["id"]: f for f in json.loads(export(laws, "status", "geojson"))["features"]}
    assert features["TH"]["geometry"]["type"] == "Polygon"
    assert features["SG"]["geometry"]["type"] == "Point"  # too small for 1:110m
    fiji = features["FJ"]["geometry"]
    assert fiji["type"] == "MultiPolygon"
    drawn = [f["geometry"] for f in features.values() if f["geometry"]]
    assert len(drawn) > 200
    for geometry in drawn:
        if geometry["type"] == "Point":
            continue
        polygons = geometry["coordinates"]
        for rings in [polygons] if geometry["type"] == "Polygon" else polygons:
            assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in rings)
            assert signed_area(rings[0]) > 0  # exterior counter-clockwise
            assert all(signed_area(hole) < 0 for hole in rings[1:])
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for ring in rings for x, y in ring)
    for ring in fiji["coordinates"]:  # cut at the antimeridian: no edge jumps across it
        assert all(abs(a[0] - b[0]) < 180 for a, b in zip(ring[0], ring[0][1:], strict=False))


def test_a_geometry_provider_fills_features(laws):
    out = io.StringIO()
    point = {"type": "Point", "coordinates": [100.5, 13.75]}
    exports.write(
        laws,
        "status",
        "geojson",
        out,
        selections=[Selection(codes=("TH",))],
        geometry=lambda code: point if code == "TH" else None,
    )
    assert json.loads(out.getvalue())["features"][0]["geometry"] == point


def test_empty_exports_are_still_valid(conn):
    assert json.loads(export(conn, "history", "json")) == []
    assert export(conn, "history", "ndjson") == ""
    assert export(conn, "checks", "csv").startswith("id,source_id,")


def test_sources_and_checks_export(conn):
    conn.execute(
        "INSERT INTO sources (id, jurisdiction, url, kind) VALUES "
        "('us-al-code', 'US-AL', 'https://example.org/al', 'statute')"
    )
    conn.execute(
        "INSERT INTO checks (source_id, checked_at, http_status, outcome, reason) "
        "VALUES ('us-al-code', '2026-11-20T10:00:00Z', 503, 'failed', '-503 error')"
    )
    sources = json.loads(export(conn, "sources", "json"))
    assert sources[0]["id"] == "us-al-code" and sources[0]["active"] is True
    checks = list(csv.DictReader(io.StringIO(export(conn, "checks", "csv"))))
    assert (checks[0]["outcome"], checks[0]["http_status"], checks[0]["reason"]) == (
        "failed",
        "503",
        "'-503 error",
    )
    assert export(conn, "checks", "ndjson", since=D("2026-11-21")) == ""


def test_cli_writes_a_file_atomically_and_reports_on_stderr(run, laws, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "history.ndjson"
    result = run("export", "--what", "history", "--format", "ndjson", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "wrote 8 history rows" in result.stderr
    assert len(target.read_text().splitlines()) == 8
    assert [p.name for p in target.parent.iterdir()] == ["history.ndjson"]  # no temp file left
    package = run("export", "--format", "datapackage", "-o", str(tmp_path / "pkg"))
    assert package.exit_code == 0 and (tmp_path / "pkg" / "datapackage.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "unknown format 'xml'"),
        (["--what", "laws"], "unknown export 'laws'"),
        (["US-[A"], "bad pattern 'US-[A'"),
        (["ZZ-*"], "no jurisdiction code matches 'ZZ-*'"),
        (["--what", "history", "--as-of", "2020-01-01"], "--as-of picks the day"),
        (["--since", "2020-01-01"], "does not apply to --what status"),
        (["--what", "history", "--since", "2021-01-01", "--until", "2020-01-01"], "swap them"),
        (["--what", "history", "--format", "geojson"], "use it with --what status"),
        (["--format", "datapackage"], "give -o FOLDER"),
        (["-o", "/nonexistent-folder/x.csv"], "cannot write /nonexistent-folder/x.csv"),
        (["--region", "eurpoe"], "did you mean europe?"),
    ],
)
def test_bad_input_is_one_clear_line(run, args, message):
    result = run("export", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_library_errors_are_kratom_errors(conn):
    with pytest.raises(KratomError, match="a datapackage is a folder"):
        exports.write(conn, "status", "datapackage", io.StringIO())
    with pytest.raises(KratomError, match="is a folder"):
        exports.write(
            conn, "status", "csv", Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent
        )


def export_section(heading: str) -> str:
    """The part of docs/data-dictionary.md's Exports chapter under `### heading`."""
    exports_part = DOCS.read_text().split("\n## Exports\n", 1)[1]
    return exports_part.split(f"\n### {heading}\n", 1)[1].split("\n#", 1)[0]


def test_every_export_field_is_unique_and_in_the_data_dictionary():
    joins = {f.name for f in FIELDS["jurisdictions"]}
    headings = {"changes": "`history` and `changes`", "history": "`history` and `changes`"}
    for what, fields in FIELDS.items():
        names = [f.name for f in fields]
        assert len(names) == len(set(names)), what
        own = export_section(headings.get(what, f"`{what}`"))
        listed = export_section("`jurisdictions`")
        for field in fields:
            row = f"| `{field.name}` | {field.type}"
            where = (
                listed if field.name in joins and what in ("status", "history", "changes") else own
            )
            assert row in where, f"docs/data-dictionary.md: {what}.{field.name} ({field.type})"


@pytest.mark.parametrize("text", [*(c + "1+1" for c in FORMULA_STARTS), "Act 12", "", "a=b"])
def test_the_sql_formula_guard_is_safe_cell(conn, text):
    add_record(conn, "US-AL", "2016-05-10", "banned", citation=text, source_urls=json.dumps([text]))
    row = next(csv.DictReader(io.StringIO(export(conn, "history", "csv"), newline="")))
    assert row["citation"] == (safe_cell(text) if text else "")
    assert row["source_urls"] == (safe_cell(text) if text else "")


# A record with every condition and list set, and text that a CSV writer must quote or guard.
FULL = {
    "enacted_date": "2019-03-01",
    "expires_date": "2020-03-01",
    "conditions": json.dumps(
        {
            "min_age": 21,
            "licensing": True,
            "labelling": False,
            "registration": True,
            "alkaloid_cap": "=2%, by weight",
            "prescription_only": False,
            "possession_offence": True,
        }
    ),
    "substances": '["leaf", "mitragynine", "7-hydroxymitragynine"]',
    "instrument": "statute",
    "citation": 'Act 5, "Kratom" § 2',
    "source_url": "https://example.org/a,b",
    "source_urls": '["-https://example.org/1", "https://example.org/2"]',
    "summary": "Line one,\r\nline two",
    "evidence": "@SUM(A1)",
    "note": "a note",
    "disputed": '"quoted"',
    "confidence": "high",
    "method": "reviewed",
    "checked_date": "2026-11-01",
}
# Its history values, typed as JSON gives them (min_age comes from the conditions).
FULL_VALUES = {
    "effective_date": "2019-05-01",
    "effective_precision": "day",
    "enacted_date": "2019-03-01",
    "expires_date": "2020-03-01",
    "previous_status": "legal",
    "status": "restricted",
    "is_change": True,
    "leaf_status": "restricted",
    "seven_oh_status": "restricted",
    "min_age": 21,
    "licensing": True,
    "labelling": False,
    "registration": True,
    "alkaloid_cap": "=2%, by weight",
    "prescription_only": False,
    "possession_offence": True,
    "substances": ["leaf", "mitragynine", "7-hydroxymitragynine"],
    "instrument": "statute",
    "citation": 'Act 5, "Kratom" § 2',
    "source_url": "https://example.org/a,b",
    "source_urls": ["-https://example.org/1", "https://example.org/2"],
    "summary": "Line one,\r\nline two",
    "evidence": "@SUM(A1)",
    "note": "a note",
    "disputed": '"quoted"',
    "confidence": "high",
    "method": "reviewed",
    "checked_date": "2026-11-01",
    "recorded_at": "2026-11-24T00:00:00Z",
}
# A record with nothing optional: empty conditions and lists, NULL text.
BARE_VALUES = {
    "effective_date": "2018-01-01",
    "effective_precision": "day",
    "previous_status": "unknown",
    "status": "legal",
    "is_change": True,
    "leaf_status": "legal",
    "seven_oh_status": "legal",
    "substances": [],
    "source_urls": [],
    "method": "curated",
    "recorded_at": "2026-11-24T00:00:00Z",
}
# Condition values that `kratom data validate` refuses but a database may still hold.
ODD_CONDITIONS = '{"licensing": 1, "labelling": 0, "registration": "yes", "alkaloid_cap": true}'


@pytest.fixture
def varied(conn):
    """A bare record, a full one after it, odd conditions, a source with checks."""
    bare = add_record(conn, "US-NV", "2018-01-01", "legal", citation=None, source_url=None)
    full = add_record(conn, "US-NV", "2019-05-01", "restricted", **FULL)
    add_record(conn, "US-UT", "2020-02-02", "banned", conditions=ODD_CONDITIONS)
    add_record(conn, "US-UT", "2030-01-01", "legal", effective_precision="year")
    add_record(conn, "US-OR", "1990-01-01", "legal", effective_precision="unknown")
    conn.execute(
        "INSERT INTO sources (id, jurisdiction, url, kind, title) "
        "VALUES ('nv', 'US-NV', 'https://example.org/nv', 'statute', 'Nevada, \"NRS\"')"
    )
    conn.executemany(
        "INSERT INTO checks (source_id, checked_at, outcome) VALUES ('nv', ?, ?)",
        [("2026-11-20T10:00:00Z", "unchanged"), ("2026-11-22T10:00:00Z", "failed")],
    )
    return conn, bare, full


def csv_line(cells: list) -> str:
    """The line the csv module writes for these cells."""
    out = io.StringIO(newline="")
    csv.writer(out).writerow(cells)
    return out.getvalue()


def test_empty_and_full_records_keep_their_history_values(varied):
    conn, bare, full = varied
    nevada = [Selection(codes=("US-NV",))]
    objects = list(rows(conn, "history", "json", exports.Filters(nevada)))
    lines = list(rows(conn, "history", "csv", exports.Filters(nevada)))
    names = [f.name for f in FIELDS["history"]]
    places = {r["code"]: r for r in json.loads(export(conn, "jurisdictions", "json"))}
    for record_id, values, text, line in zip(
        (bare, full), (BARE_VALUES, FULL_VALUES), objects, lines, strict=True
    ):
        expected = {name: None for name in names} | values
        expected |= {"record_id": record_id, "jurisdiction": "US-NV"}
        expected |= {k: v for k, v in places["US-NV"].items() if k != "code"}
        assert json.loads(text) == expected
        assert text == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
        cells = [csv_value(f, expected[f.name]) for f in FIELDS["history"]]
        assert line == csv_line(["" if c is None else c for c in cells])
    cells = next(csv.reader(io.StringIO(lines[1], newline="")))
    assert cells[names.index("alkaloid_cap")] == "'=2%, by weight"
    assert cells[names.index("source_urls")] == "'-https://example.org/1;https://example.org/2"
    assert cells[names.index("summary")] == "Line one,\r\nline two"


@pytest.mark.parametrize("day", ["2019-06-01", "2026-11-24", "2040-01-01"])
def test_the_status_export_is_status_as_of_with_its_python_types(varied, day):
    """SQLite writes status.csv/json; status_dicts (GeoJSON) is the rule in Python."""
    conn, _, _ = varied
    for selections in (None, [Selection(region="us")]):
        filters = exports.Filters(selections, as_of=D(day))
        for shape in ("csv", "json"):
            expected = shape_dicts(status_dicts(conn, filters), FIELDS["status"], shape)
            assert list(rows(conn, "status", shape, filters)) == list(expected)
