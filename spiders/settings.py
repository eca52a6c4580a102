"""Scrapy settings: polite, bounded, and honest about who is asking.

Scrapy's own machinery does the work: robots.txt, AutoThrottle, retries (with a
backoff, see middlewares), DOWNLOAD_MAXSIZE, and the HTTP cache with the RFC 2616
policy, which turns every check into a conditional request (ETag / If-Modified-Since)
so an unchanged page costs a 304.
"""

from status import __version__

BOT_NAME = "kratom-status"
PROJECT_URL = "https://github.com/kratom-status/kratom-status"
USER_AGENT = f"kratom-status/{__version__} (+{PROJECT_URL}; legal-status tracker, read-only)"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

RETRY_ENABLED = True
RETRY_TIMES = 2
# 429 is not retried at once: it is recorded (with Retry-After) and tried on the next crawl.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
# Scrapy's list minus name-resolution errors: a host that does not resolve (offline, or
# gone) will not resolve a second later, and retrying with backoff only slows the job.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
KRATOM_RETRY_BACKOFF = 2.0  # seconds, doubled per attempt; Retry-After wins when shorter
KRATOM_RETRY_BACKOFF_MAX = 60.0

HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_ALWAYS_STORE = True
HTTPCACHE_GZIP = False  # gzip at level 9 doubled the cost of every stored page
HTTPCACHE_DIR = "kratom-httpcache"  # replaced by a folder beside the database
HTTPCACHE_STORAGE = "spiders.cache.SqliteCacheStorage"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.SharedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.NetworkOutcomeMiddleware": 950,
}
ITEM_PIPELINES = {"spiders.pipelines.StorePipeline": 300}
KRATOM_FLUSH_EVERY = 200  # results written per transaction
