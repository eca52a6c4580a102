"""Fetching one URL the way the statute spider does, for `kratom classify URL`.

Same settings (robots.txt, User-Agent, size limit, retries with backoff) but no cache
and no pipeline: nothing is written to the database.
"""

from __future__ import annotations

import scrapy
from twisted.python.failure import Failure

from spiders.middlewares import describe
from spiders.statute import ERROR_STATUSES, fetch_of
from status.fetch_rules import Fetch


class FetchOnceSpider(scrapy.Spider):
    name = "fetch-once"

    def __init__(self, url: str, found: list, **kwargs):
        super().__init__(**kwargs)
        self.url, self.found = url, found

    async def start(self):
        yield scrapy.Request(
            self.url,
            callback=self.parse,
            errback=self.failed,
            meta={"handle_httpstatus_list": ERROR_STATUSES},
            dont_filter=True,
        )

    def parse(self, response):
        self.found.append(fetch_of(response))

    def failed(self, failure: Failure):
        reason = describe(failure.value)
        if "robots.txt" in str(failure.value):
            reason = "disallowed by robots.txt"
        self.found.append(Fetch(url=self.url, error=reason))


def fetch(url: str, overrides: dict | None = None) -> Fetch:
    from scrapy.crawler import CrawlerProcess

    from spiders.run import project_settings

    settings = project_settings()
    settings.update(HTTPCACHE_ENABLED=False, ITEM_PIPELINES={}, **(overrides or {}))
    found: list[Fetch] = []
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    process = CrawlerProcess(settings)
    process.crawl(FetchOnceSpider, url=url, found=found)
    process.start()
    return found[0] if found else Fetch(url=url, error="nothing was fetched")
