"""Items the API spiders hand to the pipeline (besides status.detect.PageResult and the
status.legislative Document / Bill records)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiCheck:
    """One request to an API feed: recorded as a check of its registry source."""

    source_id: str
    checked_at: str
    ok: bool
    reason: str | None = None
    http_status: int | None = None
    url: str | None = None
    items: int = 0  # documents or bills this response carried


@dataclass
class StateUpdate:
    """A change token to remember for the next crawl (e.g. the last publication date)."""

    provider: str
    key: str
    value: str
