"""Reading one page for `kratom classify`: a file, or a URL fetched like the spider does."""

from __future__ import annotations

import re
from pathlib import Path

from status.errors import KratomError
from status.extract import is_pdf, page_text
from status.fetch_rules import read_fetch
from status.sources import Source

# An ad-hoc page: the spider's failure rules, with anchors any real page passes.
ADHOC = Source(
    id="adhoc",
    jurisdiction="",
    url="",
    kind="statute",
    anchors={"min_length": 20, "kratom_term": "optional"},
)


def read_target(target: str, overrides: dict | None = None):
    """The classifier's finding for a file path or an http(s) URL."""
    from status.classifier import classify

    if re.match(r"^https?://", target, re.IGNORECASE):
        return classify(_fetched_text(target, overrides))
    path = Path(target)
    if not path.is_file():
        raise KratomError(f"{target!r} is neither a readable file nor an http(s) URL")
    body = path.read_bytes()
    if is_pdf(body) or re.search(rb"<(html|body|div|p)\b", body[:4096], re.IGNORECASE):
        try:
            return classify(page_text(body, "application/pdf" if is_pdf(body) else ""))
        except ValueError as exc:
            raise KratomError(f"{target}: {exc}") from None
    return classify(body.decode("utf-8", errors="replace"))


def _fetched_text(url: str, overrides: dict | None) -> str:
    from spiders.fetch_once import fetch

    fetched = fetch(url, overrides)
    source = Source(**{**ADHOC.__dict__, "url": url})
    reading = read_fetch(fetched, source)
    if reading.outcome != "ok":
        raise KratomError(f"{reading.outcome} fetch of {url}: {reading.reason}")
    return reading.text or ""
