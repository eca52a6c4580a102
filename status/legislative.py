"""Legislative and regulatory evidence: documents (Federal Register, legislation.gov.uk)
and bills (Open States, LegiScan), recorded so that each appears once and each change of
a bill's stage is one event.

Evidence is not law: a new document or bill never changes a status. A bill that reaches
`became-law` becomes a proposal for review with the bill as its evidence.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from status.dates import now_iso


@dataclass
class Document:
    provider: str
    external_id: str
    jurisdiction: str
    title: str
    kind: str | None = None
    agency: str | None = None
    abstract: str | None = None
    citation: str | None = None
    published_date: str | None = None
    effective_date: str | None = None
    url: str | None = None
    pdf_url: str | None = None


@dataclass
class Bill:
    provider: str
    external_id: str
    jurisdiction: str
    identifier: str
    stage: str
    session: str | None = None
    title: str | None = None
    sponsors: list[str] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)  # {date, description, classification}
    last_action: str | None = None
    last_action_date: str | None = None
    url: str | None = None
    text_url: str | None = None
    change_token: str | None = None


@dataclass
class EvidenceSummary:
    documents_new: int = 0
    bills_new: int = 0
    bills_changed: int = 0
    bills_unchanged: int = 0
    proposals: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a provider skipped for want of a key

    def merge(self, other: EvidenceSummary) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def record_document(conn: sqlite3.Connection, doc: Document, summary: EvidenceSummary) -> None:
    row = {**vars(doc), "first_seen_at": now_iso()}
    cursor = conn.execute(
        f"INSERT INTO documents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
        "ON CONFLICT (provider, external_id) DO NOTHING",
        tuple(row.values()),
    )
    summary.documents_new += cursor.rowcount


def known_tokens(conn: sqlite3.Connection, provider: str) -> dict[str, str | None]:
    """external id -> change token, so an unchanged bill costs no request."""
    return dict(
        conn.execute("SELECT external_id, change_token FROM bills WHERE provider = ?", (provider,))
    )


def record_bill(conn: sqlite3.Connection, bill: Bill, summary: EvidenceSummary) -> None:
    """Insert or update a bill; a new bill or a new stage is one bill_event."""
    stamp = now_iso()
    old = conn.execute(
        "SELECT id, stage, change_token FROM bills WHERE provider = ? AND external_id = ?",
        (bill.provider, bill.external_id),
    ).fetchone()
    columns = {
        "jurisdiction": bill.jurisdiction,
        "identifier": bill.identifier,
        "session": bill.session,
        "title": bill.title,
        "sponsors": json.dumps(bill.sponsors),
        "stage": bill.stage,
        "last_action": bill.last_action,
        "last_action_date": bill.last_action_date,
        "url": bill.url,
        "text_url": bill.text_url,
        "change_token": bill.change_token,
        "updated_at": stamp,
    }
    if old is None:
        bill_id = conn.execute(
            f"INSERT INTO bills (provider, external_id, first_seen_at, {', '.join(columns)}) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(columns))})",
            (bill.provider, bill.external_id, stamp, *columns.values()),
        ).lastrowid
        summary.bills_new += 1
        from_stage = None
    elif old["change_token"] == bill.change_token and old["stage"] == bill.stage:
        summary.bills_unchanged += 1
        return
    else:
        bill_id, from_stage = old["id"], old["stage"]
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.execute(f"UPDATE bills SET {sets} WHERE id = ?", (*columns.values(), bill_id))
        summary.bills_changed += 1
    _save_actions(conn, bill_id, bill.actions)
    if from_stage != bill.stage:
        conn.execute(
            "INSERT INTO bill_events (bill_id, jurisdiction, from_stage, to_stage, action_date, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            (bill_id, bill.jurisdiction, from_stage, bill.stage, bill.last_action_date, stamp),
        )
        if bill.stage == "became-law":
            summary.proposals.append(_propose_from_bill(conn, bill_id, bill, stamp))


def _save_actions(conn: sqlite3.Connection, bill_id: int, actions: list[dict]) -> None:
    conn.execute("DELETE FROM bill_actions WHERE bill_id = ?", (bill_id,))
    conn.executemany(
        "INSERT INTO bill_actions (bill_id, position, date, description, classification) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (
                bill_id,
                n,
                a.get("date"),
                a.get("description"),
                json.dumps(a.get("classification") or []),
            )
            for n, a in enumerate(actions)
        ],
    )


def _propose_from_bill(conn: sqlite3.Connection, bill_id: int, bill: Bill, stamp: str) -> int:
    """A bill that became law: propose the status its title reads as, for a person to check
    against the enacted text (the statute source confirms it later in any case)."""
    from status.classifier import classify

    text = f"{bill.title or ''}. {bill.last_action or ''}"
    finding = classify(text, {"assume_enacted": True})
    evidence = [
        f"{bill.identifier} ({bill.session}): {bill.title}",
        f"Last action {bill.last_action_date}: {bill.last_action}",
    ]
    return conn.execute(
        "INSERT INTO proposals (jurisdiction, proposed_at, status, leaf_status, "
        "seven_oh_status, min_age, substances, evidence, diff, bill_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            bill.jurisdiction,
            stamp,
            finding.status,
            finding.leaf_status,
            finding.seven_oh_status,
            finding.min_age,
            json.dumps(finding.substances),
            json.dumps(evidence),
            None,
            bill_id,
        ),
    ).lastrowid


def bills(
    conn: sqlite3.Connection,
    jurisdictions: list[str] | None = None,
    stages: list[str] | None = None,
) -> list[dict]:
    """Tracked bills, most recent action first."""
    sql = (
        "SELECT b.jurisdiction, j.name, b.identifier, b.session, b.title, b.stage, "
        "b.last_action, b.last_action_date, b.url, b.provider, b.sponsors "
        "FROM bills b JOIN jurisdictions j ON j.code = b.jurisdiction WHERE 1"
    )
    params: list = []
    if jurisdictions:
        sql += f" AND b.jurisdiction IN ({', '.join('?' * len(jurisdictions))})"
        params += jurisdictions
    if stages:
        sql += f" AND b.stage IN ({', '.join('?' * len(stages))})"
        params += stages
    rows = [
        dict(r)
        for r in conn.execute(
            sql + " ORDER BY b.last_action_date DESC, b.jurisdiction, b.identifier", params
        )
    ]
    for row in rows:
        row["sponsors"] = json.loads(row["sponsors"])
    return rows


def get_state(conn: sqlite3.Connection, provider: str, key: str) -> str | None:
    row = conn.execute(
        "SELECT value FROM api_state WHERE provider = ? AND key = ?", (provider, key)
    ).fetchone()
    return row[0] if row else None


def set_state(conn: sqlite3.Connection, provider: str, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO api_state VALUES (?, ?, ?) ON CONFLICT (provider, key) "
        "DO UPDATE SET value = excluded.value",
        (provider, key, value),
    )
