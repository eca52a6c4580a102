"""Running a crawl from Python (the CLI's `kratom crawl` and `kratom update`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from status import sources as registry
from status import store
from status.detect import CrawlSummary, last_snapshots
from status.errors import KratomError


def project_settings() -> dict:
    """spiders/settings.py, with KRATOM_CRAWL_SETTINGS applied."""
    import spiders.settings as module

    settings = {k: v for k, v in vars(module).items() if k.isupper()}
    settings.update(_environment_overrides())
    return settings


def settings_for(db_path: str | Path, overrides: dict | None = None) -> dict:
    """The project settings plus the database and a cache folder beside it."""
    settings = project_settings()
    db = Path(db_path).resolve()
    settings["KRATOM_DB"] = str(db)
    settings["HTTPCACHE_DIR"] = str(db.with_name(db.name + ".httpcache"))
    settings.update(overrides or {})
    return settings


def _environment_overrides() -> dict:
    """Developer knob: KRATOM_CRAWL_SETTINGS='{"DOWNLOAD_DELAY": 0}' (JSON) for tests and
    benchmarks against local fixture servers; never needed for real crawls."""
    import json
    import os

    raw = os.environ.get("KRATOM_CRAWL_SETTINGS")
    if not raw:
        return {}
    try:
        overrides = json.loads(raw)
    except ValueError:
        raise KratomError("KRATOM_CRAWL_SETTINGS is not JSON") from None
    if not isinstance(overrides, dict):
        raise KratomError("KRATOM_CRAWL_SETTINGS must be a JSON object of Scrapy settings")
    return overrides


def crawl(
    db_path: str | Path,
    ids: list[str] | None = None,
    jurisdiction: str | None = None,
    progress: Callable | None = None,
    overrides: dict | None = None,
) -> CrawlSummary:
    """Crawl the active sources (or some of them) and record what was found.

    Runs Scrapy's reactor in this process, so it can run once per process.
    """
    from scrapy.crawler import CrawlerProcess

    from spiders.statute import StatuteSpider

    conn = store.connect(db_path)
    try:
        chosen = registry.load(conn, ids or [], jurisdiction)
        previous = last_snapshots(conn)
    finally:
        conn.close()
    if not chosen:
        return CrawlSummary()
    settings = settings_for(db_path, overrides)
    settings["KRATOM_PROGRESS"] = progress
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(StatuteSpider)
    process.crawl(crawler, sources=chosen, last_snapshots=previous)
    process.start()
    return getattr(crawler, "kratom_summary", CrawlSummary())
