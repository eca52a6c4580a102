"""The pipeline hands every item to `status`, in batches.

Items are buffered and written KRATOM_FLUSH_EVERY at a time in one transaction (a commit
per item is ~100x slower), and at the end of the crawl. What was found is summed on the
crawler for the CLI: `kratom_summary` (pages) and `kratom_evidence` (documents, bills).
"""

from __future__ import annotations

from spiders.items import ApiCheck, StateUpdate
from status import legislative, store
from status.dates import today
from status.detect import CrawlSummary, PageResult, record, record_api_check
from status.legislative import Bill, Document, EvidenceSummary


class StorePipeline:
    def __init__(self, crawler):
        self.db_path = crawler.settings.get("KRATOM_DB")
        self.flush_every = crawler.settings.getint("KRATOM_FLUSH_EVERY", 200)
        self.progress = crawler.settings.get("KRATOM_PROGRESS")
        self.buffer: list = []
        self.summary = CrawlSummary()
        self.evidence = EvidenceSummary()
        crawler.kratom_summary = self.summary
        self.failed_feeds: set[str] = set()  # API feeds with a failed request in this crawl
        crawler.kratom_evidence = self.evidence

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.conn = store.connect(self.db_path)

    def process_item(self, item, spider=None):
        self.buffer.append(item)
        if self.progress and isinstance(item, PageResult | ApiCheck):
            self.progress(item)
        if len(self.buffer) >= self.flush_every:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer:
            return
        with store.transaction(self.conn):
            pages = [i for i in self.buffer if isinstance(i, PageResult)]
            if pages:
                self.summary.merge(record(self.conn, pages, today()))
            for item in self.buffer:
                self._record(item)
        self.buffer = []

    def _record(self, item) -> None:
        if isinstance(item, Document):
            legislative.record_document(self.conn, item, self.evidence)
        elif isinstance(item, Bill):
            legislative.record_bill(self.conn, item, self.evidence)
        elif isinstance(item, ApiCheck):
            if not item.ok and item.source_id in self.failed_feeds:
                return  # one failure per feed per crawl: a feed makes several requests,
                # and three of them failing in one run is not three runs (stale)
            if not item.ok:
                self.failed_feeds.add(item.source_id)
            self.summary.merge(record_api_check(self.conn, item))
        elif isinstance(item, StateUpdate):
            legislative.set_state(self.conn, item.provider, item.key, item.value)

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.conn.close()
