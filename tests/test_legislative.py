"""API spiders against recorded-style responses served on 127.0.0.1 (tests/fixtures/api)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from status import sources as registry
from status.bill_stages import stage_from_actions, stage_from_legiscan
from status.sources import Source
from tests.conftest import add_record
from tests.fixture_server import FixtureServer, Route

API = Path(__file__).parent / "fixtures" / "api"
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "ERROR",
    "ROBOTSTXT_OBEY": False,
}
JSON = {"Content-Type": "application/json"}


def fixture(name: str) -> bytes:
    return (API / name).read_bytes()


@pytest.fixture
def server():
    fixture_server = FixtureServer()
    yield fixture_server
    fixture_server.close()


def feed(server, api: str, path: str, jurisdiction: str = "US") -> Source:
    return Source(
        id=f"api-{api}", jurisdiction=jurisdiction, url=server.url(path), kind="api-feed", api=api
    )


def crawl(db_path, **env) -> subprocess.CompletedProcess:
    variables = {
        k: v for k, v in os.environ.items() if k not in ("OPENSTATES_API_KEY", "LEGISCAN_API_KEY")
    }
    variables.update(KRATOM_CRAWL_SETTINGS=json.dumps(FAST), **env)
    return subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db_path), "crawl"],
        capture_output=True,
        text=True,
        timeout=120,
        env=variables,
        cwd=Path(__file__).parent.parent,
    )


def count(conn, sql: str, *params) -> int:
    return conn.execute(sql, params).fetchone()[0]


def test_federal_register_documents_appear_once_and_the_next_crawl_asks_only_for_newer(
    conn, db_path, server
):
    server.routes["/fr/documents.json"] = Route(
        fixture("federal_register_documents.json"), headers=JSON
    )
    server.routes["/fr/public-inspection-documents/current.json"] = Route(
        fixture("federal_register_inspection.json"), headers=JSON
    )
    registry.save(conn, [feed(server, "federal-register", "/fr")])
    first = crawl(db_path)
    assert first.returncode == 0, first.stderr
    titles = dict(conn.execute("SELECT external_id, citation FROM documents"))
    assert titles == {
        "2016-20803": "81 FR 59929",
        "2016-24659": "81 FR 70652",
        "2099-00001": None,
    }  # the unrelated inspection entry is not kept
    assert "3 new document(s)" in first.stdout
    crawl(db_path)
    assert count(conn, "SELECT count(*) FROM documents") == 3
    later = [p for p in server.full_log if p.startswith("/fr/documents.json")][-1]
    assert "publication_date%5D%5Bgte%5D=2016-10-13" in later  # the change token
    assert count(conn, "SELECT count(*) FROM records") == 0  # evidence is not a status


def test_a_missing_key_skips_with_one_clear_line_and_never_fails_the_crawl(conn, db_path, server):
    registry.save(conn, [feed(server, "openstates", "/os"), feed(server, "legiscan", "/ls")])
    run = crawl(db_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("OPENSTATES_API_KEY is not set") == 1
    assert run.stderr.count("LEGISCAN_API_KEY is not set") == 1
    assert server.full_log == []
    assert count(conn, "SELECT count(*) FROM checks WHERE outcome = 'failed'") == 0


def test_an_open_states_bill_appears_once_and_a_stage_change_is_one_event(conn, db_path, server):
    add_record(conn, "US-LA", "2020-01-01", "restricted")
    server.routes["/os/bills"] = Route(fixture("openstates_bills_v1.json"), headers=JSON)
    registry.save(conn, [feed(server, "openstates", "/os")])
    crawl(db_path, OPENSTATES_API_KEY="test-key")
    crawl(db_path, OPENSTATES_API_KEY="test-key")
    assert [tuple(r) for r in conn.execute("SELECT identifier, stage FROM bills")] == [
        ("XX 101", "passed-one-chamber")
    ]
    assert count(conn, "SELECT count(*) FROM bill_events") == 1
    assert server.requests_to("/os/bills")[0]["x-api-key"] == "test-key"
    assert "test-key" not in " ".join(
        r[0] or "" for r in conn.execute("SELECT final_url FROM checks")
    )

    server.routes["/os/bills"] = Route(fixture("openstates_bills_v2.json"), headers=JSON)
    run = crawl(db_path, OPENSTATES_API_KEY="test-key")
    assert "1 bill(s) became law" in run.stdout, run.stdout
    events = [tuple(r) for r in conn.execute("SELECT from_stage, to_stage FROM bill_events")]
    assert events == [(None, "passed-one-chamber"), ("passed-one-chamber", "became-law")]
    proposal = conn.execute("SELECT * FROM proposals").fetchone()
    assert proposal["bill_id"] and proposal["state"] == "pending"
    assert "XX 101" in proposal["evidence"]
    status = conn.execute("SELECT status FROM current_status WHERE code = 'US-LA'").fetchone()
    assert status[0] == "restricted"  # a bill that became law is a proposal, not a status


def test_an_unchanged_legiscan_change_hash_costs_no_bill_request(conn, db_path, server):
    server.routes["/ls/?op=getSearch"] = Route(fixture("legiscan_search.json"), headers=JSON)
    server.routes["/ls/?op=getBill"] = Route(fixture("legiscan_bill.json"), headers=JSON)
    registry.save(conn, [feed(server, "legiscan", "/ls")])
    crawl(db_path, LEGISCAN_API_KEY="k")
    crawl(db_path, LEGISCAN_API_KEY="k")
    assert server.routes["/ls/?op=getSearch"].served == 2
    assert server.routes["/ls/?op=getBill"].served == 1
    assert [
        tuple(r) for r in conn.execute("SELECT jurisdiction, identifier, stage FROM bills")
    ] == [("US-TX", "ZZ 9", "introduced")]


def test_429_with_retry_after_is_honoured(conn, db_path, server):
    server.routes["/fr/documents.json"] = Route(
        fixture("federal_register_documents.json"), headers=JSON, behaviour="429-once"
    )
    server.routes["/fr/public-inspection-documents/current.json"] = Route(
        b'{"results": []}', headers=JSON
    )
    registry.save(conn, [feed(server, "federal-register", "/fr")])
    run = crawl(db_path)
    assert run.returncode == 0
    assert count(conn, "SELECT count(*) FROM documents") == 2
    reasons = [r[0] for r in conn.execute("SELECT reason FROM checks WHERE outcome = 'failed'")]
    assert reasons and all("429" in r for r in reasons)


def test_malformed_json_is_a_failed_check(conn, db_path, server):
    server.routes["/fr/documents.json"] = Route(b'{"results": [', headers=JSON)
    server.routes["/fr/public-inspection-documents/current.json"] = Route(b"<html>oops</html>")
    registry.save(conn, [feed(server, "federal-register", "/fr")])
    assert crawl(db_path).returncode == 0
    reasons = [r[0] for r in conn.execute("SELECT reason FROM checks")]
    assert reasons and all(r.startswith("malformed response") for r in reasons)
    assert count(conn, "SELECT count(*) FROM documents") == 0


def test_uk_feed_entries_are_kept_only_when_they_name_kratom(conn, db_path, server):
    atom = {"Content-Type": "application/atom+xml"}
    server.routes["/uk/new/data.feed"] = Route(fixture("uk_new.xml"), headers=atom)
    for act in ("2016/2", "1971/38"):
        server.routes[f"/uk/changes/affected/ukpga/{act}/data.feed"] = Route(
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Changes</title></feed>', headers=atom
        )
    registry.save(conn, [feed(server, "legislation-gov-uk", "/uk", "GB")])
    assert crawl(db_path).returncode == 0
    assert [r[0] for r in conn.execute("SELECT title FROM documents")] == [
        "The Misuse of Drugs Act 1971 (Amendment) (Mitragynine) Order 2099 (invented test entry)"
    ]


def test_kratom_bills_prints_a_table_and_json(conn, db_path, server):
    server.routes["/os/bills"] = Route(fixture("openstates_bills_v1.json"), headers=JSON)
    registry.save(conn, [feed(server, "openstates", "/os")])
    crawl(db_path, OPENSTATES_API_KEY="k")
    from click.testing import CliRunner

    from cli import cli

    table = CliRunner().invoke(cli, ["--db", str(db_path), "bills", "US-LA"]).output
    assert table.splitlines()[0].split()[:3] == ["JURISDICTION", "BILL", "SESSION"]
    assert "XX 101" in table and "passed-one-chamber" in table
    rows = json.loads(
        CliRunner()
        .invoke(cli, ["--db", str(db_path), "bills", "Louisiana", "--format", "json"])
        .output
    )
    assert {k: rows[0][k] for k in ("identifier", "session", "stage", "last_action_date")} == {
        "identifier": "XX 101",
        "session": "2025",
        "stage": "passed-one-chamber",
        "last_action_date": "2025-04-15",
    }
    assert rows[0]["title"] and rows[0]["url"].startswith("https://")
    none = CliRunner().invoke(cli, ["--db", str(db_path), "bills", "TX"]).output
    assert none.startswith("no kratom bills tracked there")


@pytest.mark.parametrize(
    ("classifications", "stage"),
    [
        ([["introduction"]], "introduced"),
        ([["introduction"], ["passage"]], "passed-one-chamber"),
        ([["passage"], ["passage", "lower"]], "passed-one-chamber"),
        ([["executive-veto"]], "vetoed"),
        ([["committee-failure"]], "failed"),
        ([["executive-signature"]], "became-law"),
    ],
)
def test_open_states_actions_map_to_stages(classifications, stage):
    actions = [
        {
            "date": f"2025-01-{n + 1:02d}",
            "classification": c,
            "organization": {"classification": "upper"},
        }
        for n, c in enumerate(classifications)
    ]
    assert stage_from_actions(actions) == stage


def test_two_chambers_passing_is_passed_both_and_legiscan_codes_map():
    actions = [
        {
            "date": "2025-01-01",
            "classification": ["passage"],
            "organization": {"classification": "upper"},
        },
        {
            "date": "2025-02-01",
            "classification": ["passage"],
            "organization": {"classification": "lower"},
        },
    ]
    assert stage_from_actions(actions) == "passed-both"
    assert [stage_from_legiscan(c) for c in (1, 2, 3, 4, 5, 6, "x")] == [
        "introduced",
        "passed-one-chamber",
        "passed-both",
        "became-law",
        "vetoed",
        "failed",
        "introduced",
    ]


def test_bill_stages_appear_once_in_the_jurisdiction_feed_marked_as_bills(
    conn, db_path, server, tmp_path
):
    from lxml import etree

    from status.publish import build

    add_record(conn, "US-LA", "2020-01-01", "restricted")
    server.routes["/os/bills"] = Route(fixture("openstates_bills_v1.json"), headers=JSON)
    registry.save(conn, [feed(server, "openstates", "/os")])
    crawl(db_path, OPENSTATES_API_KEY="k")
    server.routes["/os/bills"] = Route(fixture("openstates_bills_v2.json"), headers=JSON)
    crawl(db_path, OPENSTATES_API_KEY="k")
    site = tmp_path / "site"
    atom = "{http://www.w3.org/2005/Atom}"

    def bill_entries():
        root = etree.parse(str(site / "feeds" / "j" / "US-LA.atom")).getroot()
        return [
            (e.findtext(f"{atom}id"), e.findtext(f"{atom}title"))
            for e in root.iter(f"{atom}entry")
            if "bill" in [c.get("term") for c in e.iter(f"{atom}category")]
        ]

    build(db_path, site)
    first = bill_entries()
    assert [title for _, title in first] == [
        "Bill XX 101 (2025) in Louisiana: became law",
        "Bill XX 101 (2025) in Louisiana: passed one chamber",
    ]
    build(db_path, site, full=True)
    assert bill_entries() == first  # a rebuild announces nothing again
    overall = (site / "feeds" / "changes.atom").read_text()
    assert "XX 101" not in overall  # bills are evidence, not changes of law


def test_a_feed_failing_every_request_of_one_crawl_counts_one_failure_not_stale(
    conn, db_path, server
):
    registry.save(conn, [feed(server, "federal-register", "/fr")])  # no routes: every 404
    first = crawl(db_path)
    assert first.returncode == 0, first.stderr
    assert len(server.full_log) >= 2  # the documents and the public-inspection list
    failed = "SELECT count(*) FROM checks WHERE source_id = 'api-federal-register'"
    assert count(conn, failed) == 1
    assert "stale" not in first.stdout + first.stderr  # one bad run is not a stale source
    crawl(db_path)
    third = crawl(db_path)
    assert count(conn, failed) == 3
    assert (third.stdout + third.stderr).count("stale: api-federal-register") == 1
