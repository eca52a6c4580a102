"""What each page holds: template contexts and feed entries, built from plain data.

No database and no files here: `publish` reads, this module arranges, the templates
draw. Keeping it pure makes every page's content testable without a build.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable

from markupsafe import Markup

from status import site_views as words
from status.feeds import TAG_PREFIX, Entry, change_id, rfc3339
from status.site_data import LOCAL_KINDS, Place, Region
from status.site_render import badges, date_text, escape_html, href
from status.site_rows import with_rule

LOCAL_LIST_LIMIT = 200


EMPTY_ROW = {**dict.fromkeys(words.ROW_FIELDS), "status": "unknown"}
_BADGES = {status: str(markup) for status, markup in badges().items()}
# Values of closed vocabularies, already safe as HTML (anything else is escaped).
_PLAIN = {
    w: w
    for w in (
        *("high", "medium", "low", "curated", "detected", "reviewed"),
        *("banned", "restricted", "legal", "unknown"),
    )
}
# Typography as character references, so that a page of ASCII text stays an ASCII
# string, which Python joins and encodes by copying (a page with one "→" in it costs a
# character-by-character encode of the whole page).
_DASH, _ARROW, _DOT = "&mdash;", "&rarr;", "&middot;"


def _escaped_or_dash(value: str | None) -> str:
    """The value escaped, or a dash where there is none."""
    return escape_html(value) if value else _DASH


def table_row(
    place: Place, row: dict, places: dict[str, Place], pending: str | None = None
) -> dict:
    """One line of a status table (a missing field reads as empty, a missing row as unknown);
    `pending` is the note of a live kratom bill there, if any."""
    row = {**EMPTY_ROW, "code": place.code, **row}
    parent = places.get(place.parent) if place.parent else None
    return {
        "code": place.code,
        "name": place.name,
        "parent_name": parent.name if parent else "",
        "row": row,
        "since": words.since_text(row),
        "upcoming": words.upcoming_text(row),
        "pending": pending,
    }


def rows_for(
    codes: Iterable[str],
    rows: dict[str, dict],
    places: dict[str, Place],
    pending: dict[str, str] | None = None,
) -> list[dict]:
    """Table rows sorted by name (then code), unknown where there is no row."""
    pending = pending or {}
    result = [
        table_row(places[c], rows.get(c, {"status": "unknown"}), places, pending.get(c))
        for c in codes
    ]
    return sorted(result, key=lambda r: (r["name"].casefold(), r["code"]))


def status_rows(table: list[dict], root: str, show_parent: bool = False) -> Markup:
    """A status table's rows (`table_row` dicts) as one piece of HTML, for the
    `status_table` macro.

    Made here rather than in a template loop, like `timeline_rows`: a state's page lists
    every local jurisdiction inside it (a thousand at scale) and the map page every state
    and country. Every value from the database is escaped; the badges are fixed markup.
    """
    root = escape_html(root)
    out = []
    for r in table:
        row = r["row"]
        code, status = escape_html(r["code"]), escape_html(row["status"])
        page = f"{root}j/{code}/"
        cell = _BADGES[row["status"]]
        if row.get("disputed"):
            cell += ' <span class="flag" title="Sources disagree: see the page">disputed</span>'
        if r["upcoming"]:
            cell += f'<br><span class="upcoming">{escape_html(r["upcoming"])}</span>'
        if r["pending"]:
            cell += (
                f'<br><a class="pending-bill" href="{page}#bills-h">'
                f"Bill pending: {escape_html(r['pending'])}</a>"
            )
        parent = f"<td>{escape_html(r['parent_name'])}</td>" if show_parent else ""
        began = row.get("began") or row.get("since") or ""
        checked = row.get("last_checked")
        out.append(
            f'<tr data-code="{code}" data-status="{status}">\n'
            f'  <th scope="row"><a href="{page}">{escape_html(r["name"])}</a> '
            f'<span class="code">{code}</span></th>\n'
            f'{parent}  <td class="status-cell" data-value="{status}">{cell}</td>\n'
            f'  <td class="since-cell" data-value="{escape_html(began)}">'
            f"{escape_html(r['since'])}</td>\n"
            f'  <td class="law-cell">{_escaped_or_dash(row.get("citation"))}</td>\n'
            f'  <td data-value="{escape_html(checked or "")}">{escape_html(checked or "never")}'
            "</td>\n</tr>\n"
        )
    return Markup("".join(out))


def counts(table: list[dict]) -> dict[str, int]:
    result = dict.fromkeys(words.STATUS_ORDER, 0)
    for r in table:
        result[r["row"]["status"]] = result.get(r["row"]["status"], 0) + 1
    return result


def us_codes(places: dict[str, Place]) -> list[str]:
    """States, DC and territories: the rows of the US table."""
    return [c for c, p in places.items() if p.parent == "US" and not p.is_local]


def country_codes(places: dict[str, Place]) -> list[str]:
    return [c for c, p in places.items() if p.kind == "country"]


def local_codes(places: dict[str, Place], rows: dict[str, dict]) -> list[str]:
    """Local jurisdictions of the US with a rule on record (not unknown)."""
    local = [c for c, p in places.items() if p.kind in LOCAL_KINDS and c.startswith("US-")]
    return with_rule(rows, local)


def local_table(places: dict[str, Place], rows: dict[str, dict]) -> tuple[list[dict], int]:
    """Local rules under the US map, by state then name; at most LOCAL_LIST_LIMIT rows."""
    codes = local_codes(places, rows)

    def order(code: str) -> tuple[str, str]:
        parent = places.get(places[code].parent or "")
        return (parent.name if parent else "", places[code].name.casefold())

    shown = heapq.nsmallest(LOCAL_LIST_LIMIT, codes, key=order)
    table = [table_row(places[c], rows[c], places) for c in shown]
    return table, max(0, len(codes) - LOCAL_LIST_LIMIT)


def ancestors(place: Place, places: dict[str, Place]) -> list[Place]:
    """The chain of parents, outermost first."""
    chain, seen = [], {place.code}
    code = place.parent
    while code and code in places and code not in seen:
        seen.add(code)
        chain.append(places[code])
        code = places[code].parent
    return chain[::-1]


def jurisdiction_context(
    place: Place,
    row: dict,
    records: list[dict],
    record: dict | None,
    children: list[dict],
    places: dict[str, Place],
    regions: list[Region],
    day: dt.date,
    bills: list[dict] | None = None,
) -> dict:
    """Everything the jurisdiction page shows: `records` is its timeline
    (`site_data.timeline`), `record` the one in force, whole (`queries.record`)."""
    iso = day.isoformat()
    timeline = timeline_rows(records, iso)
    sources = []
    if record:
        sources = list(dict.fromkeys([*(record["source_urls"] or []), record["source_url"]]))
        sources = [s for s in sources if s]
    began = status_began(records, record)
    return {
        "place": place,
        "row": row,
        "record": record,
        "sentence": words.sentence(place.name, row, began),
        "since": words.since_text(row),
        "expiry": words.expiry_text(row.get("expires"), day),
        "conditions": words.conditions(record) if record else [],
        "sources": sources,
        "upcoming": [r for r in records if r["effective_date"] > iso],
        "timeline": timeline,
        "children": children,
        "ancestors": ancestors(place, places),
        "regions": regions,
        "bills": bills or [],
    }


def timeline_rows(records: list[dict], iso: str) -> Markup:
    """The timeline table's rows, newest first, as one piece of HTML (empty: no records).

    Made here rather than in a template loop: a page can hold many records, and each row
    has a dozen values. Every value from the database is escaped (scraped text included);
    the badges are the fixed markup of the closed status vocabulary; only http(s) links.
    """
    out = []
    for r in reversed(records):
        upcoming = r["effective_date"] > iso
        changed = r["is_change"]
        when = escape_html(date_text(r["effective_date"], r["effective_precision"]))
        if upcoming:
            when += ' <span class="upcoming">upcoming</span>'
        status = _BADGES[r["status"]]
        if changed:
            status = f"{_BADGES[r['previous_status']]} {_ARROW} {status}"
        law = _escaped_or_dash(r["citation"])
        if r["summary"]:
            law += f'<br><span class="summary">{escape_html(r["summary"])}</span>'
        link = href(r["source_url"])
        if link:
            law += f'<br><a href="{escape_html(link)}" rel="nofollow noopener">source</a>'
        if r["evidence"]:
            law += (
                "<details><summary>Evidence</summary>"
                f'<blockquote class="evidence">{escape_html(r["evidence"])}</blockquote></details>'
            )
        if r["disputed"]:
            law += f'<br><span class="flag">disputed</span> {escape_html(r["disputed"])}'
        classes = ("is-change" if changed else "") + (" is-upcoming" if upcoming else "")
        rid = r["id"] if type(r["id"]) is int else escape_html(r["id"])
        confidence = r["confidence"]
        method = r["method"]
        out.append(
            f'    <tr id="r{rid}" class="{classes}">\n'
            f"      <td>{when}</td>\n"
            f"      <td>{status}</td>\n"
            f"      <td>{law}</td>\n"
            f"      <td>{_PLAIN.get(confidence) or _escaped_or_dash(confidence)}</td>\n"
            f"      <td>{_PLAIN.get(method) or escape_html(method)}, "
            f"{escape_html(r['recorded_at'][:10])}</td>\n"
            "    </tr>\n"
        )
    return Markup("".join(out))


def change_rows(
    changes: Iterable[dict],
    root: str,
    iso: str,
    regions_of: Callable[[str], str] | None = None,
) -> Markup:
    """The change tables' rows (the change log, the front page), as one piece of HTML.

    Made here for the same reason as `timeline_rows`: a change log page holds up to a
    thousand rows. `root` leads back to the site's root from the page; `regions_of`
    gives a row's region slugs for the filter, where the page has one.
    """
    out = []
    for c in changes:
        code = escape_html(c["jurisdiction"])
        page = f"{root}j/{code}/"
        regions = ""
        if regions_of is not None:
            regions = f' data-regions="{escape_html(regions_of(c["jurisdiction"]))}"'
        day = escape_html(c["effective_date"])
        when = escape_html(date_text(c["effective_date"], c["effective_precision"]))
        if c["effective_date"] > iso:
            when += ' <span class="upcoming">upcoming</span>'
        link = href(c["source_url"])
        source = ""
        if link:
            source = f' {_DOT} <a href="{escape_html(link)}" rel="nofollow noopener">source</a>'
        how = escape_html(c["method"])
        if c["confidence"]:
            how += f", {escape_html(c['confidence'])} confidence"
        rid = c["record_id"] if type(c["record_id"]) is int else escape_html(c["record_id"])
        out.append(
            f"<tr{regions}>\n"
            f'  <td data-value="{day}">{when}</td>\n'
            f'  <th scope="row"><a href="{page}">{escape_html(c["name"])}</a> '
            f'<span class="code">{code}</span></th>\n'
            f"  <td>{_BADGES[c['previous_status']]} {_ARROW} {_BADGES[c['status']]}</td>\n"
            f"  <td>{_escaped_or_dash(c['citation'])}</td>\n"
            f'  <td><a href="{page}#r{rid}">record</a>{source} '
            f'<span class="method">({how})</span></td>\n'
            "</tr>\n"
        )
    return Markup("".join(out))


def status_began(records: list[dict], current: dict | None) -> dict | None:
    """The record from which the current status has held (Florida: restricted since 2023,
    though the rule in force dates from 2025); None when there is no current record."""
    if current is None:
        return None
    position = next(i for i, r in enumerate(records) if r["id"] == current["id"])
    while position > 0 and records[position - 1]["status"] == current["status"]:
        position -= 1
    return records[position]


def change_entry(change: dict, name: str, link: Callable[[str], str], nth: int = 1) -> Entry:
    """A feed entry for one change; its id is the change's own identity."""
    code = change["jurisdiction"]
    page = f"{link(f'j/{code}/')}#r{change['record_id']}"
    return _change_entry(change, code, name, escape_html(name), page, nth)


def _change_entry(change: dict, code: str, name: str, name_html: str, page: str, nth: int) -> Entry:
    """`change_entry` with the jurisdiction's escaped name and the link to the record on its
    page already made (a feed holds many changes of one jurisdiction)."""
    when = date_text(change["effective_date"], change.get("effective_precision"))
    return Entry(
        id=change_id(code, change["effective_date"], change["status"], nth),
        title=words.change_title(name, change, when),
        link=page,
        updated=rfc3339(change.get("recorded_at")),
        summary=change.get("summary") or f"{name} became {change['status']} on {when}.",
        content_html=_entry_html(change, name_html, when, page),
        categories=(change["status"], code),
    )


def _entry_html(change: dict, name_html: str, when: str, page: str) -> str:
    """The entry's HTML, every value escaped (scraped evidence included); `name_html` is
    the jurisdiction's name, escaped."""
    previous, status = change["previous_status"], change["status"]
    previous = _PLAIN.get(previous) or escape_html(previous)
    parts = [
        f"<p><strong>{name_html}</strong>: {previous} {_ARROW} "
        f"<strong>{_PLAIN.get(status) or escape_html(status)}</strong>, "
        f"effective {escape_html(when)}.</p>"
    ]
    if summary := change.get("summary"):
        parts.append(f"<p>{escape_html(summary)}</p>")
    if citation := change.get("citation"):
        parts.append(f"<p>Law: {escape_html(citation)}</p>")
    if evidence := change.get("evidence"):
        parts.append(f"<blockquote>{escape_html(evidence)}</blockquote>")
    parts.append(f'<p><a href="{escape_html(page)}">The record and its timeline</a>')
    source = href(change.get("source_url"))
    if source:
        parts.append(f' {_DOT} <a href="{escape_html(source)}">Source</a>')
    parts.append("</p>")
    method, confidence = change.get("method"), change.get("confidence")
    if method or confidence:
        method = _PLAIN.get(method) or escape_html(method or "")
        confidence = _PLAIN.get(confidence) or escape_html(confidence or "not stated")
        parts.append(f"<p>Recorded: {method}; confidence {confidence}.</p>")
    return "".join(parts)


def bill_entry(event: dict, name: str, link: Callable[[str], str]) -> Entry:
    """A feed entry for a bill reaching a stage: marked as a bill, never as a change of law.

    Its id is the bill's identity and the stage, so a rebuild never announces it again.
    """
    stage = event["to_stage"].replace("-", " ")
    bill = f"{event['identifier']}" + (f" ({event['session']})" if event.get("session") else "")
    page = link(f"j/{event['jurisdiction']}/") + "#bills-h"
    source = href(event.get("url"))
    acted = event.get("action_date")
    html = (
        f"<p><strong>Bill, not law:</strong> {escape_html(bill)} in {escape_html(name)} is now "
        f"<strong>{escape_html(stage)}</strong>"
        + (f" (last action {escape_html(acted)})" if acted else "")
        + f".</p><p>{escape_html(event.get('title') or '')}</p>"
        + (f'<p><a href="{escape_html(source)}">The bill</a></p>' if source else "")
        + "<p>A bill is evidence of what may come; the status changes only when the law "
        "does, after review.</p>"
    )
    return Entry(
        id=f"{TAG_PREFIX}bill/{event['provider']}/{event['external_id']}/{event['to_stage']}",
        title=f"Bill {bill} in {name}: {stage}",
        link=page,
        updated=rfc3339(event.get("recorded_at")),
        summary=f"Bill, not law: {bill} ({event.get('title') or 'untitled'}) is {stage}.",
        content_html=html,
        categories=("bill", event["jurisdiction"]),
    )


def entries(
    changes: Iterable[dict], places: dict[str, Place], link: Callable[[str], str]
) -> list[Entry]:
    """Feed entries; the rare second change to the same status on one day gets `/2`."""
    seen: dict[str, int] = {}
    known: dict[str, tuple[str, str, str]] = {}  # per code: name, escaped name, page link
    result = []
    for change in changes:
        code = change["jurisdiction"]
        key = f"{code}/{change['effective_date']}/{change['status']}"
        seen[key] = nth = seen.get(key, 0) + 1
        if code not in known:
            place = places.get(code)
            name = place.name if place else code
            known[code] = (name, escape_html(name), link(f"j/{code}/"))
        name, name_html, page = known[code]
        record = f"{page}#r{change['record_id']}"
        result.append(_change_entry(change, code, name, name_html, record, nth))
    return result


def jurisdiction_entries(
    code: str, name: str, changes: Iterable[dict], link: Callable[[str], str]
) -> list[Entry]:
    """`entries` for one jurisdiction's own changes (its feed), given as its timeline
    records (`site_data.changes_of`), with its name escaped and its page linked once: a
    full build makes fifty thousand of these feeds."""
    name_html, page = escape_html(name), link(f"j/{code}/")
    seen: dict[tuple[str, str], int] = {}
    result = []
    for change in changes:
        key = (change["effective_date"], change["status"])
        seen[key] = nth = seen.get(key, 0) + 1
        record = f"{page}#r{change['id']}"
        result.append(_change_entry(change, code, name, name_html, record, nth))
    return result


def timeline_data(
    snapshots: list[tuple[str, dict[str, dict]]], today: tuple[str, dict[str, dict]]
) -> dict:
    """The year slider's data: per code, its distinct records and which one each step shows.

    `snapshots` are (date, rows by code) for past year ends, `today` the current rows;
    the slider's last step is today. -1 means no record (unknown).
    """
    steps = [*snapshots, today]
    records: dict[str, list] = {}
    at: dict[str, list[int]] = {}
    index: dict[tuple, int] = {}
    codes = sorted(today[1])
    for code in codes:
        records[code], at[code] = [], []
    for _, rows in steps:
        for code in codes:
            row = rows.get(code)
            if not row or not row.get("record_id"):
                at[code].append(-1)
                continue
            key = (code, row["record_id"])
            if key not in index:
                index[key] = len(records[code])
                since = words.since_text(row) if row.get("since") else ""
                records[code].append([row["status"], since, row.get("citation") or ""])
            at[code].append(index[key])
    labels = [d[:4] for d, _ in snapshots] + ["today"]
    titles = [date_text(d) for d, _ in snapshots] + [f"today, {date_text(today[0])}"]
    return {"labels": labels, "titles": titles, "records": records, "at": at}
