"""The pipeline hands each PageResult to `status.detect`, in batches.

Results are buffered and written KRATOM_FLUSH_EVERY at a time in one transaction (a
commit per item is ~100x slower), and at the end of the crawl. The summary of what was
found is kept on the crawler for the CLI.
"""

from __future__ import annotations

from status import store
from status.dates import today
from status.detect import CrawlSummary, PageResult, record


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("KRATOM_DB")
        self.flush_every = crawler.settings.getint("KRATOM_FLUSH_EVERY", 200)
        self.progress = crawler.settings.get("KRATOM_PROGRESS")
        self.buffer: list[PageResult] = []
        self.summary = CrawlSummary()
        crawler.kratom_summary = self.summary

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.conn = store.connect(self.db_path)

    def process_item(self, item: PageResult, spider=None) -> PageResult:
        self.buffer.append(item)
        if self.progress:
            self.progress(item)
        if len(self.buffer) >= self.flush_every:
            self.flush()
        return item

    def flush(self) -> None:
        if self.buffer:
            self.summary.merge(record(self.conn, self.buffer, today()))
            self.buffer = []

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.conn.close()
