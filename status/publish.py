"""`kratom build`: the database as a static site, rebuilt incrementally, swapped atomically.

    build("kratom.db", "_site", base_url="https://example.org/kratom/")

The publisher only reads the database. Each output file has a fingerprint of its inputs
(the jurisdiction's stamp, the generation of the group of pages it lists, the templates
and code, the base URL, the day when the page shows it); a file whose fingerprint did not
move is neither rendered nor written (`site_tree.Output.need`), a rendered file whose
bytes did not change keeps its inode and mtime (`Output.put`). The site goes live in one
swap at the end (`Output.finish`). Layout and contracts: docs/site.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import marshal
import os
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import jinja2

from status import dates, feeds, maps, site_data, site_exports, store
from status import site_jurisdictions as work
from status import site_pages as pages
from status import site_views as words
from status.lookup import Selection
from status.queries import status_as_of
from status.resources import site_dir
from status.site_cache import STAMP, VALID_UNTIL, Cache, Cached
from status.site_data import Place
from status.site_mapview import LiveBills, MapView, marked_counties, us_view, world_view
from status.site_render import Renderer, depth_prefix
from status.site_rows import StatusRows, encode
from status.site_tree import SHA, Output

SYNC_STEPS = 8  # syncs started while a big build's pages come in

T = TypeVar("T")
CHANGES_PAGE_LIMIT = 1000
FEED_LIMIT = 50
SITEMAP_LIMIT = 50_000


@dataclass
class BuildReport:
    """What a build did: files in the site, written, kept as they were, removed."""

    out: Path
    files: int
    written: list[str]
    kept: int
    removed: list[str]
    refused: list[str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    published: float = 0.0  # seconds until the pages were live (the downloads may follow)


def build(
    db_path: str | Path,
    out: str | Path,
    *,
    base_url: str | None = None,
    today: dt.date | None = None,
    full: bool = False,
) -> BuildReport:
    """Build (or bring up to date) the site in `out` from the database at `db_path`.

    `full` ignores what earlier builds remembered and renders every page again (files
    whose bytes are unchanged still keep their mtime).
    """
    with _collector_paused():
        return _build(db_path, out, base_url, today, full)


def _build(
    db_path: str | Path, out: str | Path, base_url: str | None, today: dt.date | None, full: bool
) -> BuildReport:
    started = time.perf_counter()
    renderer = Renderer(base_url)
    conn = store.connect(db_path)
    output = cache = builder = None
    try:
        output = Output(out, full=full, salt=renderer.fingerprint())
        # Compiled templates kept beside the trees: compiling them is a third of a small
        # rebuild (Jinja2 checks each template's source before it trusts the cache; the
        # salt, which covers the code that compiles them, names the files).
        (output.work / "templates").mkdir(exist_ok=True)
        renderer.env.bytecode_cache = jinja2.FileSystemBytecodeCache(
            str(output.work / "templates"), f"%s.{output.salt}.cache"
        )
        maps.keep_in(output.work / "maps")
        cache = Cache(output.work / "cache.sqlite", _cache_salt(), source=db_path)
        builder = _Builder(conn, output, cache, renderer, today or dates.today(), str(db_path))
        builder.run()
        finish = time.perf_counter()
        cache.prepare()
        tree = output.finish()
        # Only now: a crash before this line leaves the cache as it was, so the next build
        # reads again whatever this one read (and finds the live pages it did not swap in).
        cache.commit()
        builder.timings["swap"] = time.perf_counter() - finish
        published = time.perf_counter() - started
        builder.publish_downloads()
        output.close()
    except BaseException:
        if builder is not None:
            builder.abort()
        if cache is not None:
            cache.rollback()
        if output is not None:
            output.close()
        raise
    finally:
        conn.close()
        if cache is not None:
            cache.close()
    return BuildReport(
        out=output.live,
        files=len(output.target),
        written=tree.written,
        kept=tree.kept,
        removed=tree.removed,
        refused=builder.refused,
        seconds=time.perf_counter() - started,
        timings=builder.timings,
        published=published,
    )


def digest(*parts: object) -> str:
    """A short fingerprint of anything with a stable repr (tuples, dicts, strings)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _cache_salt() -> str:
    """What the cached rows were computed by: a new version of it forgets them."""
    package = Path(__file__).resolve().parent
    names = ("queries.py", "site_data.py", "site_cache.py", "site_views.py")
    return digest(*(hashlib.sha256((package / n).read_bytes()).hexdigest() for n in names))


class _Builder:
    """One build: reads, decides what changed, renders what is needed into the output."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        output: Output,
        cache: Cache,
        renderer: Renderer,
        day: dt.date,
        db_path: str,
    ) -> None:
        self.conn, self.output, self.renderer, self.day = conn, output, renderer, day
        self.db_path = db_path
        self.timings: dict[str, float] = {}
        self.salt = output.salt
        self.cache = cache
        # The places read last time, unless a jurisdiction or region changed since (then
        # every page's fingerprint is checked: names show on many pages).
        self.places_version = site_data.places_version(conn)
        saved = cache.saved_places(self.places_version)
        self.places_changed = saved is None
        self.places, self.refused = saved or site_data.places(conn)
        if self.places_changed:
            cache.save_places(self.places_version, self.places, self.refused)
        self.regions = site_data.regions(conn)
        self.region_by_slug = {r.slug: r for r in self.regions}
        self.children: dict[str, list[str]] = defaultdict(list)
        for code, place in self.places.items():
            if place.parent in self.places:
                self.children[place.parent].append(code)
        self.rows: Mapping[str, dict] = {}
        self.last_recorded: str | None = None
        self._snapshots: list[tuple[str, dict[str, dict]]] | None = None
        renderer.env.globals.update(
            statuses=words.STATUS_ORDER,
            status_label=words.STATUS_LABEL,
            status_meaning=words.STATUS_MEANING,
            method_text=words.METHOD_TEXT,
            confidence_text=words.CONFIDENCE_TEXT,
            status_rows=pages.status_rows,
            svg_style=(site_dir() / "static" / "map.css").read_text(encoding="utf-8"),
            day=day,
            today_iso=day.isoformat(),
        )

    def run(self) -> None:
        self._timed("static", self.static)
        self.cache.begin()
        # Per jurisdiction, a version that moves with any write to what its pages show,
        # its own row and regions included (schema V5): compared, never parsed.
        self.stamps = site_data.stamps(self.conn)
        self._timed("downloads", self.start_downloads)
        self.logged = self.drawn = False  # the change log, feeds, maps (see _first_fill)
        self._timed("jurisdictions", self.jurisdictions)
        self.generations = self.cache.generations()
        if not self.drawn:
            self._timed("maps", self.maps)
        if not self.logged:
            self._timed("changes", self.change_log)
            self._timed("feeds", self.feeds)
        self._timed("data", self.data)
        self._timed("sitemap", self.sitemap)

    def _timed(self, name: str, step: Callable[[], T]) -> T:
        started = time.perf_counter()
        value = step()
        self.timings[name] = time.perf_counter() - started
        return value

    def _page(self, path: str, fp: str, render: Callable[[], bytes]) -> None:
        if self.output.need(path, fp):
            self.output.put(path, render(), fp)

    def gen(self, key: str) -> int:
        return self.generations.get(key, 0)

    # --- assets ------------------------------------------------------------------

    def static(self) -> None:
        for path in sorted((site_dir() / "static").iterdir()):
            if path.is_file() and not path.name.startswith("."):
                data = path.read_bytes()
                self._page(f"static/{path.name}", digest(data), lambda data=data: data)
        robots = "User-agent: *\nAllow: /\n"
        if self.renderer.base_url:
            robots += f"Sitemap: {self.renderer.base_url}sitemap.xml\n"
        self._page("robots.txt", digest(robots), lambda: robots.encode())

    # --- jurisdictions -----------------------------------------------------------

    def jurisdictions(self) -> None:
        """Bring the cache up to date, then render each jurisdiction's page and feed.

        A jurisdiction is dirty when its stamp moved or a date it waited for came: it is
        read again whatever its pages need. A clean one is rendered only if a page's
        fingerprint moved (a child's status, a template, the base URL).
        """
        cached = self.cache.places()  # code -> a tuple in Cached order
        # An empty cache (a first build) copies every change in one statement while the
        # workers render, instead of receiving each jurisdiction's changes from them.
        bulk = not cached
        if bulk:
            self.cache.fill()
        iso, stamps, full = self.day.isoformat(), self.stamps, self.output.full
        dirty = [
            c
            for c in self.places
            if full
            or (entry := cached.get(c)) is None
            or entry[STAMP] != stamps.get(c)
            or entry[VALID_UNTIL] <= iso
        ]
        everything = len(dirty) == len(self.places)
        fresh = self._timed(
            "status rows",
            lambda: {
                r["code"]: r
                for r in site_data.current(self.conn, self.day, None if everything else dirty)
                if r["code"] in self.places
            },
        )
        for code in sorted(set(cached) - set(self.places)):
            self._forget(code)
        self.rows = rows = StatusRows(cached)
        # Every row is final before any page renders (when each status began included),
        # so a page that lists places renders beside the others, and the maps meanwhile.
        began = self._timed("began", lambda: site_data.began(self.conn, _record_ids(fresh)))
        for code, row in fresh.items():
            rows[code] = _stored(row, began.get(row.get("record_id")))
        self.last_recorded = site_data.last_recorded(self.conn)
        self.kids: dict[str, str] = {}
        check = self._to_check(fresh, cached)
        self.until = {c: cached[c][VALID_UNTIL] for c in cached if c not in fresh}
        # Every dirty jurisdiction (read once: its cache entry, its page and its feed) and
        # the clean ones whose files may have moved.
        jobs, unchanged = [], []
        for code in self.places:
            if code in fresh:
                jobs.append(work.Job(code, True, True, True, fresh[code]))
            elif check is not None and code not in check:
                unchanged.append(code)
            else:
                page = self._need_page(code)
                feed = self.output.need(work.feed_path(code), self._feed_fp(code))
                if page or feed:
                    jobs.append(work.Job(code, False, page, feed))
        if unchanged:
            self.output.keep_unchanged(
                path for c in unchanged for path in (work.page_path(c), work.feed_path(c))
            )
        shared = work.Shared(
            self.db_path,
            self.output,
            self.renderer,
            self.day,
            self.places,
            self.rows,
            self.children,
            self.region_by_slug,
            report_changes=not bulk,
        )
        # A first build draws the maps meanwhile too; a later one after the jurisdictions
        # (the front page lists the latest changes, which their results bring).
        meanwhile = (lambda: self._first_fill(fresh)) if bulk else None
        if len(jobs) >= work.PARALLEL_MIN:
            self._read_ahead()
        # At scale, the pages are written out while the rest renders (see sync_early).
        every = len(jobs) // SYNC_STEPS if len(jobs) >= work.PARALLEL_MIN else 0
        for n, result in enumerate(work.render_all(shared, jobs, self.conn, meanwhile), 1):
            if every and n % every == 0:
                self.output.sync_early()
            code = result.code
            if result.dirty:
                self.until[code] = result.until
                old = cached.get(code)
                self._remember(
                    self.places[code],
                    result.changes,
                    Cached._make(old) if old else None,
                    result.until,
                )
            if result.page is not None:
                self.output.record(work.page_path(code), self._page_fp(code), result.page)
            if result.feed is not None:
                self.output.record(work.feed_path(code), self._feed_fp(code), result.feed)
        self.output.sync_early()  # the bulk of the bytes is written
        self.cache.settle()

    def _read_ahead(self) -> None:
        """Read now the files that the last steps need (templates, map geometry).

        Once the workers have written gigabytes, the disk is busy writing them out, and a
        file read then waits seconds behind those writes (the state pages and the maps
        come last, when nothing else is left to do meanwhile)."""
        for name in self.renderer.env.list_templates():
            self.renderer.env.get_template(name)
        maps.us_map(), maps.world_map(), maps.county_points(), maps.small_country_points()

    def _first_fill(self, fresh: dict) -> None:
        """While the workers render a first build (an empty cache): copy the change log
        whole, index it, and write the pages and feeds made of it alone, then the maps,
        which need nothing from the workers either (every row is final). Every group of
        pages moves: each jurisdiction is new to the cache (see `_remember`)."""
        years = self._timed("copy", lambda: self.cache.fill_changes(fresh))
        self._timed("index", self.cache.settle)
        self.cache.bump(["changes", *(f"year:{y}" for y in years)])
        self.cache.bump(f"region:{r.slug}" for r in self.regions)
        if fresh:
            self.cache.bump(["current"])
        if any(_on_a_map(self.places[code]) for code in fresh):
            self.cache.bump(["maphist"])
        self.generations = self.cache.generations()
        self._timed("changes", self.change_log)
        self._timed("feeds", self.feeds)
        self.logged = True
        self._timed("maps", self.maps)
        self.drawn = True

    def _need_page(self, code: str) -> bool:
        return self.output.need(work.page_path(code), self._page_fp(code))

    def _to_check(self, fresh: dict, cached: dict[str, tuple]) -> set[str] | None:
        """The clean jurisdictions whose pages may still have moved: parents of a dirty one
        (their list of children) and everything under a renamed one (breadcrumbs). None
        means all: the live site was built by other code, templates or base URL, or its
        manifest cannot be trusted, or jurisdictions or regions changed.
        """
        if not self.output.same_code or self.places_changed:
            return None
        check = {self.places[c].parent for c in fresh if self.places[c].parent}
        renamed = [
            c
            for c in fresh
            if c in cached and Cached._make(cached[c]).identity != digest(self.places[c].identity())
        ]
        while renamed:
            code = renamed.pop()
            for child in self.children.get(code, []):
                if child not in check:
                    check.add(child)
                    renamed.append(child)
        return check

    def _page_fp(self, code: str) -> str:
        """A jurisdiction page's inputs: its stamp, the day it waits for, its status row,
        its children's rows, its parents' and regions' names."""
        place = self.places[code]
        chain = [(a.code, a.name) for a in pages.ancestors(place, self.places)]
        regions = [
            (s, self.region_by_slug[s].name) for s in place.regions if s in self.region_by_slug
        ]
        return digest(
            self.salt,
            self.stamps.get(code),
            self.until[code],
            self.rows[code],
            self._kids(code),
            chain,
            regions,
        )

    def _kids(self, code: str) -> str | None:
        """What a page shows of its children: their names and status rows."""
        if code not in self.children:
            return None
        if code not in self.kids:
            self.kids[code] = digest(
                [(c, self.places[c].name, self.rows[c]) for c in self.children[code]]
            )
        return self.kids[code]

    def _feed_fp(self, code: str) -> str:
        return digest(self.salt, self.stamps.get(code))

    def _remember(
        self, place: Place, changes: list[dict] | None, old: Cached | None, until: str
    ) -> None:
        """Store one jurisdiction's new state (its row, made before the rendering) and
        raise the generations of what it touches.

        `changes` is None when the cache was empty and `_first_fill` copied them."""
        stamp = self.stamps.get(place.code)
        years: set[int] = set()
        if changes is not None:
            years = self.cache.put_changes(place.code, changes, new=old is None)
        stored = self.rows[place.code]
        identity = digest(place.identity())
        if old is not None and old.identity != identity:  # renamed, moved: lists show names
            years |= {int(c["effective_date"][:4]) for c in changes or ()}
        if old is not None and old.valid_until <= self.day.isoformat():
            years.add(int(old.valid_until[:4]))  # an upcoming change is upcoming no more
        if years:
            self._touch_changes(place, years)
        if old is None or old.row != encode(stored):
            self.cache.bump(["current"])
        if (old is None or old.stamp != stamp) and _on_a_map(place):
            self.cache.bump(["maphist"])
        self.cache.put_place(place.code, stamp, until, stored, identity)

    def _forget(self, code: str) -> None:
        """A jurisdiction left the database (or its code is refused): drop its traces."""
        years = self.cache.drop_place(code)
        self.cache.bump(["current", "maphist", "changes", *(f"year:{y}" for y in years)])
        self.cache.bump(f"region:{r.slug}" for r in self.regions)

    def _touch_changes(self, place: Place, years: Iterable[int]) -> None:
        self.cache.bump(["changes", *(f"year:{y}" for y in years)])
        self.cache.bump(f"region:{r}" for r in place.regions)

    # --- maps, snapshots and the front page --------------------------------------------

    def maps(self) -> None:
        self.pending = LiveBills(site_data.live_bills(self.conn, self.day))
        drawn: dict[str, MapView] = {}

        def view(key: str) -> MapView:  # drawn only if a page needs it
            if key not in drawn:
                draw = us_view if key == "us" else world_view
                drawn[key] = draw(self.places, self.rows, self.day, self.pending)
            return drawn[key]

        members = self._members()
        years = self._snapshot_years(members)
        tag = digest(self.gen("maphist"), members, years)
        fp = digest(
            self.salt,
            "index",
            self.gen("current"),
            self.gen("changes"),
            tag,
            self.day,
            self.last_recorded,
            self.pending.notes,
        )
        self._page(
            "index.html", fp, lambda: self._index(view("us"), view("world"), members, years, tag)
        )
        for year in years:
            path = f"as-of/{year}/index.html"
            page_fp = digest(self.salt, tag, year)
            self._page(
                path,
                page_fp,
                lambda year=year, path=path: self._snapshot_page(year, path, members, years, tag),
            )
        svg_fp = digest(self.salt, self.gen("current"), self.day, self.pending.notes)
        for key in ("us", "world"):
            path = f"map/{key}.svg"
            self._page(path, svg_fp, lambda key=key, path=path: self._standalone(view(key), path))

    def _members(self) -> list[str]:
        """Who is on the maps and in their tables: the jurisdictions snapshots follow
        (every state, territory and country, and the counties the US map marks)."""
        codes = set(pages.us_codes(self.places)) | set(pages.country_codes(self.places))
        codes |= set(marked_counties(self.places, self.rows, self.pending))
        return sorted(codes)

    def _snapshot_years(self, members: list[str]) -> list[int]:
        """Past years in which something on the maps changed: one snapshot each."""
        return [y for y in self.cache.years_of(members) if y < self.day.year]

    def _snapshots_for(self, members: list[str], years: list[int], tag: str):
        """(date, rows) at the end of each year, from `status_as_of` like `--as-of`."""
        if self._snapshots is None:
            stored = self.cache.blob("snapshots", tag)
            if stored is None:
                stored = [[f"{y}-12-31", self._rows_on(dt.date(y, 12, 31), members)] for y in years]
                self.cache.put_blob("snapshots", tag, stored)
            self._snapshots = [(d, rows) for d, rows in stored]
        return self._snapshots

    def _rows_on(self, day: dt.date, members: list[str]) -> dict[str, dict]:
        rows = {}
        for start in range(0, len(members), site_data.BATCH):
            batch = tuple(members[start : start + site_data.BATCH])
            for row in status_as_of(self.conn, day, [Selection(codes=batch)]):
                rows[row["code"]] = {**words.slim(row), "upcoming": None}  # a past day
        return rows

    def _map_context(
        self, rows: dict[str, dict], day: dt.date, pending: LiveBills | None = None
    ) -> dict:
        """What the map page shows on `day`; `pending` (live bills) only on today's."""
        pending = pending or LiveBills()
        us = us_view(self.places, rows, day, pending)
        world = world_view(self.places, rows, day, pending)
        us_codes, world_codes = pages.us_codes(self.places), pages.country_codes(self.places)
        us_rows = pages.rows_for(us_codes, rows, self.places, pending.notes)
        world_rows = pages.rows_for(world_codes, rows, self.places, pending.notes)
        local_rows, local_more = pages.local_table(self.places, rows)
        federal = None
        if "US" in self.places:
            federal = pages.table_row(
                self.places["US"], rows.get("US", {"status": "unknown"}), self.places
            )
            federal["sentence"] = words.sentence("the United States (federal law)", federal["row"])
        return {
            "us_map": us,
            "world_map": world,
            "us_rows": us_rows,
            "world_rows": world_rows,
            "local_rows": local_rows,
            "local_more": local_more,
            "us_counts": pages.counts(us_rows),
            "world_counts": pages.counts(world_rows),
            "us_pending": sum(1 for c in us_codes if c in pending.notes),
            "world_pending": sum(1 for c in world_codes if c in pending.notes),
            "federal": federal,
        }

    def _index(self, us, world, members, years, tag) -> bytes:
        snapshots = self._snapshots_for(members, years, tag)
        today = {c: self.rows[c] for c in members}
        timeline = pages.timeline_data(snapshots, (self.day.isoformat(), today))
        latest = itertools.islice(self._named(self.cache.latest()), 10)
        context = self._map_context(self.rows, self.day, self.pending)
        return self.renderer.render(
            "index.html",
            "index.html",
            snapshot=None,
            as_of=None,
            snapshots=years,
            timeline=timeline,
            latest=pages.change_rows(latest, depth_prefix("index.html"), self.day.isoformat()),
            recorded=self.last_recorded,
            **context,
        )

    def _snapshot_page(self, year, path, members, years, tag) -> bytes:
        snapshots = dict(self._snapshots_for(members, years, tag))
        as_of = f"{year}-12-31"
        context = self._map_context(snapshots[as_of], dt.date(year, 12, 31))
        return self.renderer.render(
            "index.html",
            path,
            snapshot=year,
            as_of=as_of,
            snapshots=years,
            timeline=None,
            latest="",
            recorded=None,
            **context,
        )

    def _standalone(self, view: MapView, path: str) -> bytes:
        """map/us.svg and map/world.svg: the date, the legend and the credit inside."""
        listed = pages.country_codes if view.key == "world" else pages.us_codes
        table = pages.rows_for(listed(self.places), self.rows, self.places)  # as the legend
        home = self.renderer.absolute("")
        source = f"kratom-status ({home})" if home else "kratom-status"
        credit = (
            "US Census Bureau via us-atlas" if view.key == "us" else "Natural Earth via world-atlas"
        )
        footer = {
            "counts": pages.counts(table),
            "title": f"{view.title}.",
            "credit": f"Source: {source}; map data: {credit} (public domain).",
        }
        return self.renderer.render("map.svg", path, view=view, footer=footer)

    # --- the change log -----------------------------------------------------------------

    def _named(self, changes: Iterable[dict]) -> Iterable[dict]:
        for change in changes:
            place = self.places.get(change["jurisdiction"])
            if place is not None:
                yield {**change, "name": place.name}

    def change_log(self) -> None:
        """changes/: the latest changes, one page per year and per region.

        Each list holds at most CHANGES_PAGE_LIMIT rows (a page must stay readable at any
        scale); the complete log is history.csv and `kratom changes`.
        """
        years = self.cache.years()
        common = {"years": years, "region_links": self.regions}
        shape = digest(years, [(r.slug, r.name) for r in self.regions])
        path = "changes/index.html"
        fp = digest(self.salt, "changes", self.gen("changes"), shape)
        if self.output.need(path, fp):
            latest = list(itertools.islice(self._named(self.cache.latest()), CHANGES_PAGE_LIMIT))
            self._change_page(
                path, fp, "Change log", latest, self.cache.count(), common, filterable=True
            )
        for year in years:
            path = f"changes/{year}/index.html"
            fp = digest(self.salt, self.gen(f"year:{year}"), shape)
            if self.output.need(path, fp):
                listed, total = self.cache.year(year, CHANGES_PAGE_LIMIT)
                self._change_page(
                    path,
                    fp,
                    f"Changes in {year}",
                    list(self._named(listed)),
                    total,
                    common,
                    year=year,
                    filterable=True,
                )
        wanted = {}
        for region in self.regions:
            path = f"changes/region/{region.slug}/index.html"
            fp = digest(self.salt, self.gen(f"region:{region.slug}"), region.name, shape)
            if self.output.need(path, fp):
                wanted[region.slug] = (path, fp)
        found = self._by_region(set(wanted), CHANGES_PAGE_LIMIT + 1)
        for slug, (path, fp) in wanted.items():
            region = self.region_by_slug[slug]
            listed = found[slug]
            self._change_page(
                path,
                fp,
                f"Changes in {region.name}",
                listed[:CHANGES_PAGE_LIMIT],
                len(listed),
                common,
                region=region,
            )

    def _change_page(
        self, path, fp, heading, listed, total, common, year=None, region=None, filterable=False
    ) -> None:
        more = (
            "older ones are on the yearly pages"
            if year is None and region is None
            else "the complete list is in data/history.csv and `kratom changes`"
        )
        html = self.renderer.render(
            "changes.html",
            path,
            heading=heading,
            caption=f"{heading}, newest first",
            changes=pages.change_rows(
                listed,
                depth_prefix(path),
                self.day.isoformat(),
                self._regions_of if filterable else None,
            ),
            shown=len(listed),
            total=total,
            more=more,
            year=year,
            region=region,
            feed_path=f"feeds/region/{region.slug}.atom" if region else "feeds/changes.atom",
            filterable=filterable,
            **common,
        )
        self.output.put(path, html, fp)

    def _regions_of(self, code: str) -> str:
        place = self.places.get(code)
        return " ".join(place.regions) if place else ""

    def _by_region(self, slugs: set[str], limit: int, *, by_recorded: bool = False) -> dict:
        """The first `limit` changes of each region in `slugs`, named."""
        groups = {}
        for code, place in self.places.items():
            mine = tuple(s for s in place.regions if s in slugs)
            if mine:
                groups[code] = mine
        found = self.cache.newest_by_group(groups, limit, by_recorded=by_recorded)
        return {s: list(self._named(found.get(s, []))) for s in slugs}

    # --- feeds -----------------------------------------------------------------------

    def feeds(self) -> None:
        path, json_path = "feeds/changes.atom", "feeds/changes.json"
        fp = digest(self.salt, self.gen("changes"))
        if self.output.need(path, fp) | self.output.need(json_path, fp):
            latest = list(itertools.islice(self._named(self.cache.recorded()), FEED_LIMIT))
            feed = self._feed(
                path,
                feeds.feed_id("changes"),
                "all changes",
                "Every change of kratom's legal status, in every country, US "
                "state and local jurisdiction tracked.",
                "changes/",
                latest,
            )
            feed.json_link = self.renderer.link(json_path, path)
            self.output.put(path, feeds.atom(feed), fp)
            json_feed = self._feed(
                json_path,
                feeds.feed_id("changes"),
                "all changes",
                feed.subtitle,
                "changes/",
                latest,
            )
            json_feed.json_link = self.renderer.link(json_path, json_path)
            absolute = self.renderer.base_url is not None
            self.output.put(json_path, feeds.json_feed(json_feed, absolute), fp)
        wanted = {}
        for region in self.regions:
            path = f"feeds/region/{region.slug}.atom"
            fp = digest(self.salt, self.gen(f"region:{region.slug}"), region.name)
            if self.output.need(path, fp):
                wanted[region.slug] = (path, fp)
        found = self._by_region(set(wanted), FEED_LIMIT, by_recorded=True)
        for slug, (path, fp) in wanted.items():
            region = self.region_by_slug[slug]
            feed = self._feed(
                path,
                feeds.feed_id("region", slug),
                region.name,
                f"Every change of kratom's legal status in {region.name}.",
                f"changes/region/{slug}/",
                found[slug],
            )
            self.output.put(path, feeds.atom(feed), fp)
        path = "feeds/index.html"
        fp = digest(self.salt, [(r.slug, r.name) for r in self.regions])
        self._page(path, fp, lambda: self.renderer.render("feeds.html", path, regions=self.regions))

    def _feed(self, path, feed_id, what, subtitle, page, changes) -> feeds.Feed:
        return feeds.Feed(
            id=feed_id,
            title=f"Kratom legal status: {what}",
            subtitle=subtitle,
            self_link=self.renderer.link(path, path),
            page_link=self.renderer.link(page, path),
            entries=pages.entries(changes, self.places, lambda p: self.renderer.link(p, path)),
        )

    # --- downloads --------------------------------------------------------------------

    def start_downloads(self) -> None:
        """Start writing data/ in a separate process if it is out of date: exporting every
        record takes long at scale and needs no page, so it runs beside the rendering."""
        self.data_fp = digest(
            self.salt,
            site_exports.code_fingerprint(),
            site_data.content_signature(
                self.conn,
                hashlib.blake2b(marshal.dumps((self.places_version, self.stamps))).hexdigest(),
            ),
            self.day,
        )
        names = [name for name, _ in site_exports.DOWNLOADS]
        self.downloads_needed = [n for n in names if self.output.need(f"data/{n}", self.data_fp)]
        self.downloads = None
        paths = _data_paths()
        # With downloads already live, new ones are written after the pages go live (they
        # would only slow the pages down); a first build writes them beside the pages.
        self.deferred = bool(self.downloads_needed) and all(
            p in self.output.live_files for p in paths
        )
        if self.downloads_needed and not self.deferred:
            self.downloads = self._write_downloads()

    def _write_downloads(self) -> site_exports.Pending:
        folder = self.output.work / "downloads"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return site_exports.start(self.db_path, folder, self.day)

    def data(self) -> None:
        """data/: the downloads and their page. When the live site has downloads already,
        new ones go live after the pages (`publish_downloads`): at scale they take far
        longer to write than a change takes to render, and the old ones stay whole."""
        if self.deferred and self.output.carry(_data_paths()):
            return
        if self.deferred:  # the live downloads went missing: write them now, as a first build
            self.deferred, self.downloads = False, self._write_downloads()
        if self.downloads is not None:
            try:
                folder = self.downloads.wait()
                shas = site_exports.written_shas(folder)
                for name in self.downloads_needed:
                    path = f"data/{name}"
                    self.output.put_file(path, folder / name, self.data_fp, shas.get(name))
            finally:
                shutil.rmtree(self.downloads.folder, ignore_errors=True)
        path = "data/index.html"
        fp, render = self._data_page(self.output.stage / "data", path)
        self._page(path, fp, render)

    def _data_page(self, folder: Path, path: str) -> tuple[str, Callable[[], bytes]]:
        """data/index.html's fingerprint and renderer, from the downloads in `folder`."""
        sizes = [(folder / name).stat().st_size for name, _ in site_exports.DOWNLOADS]
        files = [
            {"name": n, "what": what, "size": site_exports.size_text(size)}
            for (n, what), size in zip(site_exports.DOWNLOADS, sizes, strict=True)
        ]
        return digest(self.salt, self.data_fp, sizes), lambda: self.renderer.render(
            "data.html", path, files=files, dictionary=site_exports.dictionary()
        )

    def publish_downloads(self) -> None:
        """After the pages went live: the new downloads and their page, in one exchange
        of the live data/ folder. Downloads whose bytes did not change stay the same
        file (same inode and mtime)."""
        if not self.deferred:
            return
        self.downloads = self._write_downloads()
        folder = self.downloads.wait()
        try:
            shas = site_exports.written_shas(folder)
            ready = self.output.work / "data-ready"
            shutil.rmtree(ready, ignore_errors=True)
            ready.mkdir()
            live = self.output.live / "data"
            for name, _ in site_exports.DOWNLOADS:
                old = self.output.live_files.get(f"data/{name}")
                if name in self.downloads_needed and not (old and old[SHA] == shas.get(name)):
                    (folder / name).rename(ready / name)
                else:
                    os.link(live / name, ready / name)
                    shas[name] = old[SHA] if old and old[SHA] else shas.get(name)
            fp, render = self._data_page(ready, "data/index.html")
            page = render()
            if page == (live / "index.html").read_bytes():
                os.link(live / "index.html", ready / "index.html")
            else:
                (ready / "index.html").write_bytes(page)
            fps = {name: self.data_fp for name, _ in site_exports.DOWNLOADS}
            self.output.replace_folder("data", ready, {**fps, "index.html": fp}, shas)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def abort(self) -> None:
        """After a failure: stop the downloads process, if any."""
        if getattr(self, "downloads", None) is not None:
            self.downloads.stop()

    def sitemap(self) -> None:
        """sitemap.xml (sitemaps.org 0.9), only with a base URL: it needs absolute URLs."""
        if not self.renderer.base_url:
            return
        pages_ = sorted(p for p in self.output.target if p.endswith(".html"))
        chunks = [pages_[i : i + SITEMAP_LIMIT] for i in range(0, len(pages_), SITEMAP_LIMIT)]
        names = (
            ["sitemap.xml"]
            if len(chunks) == 1
            else [f"sitemap-{i + 1}.xml" for i in range(len(chunks))]
        )
        for name, chunk in zip(names, chunks, strict=True):
            self._page(
                name,
                digest(self.salt, chunk),
                lambda chunk=chunk: _sitemap(
                    "urlset", "url", (self.renderer.absolute(_pretty(p)) for p in chunk)
                ),
            )
        if len(names) > 1:
            self._page(
                "sitemap.xml",
                digest(self.salt, names),
                lambda: _sitemap(
                    "sitemapindex", "sitemap", (self.renderer.absolute(n) for n in names)
                ),
            )


# --- small helpers ------------------------------------------------------------------


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the main process builds (as it was after).

    What a build reads lives until it ends (fifty thousand places, rows, manifest
    entries), and each full collection walked all of it again: a second of a full build.
    Rendering makes no reference cycles (what it allocates is freed as it goes); the
    workers collect as usual (`site_jurisdictions._start_worker`).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _record_ids(rows: dict[str, dict]) -> list[int]:
    return [row["record_id"] for row in rows.values() if row.get("record_id") is not None]


def _stored(row: dict, began: tuple[str, str] | None) -> dict:
    """A status row as the build keeps it: the table fields and when the status began."""
    return {
        **words.slim(row),
        "began": began[0] if began else None,
        "began_precision": began[1] if began else None,
    }


def _data_paths() -> list[str]:
    """Every file of data/: the downloads and their page."""
    return [f"data/{name}" for name, _ in site_exports.DOWNLOADS] + ["data/index.html"]


def _on_a_map(place: Place) -> bool:
    """Countries, US states, DC, territories and counties (markers) are drawn."""
    return not place.is_local or place.kind == "county"


def _pretty(path: str) -> str:
    return path[: -len("index.html")] if path.endswith("index.html") else path


def _sitemap(root: str, item: str, urls: Iterable[str]) -> bytes:
    """A sitemap (`urlset` of `url`) or a sitemap index (`sitemapindex` of `sitemap`)."""
    from xml.sax.saxutils import escape

    body = "".join(f"<{item}><loc>{escape(u)}</loc></{item}>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</{root}>\n"
    ).encode()


def describe(report: BuildReport) -> str:
    """The summary line `kratom build` prints."""
    text = (
        f"built {report.out}: {report.files} files, {len(report.written)} written, "
        f"{report.kept} unchanged, {len(report.removed)} removed in {report.seconds:.1f} s"
    )
    if report.seconds - report.published >= 1:  # the downloads followed the pages
        text += f" (pages live after {report.published:.1f} s, then the downloads)"
    if report.refused:
        text += f"\n  skipped {len(report.refused)} jurisdiction code(s) unsafe as paths: " + (
            ", ".join(repr(c) for c in report.refused[:5])
        )
    return text
