"""How fast `kratom build` publishes the site, against a bare Jinja2 loop in the same run.

Prints, for the real curated data and for a synthetic database of 50,000 jurisdictions x
20 records (1,000,000 records):
1. a full build into a new folder: seconds and peak memory (targets at 50,000: under 60 s
   and under 1 GB);
2. a rebuild with nothing changed;
3. a rebuild after one new record (target at 50,000: under 2 s): the time until the pages
   are live, and until the new downloads are (history.csv alone holds every record, so
   one change rewrites it; they are written by a separate process while the pages render
   and replace data/ in one exchange after the pages went live);
4. the floor: the same number of jurisdiction pages rendered by a bare Jinja2 loop
   (`extends`, a 20-row table, autoescape) and written one folder per page, on the same
   disk, and the ratio of the full build to it.

Each build runs in its own process, so its peak memory (ru_maxrss) is its own.
Run: python benchmarks/build_site.py [--size 50000] [--records 20] [--skip-real]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = dt.date(2026, 11, 24)
STATUSES = ("banned", "restricted", "legal")


# --- one measured build, in a child process -----------------------------------------


def child_build(db: str, out: str) -> None:
    from status.publish import build

    report = build(db, out, today=TODAY)
    print(
        json.dumps(
            {
                "seconds": report.seconds,
                "files": report.files,
                "written": len(report.written),
                "pages": report.published,  # until the pages were live
                "waited": report.timings.get("data", 0.0),  # a first build: for downloads
                "helpers_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def child_bare(out: str, count: int) -> None:
    """The floor: render `count` pages with plain Jinja2 and write each to its folder."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "base.html": "<!doctype html><html lang=en><head><title>{% block title %}"
                "{% endblock %}</title><link rel=stylesheet href=/s.css></head><body>"
                "<header><nav><a href=/>Map</a> <a href=/changes/>Changes</a></nav></header>"
                "<main>{% block main %}{% endblock %}</main><footer>data · feeds</footer>"
                "</body></html>",
                "page.html": "{% extends 'base.html' %}{% block title %}{{ name }}"
                "{% endblock %}{% block main %}<h1>{{ name|title }} {{ code }}</h1>"
                "<p>{{ summary }}</p><table>{% for r in rows %}<tr class='{{ loop.cycle"
                "('odd', 'even') }}'><td>{{ r.date }}</td><td>{{ r.status|replace('-', ' ')"
                " }}</td><td>{{ r.citation|truncate(80) }}</td><td>{{ r.source }}</td></tr>"
                "{% endfor %}</table>{% endblock %}",
            }
        ),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    template = env.get_template("page.html")
    rows = [
        {
            "date": f"20{n:02d}-01-01",
            "status": STATUSES[n % 3],
            "citation": f"Ordinance {n} on kratom products and their sale",
            "source": "https://example.org/law",
        }
        for n in range(20)
    ]
    started = time.perf_counter()
    for i in range(count):
        folder = Path(out, f"P{i:06d}")
        folder.mkdir(parents=True)
        html = template.render(
            name=f"place {i}", code=f"P{i:06d}", summary="A sentence.", rows=rows
        )
        (folder / "index.html").write_bytes(html.encode())
    print(json.dumps({"seconds": time.perf_counter() - started, "files": count}))


def measure(*args: str) -> tuple[dict, float]:
    """Run this script as a child; return its JSON line and its peak memory in MiB.

    The disk is settled first (sync, untimed): otherwise the kernel would still be writing
    out what the step before wrote (the synthetic database, the previous build's
    gigabytes) while this one is timed, on the same two processors.
    """
    os.sync()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"child {args} failed")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


# --- the databases ------------------------------------------------------------------


def real_database(folder: Path) -> Path:
    from status.update import initialise

    db = folder / "real.db"
    initialise(db)
    return db


def synthetic_database(folder: Path, size: int, records: int) -> Path:
    """The real jurisdictions plus `size` synthetic towns under the states, `records` each.

    The full-text index's triggers are dropped for the bulk load (search is not part of
    the site), as a bulk import would do.
    """
    from status import store
    from status.jurisdictions import all_jurisdictions
    from status.seed import save_jurisdictions

    db = folder / "synthetic.db"
    conn = store.connect(db, create=True)
    save_jurisdictions(conn, all_jurisdictions())
    states = [
        r[0]
        for r in conn.execute("SELECT code FROM jurisdictions WHERE kind = 'state' ORDER BY code")
    ]
    regions: dict[str, list[str]] = {}
    for code, region in conn.execute("SELECT jurisdiction, region FROM jurisdiction_regions"):
        regions.setdefault(code, []).append(region)
    for trigger in ("records_ai", "records_ad", "records_au"):
        conn.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
    conn.execute("PRAGMA cache_size = -262144")
    rng = random.Random(7)
    towns = [
        (f"{states[i % len(states)]}-SYN-{i:05d}", states[i % len(states)]) for i in range(size)
    ]
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO jurisdictions (code, name, kind, parent) VALUES (?, ?, 'city', ?)",
            [(code, f"Town {code[-5:]}", state) for code, state in towns],
        )
        conn.executemany(
            "INSERT INTO jurisdiction_regions (jurisdiction, region) VALUES (?, ?)",
            [(code, region) for code, state in towns for region in regions[state]],
        )
        conn.executemany(
            "INSERT INTO records (jurisdiction, effective_date, status, leaf_status, "
            "seven_oh_status, citation, source_url, summary, evidence, confidence, method, "
            "checked_date, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'medium', "
            "'curated', '2026-11-01', '2026-11-01T00:00:00Z')",
            _records(towns, records, rng),
        )
    conn.execute("ANALYZE")
    conn.close()
    return db


def synthetic_code(i: int) -> str:
    """The code of the i-th synthetic town (states in the order the database lists them)."""
    from status.jurisdictions import us_subdivisions

    states = sorted(j.code for j in us_subdivisions() if j.kind == "state")
    return f"{states[i % len(states)]}-SYN-{i:05d}"


def _records(towns, per_town: int, rng: random.Random):
    """`per_town` dated records each, spread so that every year to 2026 sees changes."""
    for code, _ in towns:
        first = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 18))
        offsets = sorted(rng.sample(range((TODAY - first).days), per_town))
        for n, offset in enumerate(offsets):
            day = first + dt.timedelta(days=offset)
            status = rng.choice(STATUSES)
            yield (
                code,
                day.isoformat(),
                status,
                status,
                status,
                f"Town ordinance {n} of {code} on kratom products",
                f"https://example.org/{code.lower()}/ordinances/{n}",
                f"The town council of {code} makes kratom {status}.",
                "Section 1. The sale of kratom products is regulated as set out below.",
            )


def add_one_record(db: Path, code: str) -> None:
    from status import store

    conn = store.connect(db)
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO records (jurisdiction, effective_date, status, leaf_status, "
            "seven_oh_status, citation, source_url, method, recorded_at) VALUES "
            "(?, '2026-10-01', 'banned', 'banned', 'banned', 'Benchmark Act', "
            "'https://example.org/', 'curated', '2026-11-24T12:00:00Z')",
            (code,),
        )
    conn.close()


# --- the report ---------------------------------------------------------------------


def run(label: str, db: Path, folder: Path, change: str) -> float:
    out = folder / f"site-{label}"
    full, full_mem = measure("build", str(db), str(out))
    print(f"{label}: {full['files']:,} files")
    print(
        f"  (peak memory: the build's own process; its worker and downloads processes each "
        f"peaked at {full['helpers_mib']:.0f} MiB at most, counting the pages they share "
        "with it: they are forked from it)"
    )
    print(
        f"  full build (new folder)      : {full['seconds']:7.2f} s   peak {full_mem:6.0f} MiB"
        f"   (pages and downloads go live together; {full['waited']:.1f} s of it waiting "
        "for the downloads)"
    )
    noop, noop_mem = measure("build", str(db), str(out))
    print(
        f"  rebuild, nothing changed     : {noop['seconds']:7.2f} s   peak {noop_mem:6.0f} MiB"
        f"   ({noop['written']} files written)"
    )
    add_one_record(db, change)
    one, one_mem = measure("build", str(db), str(out))
    print(
        f"  rebuild after one new record : {one['pages']:7.2f} s   until the pages are live "
        f"({one['written']} files written in all)"
    )
    print(
        f"      and the new downloads    : {one['seconds']:7.2f} s   peak {one_mem:6.0f} MiB"
        f"   (data/ is exchanged whole once they are written)"
    )
    return full["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--dir", help="where to build (default: the system's temporary folder)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        return child_build(*rest) if kind == "build" else child_bare(rest[0], int(rest[1]))
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        folder = Path(name)
        if not args.skip_real:
            run("real data", real_database(folder), folder, "US-WY")
        started = time.perf_counter()
        db = synthetic_database(folder, args.size, args.records)
        print(
            f"synthetic database: {args.size:,} jurisdictions x {args.records} records "
            f"(generated in {time.perf_counter() - started:.0f} s, "
            f"{db.stat().st_size / 2**20:.0f} MiB)"
        )
        ours = run(f"{args.size:,} x {args.records}", db, folder, synthetic_code(42))
        bare, bare_mem = measure("bare", str(folder / "bare"), str(args.size))
        print(
            f"  bare Jinja2 loop, {args.size:,} pages : {bare['seconds']:7.2f} s   "
            f"peak {bare_mem:6.0f} MiB"
        )
        print(
            f"  full build / bare loop       : {ours / bare['seconds']:7.2f}x "
            f"(the build also writes {args.size:,} feeds, the change log, maps, downloads)"
        )


if __name__ == "__main__":
    main()
