"""Atom (RFC 4287) and JSON Feed 1.1: required elements, stable ids, escaped content."""

import datetime as dt
import json
import re
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from status.feeds import Entry, Feed, atom, change_id, clean, json_feed, rfc3339
from status.publish import build
from tests.conftest import add_record
from tests.test_site import TODAY, XSS, add_sample_records, new_db

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("feeds")
    conn = new_db(folder / "kratom.db")
    add_sample_records(conn)
    conn.close()
    build(folder / "kratom.db", folder / "out", today=TODAY)
    return folder / "out"


def parse(path: Path) -> lxml.etree._Element:
    return lxml.etree.parse(str(path)).getroot()


def check_atom(root: lxml.etree._Element) -> list[lxml.etree._Element]:
    """RFC 4287's MUSTs for atom:feed and atom:entry; returns the entries."""
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert RFC3339.match(root.findtext(f"{A}updated"))
    entries = root.findall(f"{A}entry")
    feed_has_author = root.find(f"{A}author/{A}name") is not None
    assert root.findall(f"{A}link[@rel='self']")
    alternates = [
        (link.get("type"), link.get("hreflang"))
        for link in root.findall(f"{A}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    assert len(alternates) == len(set(alternates))
    ids = []
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert RFC3339.match(entry.findtext(f"{A}updated"))
        assert feed_has_author or entry.find(f"{A}author") is not None
        content = entry.find(f"{A}content")
        if content is None:
            assert entry.find(f"{A}link[@rel='alternate']") is not None
        ids.append(entry.findtext(f"{A}id"))
    assert all(i.startswith("tag:") for i in [root.findtext(f"{A}id"), *ids])
    assert len(ids) == len(set(ids))
    return entries


def all_feed_ids(out: Path) -> dict[str, list[str]]:
    result = {}
    for path in sorted((out / "feeds").rglob("*.atom")):
        result[path.relative_to(out).as_posix()] = [
            e.findtext(f"{A}id") for e in parse(path).findall(f"{A}entry")
        ]
    return result


def test_every_atom_feed_has_what_rfc_4287_requires(out):
    paths = sorted((out / "feeds").rglob("*.atom"))
    assert len(paths) > 300  # overall, every region, every jurisdiction
    for path in paths:
        check_atom(parse(path))
    entries = check_atom(parse(out / "feeds/changes.atom"))
    assert len(entries) == 10  # every dated change of the sample records
    assert check_atom(parse(out / "feeds/j/FR.atom")) == []  # empty but valid


def test_the_json_feed_has_what_json_feed_1_1_requires(out):
    feed = json.loads((out / "feeds/changes.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and isinstance(feed["items"], list) and feed["items"]
    assert isinstance(feed["authors"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"].startswith("tag:")
        assert item.get("content_html") or item.get("content_text")
        assert RFC3339.match(item["date_modified"])
    atom_ids = [
        e.findtext(f"{A}id") for e in parse(out / "feeds/changes.atom").findall(f"{A}entry")
    ]
    assert [i["id"] for i in feed["items"]] == atom_ids


def test_ids_come_from_the_change_not_the_build(out):
    entries = parse(out / "feeds/j/US-AL.atom").findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [change_id("US-AL", "2016-05-10", "banned")]
    assert entries[0].findtext(f"{A}updated") == "2026-11-24T00:00:00Z"  # recorded, not built


def test_scraped_text_is_inert_in_feeds(out):
    for path in ("feeds/changes.atom", "feeds/j/US-TX.atom", "feeds/region/us.atom"):
        raw = (out / path).read_text()
        assert XSS not in raw
        contents = [e.findtext(f"{A}content") for e in parse(out / path).findall(f"{A}entry")]
        html = next(c for c in contents if "alert(1)" in c)
        assert not lxml.html.fragment_fromstring(html, create_parent="div").xpath("//script")
        assert 'href="javascript:' not in html
    item = next(
        i
        for i in json.loads((out / "feeds/changes.json").read_text())["items"]
        if "alert(1)" in i["content_html"]
    )
    assert "<script>" not in item["content_html"] and XSS in item["summary"]  # text, not HTML


def test_characters_xml_cannot_carry_are_dropped():
    entry = Entry(
        "tag:x,2026:1", "bad\x0ctitle", "https://e/", "2026-01-01T00:00:00Z", "s\x00", "<p>\x1b</p>"
    )
    feed = Feed("tag:x,2026:f", "t", "s", "https://e/f.atom", "https://e/", [entry])
    root = lxml.etree.fromstring(atom(feed))
    assert root.find(f"{A}entry/{A}title").text == "badtitle"
    assert json.loads(json_feed(feed, absolute=True))["items"][0]["title"] == "badtitle"
    assert clean("a\x0bb\tc\n") == "ab\tc\n"
    assert rfc3339("2026-11-24") == "2026-11-24T00:00:00Z"


def test_a_new_change_appears_once_in_each_of_its_feeds_and_old_ids_never_move(
    conn, db_path, tmp_path
):
    add_sample_records(conn)
    out = tmp_path / "out"
    build(db_path, out, today=TODAY)
    before = all_feed_ids(out)
    add_record(
        conn,
        "US-WY",
        "2026-07-01",
        "banned",
        recorded_at="2026-11-25T08:00:00Z",
        citation="Wyoming Stat. § 35-7-1014",
    )
    report = build(db_path, out, today=TODAY)
    wanted = change_id("US-WY", "2026-07-01", "banned")
    after = all_feed_ids(out)
    for path in (
        "feeds/changes.atom",
        "feeds/region/us.atom",
        "feeds/region/us-west.atom",
        "feeds/j/US-WY.atom",
    ):
        assert after[path].count(wanted) == 1, path
        assert path in report.written
        assert set(before[path]) <= set(after[path]), path  # nothing old re-announced
    assert after["feeds/changes.atom"][0] == wanted  # the newest news first
    assert "feeds/region/europe.atom" not in report.written
    items = json.loads((out / "feeds/changes.json").read_text())["items"]
    assert [i["id"] for i in items].count(wanted) == 1
    updated = parse(out / "feeds/changes.atom").findtext(f"{A}updated")
    assert updated == "2026-11-25T08:00:00Z"

    again = build(db_path, out, today=dt.date(2026, 11, 26), full=True)
    assert all_feed_ids(out) == after
    assert not [p for p in again.written if p.startswith("feeds/")]


def test_entry_ids_do_not_depend_on_where_the_site_is_hosted(conn, db_path, tmp_path):
    add_sample_records(conn)
    build(db_path, tmp_path / "a", today=TODAY)
    build(db_path, tmp_path / "b", base_url="https://example.org/k/", today=TODAY)
    assert all_feed_ids(tmp_path / "a") == all_feed_ids(tmp_path / "b")
    link = parse(tmp_path / "b/feeds/j/US-AL.atom").find(f"{A}entry/{A}link").get("href")
    assert link.startswith("https://example.org/k/j/US-AL/#r")
    relative = parse(tmp_path / "a/feeds/j/US-AL.atom").find(f"{A}entry/{A}link").get("href")
    assert relative.startswith("../../j/US-AL/#r")  # resolves against the feed's own URL
