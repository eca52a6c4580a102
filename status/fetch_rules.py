"""Failures are not changes: the rules that decide whether a fetch is a real reading.

A fetch that failed (download error, HTTP error, rate limit, empty or truncated body) or
that looks wrong (captcha or login page, off-site redirect, watched part missing or
shrunk, an anchor assertion broken) is recorded as a failed or suspicious check with a
one-line reason, and never reaches the classifier. Each rule is a small function; the
first that objects decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from status.extract import WatchedPartMissing, page_text
from status.sources import Source

KRATOM_TERMS = re.compile(
    r"kratom|mitragyn|7-?\s?hydroxy-?\s?mitragynine|7-?OH\b|ketum|mitragyna", re.IGNORECASE
)
# Words of pages that stand between us and the law: captchas, bot walls, logins.
BLOCKED_PAGE = re.compile(
    r"captcha|are you a robot|verify you are (a )?human|unusual traffic|access denied|"
    r"attention required|enable javascript and cookies|please log ?in|sign in to continue|"
    r"request blocked|checking your browser",
    re.IGNORECASE,
)
SHRINK_RATIO = 0.5
DEFAULT_MIN_LENGTH = 100


@dataclass
class Fetch:
    """What the downloader saw, kept apart from what it means."""

    url: str
    final_url: str = ""
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    error: str | None = None


@dataclass
class Reading:
    outcome: str  # ok | failed | suspicious
    reason: str | None = None
    text: str | None = None


def read_fetch(fetch: Fetch, source: Source, previous_length: int | None = None) -> Reading:
    """Apply the failure rules in order; an `ok` reading carries the watched text."""
    for rule in (_download_error, _http_error, _off_site, _empty_or_truncated):
        if (objection := rule(fetch, source)) is not None:
            return objection
    try:
        text = page_text(
            fetch.body, fetch.headers.get("content-type", ""), source.watch, source.exclude
        )
    except WatchedPartMissing as exc:
        return Reading("suspicious", f"{exc} (layout change?)")
    except ValueError as exc:
        return Reading("failed", str(exc))
    for text_rule in (_blocked_page, _no_text, _anchors, _shrunk):
        if (objection := text_rule(text, source, previous_length)) is not None:
            return objection
    return Reading("ok", text=text)


def _download_error(fetch: Fetch, source: Source) -> Reading | None:
    if fetch.error:
        return Reading("failed", fetch.error)
    return None


def _http_error(fetch: Fetch, source: Source) -> Reading | None:
    status = fetch.http_status
    if status == 429:
        wait = fetch.headers.get("retry-after")
        return Reading(
            "failed", "rate limited (HTTP 429)" + (f"; retry after {wait}" if wait else "")
        )
    if status is None or status >= 400:
        return Reading("failed", f"HTTP {status}")
    if status not in (200, 203, 304):
        return Reading("failed", f"unexpected HTTP {status}")
    return None


def _hosts(url: str) -> set[str]:
    host = (urlsplit(url).hostname or "").lower()
    bare = host.removeprefix("www.")
    return {bare, "www." + bare}


def _off_site(fetch: Fetch, source: Source) -> Reading | None:
    if not fetch.final_url:
        return None
    allowed = _hosts(source.url).union(*(_hosts("//" + h) for h in source.allowed_hosts))
    host = (urlsplit(fetch.final_url).hostname or "").lower()
    if host not in allowed:
        return Reading("suspicious", f"redirected off-site to {host}")
    return None


def _empty_or_truncated(fetch: Fetch, source: Source) -> Reading | None:
    if not fetch.body.strip():
        return Reading("failed", "empty body")
    declared = fetch.headers.get("content-length", "")
    encoded = fetch.headers.get("content-encoding", "")
    if declared.isdigit() and not encoded and int(declared) > len(fetch.body):
        return Reading("failed", f"truncated body ({len(fetch.body)} of {declared} bytes)")
    return None


def _blocked_page(text: str, source: Source, previous: int | None) -> Reading | None:
    match = BLOCKED_PAGE.search(text[:5000])
    if match and len(text) < 5000:
        return Reading("suspicious", f"looks like a captcha or login page ({match.group(0)!r})")
    return None


def _no_text(text: str, source: Source, previous: int | None) -> Reading | None:
    return None if text.strip() else Reading("failed", "no text in the watched part")


def _anchors(text: str, source: Source, previous: int | None) -> Reading | None:
    anchors = source.anchors
    minimum = anchors.get("min_length", DEFAULT_MIN_LENGTH)
    if len(text) < minimum:
        return Reading(
            "suspicious",
            f"watched text is {len(text)} characters, below the "
            f"anchor minimum of {minimum} (truncated or redesigned?)",
        )
    for expected in anchors.get("contains", []):
        if expected.casefold() not in text.casefold():
            return Reading("suspicious", f"anchor {expected!r} missing (layout change?)")
    if anchors.get("kratom_term", "required") == "required" and not KRATOM_TERMS.search(text):
        return Reading(
            "suspicious", "no kratom term in the watched text (anchor kratom_term: required)"
        )
    return None


def _shrunk(text: str, source: Source, previous: int | None) -> Reading | None:
    if previous and len(text) < previous * SHRINK_RATIO:
        return Reading(
            "suspicious",
            f"watched text shrank from {previous} to {len(text)} characters (redesign?)",
        )
    return None
