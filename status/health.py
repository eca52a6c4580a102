"""Each watched source's health, from its checks: what `kratom sources list` shows."""

from __future__ import annotations

import sqlite3

from status.detect import OK_OUTCOMES, STALE_AFTER


def source_health(conn: sqlite3.Connection) -> list[dict]:
    rows = []
    for source in conn.execute("SELECT * FROM sources WHERE active = 1 ORDER BY id"):
        checks = conn.execute(
            "SELECT checked_at, outcome, reason FROM checks WHERE source_id = ? "
            "ORDER BY id DESC LIMIT 50",
            (source["id"],),
        ).fetchall()
        streak = next((i for i, c in enumerate(checks) if c["outcome"] in OK_OUTCOMES), len(checks))
        last_good = conn.execute(
            "SELECT max(checked_at) FROM checks WHERE source_id = ? AND outcome IN "
            "('first', 'unchanged', 'changed')",
            (source["id"],),
        ).fetchone()[0]
        rows.append(
            {
                "id": source["id"],
                "jurisdiction": source["jurisdiction"],
                "kind": source["kind"],
                "publish": source["publish"],
                "url": source["url"],
                "url_verified": bool(source["url_verified"]),
                "last_checked": checks[0]["checked_at"] if checks else None,
                "last_outcome": checks[0]["outcome"] if checks else None,
                "last_good": last_good,
                "failures_in_a_row": streak,
                "last_reason": checks[0]["reason"] if checks and streak else None,
                "health": _health(checks, streak),
            }
        )
    return rows


def _health(checks: list, streak: int) -> str:
    if not checks:
        return "never checked"
    if streak >= STALE_AFTER:
        return f"stale ({streak} failures)"
    if streak:
        return f"failing ({streak})"
    return "ok"
