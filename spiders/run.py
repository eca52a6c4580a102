"""Running a crawl from Python (the CLI's `kratom crawl` and `kratom update`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from status import legislative, store
from status import sources as registry
from status.detect import CrawlSummary, last_snapshots
from status.errors import KratomError
from status.legislative import EvidenceSummary
from status.locks import exclusive


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
) -> tuple[CrawlSummary, EvidenceSummary]:
    """Crawl the active sources (or some of them) and record what was found.

    Statute pages go to the statute spider, API feeds to their own spiders; all run in
    one Scrapy process (so this can run once per process).
    """
    from scrapy.crawler import CrawlerProcess

    from spiders.api import SPIDERS
    from spiders.statute import StatuteSpider

    conn = store.connect(db_path)
    try:
        chosen = registry.load(conn, ids or [], jurisdiction)
        previous = last_snapshots(conn)
        states = {api: dict(conn.execute("SELECT key, value FROM api_state WHERE provider = ?",
                                         (api,))) for api in SPIDERS}
        tokens = {api: legislative.known_tokens(conn, api) for api in SPIDERS}
    finally:
        conn.close()
    summary, evidence = CrawlSummary(), EvidenceSummary()
    pages = [s for s in chosen if s.kind != "api-feed"]
    feeds = [s for s in chosen if s.kind == "api-feed"]
    if not chosen:
        return summary, evidence
    settings = settings_for(db_path, overrides)
    settings["KRATOM_PROGRESS"] = progress
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    process = CrawlerProcess(settings)
    crawlers = []
    if pages:
        crawlers.append(process.create_crawler(StatuteSpider))
        process.crawl(crawlers[-1], sources=pages, last_snapshots=previous)
    for feed in feeds:
        spider = SPIDERS[feed.api]
        if spider.key_variable and not os.environ.get(spider.key_variable):
            evidence.notes.append(f"{spider.key_variable} is not set: skipped {feed.id} "
                                  "(its bills are not updated this time)")
            continue
        crawlers.append(process.create_crawler(spider))
        process.crawl(crawlers[-1], source=feed, state=states[feed.api], tokens=tokens[feed.api])
    with exclusive(db_path, "crawl"):
        process.start()
    for crawler in crawlers:
        summary.merge(getattr(crawler, "kratom_summary", CrawlSummary()))
        evidence.merge(getattr(crawler, "kratom_evidence", EvidenceSummary()))
    return summary, evidence
