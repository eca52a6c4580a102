"""The sentences and table rows that `kratom status` prints for people."""

from __future__ import annotations

from status.output import display_date, table


def upcoming_phrase(row: dict) -> str | None:
    """`banned from 2027-01-01` for a signed change not yet in force."""
    upcoming = row.get("upcoming")
    if not upcoming:
        return None
    if upcoming["status"] != row["status"]:
        return f"{upcoming['status']} from {upcoming['effective_date']}"
    return f"new rules from {upcoming['effective_date']}"


def status_phrase(row: dict) -> str:
    """`banned since 2016-05-10` / `legal (no known start)`, plus what is coming."""
    words = row["status"]
    if row["since"]:
        words += f" since {display_date(row['since'], row['since_precision'])}"
    if row.get("expires"):
        words += f" (expires {row['expires']})"
    if coming := upcoming_phrase(row):
        words += f"; {coming}"
    return words


def one_line(row: dict) -> str:
    """The answer a journalist can read at once: status, since, law, last checked."""
    parts = [f"{row['name']} ({row['code']}): {status_phrase(row)}"]
    if row["citation"]:
        parts.append(row["citation"])
    flags = []
    if row.get("disputed"):
        flags.append("disputed")
    if row.get("confidence") == "low":
        flags.append("low confidence")
    if flags:
        parts.append(", ".join(flags))
    parts.append(f"last checked {row['last_checked'] or 'never'}")
    return " — ".join(parts) + "\n"


def status_table(rows: list[dict]) -> str:
    headers = ["code", "name", "status", "since", "next", "citation", "last checked"]
    return table(
        [
            [
                r["code"],
                r["name"],
                r["status"] + ("*" if r.get("disputed") else ""),
                display_date(r["since"], r["since_precision"]) if r["since"] else "-",
                upcoming_phrase(r),
                r["citation"],
                r["last_checked"],
            ]
            for r in rows
        ],
        headers,
    )
