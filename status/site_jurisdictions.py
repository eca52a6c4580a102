"""Rendering the jurisdiction pages and their feeds, in worker processes when there are many.

A full build of fifty thousand jurisdictions spends most of its time reading each
timeline, rendering two files per jurisdiction and writing them. So with enough jobs and
more than one CPU, a pool of forked workers renders and stages the files into the waiting
tree (`Output.stage_bytes` touches files only), while the main process keeps the cache
and the manifest (`Output.record`). Each worker opens its own read-only connection;
results come back in job order, so a build's output never depends on scheduling. Without
`fork` (or with few jobs) it all runs inline.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from status import feeds, queries, site_data, store
from status import site_pages as pages
from status.site_data import Place, Region
from status.site_render import Renderer
from status.site_tree import Output, Staged

PARALLEL_MIN = 2000  # below this many jobs, starting workers costs more than it saves
CHUNK = 100


@dataclass(frozen=True)
class Job:
    """One jurisdiction to (re)render; `dirty` ones also report their new cache data."""

    code: str
    dirty: bool
    page: bool
    feed: bool
    row: dict | None = None


@dataclass
class Result:
    code: str
    dirty: bool
    until: str | None
    changes: list[dict] | None
    page: Staged | None  # staged in the waiting tree, to be recorded by the Output's owner
    feed: Staged | None


@dataclass
class Shared:
    """What every job reads besides the database: forked workers inherit it."""

    db_path: str
    output: Output
    renderer: Renderer
    day: dt.date
    places: dict[str, Place]
    rows: dict[str, dict]
    children: dict[str, list[str]]
    region_by_slug: dict[str, Region]
    # Whether dirty jobs send their changes back for the cache (not when the cache was
    # empty: it copies them all at once, see `Cache.fill_changes`).
    report_changes: bool = True
    # Codes with any tracked bill or bill event; None until first needed (see `with_bills`).
    bill_codes: frozenset[str] | None = None


_SHARED: Shared | None = None
_CONN: sqlite3.Connection | None = None


def render_all(
    shared: Shared,
    jobs: list[Job],
    conn: sqlite3.Connection,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """Every job's result, in job order. `meanwhile` is work for this process while the
    workers render (called first when there are none). Workers render when there are
    PARALLEL_MIN jobs or more."""
    workers = min(os.cpu_count() or 1, 4)
    with_bills(shared, conn)  # once, before forking: the workers inherit it
    if len(jobs) < PARALLEL_MIN or workers < 2 or not _can_fork():
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            yield run(shared, conn, job)
        return
    global _SHARED
    _SHARED = shared
    context = multiprocessing.get_context("fork")
    # Chunks of CHUNK jobs, fewer where there are few (each worker gets its share).
    size = max(1, min(CHUNK, len(jobs) // (workers * 4)))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    with context.Pool(workers, initializer=_start_worker) as pool:
        results = pool.imap(_run_chunk, chunks)
        if meanwhile is not None:
            meanwhile()
        for chunk in results:
            yield from chunk
    _SHARED = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _start_worker() -> None:
    global _CONN
    assert _SHARED is not None
    # What the worker inherited (fifty thousand places, their rows) lives as long as it
    # does: out of the collector's sight, it is neither scanned again nor copied on write.
    # (The build paused the collector in the process it forked from: it runs here.)
    gc.freeze()
    gc.enable()
    _CONN = store.connect(_SHARED.db_path)


def _run_chunk(jobs: list[Job]) -> list[Result]:
    assert _SHARED is not None and _CONN is not None
    return [run(_SHARED, _CONN, job) for job in jobs]


def with_bills(shared: Shared, conn: sqlite3.Connection) -> frozenset[str]:
    """The codes that have tracked bills or bill events, read once per build: most
    jurisdictions have none, and for them the two bill queries are skipped."""
    if shared.bill_codes is None:
        try:
            rows = conn.execute(
                "SELECT jurisdiction FROM bills UNION SELECT jurisdiction FROM bill_events"
            ).fetchall()
        except sqlite3.OperationalError:  # a database from before bills were tracked
            rows = []
        shared.bill_codes = frozenset(row[0] for row in rows)
    return shared.bill_codes


def run(shared: Shared, conn: sqlite3.Connection, job: Job) -> Result:
    """Read one timeline once; render what the job asks for."""
    place = shared.places[job.code]
    records = site_data.timeline(conn, job.code)
    until = changes = None
    if job.dirty or job.feed:
        changes = site_data.changes_of(records)
    if job.dirty:
        until = site_data.valid_until(records, shared.day)
    page = feed = None
    if job.page:
        row = job.row or next(site_data.current(conn, shared.day, [job.code]))
        page = shared.output.stage_bytes(
            page_path(job.code), render_page(shared, conn, place, row, records)
        )
    if job.feed:
        feed = shared.output.stage_bytes(
            feed_path(job.code), render_feed(shared, place, records, conn, changes)
        )
    reported = None
    if job.dirty and shared.report_changes:
        reported = [site_data.compact_change(r) for r in changes or ()]
    return Result(job.code, job.dirty, until, reported, page, feed)


def page_path(code: str) -> str:
    return f"j/{code}/index.html"


def feed_path(code: str) -> str:
    return f"feeds/j/{code}.atom"


def render_page(
    shared: Shared, conn: sqlite3.Connection, place: Place, row: dict, records: list[dict]
) -> bytes:
    path = page_path(place.code)
    children = pages.rows_for(shared.children.get(place.code, []), shared.rows, shared.places)
    in_force = next((r for r in records if r["id"] == row.get("record_id")), None)
    context = pages.jurisdiction_context(
        place,
        row,
        records,
        queries.record(conn, in_force["id"]) if in_force else None,
        children,
        shared.places,
        regions_of(shared, place),
        shared.day,
        site_data.pending_bills(conn, place.code) if place.code in with_bills(shared, conn) else [],
    )
    return shared.renderer.render("jurisdiction.html", path, **context)


def render_feed(
    shared: Shared,
    place: Place,
    records: list[dict],
    conn: sqlite3.Connection,
    changes: list[dict] | None = None,
) -> bytes:
    """The jurisdiction's Atom feed; `changes` are its changes (`site_data.changes_of`
    its records) if already picked."""
    code = place.code
    path = feed_path(code)
    link: Callable[[str], str] = lambda target: shared.renderer.link(target, path)  # noqa: E731
    if changes is None:
        changes = site_data.changes_of(records)
    events = site_data.bill_events(conn, code) if code in with_bills(shared, conn) else []
    bills = [pages.bill_entry(e, place.name, link) for e in events]
    feed = feeds.Feed(
        id=feeds.feed_id("j", code),
        title=f"Kratom legal status in {place.name}: changes",
        subtitle=f"Every change of kratom's legal status in {place.name} ({code}), and the "
        "stages of tracked bills (marked as bills).",
        self_link=link(path),
        page_link=link(f"j/{code}/"),
        entries=sorted(
            [*pages.jurisdiction_entries(code, place.name, changes, link), *bills],
            key=lambda entry: entry.updated,
            reverse=True,
        ),
    )
    return feeds.atom(feed)


def regions_of(shared: Shared, place: Place) -> list[Region]:
    return [shared.region_by_slug[s] for s in place.regions if s in shared.region_by_slug]
