import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from tests.conftest import add_record


@pytest.fixture
def run(conn, db_path):
    """Invoke `kratom --db <the test database> ...` in-process; returns the Result."""

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args])

    return invoke


@pytest.fixture
def alabama(conn):
    add_record(
        conn,
        "US-AL",
        "2016-05-10",
        "banned",
        citation="Ala. Code § 20-2-23",
        source_url="https://example.org/al",
        checked_date="2026-11-24",
    )
    add_record(conn, "US-LA", "2020-01-01", "restricted")
    add_record(conn, "US-LA", "2025-08-01", "banned")


def test_status_of_one_jurisdiction_is_one_line(run, alabama):
    result = run("status", "Alabama")
    assert result.exit_code == 0
    assert result.output == (
        "Alabama (US-AL): banned since 2016-05-10 — Ala. Code § 20-2-23 — last checked 2026-11-24\n"
    )


def test_status_json_has_the_contract_fields(run, alabama):
    result = run("status", "US-AL", "--format", "json")
    rows = json.loads(result.output)
    assert rows[0]["code"] == "US-AL"
    for field in ("code", "name", "status", "since", "citation", "source_url", "last_checked"):
        assert field in rows[0]
    assert (rows[0]["status"], rows[0]["since"]) == ("banned", "2016-05-10")


def test_as_of_answers_with_the_law_of_that_day(run, alabama):
    before = json.loads(run("status", "US-LA", "--as-of", "2025-07-31", "--format", "json").output)
    after = json.loads(run("status", "US-LA", "--as-of", "2025-08-01", "--format", "json").output)
    assert (before[0]["status"], after[0]["status"]) == ("restricted", "banned")


def test_region_csv_is_the_map_of_that_day(run, conn, alabama):
    result = run("status", "--region", "us", "--as-of", "2015-06-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    in_us = conn.execute("SELECT count(*) FROM jurisdiction_regions WHERE region = 'us'")
    assert len(rows) == in_us.fetchone()[0] >= 56
    assert all(r["code"].startswith("US-") for r in rows)
    assert {r["code"]: r["status"] for r in rows}["US-AL"] == "unknown"
    now = list(
        csv.DictReader(io.StringIO(run("status", "--region", "us", "--format", "csv").output))
    )
    assert {r["code"]: r["status"] for r in now}["US-AL"] == "banned"


def test_status_without_arguments_lists_every_jurisdiction(run, conn):
    result = run("status", "--format", "json")
    total = conn.execute("SELECT count(*) FROM jurisdictions").fetchone()[0]
    assert len(json.loads(result.output)) == total > 300


def test_text_table_is_aligned(run, alabama):
    lines = run("status", "US-AL", "US-LA").output.splitlines()
    assert lines[0].split()[:3] == ["CODE", "NAME", "STATUS"]
    assert len({line.index(" ") for line in lines[2:]}) == 1
    assert lines[0].index("STATUS") == lines[2].index("banned")


def test_unknown_jurisdiction_exits_1_with_a_suggestion_and_no_traceback(run):
    result = run("status", "Alabma")
    assert result.exit_code == 1
    assert "unknown jurisdiction 'Alabma'; did you mean Alabama (US-AL)?" in result.output
    assert "Traceback" not in result.output


def test_bad_date_is_a_usage_error_naming_the_form(run):
    result = run("status", "US-AL", "--as-of", "June 2015")
    assert result.exit_code == 2
    assert "use YYYY-MM-DD" in result.output


def test_unknown_region_suggests_one(run):
    result = run("status", "--region", "eurpoe")
    assert result.exit_code == 1
    assert "did you mean europe?" in result.output


def test_history_and_changes(run, alabama):
    history = json.loads(run("history", "Louisiana", "--format", "json").output)
    assert [h["status"] for h in history] == ["restricted", "banned"]
    log = run("changes", "--since", "2025-01-01", "--region", "us").output
    assert "Louisiana (US-LA)" in log and "restricted -> banned" in log
    assert "Alabama" not in log
    reversed_range = run("changes", "--since", "2025-01-01", "--until", "2024-01-01")
    assert reversed_range.exit_code == 1 and "swap them" in reversed_range.output


def test_db_check_and_backup(run, tmp_path, alabama):
    check = run("db", "check")
    assert check.exit_code == 0 and check.output.startswith("ok: integrity ok, schema version")
    backup = run("db", "backup", str(tmp_path / "b.db"))
    assert backup.exit_code == 0 and (tmp_path / "b.db").exists()


def test_missing_database_says_how_to_create_it(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "status", "US-AL"])
    assert result.exit_code == 1
    assert "run `kratom update`" in result.output


def kratom_executable() -> str:
    found = shutil.which("kratom", path=str(Path(sys.executable).parent)) or shutil.which("kratom")
    assert found, "the kratom console script is not installed (pip install -e .)"
    return found


def test_installed_executable_runs_update_then_status(tmp_path):
    env = {"KRATOM_DB": str(tmp_path / "cli.db"), "PATH": "/usr/bin:/bin"}
    update = subprocess.run(
        [kratom_executable(), "update", "--no-crawl", "-o", str(tmp_path / "_site")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert update.returncode == 0, update.stderr
    assert "created" in update.stdout
    status = subprocess.run(
        [kratom_executable(), "status", "Alabma"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 1
    assert status.stderr.strip() == (
        "Error: unknown jurisdiction 'Alabma'; did you mean Alabama (US-AL)?"
    )
    version = subprocess.run([kratom_executable(), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("kratom, version")


def test_status_does_not_import_scrapy_or_sqlite_utils(conn, db_path, alabama):
    code = (
        "import sys; from cli import main\n"
        f"sys.argv = ['kratom', '--db', {str(db_path)!r}, 'status', 'US-AL']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('scrapy', 'sqlite_utils', 'pycountry', 'yaml') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_a_country_code_that_is_also_a_state_postal_code_gets_a_note(run, alabama):
    answer = run("status", "AL")
    assert "Albania (AL)" in answer.output
    assert "note: AL is Albania (ISO 3166-1); for Alabama use US-AL" in answer.output
