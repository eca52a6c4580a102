"""Two downloader middlewares that keep the network's truth visible to the spider.

Scrapy's HTTP cache can hide a failure: on a download error it hands back the cached
page ("errorrecovery"), and a 5xx may be answered from the cache too. NetworkOutcome
sits next to the downloader and notes, for each attempt, what really came back (the
status or the error) in `request.meta["kratom_network"]`; the spider then counts such a
page as a failed fetch, never as "unchanged".
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

NETWORK = "kratom_network"


def describe(exception: BaseException) -> str:
    """A one-line reason for a download error."""
    name = type(exception).__name__
    text = " ".join(str(exception).split())[:200]
    known = {
        "TimeoutError": "timed out",
        "TCPTimedOutError": "timed out",
        "DownloadTimeoutError": "timed out",
        "DNSLookupError": "DNS lookup failed",
        "CannotResolveHostError": "DNS lookup failed",
        "ConnectionRefusedError": "connection refused",
        "DownloadConnectionRefusedError": "connection refused",
        "DownloadCancelledError": "download cancelled (larger than DOWNLOAD_MAXSIZE?)",
        "DownloadFailedError": "download failed",
        "ConnectionLost": "connection lost",
        "ConnectionDone": "connection closed",
        "ResponseNeverReceived": "no response (connection reset?)",
        "ResponseFailed": "response failed (connection reset mid-body?)",
        "ResponseDataLossError": "truncated body (connection closed before the end)",
        "IgnoreRequest": "request dropped",
    }
    label = known.get(name, name)
    if not text:
        return label
    return text if text.lower().startswith(label.lower()) else f"{label}: {text}"


class NetworkOutcomeMiddleware:
    """Records what the network answered for the latest attempt of each request."""

    def process_request(self, request: Request) -> None:
        request.meta.pop(NETWORK, None)

    def process_response(self, request: Request, response: Response) -> Response:
        # A cached page passing by is the cache standing in for the network (after an
        # error, or without asking at all): it must not hide what the network said.
        if "cached" not in response.flags:
            request.meta[NETWORK] = {"status": response.status}
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        request.meta[NETWORK] = {"error": describe(exception)}


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting before each retry: Retry-After when the server gives one,
    else KRATOM_RETRY_BACKOFF doubled per attempt, capped at KRATOM_RETRY_BACKOFF_MAX."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("KRATOM_RETRY_BACKOFF", 2.0)
        self.cap = settings.getfloat("KRATOM_RETRY_BACKOFF_MAX", 60.0)

    async def process_response(self, request: Request, response: Response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(result, response.headers.get(b"Retry-After")))
        return result

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(result, None))
        return result

    def _delay(self, retry: Request, retry_after: bytes | None) -> float:
        backoff = self.base * 2 ** max(retry.meta.get("retry_times", 1) - 1, 0)
        if retry_after and retry_after.strip().isdigit():
            backoff = float(retry_after)
        return min(backoff, self.cap)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every waiting request getting the parser.

    In Scrapy 2.19 requests that wait for a robots.txt still being downloaded all await
    one shared Deferred; the first waiter's callback returns None, so from the third
    concurrent request on the rules are silently not applied (they get `None`, i.e.
    "allowed"). The earlier code relayed the result to a Deferred per waiter
    (scrapy/scrapy pull request #6802 removed that); this puts the relay back.
    """

    async def robot_parser(self, request: Request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):
                waiter.callback(result)
                return result

            parser.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
