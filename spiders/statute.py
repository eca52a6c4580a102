"""The generic statute spider: one request per registered source, driven by the registry.

It fetches and extracts; the rules about what a fetch means are `status.fetch_rules`,
and what a change means is `status.detect`. A page whose text differs from the last
snapshot is fetched a second time, bypassing the cache, before it is reported: a
change is only reported when both fetches agree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.middlewares import NETWORK, describe
from status.dates import now_iso
from status.detect import PageResult
from status.extract import content_hash
from status.fetch_rules import Fetch, read_fetch
from status.sources import Source

# Error pages reach the spider (to be recorded as failed checks); redirects are still followed.
ERROR_STATUSES = list(range(400, 600))


class StatuteSpider(scrapy.Spider):
    name = "statute"

    def __init__(self, sources: list[Source], last_snapshots: dict[str, tuple[str, int]], **kwargs):
        super().__init__(**kwargs)
        self.sources = sources
        self.last_snapshots = last_snapshots

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            yield self.request(source)

    def request(self, source: Source, confirming: str | None = None) -> scrapy.Request:
        """A conditional request (max-age=0 makes the cache revalidate with ETag /
        If-Modified-Since); the confirming fetch skips the cache altogether."""
        meta = {
            "source": source,
            "handle_httpstatus_list": ERROR_STATUSES,
            "confirming": confirming,
            "dont_cache": confirming is not None,
        }
        return scrapy.Request(
            source.url,
            callback=self.parse,
            errback=self.failed,
            meta=meta,
            headers={"Cache-Control": "max-age=0"},
            dont_filter=True,
        )

    def parse(self, response: Response) -> list[PageResult | scrapy.Request]:
        """One reading of a source (a list, not a generator: Scrapy inspects the source
        of generator callbacks on every call, which costs more than the reading)."""
        source: Source = response.meta["source"]
        previous = self.last_snapshots.get(source.id)
        fetch = fetch_of(response)
        reading = read_fetch(fetch, source, previous[1] if previous else None)
        result = PageResult(
            source.id, now_iso(), reading.outcome, reading.reason, fetch.http_status,
            response.url, reading.text,
        )
        confirming = response.meta.get("confirming")
        if reading.outcome == "ok":
            digest = content_hash(reading.text or "")
            if confirming is not None:
                result.confirmed = digest == confirming
                if not result.confirmed:
                    result.outcome, result.text = "suspicious", None
                    result.reason = "the page gave different text on two fetches moments apart"
            elif previous is not None and digest != previous[0]:
                return [self.request(source, confirming=digest)]
        elif confirming is not None:
            result.reason = f"confirming fetch: {result.reason}"
        return [result]

    def failed(self, failure: Failure) -> list[PageResult]:
        request = failure.request
        source: Source = request.meta["source"]
        reason = describe(failure.value)
        if "robots.txt" in str(failure.value) or "Forbidden by robots.txt" in reason:
            reason = "disallowed by robots.txt"
        if request.meta.get("confirming") is not None:
            reason = f"confirming fetch: {reason}"
        return [PageResult(source.id, now_iso(), "failed", reason)]


def fetch_of(response: Response) -> Fetch:
    """What the network said, with the cache's stand-ins unmasked."""
    network = response.meta.get(NETWORK) or {}
    error = network.get("error")
    status = network.get("status", response.status)
    if error:
        error = f"{error} (the HTTP cache's earlier copy was not used)"
    elif "cached" in response.flags and not network:
        error = "not fetched: served from the HTTP cache without asking the site"
    headers = {
        key.decode("latin-1").lower(): value.decode("latin-1")
        for key, value in ((k, v[-1]) for k, v in response.headers.items() if v)
    }
    if status == 304:  # the cache revalidated: the body is the stored, unchanged page
        headers.pop("content-length", None)
    return Fetch(
        url=response.request.url if response.request else response.url,
        final_url=response.url,
        http_status=status,
        headers=headers,
        body=response.body,
        error=error,
    )
