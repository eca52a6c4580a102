"""The review queue: a person accepts or rejects each proposed change.

Accepting turns a proposal into a record (method `reviewed`, or `detected` for a trusted
source) carrying the evidence, the source's citation and URL; either decision keeps who
decided, when, and why.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from status import store
from status.dates import now_iso
from status.errors import KratomError

INSTRUMENT_OF_KIND = {
    "statute": "statute",
    "regulation": "regulation",
    "schedule-list": "regulation",
    "ordinance": "ordinance",
    "agency-notice": "agency-enforcement",
}


def list_proposals(conn: sqlite3.Connection, state: str | None = "pending") -> list[dict]:
    sql = (
        "SELECT p.id, p.jurisdiction, j.name, p.source_id, p.proposed_at, p.status, "
        "p.leaf_status, p.seven_oh_status, p.min_age, p.state, p.decided_by, p.decided_at "
        "FROM proposals p JOIN jurisdictions j ON j.code = p.jurisdiction"
    )
    params: list = []
    if state:
        sql += " WHERE p.state = ?"
        params.append(state)
    return [dict(row) for row in conn.execute(sql + " ORDER BY p.id", params)]


def get(conn: sqlite3.Connection, proposal_id: int) -> dict:
    """One proposal with its evidence, diff and the status it would replace."""
    row = conn.execute(
        "SELECT p.*, j.name, s.url AS source_url, s.title AS source_title "
        "FROM proposals p JOIN jurisdictions j ON j.code = p.jurisdiction "
        "LEFT JOIN sources s ON s.id = p.source_id WHERE p.id = ?",
        (proposal_id,),
    ).fetchone()
    if row is None:
        raise KratomError(f"no proposal {proposal_id}; `kratom review list` shows the open ones")
    proposal = dict(row)
    proposal["evidence"] = json.loads(proposal["evidence"] or "[]")
    proposal["substances"] = json.loads(proposal["substances"] or "[]")
    return proposal


def _pending(conn: sqlite3.Connection, proposal_id: int) -> dict:
    proposal = get(conn, proposal_id)
    if proposal["state"] != "pending":
        raise KratomError(
            f"proposal {proposal_id} was already {proposal['state']} by "
            f"{proposal['decided_by']} at {proposal['decided_at']}"
        )
    return proposal


def accept(
    conn: sqlite3.Connection,
    proposal_id: int,
    by: str,
    note: str | None = None,
    effective: dt.date | None = None,
    method: str = "reviewed",
) -> int:
    """Turn a pending proposal into a record; returns the record id."""
    with store.transaction(conn):
        proposal = _pending(conn, proposal_id)
        source = conn.execute(
            "SELECT * FROM sources WHERE id = ?", (proposal["source_id"],)
        ).fetchone()
        stamp = now_iso()
        day = (effective or dt.date.fromisoformat(proposal["proposed_at"][:10])).isoformat()
        record = {
            "jurisdiction": proposal["jurisdiction"],
            "effective_date": day,
            "effective_precision": "day",
            "status": proposal["status"],
            "leaf_status": proposal["leaf_status"],
            "seven_oh_status": proposal["seven_oh_status"],
            "min_age": proposal["min_age"],
            "conditions": json.dumps(
                {"min_age": proposal["min_age"]} if proposal["min_age"] else {}
            ),
            "substances": json.dumps(proposal["substances"]),
            "instrument": INSTRUMENT_OF_KIND.get(source["kind"]) if source else None,
            "citation": (source["citation"] or source["title"]) if source else None,
            "source_url": source["url"] if source else None,
            "source_urls": json.dumps([source["url"]] if source else []),
            "summary": f"{proposal['name']}: {proposal['status']} (detected on "
            f"{source['title'] or source['url'] if source else 'a watched page'}).",
            "evidence": "\n".join(proposal["evidence"]),
            "note": note,
            "confidence": "medium",
            "method": method,
            "checked_date": stamp[:10],
            "recorded_at": stamp,
        }
        record_id = conn.execute(
            f"INSERT INTO records ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            tuple(record.values()),
        ).lastrowid
        conn.execute(
            "INSERT INTO record_audit (record_id, jurisdiction, action, changed_at, new, reason) "
            "VALUES (?, ?, 'insert', ?, ?, ?)",
            (
                record_id,
                record["jurisdiction"],
                stamp,
                json.dumps(record, ensure_ascii=False),
                f"proposal {proposal_id} accepted by {by}",
            ),
        )
        _decide(conn, proposal_id, "accepted", by, note, stamp, record_id)
    return record_id


def reject(conn: sqlite3.Connection, proposal_id: int, by: str, note: str) -> None:
    if not note or not note.strip():
        raise KratomError("a rejection needs --note saying why (it is kept with the decision)")
    with store.transaction(conn):
        _pending(conn, proposal_id)
        _decide(conn, proposal_id, "rejected", by, note, now_iso(), None)


def _decide(conn, proposal_id, state, by, note, stamp, record_id) -> None:
    conn.execute(
        "UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?, decision_note = ?, "
        "record_id = ? WHERE id = ?",
        (state, by, stamp, note, record_id, proposal_id),
    )
