"""Turning crawled pages into checks, snapshots and proposed changes.

Every fetch becomes a `checks` row. The watched text is archived in `snapshots` only
when its hash differs from the source's last snapshot. A confirmed change is read by the
classifier; when the reading differs from the jurisdiction's current record it becomes a
proposal for review (or, for a trusted source, a `detected` record), always with its
evidence and the text diff. Failures never get that far: see fetch_rules.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sqlite3
from dataclasses import dataclass, field

from status import store
from status.extract import content_hash

STALE_AFTER = 3  # consecutive failed checks before a source is reported stale
OK_OUTCOMES = ("first", "unchanged", "changed")
MAX_DIFF_LINES = 400


@dataclass
class PageResult:
    """One checked source as the spider hands it over."""

    source_id: str
    checked_at: str
    outcome: str  # ok | failed | suspicious
    reason: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    text: str | None = None
    confirmed: bool = False  # a second fetch gave the same new text


@dataclass
class CrawlSummary:
    checked: int = 0
    first: int = 0
    unchanged: int = 0
    changed: int = 0
    failed: int = 0
    suspicious: int = 0
    proposals: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)
    stale: list[tuple[str, str | None]] = field(default_factory=list)  # (source, last good)
    recovered: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (source, outcome, why)

    def merge(self, other: CrawlSummary) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            setattr(self, name, mine + value)


def last_snapshots(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Each source's last snapshot: (content hash, text length), for the spider's
    change-confirmation and shrink checks."""
    rows = conn.execute(
        "SELECT s.source_id, s.content_hash, length(s.text) FROM snapshots s "
        "WHERE s.id = (SELECT max(id) FROM snapshots WHERE source_id = s.source_id)"
    )
    return {source: (digest, length) for source, digest, length in rows}


def record(conn: sqlite3.Connection, results: list[PageResult], today: dt.date) -> CrawlSummary:
    """Write a batch of results in one transaction."""
    summary = CrawlSummary()
    with store.transaction(conn):
        for result in results:
            _record_one(conn, result, today, summary)
    return summary


def _record_one(conn, result: PageResult, today: dt.date, summary: CrawlSummary) -> None:
    summary.checked += 1
    streak = _failure_streak(conn, result.source_id)
    if result.outcome != "ok":
        _insert_check(conn, result, result.outcome)
        setattr(summary, result.outcome, getattr(summary, result.outcome) + 1)
        summary.problems.append((result.source_id, result.outcome, result.reason or ""))
        if streak + 1 == STALE_AFTER:
            summary.stale.append((result.source_id, _last_good(conn, result.source_id)))
        return
    if streak >= STALE_AFTER:
        summary.recovered.append(result.source_id)
    digest = content_hash(result.text or "")
    previous = conn.execute(
        "SELECT id, content_hash, text FROM snapshots WHERE source_id = ? ORDER BY id DESC LIMIT 1",
        (result.source_id,),
    ).fetchone()
    if previous is None:
        snapshot = _snapshot(conn, result, digest)
        _insert_check(conn, result, "first", digest, snapshot)
        summary.first += 1
    elif previous["content_hash"] == digest:
        _insert_check(conn, result, "unchanged", digest)
        summary.unchanged += 1
    elif not result.confirmed:
        result.reason = "the page changed but the change was not confirmed by a second fetch"
        _insert_check(conn, result, "suspicious", digest)
        summary.suspicious += 1
        summary.problems.append((result.source_id, "suspicious", result.reason))
    else:
        snapshot = _snapshot(conn, result, digest)
        _insert_check(conn, result, "changed", digest, snapshot)
        summary.changed += 1
        _propose(conn, result, snapshot, previous["text"], today, summary)


def record_api_check(conn: sqlite3.Connection, check) -> CrawlSummary:
    """One API request (spiders.items.ApiCheck) as a check of its feed's source."""
    summary = CrawlSummary(checked=1)
    streak = _failure_streak(conn, check.source_id)
    result = PageResult(
        check.source_id,
        check.checked_at,
        "ok" if check.ok else "failed",
        check.reason,
        check.http_status,
        check.url,
    )
    if not check.ok:
        _insert_check(conn, result, "failed")
        summary.failed = 1
        summary.problems.append((check.source_id, "failed", check.reason or ""))
        if streak + 1 == STALE_AFTER:
            summary.stale.append((check.source_id, _last_good(conn, check.source_id)))
        return summary
    if streak >= STALE_AFTER:
        summary.recovered.append(check.source_id)
    outcome = "changed" if check.items else "unchanged"
    _insert_check(conn, result, outcome)
    setattr(summary, outcome, 1)
    return summary


def _failure_streak(conn: sqlite3.Connection, source_id: str) -> int:
    streak = 0
    for (outcome,) in conn.execute(
        "SELECT outcome FROM checks WHERE source_id = ? ORDER BY id DESC LIMIT ?",
        (source_id, STALE_AFTER + 1),
    ):
        if outcome in OK_OUTCOMES:
            break
        streak += 1
    return streak


def _last_good(conn: sqlite3.Connection, source_id: str) -> str | None:
    row = conn.execute(
        "SELECT max(checked_at) FROM checks WHERE source_id = ? AND outcome IN "
        "('first', 'unchanged', 'changed')",
        (source_id,),
    ).fetchone()
    return row[0]


def _insert_check(
    conn, result: PageResult, outcome: str, digest: str | None = None, snapshot: int | None = None
) -> None:
    conn.execute(
        "INSERT INTO checks (source_id, checked_at, http_status, final_url, content_hash, "
        "outcome, reason, snapshot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            result.source_id,
            result.checked_at,
            result.http_status,
            result.final_url,
            digest,
            outcome,
            result.reason,
            snapshot,
        ),
    )


def _snapshot(conn, result: PageResult, digest: str) -> int:
    return conn.execute(
        "INSERT INTO snapshots (source_id, captured_at, content_hash, text) VALUES (?, ?, ?, ?)",
        (result.source_id, result.checked_at, digest, result.text),
    ).lastrowid


def text_diff(old: str, new: str) -> str:
    """A unified diff of two snapshots, cut to MAX_DIFF_LINES lines."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=2
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more lines)"]
    return "\n".join(lines)


def _propose(
    conn, result: PageResult, snapshot: int, old_text: str, today: dt.date, summary: CrawlSummary
) -> None:
    """Read the new text; if it says something other than the current record, propose it."""
    from status.classifier import classify
    from status.lookup import Selection
    from status.queries import status_as_of
    from status.sources import Source

    source = Source.from_row(
        conn.execute("SELECT * FROM sources WHERE id = ?", (result.source_id,)).fetchone()
    )
    finding = classify(result.text or "", source.hints)
    if finding.status == "unknown":
        return
    current = status_as_of(conn, today, [Selection(codes=(source.jurisdiction,))])[0]
    if (finding.status, finding.seven_oh_status) == (current["status"], current["seven_oh_status"]):
        return
    proposal = {
        "jurisdiction": source.jurisdiction,
        "source_id": source.id,
        "proposed_at": result.checked_at,
        "status": finding.status,
        "leaf_status": finding.leaf_status,
        "seven_oh_status": finding.seven_oh_status,
        "min_age": finding.min_age,
        "substances": json.dumps(finding.substances),
        "evidence": json.dumps(finding.evidence, ensure_ascii=False),
        "diff": text_diff(old_text, result.text or ""),
        "snapshot_id": snapshot,
    }
    proposal_id = conn.execute(
        f"INSERT INTO proposals ({', '.join(proposal)}) VALUES ({', '.join('?' * len(proposal))})",
        tuple(proposal.values()),
    ).lastrowid
    if source.publish == "trusted":
        from status.review import accept

        record_id = accept(
            conn,
            proposal_id,
            by=f"trusted source {source.id}",
            note="published directly: the source is marked trusted",
            effective=today,
            method="detected",
        )
        summary.published.append(record_id)
    else:
        summary.proposals.append(proposal_id)
