"""Real crawls: Scrapy's reactor, real HTTP to fixture pages on 127.0.0.1, a real database.

Each crawl runs `kratom crawl` in a subprocess (Scrapy's reactor starts once per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from status import sources as registry
from status import store
from status.sources import Source
from tests.conftest import add_record
from tests.fixture_server import FixtureServer, Route

PAGES = Path(__file__).parent / "fixtures" / "pages"
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 1,
    "KRATOM_RETRY_BACKOFF": 0.05,
    "LOG_LEVEL": "ERROR",
}


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture
def server():
    fixture = FixtureServer()
    yield fixture
    fixture.close()


def kratom(db_path: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "KRATOM_CRAWL_SETTINGS": json.dumps(FAST)}
    return subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=Path(__file__).parent.parent,
    )


def watch(conn, server, path: str, code: str = "US-TX", **config) -> Source:
    """A registry entry for a fixture page (a Texas-like Schedule I code section)."""
    fields = {
        "id": path.strip("/").replace("/", "-"),
        "jurisdiction": code,
        "url": server.url(path),
        "kind": "statute",
        "title": f"Fixture {path}",
        "citation": "Tex. Health & Safety Code § 481.1031",
        "watch": {"css": "#statute"},
        "anchors": {"contains": ["481.1031"], "min_length": 100, "kratom_term": "optional"},
    }
    return Source(**{**fields, **config})


def save(conn, *sources: Source) -> None:
    registry.save(conn, list(sources))


def rows(conn, sql: str, *params) -> list:
    return [tuple(r) for r in conn.execute(sql, params)]


def test_first_crawl_records_snapshots_and_a_recrawl_adds_nothing(conn, db_path, server):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    first = kratom(db_path, "crawl")
    assert first.returncode == 0, first.stderr
    assert "1 first seen" in first.stdout
    assert rows(conn, "SELECT outcome, http_status FROM checks") == [("first", 200)]
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 1
    snapshot = conn.execute("SELECT text FROM snapshots").fetchone()[0]
    assert "Psilocyn" in snapshot and "Kratom bill tracker" not in snapshot  # nav is not law

    second = kratom(db_path, "crawl")
    assert "1 unchanged" in second.stdout, second.stdout + second.stderr
    assert rows(conn, "SELECT outcome, http_status FROM checks ORDER BY id")[1] == (
        "unchanged",
        304,
    )
    assert server.requests_to("/code/481")[-1].get("if-none-match")  # a conditional request
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 0


def test_a_changed_schedule_yields_one_proposal_and_accepting_it_changes_status(
    conn, db_path, server
):
    add_record(
        conn,
        "US-TX",
        "2023-09-01",
        "restricted",
        leaf_status="restricted",
        seven_oh_status="restricted",
        citation="Tex. Health & Safety Code ch. 444",
    )
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    assert kratom(db_path, "crawl").returncode == 0
    server.routes["/code/481"] = Route(page("schedule_v2.html"))
    crawl = kratom(db_path, "crawl")
    assert "1 changed" in crawl.stdout and "1 proposed change(s)" in crawl.stdout, crawl.stdout
    assert server.routes["/code/481"].served == 2  # the change was confirmed by a second fetch
    proposals = json.loads(kratom(db_path, "review", "list", "--format", "json").stdout)
    assert [(p["jurisdiction"], p["status"]) for p in proposals] == [("US-TX", "banned")]
    shown = kratom(db_path, "review", "show", str(proposals[0]["id"])).stdout
    assert "Mitragynine" in shown and "+(9) Mitragynine;" in shown.replace("+ ", "+")
    assert (
        json.loads(kratom(db_path, "status", "US-TX", "--format", "json").stdout)[0]["status"]
        == "restricted"
    )

    accepted = kratom(
        db_path, "review", "accept", str(proposals[0]["id"]), "--note", "checked", "--by", "tester"
    )
    assert accepted.returncode == 0, accepted.stderr
    now = json.loads(kratom(db_path, "status", "US-TX", "--format", "json").stdout)[0]
    assert (now["status"], now["method"]) == ("banned", "reviewed")
    again = kratom(db_path, "crawl")
    assert "1 unchanged" in again.stdout
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 1


def test_a_trusted_source_publishes_directly_with_evidence(conn, db_path, server):
    add_record(conn, "US-TX", "2023-09-01", "restricted")
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481", publish="trusted"))
    kratom(db_path, "crawl")
    server.routes["/code/481"] = Route(page("schedule_v2.html"))
    crawl = kratom(db_path, "crawl")
    assert "1 change(s) published from trusted sources" in crawl.stdout, crawl.stdout
    record = conn.execute("SELECT * FROM records WHERE method = 'detected'").fetchone()
    assert record["status"] == "banned" and "Mitragynine" in record["evidence"]


FAILURES = {
    # path: (route, expected outcome, words in the reason)
    "/e/503": (Route(b"down", status=503), "failed", "HTTP 503"),
    "/e/404": (Route(b"gone", status=404), "failed", "HTTP 404"),
    "/e/429": (
        Route(b"slow down", status=429, headers={"Retry-After": "120"}),
        "failed",
        "retry after 120",
    ),
    "/e/timeout": (Route(behaviour="hang", delay=5), "failed", "timed out"),
    "/e/reset": (Route(behaviour="reset"), "failed", ""),
    "/e/empty": (Route(b""), "failed", "empty body"),
    "/e/truncated": (Route(page("schedule_v1.html"), behaviour="truncate"), "failed", ""),
    "/e/captcha": (Route(page("captcha.html")), "suspicious", "captcha"),
    "/e/offsite": (Route(b"", status=302, headers={}), "suspicious", "off-site"),
    "/private/page": (Route(page("schedule_v1.html")), "failed", "robots.txt"),
}


def test_each_failure_kind_is_a_failed_check_and_never_a_change(conn, db_path, server):
    add_record(conn, "US-TX", "2023-09-01", "restricted")
    for path, (route, _, _) in FAILURES.items():
        server.routes[path] = route
    server.routes["/e/offsite"].headers = {"Location": server.url("/elsewhere", "localhost")}
    server.routes["/elsewhere"] = Route(page("schedule_v2.html"))
    save(conn, *(watch(conn, server, p, id="f" + p.replace("/", "-")) for p in FAILURES))
    crawl = kratom(db_path, "crawl", timeout=180)
    assert crawl.returncode == 0, crawl.stderr
    outcomes = {
        row[0]: (row[1], row[2] or "")
        for row in conn.execute("SELECT source_id, outcome, reason FROM checks")
    }
    for path, (_, expected, words) in FAILURES.items():
        outcome, reason = outcomes["f" + path.replace("/", "-")]
        assert outcome == expected, (path, outcome, reason, crawl.stderr[-3000:])
        assert words.lower() in reason.lower(), (path, reason)
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 1


def test_a_redesign_or_a_shrunk_page_after_a_good_reading_is_suspicious(conn, db_path, server):
    server.routes["/code/a"] = Route(page("schedule_v2.html"))
    server.routes["/code/b"] = Route(page("schedule_v2.html"))
    save(
        conn,
        watch(conn, server, "/code/a"),
        watch(conn, server, "/code/b", anchors={"min_length": 20, "kratom_term": "optional"}),
    )
    kratom(db_path, "crawl")
    server.routes["/code/a"] = Route(page("redesign.html"))
    server.routes["/code/b"] = Route(page("shrunk.html"))
    kratom(db_path, "crawl")
    latest = dict(rows(conn, "SELECT source_id, reason FROM checks WHERE outcome = 'suspicious'"))
    assert "watched part" in latest["code-a"] and "layout change" in latest["code-a"]
    assert "shrank" in latest["code-b"]
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0


def test_an_outage_served_from_the_http_cache_counts_as_failed(conn, db_path, server):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    kratom(db_path, "crawl")
    server.routes["/code/481"] = Route(behaviour="reset")
    kratom(db_path, "crawl")
    server.routes["/code/481"] = Route(b"oops", status=500)
    kratom(db_path, "crawl")
    assert [r[0] for r in conn.execute("SELECT outcome FROM checks ORDER BY id")] == [
        "first",
        "failed",
        "failed",
    ]


def test_a_page_that_flickers_between_two_fetches_is_not_a_change(conn, db_path, server):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    kratom(db_path, "crawl")
    server.routes["/code/481"] = Route(page("schedule_v2.html"), behaviour="alternate")
    crawl = kratom(db_path, "crawl")
    assert "1 suspicious" in crawl.stdout, crawl.stdout
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0


def test_a_source_failing_three_times_is_reported_stale_once_and_recovered_once(
    conn, db_path, server
):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    kratom(db_path, "crawl")
    server.routes["/code/481"] = Route(b"down", status=503)
    reports = [kratom(db_path, "crawl").stdout for _ in range(4)]
    assert ["stale:" in r for r in reports] == [False, False, True, False]
    assert "last good check: 20" in reports[2]
    health = json.loads(kratom(db_path, "sources", "list", "--format", "json").stdout)[0]
    assert health["health"].startswith("stale") and health["last_good"]
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    recovered = kratom(db_path, "crawl").stdout
    assert "recovered: code-481" in recovered
    assert "recovered" not in kratom(db_path, "crawl").stdout


def test_crawl_options_are_checked(conn, db_path):
    result = kratom(db_path, "crawl", "--source", "nope")
    assert result.returncode == 1 and "unknown source 'nope'" in result.stderr


def test_the_checks_survive_in_the_database(conn, db_path, server):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    save(conn, watch(conn, server, "/code/481"))
    kratom(db_path, "crawl")
    assert store.check(conn) == []


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_update_crawls_the_registry_and_goes_on_when_a_source_is_unreachable(tmp_path, server):
    server.routes["/code/481"] = Route(page("schedule_v1.html"))
    registry_file = tmp_path / "sources.yaml"
    registry_file.write_text(
        "sources:\n"
        f"  - {{id: tx-481, jurisdiction: US-TX, url: '{server.url('/code/481')}', "
        "kind: statute, watch: {css: '#statute'}, anchors: {kratom_term: optional}}\n"
        f"  - {{id: gone, jurisdiction: US-AL, url: 'http://127.0.0.1:{free_port()}/x', "
        "kind: statute}\n"
    )
    env = {
        **os.environ,
        "KRATOM_CRAWL_SETTINGS": json.dumps(FAST),
        "KRATOM_SOURCES": str(registry_file),
    }
    db = tmp_path / "k.db"
    run = subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "update", "-o", str(tmp_path / "_site")],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert run.returncode == 0, run.stderr
    assert "sources: 2 watched" in run.stdout
    assert "2 checked" in run.stdout and "1 first seen" in run.stdout and "1 failed" in run.stdout
    assert "gone: failed (connection refused" in run.stderr
    conn = store.connect(db)
    alabama = conn.execute("SELECT status FROM current_status WHERE code = 'US-AL'").fetchone()
    assert alabama[0] == "banned"  # a failed fetch never changes a status


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose content stream shows `text` (for the PDF statute test)."""
    stream = f"BT /F1 11 Tf 40 800 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF".encode()
    return bytes(out)


def test_a_pdf_statute_is_read_as_text(conn, db_path, server):
    text = "Section 20-2-23. Schedule I includes mitragynine and 7-hydroxymitragynine."
    server.routes["/law.pdf"] = Route(
        minimal_pdf(text), headers={"Content-Type": "application/pdf"}
    )
    save(
        conn,
        watch(
            conn, server, "/law.pdf", watch={}, anchors={"contains": ["20-2-23"], "min_length": 20}
        ),
    )
    crawl = kratom(db_path, "crawl")
    assert "1 first seen" in crawl.stdout, crawl.stdout + crawl.stderr
    snapshot = conn.execute("SELECT text FROM snapshots").fetchone()[0]
    assert "mitragynine" in snapshot and "20-2-23" in snapshot


def test_classify_a_url_fetches_it_like_the_spider(server, tmp_path):
    server.routes["/kcpa"] = Route(page("kcpa.html"))
    server.routes["/down"] = Route(b"x", status=503)
    env = {**os.environ, "KRATOM_CRAWL_SETTINGS": json.dumps(FAST)}

    def classify(url):
        return subprocess.run(
            [sys.executable, "-m", "cli", "classify", url, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=Path(__file__).parent.parent,
        )

    good = classify(server.url("/kcpa"))
    assert good.returncode == 0, good.stderr
    finding = json.loads(good.stdout)
    assert (finding["status"], finding["min_age"]) == ("restricted", 18)
    assert set(finding) >= {"status", "evidence", "substances", "min_age"}
    down = classify(server.url("/down"))
    assert down.returncode == 1
    assert down.stderr.strip().splitlines()[-1].startswith("Error: failed fetch of")
    assert "HTTP 503" in down.stderr
