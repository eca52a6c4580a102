"""How fast `kratom status` answers, measured against floors taken in the same run.

Prints:
1. `kratom status US-AL` wall time per process (cold start) on a database of the real
   jurisdictions (~300) and 10,000 records, next to the floor `python -c "import click,
   sqlite3"`. Targets: under 0.3 s, and within 2x of the floor.
2. The as-of query over 10,000 jurisdictions x 100 records (1,000,000 records): the
   whole map (target under 50 ms), one jurisdiction (target under 1 ms), and the query
   plan showing the index in use.

Run: python benchmarks/status_query.py [--runs 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status import store  # noqa: E402
from status.jurisdictions import all_jurisdictions  # noqa: E402
from status.lookup import Selection  # noqa: E402
from status.queries import status_as_of  # noqa: E402
from status.seed import save_jurisdictions  # noqa: E402

STATUSES = ("banned", "restricted", "legal")


def random_records(codes: list[str], count: int, rng: random.Random):
    """`count` records spread evenly over `codes`, each jurisdiction's in date order
    (as curated files and crawls write them), with random dates over 2000-2024."""
    start = dt.date(2000, 1, 1).toordinal()
    per_code = count // len(codes)
    for code in codes:
        days = sorted(rng.randrange(9000) for _ in range(per_code))
        for n, offset in enumerate(days):
            status = rng.choice(STATUSES)
            yield (
                code,
                dt.date.fromordinal(start + offset).isoformat(),
                status,
                status,
                status,
                f"Act {n} of {code}",
                "https://example.org/",
                "curated",
                "2026-11-24T00:00:00Z",
            )


def insert_records(conn, rows) -> None:
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the date index is filled at random
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO records (jurisdiction, effective_date, status, leaf_status, "
            "seven_oh_status, citation, source_url, method, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.execute("ANALYZE")


def median_wall(command: list[str], runs: int, env: dict | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start(tmp: Path, runs: int) -> None:
    db = tmp / "small.db"
    conn = store.connect(db, create=True)
    save_jurisdictions(conn, all_jurisdictions())
    codes = [r[0] for r in conn.execute("SELECT code FROM jurisdictions")]
    insert_records(conn, random_records(codes, 10_000, random.Random(1)))
    conn.close()
    kratom = shutil.which("kratom", path=str(Path(sys.executable).parent)) or "kratom"
    floor = median_wall([sys.executable, "-c", "import click, sqlite3"], runs)
    ours = median_wall([kratom, "--db", str(db), "status", "US-AL"], runs)
    print(f"1. cold start, {len(codes)} jurisdictions x 10,000 records, median of {runs} runs")
    print(f"   floor  python -c 'import click, sqlite3' : {floor * 1000:7.1f} ms")
    print(
        f"   kratom status US-AL                     : {ours * 1000:7.1f} ms"
        f"   ({ours / floor:.2f}x the floor; target < 300 ms and < 2x)"
    )


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def as_of_query(tmp: Path) -> None:
    db = tmp / "large.db"
    conn = store.connect(db, create=True)
    codes = [f"XX-{i:05d}" for i in range(10_000)]
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO jurisdictions (code, name, kind) VALUES (?, ?, 'synthetic')",
            [(c, f"Place {c}") for c in codes],
        )
    start = time.perf_counter()
    insert_records(conn, random_records(codes, 1_000_000, random.Random(2)))
    print(
        f"2. as-of query, 10,000 jurisdictions x 100 records "
        f"(built in {time.perf_counter() - start:.1f} s)"
    )
    day = dt.date(2012, 6, 30)
    core_sql = (
        "SELECT j.code, (SELECT r.status FROM records r WHERE r.jurisdiction = j.code "
        "AND r.effective_date <= :day ORDER BY r.effective_date DESC, r.id DESC LIMIT 1) "
        "FROM jurisdictions j"
    )
    core = timed(lambda: conn.execute(core_sql, {"day": day.isoformat()}).fetchall(), 5)
    whole = timed(lambda: status_as_of(conn, day), 5)
    one = timed(lambda: status_as_of(conn, day, [Selection(codes=("XX-04242",))]), 200)
    print(f"   core SQL, every jurisdiction           : {core * 1000:7.1f} ms (target < 50 ms)")
    print(
        f"   status_as_of(), every jurisdiction,     : {whole * 1000:7.1f} ms "
        "(full rows + next change + last check)"
    )
    print(f"   status_as_of(), one jurisdiction       : {one * 1000:7.3f} ms (target < 1 ms)")
    plan = conn.execute(f"EXPLAIN QUERY PLAN {core_sql}", {"day": day.isoformat()}).fetchall()
    print("   plan: " + " | ".join(row[3] for row in plan))
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cold_start(Path(folder), args.runs)
        as_of_query(Path(folder))


if __name__ == "__main__":
    main()
