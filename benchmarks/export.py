"""How fast `kratom export` streams history, next to the sqlite3 shell on the same query.

    python benchmarks/export.py                 # 1,000,000 records in a temporary database
    python benchmarks/export.py --rows 100000 --db /tmp/bench.db   # keep and reuse a database

Each export runs as its own process (the real `kratom export` command), so its time
includes start-up and its peak memory (max RSS, from wait4) is its own. Memory is flat if
exporting a million rows peaks at about what exporting one small jurisdiction does.
SQLite writes each CSV line itself (status/export_sql.py), so the baseline is the sqlite3
shell printing the lines of the same query (`-list -newline ''`: the file minus its
header; sqlite-utils' `query --raw-lines` where the sqlite3 CLI is missing: `apt-get
install sqlite3`). Target: within 2x of it. The status export (one row per jurisdiction)
is timed too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status import store  # noqa: E402
from status.export_sql import history_sql  # noqa: E402

STATUSES = ("banned", "restricted", "legal", "unknown")


def build(path: Path, count: int) -> None:
    """Every jurisdiction and `count` records, in one transaction (else it takes minutes)."""
    from status.jurisdictions import all_jurisdictions
    from status.seed import save_jurisdictions

    conn = store.connect(path, create=True)
    save_jurisdictions(conn, all_jurisdictions())
    codes = [row[0] for row in conn.execute("SELECT code FROM jurisdictions ORDER BY code")]
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO records (jurisdiction, effective_date, status, leaf_status, "
            "seven_oh_status, min_age, conditions, substances, instrument, citation, "
            "source_url, source_urls, summary, evidence, confidence, method, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _records(codes, count),
        )
    conn.close()


def _records(codes: list[str], count: int):
    """Timelines jurisdiction by jurisdiction, as a loader writes them; some scraped text."""
    rng = random.Random(7)
    per = -(-count // len(codes))
    for i in range(count):
        status = rng.choice(STATUSES)
        day = f"{1990 + (i % per) * 40 // per}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        restricted = status == "restricted"
        yield (
            codes[i // per],
            day,
            status,
            status,
            status,
            21 if restricted else None,
            '{"min_age": 21, "licensing": true}' if restricted else "{}",
            '["leaf", "mitragynine"]',
            "statute",
            f"Act {i} § 12-{i % 100}",
            f"https://example.org/law/{i}",
            f'["https://example.org/law/{i}"]',
            "A sentence someone could quote about this law, with an ümlaut.",
            "=HYPERLINK(1)" if i % 1000 == 0 else "The sale of kratom is prohibited.",
            "high",
            "curated",
            "2026-11-24T00:00:00Z",
        )


def measure(command: list[str], stdin: Path | None, stdout: Path) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of one process.

    The peak is the kernel's high-water mark (VmHWM) sampled while the process runs:
    wait4's ru_maxrss would also count the parent's memory copied at fork.
    """
    peak = 0
    with open(stdout, "wb") as out, open(stdin or os.devnull, "rb") as inp:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=inp, stdout=out)
        while process.poll() is None:
            peak = max(peak, _high_water_kib(process.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return seconds, peak / 1024


def _high_water_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def baseline(db: Path, query: Path) -> tuple[str, list[str], Path | None]:
    if shutil.which("sqlite3"):
        command = ["sqlite3", "-list", "-noheader", "-newline", "", str(db)]
        return "sqlite3 (same SQL)", command, query
    tool = str(Path(sys.executable).with_name("sqlite-utils"))
    command = [tool, "query", str(db), query.read_text(), "--raw-lines"]
    return "sqlite-utils (same SQL)", command, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="database to (re)use; built if missing")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command; best is shown")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kratom-export-bench-"))
    db = args.db or work / "bench.db"
    try:
        if not db.exists():
            start = time.perf_counter()
            build(db, args.rows)
            print(f"built {db} with {args.rows:,} records in {time.perf_counter() - start:.1f} s")
        conn = store.connect(db)
        rows = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        places = conn.execute("SELECT count(*) FROM jurisdictions").fetchone()[0]
        conn.close()
        report(db, rows, places, work, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(db: Path, rows: int, places: int, work: Path, repeat: int) -> None:
    query = work / "history.sql"
    query.write_text(history_sql("1", "csv") + ";\n")
    kratom = [sys.executable, "-c", "from cli import main; main()", "--db", str(db), "export"]
    name, command, stdin = baseline(db, query)
    history = [*kratom, "--what", "history", "--format"]
    runs = [
        (name, command, stdin, rows),
        ("kratom export csv", [*history, "csv"], None, rows),
        ("kratom export ndjson", [*history, "ndjson"], None, rows),
        ("status json", [*kratom, "--what", "status", "--format", "json"], None, places),
    ]
    print(
        f"history export of {rows:,} records, best of {repeat} "
        f"({sys.platform}, SQLite {_sqlite_version()})"
    )
    print(f"{'':26}{'seconds':>9}{'rows/s':>12}{'peak MiB':>10}{'vs ' + name:>28}")
    reference = None
    for label, command, stdin, count in runs:
        # The best time of `repeat` runs (a shared machine is noisy), the highest peak.
        results = [measure(command, stdin, work / "out") for _ in range(repeat)]
        seconds, peak = min(r[0] for r in results), max(r[1] for r in results)
        reference = reference or seconds
        print(
            f"{label:26}{seconds:9.2f}{count / seconds:12,.0f}{peak:10.1f}"
            f"{seconds / reference:27.2f}x"
        )
    small = [*kratom, "US-AL", "--what", "history", "--format", "ndjson"]
    seconds, peak = measure(small, None, work / "out")
    print(
        f"memory reference: one jurisdiction ({_lines(work / 'out'):,} rows) peaks at "
        f"{peak:.1f} MiB; flat memory means the full exports peak at about the same"
    )


def _lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
