"""The words of the site: status sentences, labels and explanations, shared by every page.

One place decides how a status reads, so the map's hover text, the table, the page's
quotable sentence and the feeds say the same thing. Dates read as precisely as they are
known (`2016`, `May 2016`, `10 May 2016`).
"""

from __future__ import annotations

import datetime as dt

from status.site_render import date_text

STATUS_ORDER = ("banned", "restricted", "legal", "unknown")
STATUS_LABEL = {
    "banned": "Banned",
    "restricted": "Restricted",
    "legal": "Legal",
    "unknown": "Unknown",
}
STATUS_MEANING = {
    "banned": "possession or sale of kratom leaf (or its main alkaloids) is prohibited",
    "restricted": "legal with conditions: age limits, consumer-protection rules, "
    "prescription only, or bans of 7-OH / concentrated products",
    "legal": "no specific kratom law found",
    "unknown": "nothing known yet",
}
METHOD_TEXT = {
    "curated": "curated: entered by a person from the cited sources",
    "detected": "detected: published directly by the crawler from a trusted official source",
    "reviewed": "reviewed: found by the crawler and accepted by a person",
}
CONFIDENCE_TEXT = {
    "high": "high: the law's text or an official source confirms it",
    "medium": "medium: consistent secondary sources; the law's text not read",
    "low": "low: a single or unverified source",
}
CONDITION_TEXT = {
    "licensing": "sellers need a licence",
    "labelling": "labelling rules",
    "registration": "products must be registered",
    "prescription_only": "prescription only",
    "possession_offence": "possession is an offence",
}
# Fields of a status row kept between builds (site_cache) for the tables and maps.
ROW_FIELDS = (
    "code",
    "status",
    "since",
    "since_precision",
    "began",
    "began_precision",
    "citation",
    "source_url",
    "last_checked",
    "confidence",
    "disputed",
    "method",
    "expires",
    "record_id",
    "upcoming",
)


def slim(row: dict) -> dict:
    """The part of a status row the tables, maps and counts need."""
    return {f: row.get(f) for f in ROW_FIELDS}


def start(row: dict) -> tuple[str | None, str | None]:
    """When the current status began: `began` (the first record of its current run of
    this status, kept by the build) where known, else the record in force's date (`since`,
    as `kratom status` prints it). Florida: restricted since 2023, rule in force since 2025.
    """
    if row.get("began"):
        return row["began"], row.get("began_precision")
    return row.get("since"), row.get("since_precision")


def since_text(row: dict) -> str:
    if row.get("status") == "unknown" or not row.get("record_id"):
        return "—"
    date, precision = start(row)
    if not date or precision == "unknown":
        return "start not known"
    return date_text(date, precision)


def upcoming_text(row: dict) -> str | None:
    """`banned from 1 January 2027` for a signed change not yet in force."""
    upcoming = row.get("upcoming")
    if not upcoming:
        return None
    when = date_text(upcoming["effective_date"])
    if upcoming["status"] != row.get("status"):
        return f"{upcoming['status']} from {when}"
    return f"new rules from {when}"


def status_words(row: dict) -> str:
    """`banned since 10 May 2016`, `legal (start not known)`, `unknown`."""
    status = row.get("status") or "unknown"
    if status == "unknown":
        return "unknown"
    date, precision = start(row)
    if date and precision != "unknown":
        return f"{status} since {date_text(date, precision)}"
    return status


def label(name: str, row: dict) -> str:
    """The hover text of a map shape and the accessible name of its link."""
    words = f"{name}: {status_words(row)}"
    if coming := upcoming_text(row):
        words += f"; {coming}"
    if row.get("disputed"):
        words += " (disputed)"
    return words


def sentence(name: str, row: dict, began: dict | None = None) -> str:
    """One sentence a journalist can quote: status, since when, under which law.

    "Since" is when the status began (`began`, the first record of the current run of
    this status), which can be older than the rule now in force; the page shows both.
    The sentence carries no "as of today" on purpose: the page beside it says when the
    sources were last checked, and a page that changed every day could not be rebuilt
    incrementally.
    """
    status = row.get("status") or "unknown"
    if status == "unknown" or not row.get("record_id"):
        return f"The legal status of kratom in {name} is not known yet: there is no record."
    if began is not None:
        date, precision = began["effective_date"], began["effective_precision"]
    else:
        date, precision = start(row)
    since = ""
    if date and precision != "unknown":
        since = f" since {date_text(date, precision)}"
    text = {
        "banned": f"Kratom is banned in {name}{since}",
        "restricted": f"Kratom is legal with restrictions in {name}{since}",
        "legal": f"Kratom is legal in {name}{since}",
    }[status]
    if row.get("citation"):
        text += f" ({row['citation']})"
    return text + "."


def conditions(record: dict) -> list[str]:
    """Readable conditions: `minimum age 21`, `sellers need a licence`, the alkaloid cap."""
    found = dict(record.get("conditions") or {})
    age = record.get("min_age") or found.pop("min_age", None)
    found.pop("min_age", None)
    result = [f"minimum age {age}"] if age else []
    for key, value in found.items():
        if key == "alkaloid_cap" and value:
            result.append(f"alkaloid limit: {value}")
        elif value is True and key in CONDITION_TEXT:
            result.append(CONDITION_TEXT[key])
        elif value not in (None, False, ""):
            result.append(f"{key.replace('_', ' ')}: {value}")
    return result


def expiry_text(expires: str | None, day: dt.date) -> str | None:
    """`expires on 30 June 2026` / `expired on 30 June 2026 (no later record found)`."""
    if not expires:
        return None
    when = date_text(expires)
    if expires < day.isoformat():
        return f"expired on {when} (no later record found)"
    return f"expires on {when}"


def change_title(name: str, change: dict, when: str | None = None) -> str:
    """`Alabama: legal → banned (10 May 2016)`; `when` is the date's text if already made."""
    if when is None:
        when = date_text(change["effective_date"], change.get("effective_precision"))
    return f"{name}: {change['previous_status']} → {change['status']} ({when})"
