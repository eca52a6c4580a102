"""`kratom build`: every page and path of the contract, escaping, incremental and atomic output."""

import csv
import datetime as dt
import hashlib
import json
import sqlite3
import threading
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import lxml.html
import pytest
from click.testing import CliRunner

from cli import cli
from status import store
from status.errors import KratomError
from status.lookup import Selection
from status.publish import build
from status.queries import changes, history, status_as_of
from status.queries import record as record_by_id
from status.seed import save_jurisdictions
from status.site_data import TIMELINE_COLUMNS, changes_of, safe_code, timeline
from status.site_render import Renderer
from status.site_serve import make_server
from tests.conftest import _jurisdictions, add_record

TODAY = dt.date(2026, 11, 24)
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/","click")'


def add_sample_records(conn: sqlite3.Connection) -> None:
    """A small, varied history: changes, a baseline, an upcoming law, a dispute, a county."""
    add_record(
        conn,
        "US-AL",
        "2016-05-10",
        "banned",
        citation="Ala. Code § 20-2-23",
        summary="Kratom is a Schedule I controlled substance in Alabama.",
        confidence="high",
        checked_date="2026-11-20",
    )
    add_record(conn, "TH", "1979-01-01", "banned", effective_precision="year")
    add_record(conn, "TH", "2021-08-24", "legal", citation="Narcotics Act (No. 8) B.E. 2564")
    add_record(
        conn,
        "US-KY",
        "2024-04-04",
        "restricted",
        min_age=21,
        confidence="medium",
        conditions='{"min_age": 21, "licensing": true}',
    )
    add_record(conn, "US-KY", "2027-01-01", "banned", summary="Kentucky schedules kratom.")
    add_record(
        conn,
        "US-FL",
        "2023-07-01",
        "restricted",
        method="reviewed",
        disputed="Statute section: s. 501.9745 per the bill text; another source says 500.92.",
    )
    add_record(
        conn,
        "US-FL",
        "2025-08-13",
        "restricted",
        expires_date="2026-06-30",
        instrument="emergency-rule",
    )
    add_record(conn, "DE", "1970-01-01", "legal", effective_precision="unknown")
    add_record(conn, "US-AR", "2016-02-01", "banned")
    add_record(conn, "US-AR-BENTON-COUNTY", "2017-01-01", "banned", effective_precision="year")
    add_record(
        conn,
        "US-CA-SAN-DIEGO",
        "2016-07-15",
        "banned",
        method="detected",
        evidence="The sale of kratom is prohibited.",
    )
    add_record(
        conn,
        "US-TX",
        "2025-06-01",
        "restricted",
        evidence=XSS,
        citation=FORMULA,
        summary=f"Texas {XSS} restricts kratom.",
        source_url="javascript:alert(1)",
    )


def new_db(path: Path) -> sqlite3.Connection:
    conn = store.connect(path, create=True)
    save_jurisdictions(conn, _jurisdictions())
    return conn


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One site built from the sample records, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("site")
    conn = new_db(folder / "kratom.db")
    add_sample_records(conn)
    conn.close()
    report = build(folder / "kratom.db", folder / "out", today=TODAY)
    return SimpleNamespace(db=folder / "kratom.db", out=folder / "out", report=report)


def page(out: Path, path: str):
    return lxml.html.fromstring((out / path).read_bytes())


def tree_state(out: Path) -> dict[str, tuple[int, str]]:
    """Every file's mtime and content hash."""
    return {
        p.relative_to(out).as_posix(): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


# --- the contract's paths ------------------------------------------------------------


def test_every_contracted_path_is_built(site):
    for path in (
        "index.html",
        "changes/index.html",
        "feeds/changes.atom",
        "feeds/changes.json",
        "feeds/j/US-AL.atom",
        "feeds/region/us.atom",
        "feeds/region/europe.atom",
        "data/status.csv",
        "data/status.json",
        "data/history.csv",
        "data/history.ndjson",
        "data/datapackage.json",
        "data/kratom.db",
        "data/index.html",
        "map/us.svg",
        "map/world.svg",
        "static/site.css",
        "static/site.js",
    ):
        assert (site.out / path).is_file(), path
    codes = [r[0] for r in sqlite3.connect(site.db).execute("SELECT code FROM jurisdictions")]
    assert codes and all((site.out / "j" / c / "index.html").is_file() for c in codes)
    assert all((site.out / "feeds" / "j" / f"{c}.atom").is_file() for c in codes)


def test_every_page_links_the_downloads_and_the_feeds(site):
    for path in ("index.html", "j/US-AL/index.html", "changes/index.html", "data/index.html"):
        doc = page(site.out, path)
        hrefs = set(doc.xpath("//a/@href"))
        assert any(h.endswith("data/kratom.db") for h in hrefs), path
        assert any(h.endswith("data/history.csv") for h in hrefs), path
        types = set(doc.xpath("//head/link[@rel='alternate']/@type"))
        assert {"application/atom+xml", "application/feed+json"} <= types, path


# --- the map ---------------------------------------------------------------------------


def test_the_us_map_has_one_linked_shape_per_state_and_dc(site):
    doc = page(site.out, "index.html")
    shapes = doc.xpath("//*[@id='map-us']//*[local-name()='a'][*[local-name()='path']]")
    codes = {a.get("data-code") for a in shapes}
    assert len(shapes) == 51 and len(codes) == 51
    assert "US-DC" in codes and "US-AK" in codes and "US-HI" in codes
    alabama = next(a for a in shapes if a.get("data-code") == "US-AL")
    assert alabama.get("href") == "./j/US-AL/"
    assert "s-banned" in alabama.get("class")
    assert alabama.get("aria-label") == "Alabama: banned since 10 May 2016"
    assert alabama.xpath("string(*[local-name()='title'])") == "Alabama: banned since 10 May 2016"
    boxes = doc.xpath("//*[@id='map-us']//*[contains(@class,'callout')]/@data-code")
    assert "US-DC" in boxes and "US-PR" in boxes  # DC is clickable as a box, territories too
    markers = doc.xpath("//*[@id='map-us']//*[contains(@class,'marker')]/@data-code")
    assert markers == ["US-AR-BENTON-COUNTY"]  # a county has a place; a city does not


def test_the_map_is_labelled_and_has_text_equivalents(site):
    doc = page(site.out, "index.html")
    svg = doc.xpath("//*[@id='map-us']")[0]
    assert svg.get("role") == "group"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert "US states" in doc.xpath(f"string(//*[@id='{title_id}'])")
    assert "hatched" in doc.xpath(f"string(//*[@id='{desc_id}'])")  # the greyscale cue
    assert all(a.get("aria-label") for a in svg.xpath(".//*[local-name()='a']"))
    legend = doc.xpath("string(//*[@id='legend-us'])")
    for word in ("Banned", "Restricted", "Legal", "Unknown"):
        assert word in legend
    assert doc.xpath("string(//*[@data-count='us-banned'])") == "2"
    assert doc.xpath("//*[local-name()='pattern'][@id='pat-banned']")


def test_tables_beside_the_maps_list_everything_without_javascript(site):
    doc = page(site.out, "index.html")
    us = doc.xpath("//table[@id='table-us']/tbody/tr/@data-code")
    assert len(us) == 56 and "US-PR" in us  # 50 states, DC, 5 territories
    world = doc.xpath("//table[@id='table-world']/tbody/tr/@data-code")
    assert len(world) == 249 and "SG" in world and "MT" in world  # drawn or not
    local = doc.xpath("//table[@id='table-local']/tbody/tr/@data-code")
    assert "US-CA-SAN-DIEGO" in local and "US-AR-BENTON-COUNTY" in local
    row = doc.xpath("//table[@id='table-us']/tbody/tr[@data-code='US-KY']")[0]
    assert row.get("data-status") == "restricted"
    assert "banned from 1 January 2027" in row.text_content()
    assert doc.xpath("//table[@id='table-us']/caption")
    assert doc.xpath("//table[@id='table-us']/thead//th[@scope='col']")


def test_yearly_snapshots_come_from_the_point_in_time_query(site):
    doc = page(site.out, "index.html")
    data = json.loads(doc.xpath("string(//script[@id='timeline-data'])"))
    assert data["labels"][-1] == "today" and "2016" in data["labels"]
    first = data["labels"].index("1979")
    alabama = data["at"]["US-AL"]
    assert alabama[first] == -1  # no record yet in 1979: unknown
    assert data["records"]["US-AL"][alabama[-1]][0] == "banned"
    links = doc.xpath("//p[@class='snapshots']/a/@href")
    assert "./as-of/2016/" in links
    snapshot = page(site.out, "as-of/2016/index.html")
    assert "31 December 2016" in snapshot.xpath("string(//h1)")
    row = snapshot.xpath("//table[@id='table-world']/tbody/tr[@data-code='TH']")[0]
    assert row.get("data-status") == "banned"  # legal only from 2021
    assert not (site.out / "as-of" / "2015").exists()  # nothing changed on the maps in 2015


def test_standalone_svgs_carry_the_date_the_legend_and_the_credit(site):
    for name, credit in (("us", "us-atlas"), ("world", "world-atlas")):
        svg = lxml.etree.fromstring((site.out / "map" / f"{name}.svg").read_bytes())
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        text = " ".join(svg.itertext())
        assert "24 November 2026" in text and credit in text and "kratom-status" in text
        assert svg.find(".//{http://www.w3.org/2000/svg}style") is not None
        assert svg.find(".//{http://www.w3.org/2000/svg}pattern") is not None


# --- jurisdiction pages ------------------------------------------------------------------


def test_a_jurisdiction_page_answers_in_one_sentence_with_its_record(site):
    doc = page(site.out, "j/US-KY/index.html")
    quote = doc.xpath("string(//p[@id='quote'])")
    assert quote.startswith("Kratom is legal with restrictions in Kentucky since 4 April 2024")
    text = doc.text_content()
    assert "minimum age 21" in text and "sellers need a licence" in text
    assert "Upcoming" in text and "1 January 2027" in text and "Kentucky schedules kratom." in text
    assert "medium confidence" in text and "curated" in text
    assert "No pending bills tracked yet." in text
    assert doc.xpath(
        "//head/link[@type='application/atom+xml'][contains(@href,'feeds/j/US-KY.atom')]"
    )
    assert doc.xpath("//tr[@id]/@id")  # each record has an anchor the change log links to


def test_status_since_is_when_the_status_began_not_the_latest_rule(site):
    doc = page(site.out, "j/US-FL/index.html")
    assert "since 1 July 2023" in doc.xpath("string(//p[@id='quote'])")
    index = page(site.out, "index.html")
    florida = index.xpath("//*[@id='map-us']//*[@data-code='US-FL']/@aria-label")[0]
    assert florida == "Florida: restricted since 1 July 2023"  # not 13 August 2025
    row = index.xpath("//table[@id='table-us']/tbody/tr[@data-code='US-FL']")[0]
    assert "1 July 2023" in row.text_content()
    text = doc.text_content()
    assert "In force since" in text and "13 August 2025" in text
    assert "expired on 30 June 2026" in text  # emergency rule past its expiry date
    assert "another source says 500.92" in text  # the dispute is shown, not resolved


def test_pages_say_how_a_status_was_obtained(site):
    assert "detected" in page(site.out, "j/US-CA-SAN-DIEGO/index.html").text_content()
    assert "reviewed" in page(site.out, "j/US-FL/index.html").text_content()


def test_a_state_page_lists_its_local_jurisdictions(site):
    doc = page(site.out, "j/US-AR/index.html")
    assert "US-AR-BENTON-COUNTY" in doc.xpath("//table[@id='table-children']//tr/@data-code")
    crumbs = page(site.out, "j/US-AR-BENTON-COUNTY/index.html").xpath(
        "//nav[@class='crumbs']//a/text()"
    )
    assert crumbs == ["Map", "United States", "Arkansas"]


def test_an_unknown_jurisdiction_says_so(site):
    quote = page(site.out, "j/FR/index.html").xpath("string(//p[@id='quote'])")
    assert quote == "The legal status of kratom in France is not known yet: there is no record."


# --- the change log ------------------------------------------------------------------------


def test_the_change_log_is_newest_first_and_links_the_evidence(site):
    doc = page(site.out, "changes/index.html")
    dates = doc.xpath("//table[@class='changes-table']/tbody/tr/td[1]/@data-value")
    assert dates == sorted(dates, reverse=True) and "2027-01-01" in dates
    assert "1970-01-01" not in dates  # an undated baseline is no change
    links = doc.xpath("//table[@class='changes-table']//a[text()='record']/@href")
    assert any(h.startswith("../j/US-AL/#r") for h in links)
    regions = doc.xpath("//tr[th//a[contains(@href,'US-AL')]]/@data-regions")[0].split()
    assert "us-south" in regions  # what the JavaScript region filter reads
    south = page(site.out, "changes/region/us-south/index.html").text_content()
    assert "Alabama" in south and "Thailand" not in south
    assert "Alabama" in page(site.out, "changes/2016/index.html").text_content()


def test_the_site_derives_changes_exactly_as_kratom_changes_does(site):
    conn = store.connect(site.db)
    for code in ("US-AL", "TH", "US-KY", "US-FL", "DE", "US-TX"):
        ours = [r["id"] for r in changes_of(timeline(conn, code))]
        theirs = [r["id"] for r in changes(conn, selections=[Selection(codes=(code,))])]
        assert ours == theirs, code


def test_when_a_status_began_is_read_in_sql_as_the_timeline_walk_finds_it(conn):
    """`site_data.began` (every row, before any page renders) must agree with
    `status_began`, the walk back through a timeline: runs of one status, two records on
    one day (id order), an undated baseline, a change still to come."""
    from status.site_data import began
    from status.site_pages import status_began

    add_sample_records(conn)
    for day, status in [
        ("2001-01-01", "legal"),
        ("2005-06-01", "banned"),
        ("2005-06-01", "legal"),
        ("2010-01-01", "legal"),
        ("2015-03-01", "legal"),
        ("2031-01-01", "banned"),
    ]:
        add_record(conn, "US-NM", day, status)
    add_record(conn, "US-WY", "1990-01-01", "legal", effective_precision="unknown")
    add_record(conn, "US-WY", "2020-01-01", "legal", effective_precision="month")
    add_record(conn, "US-WY", "2021-01-01", "legal")
    in_force = {r["code"]: r["record_id"] for r in status_as_of(conn, TODAY) if r["record_id"]}
    found = began(conn, in_force.values())
    expected = {}
    for code, record_id in in_force.items():
        records = timeline(conn, code)
        first = status_began(records, next(r for r in records if r["id"] == record_id))
        expected[record_id] = (first["effective_date"], first["effective_precision"])
    assert found == expected
    assert found[in_force["US-NM"]] == ("2005-06-01", "day")  # not 2015, nor the first legal
    assert found[in_force["US-WY"]] == ("1990-01-01", "unknown")
    assert len(found) >= 6


def test_the_site_timeline_is_the_history_in_fewer_columns(site):
    conn = store.connect(site.db)
    for code in ("US-AL", "TH", "US-KY", "US-FL", "DE", "US-TX", "US-WY"):
        full = history(conn, code)
        assert timeline(conn, code) == [
            {k: r[k] for k in (*TIMELINE_COLUMNS, "previous_status", "is_change")} for r in full
        ]
    record = history(conn, "US-KY")[0]
    assert record_by_id(conn, record["id"]) == {
        k: v for k, v in record.items() if k not in ("previous_status", "is_change")
    }
    assert record_by_id(conn, 10**9) is None


# --- untrusted text ------------------------------------------------------------------------


def test_scraped_text_is_inert_in_html(site):
    raw = (site.out / "j/US-TX/index.html").read_text()
    assert XSS not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    for path in site.out.rglob("*.html"):
        html = path.read_text()
        assert XSS not in html, path
        assert 'href="javascript:' not in html, path
    assert "javascript:alert(1)" in raw  # shown as text, never a link


def test_templates_escape_output_exactly_as_stock_jinja2_does():
    import jinja2
    from markupsafe import Markup

    class Html:
        def __html__(self):
            return "<b>trusted</b>"

    source = (
        "<p title='{{ text }}'>{{ text }} {{ safe }} {{ number }} {{ html }} {{ text|upper }}"
        "{% set joined %}[{{ text }}]{% endset %}{{ joined }}"
        "{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{{ m(text) }} {{ m(safe) }}</p>"
    )
    values = {
        "text": "<script>alert('x') & \"y\"</script>",
        "safe": Markup("<em>kept</em>"),
        "number": 42,
        "html": Html(),
    }
    ours = Renderer().env.from_string(source).render(**values)
    stock = jinja2.Environment(autoescape=True).from_string(source).render(**values)
    assert ours == stock
    assert "<script>" not in ours and "&lt;script&gt;" in ours and "<em>kept</em>" in ours


def test_csv_downloads_guard_against_formulas(site):
    with open(site.out / "data/history.csv", newline="", encoding="utf-8") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert FORMULA not in cells and "'" + FORMULA in cells
    assert not any(cell.startswith("=") for cell in cells)
    assert XSS in (site.out / "data/history.csv").read_text()  # data, not markup: kept as is


def test_the_database_copy_is_a_consistent_sqlite_file(site):
    copy = sqlite3.connect(site.out / "data/kratom.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM records").fetchone()[0] == 12
    package = json.loads((site.out / "data/datapackage.json").read_text())
    names = {r["name"] for r in package["resources"]}
    assert {"status", "history"} <= names
    assert all((site.out / "data" / r["path"]).is_file() for r in package["resources"])
    dictionary = page(site.out, "data/index.html").text_content()
    assert "effective_date" in dictionary and "recorded_at" in dictionary


# --- paths are safe -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["../../evil", "US-AL/../../x", "US-AL\\..", ".hidden", "US AL", "us-al", "A" * 80]
)
def test_unsafe_codes_are_refused_as_paths(code):
    assert not safe_code(code)


@pytest.mark.parametrize("code", ["TH", "US-AL", "AU-NSW", "US-MS-MONROE-COUNTY", "GB-ENG"])
def test_real_codes_are_safe(code):
    assert safe_code(code)


def test_a_hostile_code_in_the_database_never_writes_outside(conn, db_path, tmp_path):
    conn.execute(
        "INSERT INTO jurisdictions (code, name, kind, parent) VALUES (?, 'Evil', 'city', 'US-AL')",
        ("US-AL-../../../escaped",),
    )
    add_record(conn, "US-AL-../../../escaped", "2020-01-01", "banned")
    report = build(db_path, tmp_path / "out", today=TODAY)
    assert report.refused == ["US-AL-../../../escaped"]
    assert not any("escaped" in p.name for p in tmp_path.rglob("*"))


# --- incremental and atomic ---------------------------------------------------------------


def test_a_rebuild_rewrites_only_what_changed(conn, db_path, tmp_path):
    add_sample_records(conn)
    out = tmp_path / "out"
    first = build(db_path, out, today=TODAY)
    before = tree_state(out)
    assert first.written and len(before) == first.files + 1  # and the .kratom-site marker
    again = build(db_path, out, today=TODAY)
    assert again.written == [] and tree_state(out) == before

    add_record(conn, "US-WY", "2025-07-01", "banned", recorded_at="2026-11-24T12:00:00Z")
    third = build(db_path, out, today=TODAY)
    written = set(third.written)
    assert {
        "j/US-WY/index.html",
        "feeds/j/US-WY.atom",
        "j/US/index.html",
        "index.html",
        "changes/index.html",
        "changes/2025/index.html",
        "feeds/changes.atom",
        "feeds/region/us-west.atom",
        "changes/region/us-west/index.html",
        "as-of/2025/index.html",
        "data/history.csv",
        "map/us.svg",
    } <= written
    assert "j/US-AL/index.html" not in written and "feeds/j/TH.atom" not in written
    assert "changes/2016/index.html" not in written and "as-of/2016/index.html" not in written
    assert "feeds/region/europe.atom" not in written
    assert len(written) < 40
    assert third.kept + len(third.written) == third.files  # each file counted once
    after = tree_state(out)
    for path, state in before.items():
        if path not in written:
            assert after[path] == state, path  # same bytes, same mtime


def test_renamed_jurisdictions_and_regions_reach_every_page_that_names_them(
    conn, db_path, tmp_path
):
    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)
    save_jurisdictions(conn, _jurisdictions())  # what `kratom update` does: no change
    assert build(db_path, out, today=TODAY).written == []

    conn.execute("UPDATE regions SET name = 'The Deep South' WHERE slug = 'us-south'")
    conn.execute("UPDATE jurisdictions SET name = 'Lone Star State' WHERE code = 'US-TX'")
    report = build(db_path, out, today=TODAY)
    assert "Atom feed: The Deep South" in (out / "j/US-AL/index.html").read_text()
    assert "Kratom in Lone Star State" in (out / "j/US-TX/index.html").read_text()
    assert "Lone Star State" in (out / "j/US/index.html").read_text()  # its list of states
    assert "Lone Star State" in (out / "index.html").read_text()  # the map and table
    assert "j/US-WY/index.html" not in report.written  # neither renamed nor in the South
    assert build(db_path, out, today=TODAY).written == []


def test_worker_processes_build_the_same_site_as_one_process(conn, db_path, tmp_path, monkeypatch):
    from status import site_jurisdictions

    add_sample_records(conn)
    inline = build(db_path, tmp_path / "inline", today=TODAY)
    monkeypatch.setattr(site_jurisdictions, "PARALLEL_MIN", 1)  # workers for any build
    monkeypatch.setattr(site_jurisdictions, "CHUNK", 7)
    forked = build(db_path, tmp_path / "forked", today=TODAY)
    assert forked.written == inline.written

    def contents(out: Path) -> dict[str, str]:
        return {p: sha for p, (_, sha) in tree_state(out).items() if not p.startswith("data/")}

    assert contents(tmp_path / "forked") == contents(tmp_path / "inline")
    # The tree that waits for the next build is a link to every live file but its marker.
    waiting = tmp_path / ".forked.kratom" / "staging"
    for path in (tmp_path / "forked").rglob("*"):
        if path.is_file() and path.name != ".kratom-site":
            twin = waiting / path.relative_to(tmp_path / "forked")
            assert twin.stat().st_ino == path.stat().st_ino, path
    add_record(conn, "US-WY", "2025-07-01", "banned", recorded_at="2026-11-24T12:00:00Z")
    again = build(db_path, tmp_path / "forked", today=TODAY, full=True)
    assert "j/US-WY/index.html" in again.written and "j/US-AL/index.html" not in again.written
    assert build(db_path, tmp_path / "forked", today=TODAY).written == []


def test_a_first_build_copies_the_changes_each_timeline_gives(conn, db_path, tmp_path):
    """An empty cache is filled by one SQL statement; it must hold what the
    jurisdiction-by-jurisdiction path (`changes_of` each timeline) would have stored."""
    from status.site_cache import CHANGE_FIELDS
    from status.site_data import compact_change

    add_sample_records(conn)
    add_record(conn, "TH", "2021-08-24", "legal", citation="the same day, the same status")
    add_record(conn, "US-AL", "2010-01-01", "unknown")  # unknown before banned: no change
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)

    def stored() -> set[tuple]:
        cache = sqlite3.connect(tmp_path / ".out.kratom" / "cache.sqlite")
        fields = ", ".join(CHANGE_FIELDS)
        rows = set(cache.execute(f"SELECT code, year, {fields} FROM changes"))
        cache.close()
        return rows

    codes = [row[0] for row in conn.execute("SELECT code FROM jurisdictions")]
    expected = {
        (code, int(c["effective_date"][:4]), *(c[f] for f in CHANGE_FIELDS))
        for code in codes
        for c in map(compact_change, changes_of(timeline(conn, code)))
    }
    assert stored() == expected
    assert {(row[0], row[3]) for row in expected} >= {("TH", "2021-08-24"), ("US-AL", "2016-05-10")}
    assert not any(row[0] == "DE" for row in expected)  # a baseline of unknown date
    # Rebuilding every jurisdiction the other way compares each one: nothing to change.
    assert build(db_path, out, today=TODAY, full=True).written == []
    assert stored() == expected


def test_the_build_cache_reads_the_database_it_copies_from_but_cannot_write_it(
    conn, db_path, tmp_path
):
    from status.site_cache import Cache

    add_sample_records(conn)
    cache = Cache(tmp_path / "cache.sqlite", "salt", source=db_path)
    try:
        assert cache.conn.execute("SELECT count(*) FROM source.records").fetchone()[0] > 0
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            cache.conn.execute("DELETE FROM source.records")
        cache._reset("other salt")  # drops the cache's own tables, never the source's
        assert cache.conn.execute("SELECT count(*) FROM source.records").fetchone()[0] > 0
    finally:
        cache.close()


def test_the_day_an_upcoming_law_takes_effect_its_page_changes(conn, db_path, tmp_path):
    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)
    quote = page(out, "j/US-KY/index.html").xpath("string(//p[@id='quote'])")
    assert "legal with restrictions" in quote
    assert "upcoming" in page(out, "changes/2027/index.html").text_content()
    report = build(db_path, out, today=dt.date(2027, 1, 2))
    assert "j/US-KY/index.html" in report.written and "j/US-AL/index.html" not in report.written
    assert "changes/2027/index.html" in report.written
    assert "upcoming" not in page(out, "changes/2027/index.html").text_content()
    quote = page(out, "j/US-KY/index.html").xpath("string(//p[@id='quote'])")
    assert quote.startswith("Kratom is banned in Kentucky since 1 January 2027")


def test_a_build_gives_the_garbage_collector_back_as_it_found_it(conn, db_path, tmp_path):
    import gc

    add_sample_records(conn)
    assert gc.isenabled()
    build(db_path, tmp_path / "out", today=TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(KratomError):  # a failed build too
            build(tmp_path / "missing.db", tmp_path / "out", today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_crash_mid_build_leaves_the_live_site_whole(conn, db_path, tmp_path, monkeypatch):
    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)
    before = tree_state(out)
    add_record(conn, "US-WY", "2026-07-01", "banned", recorded_at="2026-11-24T12:00:00Z")
    add_record(conn, "US-AL", "2026-08-01", "legal", recorded_at="2026-11-24T12:00:00Z")
    render = Renderer.render
    calls = {"n": 0}

    def crashing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Renderer, "render", crashing)
    with pytest.raises(RuntimeError):
        build(db_path, out, today=TODAY)
    assert tree_state(out) == before  # not one byte of the half-built site is live
    monkeypatch.setattr(Renderer, "render", render)
    report = build(db_path, out, today=TODAY)
    assert "j/US-WY/index.html" in report.written and "j/US-AL/index.html" in report.written
    assert "legal" in page(out, "j/US-AL/index.html").xpath("string(//p[@id='quote'])")
    assert build(db_path, out, today=TODAY, full=True).written == []


def test_a_first_build_that_fails_leaves_the_build_cache_as_it_was(
    conn, db_path, tmp_path, monkeypatch
):
    add_sample_records(conn)
    out = tmp_path / "out"
    work = tmp_path / ".out.kratom"
    work.mkdir()
    (work / "cache.sqlite.new").write_bytes(b"left by a killed build")
    render = Renderer.render
    calls = {"n": 0}

    def crashing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # after the change log was copied into the new cache file
            raise RuntimeError("power cut")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Renderer, "render", crashing)
    with pytest.raises(RuntimeError):
        build(db_path, out, today=TODAY)
    assert not (work / "cache.sqlite.new").exists()
    cache = sqlite3.connect(work / "cache.sqlite")
    assert cache.execute("SELECT count(*) FROM changes").fetchone()[0] == 0
    assert cache.execute("SELECT count(*) FROM places").fetchone()[0] == 0
    cache.close()

    monkeypatch.setattr(Renderer, "render", render)
    first = build(db_path, out, today=TODAY)
    assert "j/US-AL/index.html" in first.written
    cache = sqlite3.connect(work / "cache.sqlite")  # the filled file, renamed into place
    assert cache.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cache.execute("SELECT count(*) FROM changes").fetchone()[0] > 0
    cache.close()
    assert build(db_path, out, today=TODAY).written == []
    assert build(db_path, out, today=TODAY, full=True).written == []


def test_pages_go_live_before_the_downloads_which_stay_whole_if_writing_them_fails(
    conn, db_path, tmp_path, monkeypatch
):
    from status import site_exports

    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)
    data_before = {p: s for p, s in tree_state(out).items() if p.startswith("data/")}
    add_record(conn, "US-WY", "2025-07-01", "banned", recorded_at="2026-11-24T12:00:00Z")

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(site_exports, "write_downloads", failing)
    with pytest.raises(KratomError, match="writing the downloads failed"):
        build(db_path, out, today=TODAY)
    assert "banned" in page(out, "j/US-WY/index.html").xpath("string(//p[@id='quote'])")
    after = tree_state(out)
    assert {p: s for p, s in after.items() if p.startswith("data/")} == data_before
    assert "US-WY" not in (out / "data" / "history.csv").read_text()

    monkeypatch.undo()
    report = build(db_path, out, today=TODAY)
    assert "data/history.csv" in report.written and "data/index.html" in report.written
    assert "j/US-WY/index.html" not in report.written  # already live
    assert "US-WY" in (out / "data" / "history.csv").read_text()
    assert tree_state(out)["data/sources.csv"] == data_before["data/sources.csv"]
    assert build(db_path, out, today=TODAY).written == []


def test_big_files_replaced_in_the_waiting_tree_are_freed_after_the_build(
    conn, db_path, tmp_path, monkeypatch
):
    from status import site_tree

    monkeypatch.setattr(site_tree, "BIG_FILE", 1)  # every file counts as big
    add_sample_records(conn)
    out = tmp_path / "out"
    for day in range(3):  # the third build reuses the first one's tree
        add_record(conn, "US-WY", f"2025-07-0{day + 1}", "banned" if day % 2 else "legal")
        build(db_path, out, today=TODAY)
    work = tmp_path / ".out.kratom"
    assert not (work / "trash").exists()
    assert "US-WY" in (out / "data" / "history.csv").read_text()
    assert build(db_path, out, today=TODAY, full=True).written == []


def test_it_refuses_to_replace_a_folder_that_is_not_a_site(conn, db_path, tmp_path):
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(KratomError, match="not a site built by kratom"):
        build(db_path, precious, today=TODAY)
    assert (precious / "thesis.txt").read_text() == "years of work"
    assert [p.name for p in precious.iterdir()] == ["thesis.txt"]


# --- base URL, serving, the command line ---------------------------------------------------


def test_a_base_url_makes_feeds_canonical_links_and_a_sitemap_absolute(conn, db_path, tmp_path):
    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, base_url="https://example.org/kratom", today=TODAY)
    doc = page(out, "j/US-AL/index.html")
    assert doc.xpath("//link[@rel='canonical']/@href") == ["https://example.org/kratom/j/US-AL/"]
    assert doc.xpath("//nav[@aria-label='Site']//a[text()='Map']/@href") == ["../../"]
    atom = (out / "feeds/changes.atom").read_text()
    assert 'href="https://example.org/kratom/feeds/changes.atom"' in atom
    feed = json.loads((out / "feeds/changes.json").read_text())
    assert feed["feed_url"] == "https://example.org/kratom/feeds/changes.json"
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://example.org/kratom/j/US-AL/</loc>" in sitemap
    assert "Sitemap: https://example.org/kratom/sitemap.xml" in (out / "robots.txt").read_text()


def test_serve_gives_feeds_their_content_types(site):
    server = make_server(site.out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for path, kind in (
            ("", "text/html"),
            ("feeds/changes.atom", "application/atom+xml"),
            ("feeds/changes.json", "application/feed+json"),
            ("map/us.svg", "image/svg+xml"),
            ("j/US-AL/", "text/html"),
        ):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.headers["Content-Type"].startswith(kind), path
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    with pytest.raises(KratomError, match="kratom build"):
        make_server(tmp_path, 0)


def test_kratom_build_and_update_publish_the_site(conn, db_path, tmp_path, monkeypatch):
    add_sample_records(conn)
    monkeypatch.setenv("KRATOM_TODAY", TODAY.isoformat())
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "build", "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "written" in result.output and (tmp_path / "a/index.html").is_file()
    bad = runner.invoke(cli, ["--db", str(db_path), "build", "--base-url", "example.org"])
    assert bad.exit_code != 0 and "http" in bad.output
    fresh = tmp_path / "fresh.db"
    result = runner.invoke(
        cli, ["--db", str(fresh), "update", "--no-crawl", "-o", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b/j/US-AL/index.html").is_file()
    result = runner.invoke(
        cli, ["--db", str(fresh), "update", "--no-crawl", "--no-build", "-o", str(tmp_path / "c")]
    )
    assert result.exit_code == 0 and not (tmp_path / "c").exists()


# --- pending bills on the map ------------------------------------------------------------


def add_bill(
    conn: sqlite3.Connection, code: str, identifier: str, stage: str, acted: str, **more
) -> None:
    from status.legislative import Bill, EvidenceSummary, record_bill

    session = more.get("session", acted[:4])
    bill = Bill(
        "openstates",
        f"ocd-bill/{code}-{identifier}-{session}",
        code,
        identifier,
        stage,
        session=session,
        title=f"An act relating to kratom ({identifier})",
        last_action_date=acted,
    )
    with store.transaction(conn):
        record_bill(conn, bill, EvidenceSummary())


def pending_codes(doc) -> set[str]:
    return set(doc.xpath("//*[@class='pending-marks']/*[@class='pending-mark']/@data-code"))


def test_a_live_bill_puts_a_pending_marker_on_the_map_and_a_stale_or_enacted_one_does_not(
    tmp_path,
):
    conn = new_db(tmp_path / "kratom.db")
    add_sample_records(conn)
    add_bill(conn, "US-LA", "HB 12", "passed-one-chamber", "2026-04-02")
    add_bill(conn, "US-LA", "SB 3", "introduced", "2026-03-01")
    add_bill(conn, "US-OH", "HB 7", "introduced", "2019-02-01")  # no action for years
    add_bill(conn, "US-TX", "HB 5", "introduced", "2026-02-02")
    add_bill(conn, "US-TX", "HB 5", "introduced", "2026-02-02", session=None)  # a tie
    out = tmp_path / "out"
    build(tmp_path / "kratom.db", out, today=TODAY)

    index = page(out, "index.html")
    assert pending_codes(index) == {"US-LA", "US-TX"}
    label = index.xpath("string(//svg[@id='map-us']//a[@data-code='US-LA']/@aria-label)")
    assert label.endswith("a kratom bill is pending: HB 12 (2026) passed one chamber, and 1 more")
    ohio = index.xpath("string(//svg[@id='map-us']//a[@data-code='US-OH']/@aria-label)")
    assert "pending" not in ohio
    row = index.xpath("//table[@id='table-us']//tr[@data-code='US-LA']")[0]
    assert row.xpath("string(.//a[@class='pending-bill'])").startswith("Bill pending: HB 12")
    assert row.xpath(".//a[@class='pending-bill']/@href")[0].endswith("j/US-LA/#bills-h")
    key = index.xpath("//div[@id='legend-us']//li[@class='pending-key']")[0]
    assert "Bill pending" in key.text_content()
    assert key.xpath("string(.//span[@class='count'])") == "2"  # Louisiana and Texas
    assert not index.xpath("//div[@id='legend-world']//li[@class='pending-key']")
    assert "white diamond" in index.xpath("string(//svg[@id='map-us']/desc)")
    standalone = lxml.html.fromstring((out / "map" / "us.svg").read_bytes())
    assert "bill pending (2)" in standalone.text_content()
    for snapshot in out.glob("as-of/*/index.html"):  # a past day shows no live bills
        assert pending_codes(page(out, str(snapshot.relative_to(out)))) == set()

    add_bill(conn, "US-LA", "HB 12", "became-law", "2026-06-01")
    add_bill(conn, "US-LA", "SB 3", "failed", "2026-06-01")
    add_bill(conn, "US-OK", "HB 9", "passed-both", "2026-05-05")
    conn.close()
    build(tmp_path / "kratom.db", out, today=TODAY)
    index = page(out, "index.html")
    assert pending_codes(index) == {"US-OK", "US-TX"}
    assert "a kratom bill is pending: HB 9 (2026) passed both" in index.xpath(
        "string(//svg[@id='map-us']//a[@data-code='US-OK']/@aria-label)"
    )
    louisiana = index.xpath("//table[@id='table-us']//tr[@data-code='US-LA']")[0]
    assert not louisiana.xpath(".//a[@class='pending-bill']")
