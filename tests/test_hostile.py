"""A hostile web: each misbehaviour ends as a failed or suspicious check with a clear reason,
never as a status change, a proposal or a record. Also: two crawls at once, a backup taken
while a crawl writes, and crawls killed with SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from status import store
from tests.conftest import add_record
from tests.fixture_server import FixtureServer, Route
from tests.test_crawl import FAST, kratom, page, save, watch

ROOT = Path(__file__).parent.parent

HOSTILE = {
    # path: (route, expected outcome, words in the reason)
    "/h/huge": (Route(behaviour="huge"), "failed", "maxsize"),
    "/h/bomb": (Route(behaviour="gzip-bomb"), "failed", ""),
    "/h/loop": (Route(behaviour="redirect-loop"), "failed", "redirect"),
    "/h/login": (
        Route(
            b'<html><body><div id="statute"><h1>Sec. 481.1031</h1><p>Please log in '
            b'to continue. Kratom.</p><form><input type="password"></form></div>'
            b"</body></html>"
        ),
        "suspicious",
        "login",
    ),
    "/h/slow-ok": (Route(page("schedule_v1.html"), behaviour="slow", delay=1.0), "first", ""),
    "/h/no-charset": (
        Route(
            page("schedule_v1.html").replace(b' charset="utf-8"', b""),
            headers={"Content-Type": "text/html"},
        ),
        "first",
        "",
    ),
    "/h/wrong-charset": (
        Route(
            page("schedule_v1.html").replace(b"Psilocyn", "Psilocýn".encode("latin-1")),
            headers={"Content-Type": "text/html; charset=utf-8"},
        ),
        "first",
        "",
    ),
}


@pytest.fixture
def server():
    fixture = FixtureServer()
    yield fixture
    fixture.close()


def test_hostile_pages_are_failed_checks_and_never_changes(conn, db_path, server):
    add_record(conn, "US-TX", "2023-09-01", "restricted")
    for path, (route, _, _) in HOSTILE.items():
        server.routes[path] = route
    save(conn, *(watch(conn, server, p, id="h" + p.replace("/", "-")) for p in HOSTILE))
    crawl = kratom(db_path, "crawl", timeout=240)
    assert crawl.returncode == 0, crawl.stderr
    assert "Traceback" not in crawl.stderr
    outcomes = {
        r[0]: (r[1], r[2] or "")
        for r in conn.execute("SELECT source_id, outcome, reason FROM checks")
    }
    for path, (_, expected, words) in HOSTILE.items():
        outcome, reason = outcomes["h" + path.replace("/", "-")]
        assert outcome == expected, (path, outcome, reason)
        assert words.lower() in reason.lower(), (path, reason)
    assert conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    latin = conn.execute(
        "SELECT text FROM snapshots s JOIN checks c ON c.snapshot_id = s.id "
        "WHERE c.source_id = 'h-h-wrong-charset'"
    ).fetchone()[0]
    assert "Psilocýn" in latin  # a wrong charset label does not garble the stored text


def test_a_second_crawl_on_the_same_database_refuses_clearly(conn, db_path, server):
    server.routes["/slow"] = Route(page("schedule_v1.html"), behaviour="slow", delay=4)
    save(conn, watch(conn, server, "/slow"))
    env = {**os.environ, "KRATOM_CRAWL_SETTINGS": json.dumps({**FAST, "DOWNLOAD_TIMEOUT": 10})}
    first = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", str(db_path), "crawl"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 20
        while not server.requests_to("/slow") and time.time() < deadline:
            time.sleep(0.05)
        second = kratom(db_path, "crawl")
        assert second.returncode == 1
        assert "another crawl is running on kratom.db (pid" in second.stderr
        assert "Traceback" not in second.stderr
        reader = kratom(db_path, "status", "US-TX")  # readers are not blocked (WAL)
        assert reader.returncode == 0
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "1 first seen" in out


def test_a_backup_taken_while_a_crawl_writes_is_consistent(conn, db_path, server, tmp_path):
    for n in range(40):
        server.routes[f"/p/{n}"] = Route(
            page("schedule_v2.html"), behaviour="slow", delay=random.uniform(0, 0.3)
        )
    save(conn, *(watch(conn, server, f"/p/{n}") for n in range(40)))
    env = {
        **os.environ,
        "KRATOM_CRAWL_SETTINGS": json.dumps(
            {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "KRATOM_FLUSH_EVERY": 3}
        ),
    }
    crawl = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", str(db_path), "crawl"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    backups = []
    try:
        while crawl.poll() is None and len(backups) < 5:
            time.sleep(0.4)
            target = tmp_path / f"backup-{len(backups)}.db"
            result = kratom(db_path, "db", "backup", str(target))
            assert result.returncode == 0, result.stderr
            backups.append(target)
    finally:
        crawl.communicate(timeout=120)
    assert backups
    for backup in backups:
        copy = sqlite3.connect(backup)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        checks, snapshots = copy.execute(
            "SELECT (SELECT count(*) FROM checks), (SELECT count(*) FROM snapshots)"
        ).fetchone()
        assert checks == snapshots  # first crawl: every check has its snapshot, written together


def crash_runs() -> int:
    return int(os.environ.get("KRATOM_CRASH_RUNS", "4"))


@pytest.mark.slow
def test_crawls_killed_at_random_moments_lose_nothing_and_converge(tmp_path, server):
    pages = 30
    for n in range(pages):
        server.routes[f"/k/{n}"] = Route(
            page("schedule_v1.html").replace(b"481.1031", f"481.{n:04d}".encode()),
            behaviour="slow",
            delay=0.05,
        )

    def fresh(name: str):
        db = tmp_path / name
        connection = store.connect(db, create=True)
        from status.seed import load_jurisdictions

        load_jurisdictions(connection)
        save(
            connection,
            *(
                watch(connection, server, f"/k/{n}", anchors={"kratom_term": "optional"})
                for n in range(pages)
            ),
        )
        return db, connection

    reference, ref_conn = fresh("reference.db")
    assert kratom(reference, "crawl").returncode == 0
    victim, victim_conn = fresh("victim.db")
    env = {
        **os.environ,
        "KRATOM_CRAWL_SETTINGS": json.dumps(
            {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "KRATOM_FLUSH_EVERY": 2}
        ),
    }
    rng = random.Random(int(os.environ.get("KRATOM_CRASH_SEED", "8")))
    killed = 0
    for _ in range(crash_runs()):
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", str(victim), "crawl"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.8, 2.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=30)
        check = kratom(victim, "db", "check")
        assert check.returncode == 0, check.stderr
        # every committed check of a changed page has its snapshot: nothing half-written
        orphans = victim_conn.execute(
            "SELECT count(*) FROM checks WHERE outcome IN ('first', 'changed') "
            "AND snapshot_id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
    assert killed, "no crawl was still running when the kill came; slow the fixture down"
    assert kratom(victim, "crawl").returncode == 0

    def state(connection):
        rows = connection.execute("SELECT source_id, content_hash, text FROM snapshots")
        return sorted(tuple(row) for row in rows)

    assert state(victim_conn) == state(ref_conn)
    assert victim_conn.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0
