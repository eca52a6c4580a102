"""The sources registry: data/sources.yaml, one entry per watched official page.

Each entry names the jurisdiction, the URL, the kind of page, the part of the page to
watch (CSS or XPath), what to strip from it, how to read it (classifier hints), whether a
finding may publish directly (`trusted`) or must be reviewed, and anchor assertions that
tell a layout change from news. Format: docs/sources.md.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from status import store
from status.curated import HIDDEN
from status.errors import KratomError
from status.resources import data_dir

SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
KINDS = ("statute", "regulation", "schedule-list", "ordinance", "agency-notice", "api-feed")
APIS = ("federal-register", "legislation-gov-uk", "openstates", "legiscan")
PUBLISH = ("review", "trusted")
FIELDS = {
    "id",
    "jurisdiction",
    "url",
    "kind",
    "title",
    "citation",
    "watch",
    "exclude",
    "publish",
    "anchors",
    "hints",
    "allowed_hosts",
    "url_verified",
    "note",
    "active",
    "api",
}
ANCHOR_KEYS = {"contains", "min_length", "kratom_term"}


@dataclass
class Source:
    id: str
    jurisdiction: str
    url: str
    kind: str
    title: str = ""
    citation: str = ""
    publish: str = "review"
    watch: dict = field(default_factory=dict)  # {"css": ...} or {"xpath": ...}; {} = whole page
    exclude: list[str] = field(default_factory=list)
    anchors: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)
    allowed_hosts: list[str] = field(default_factory=list)
    api: str | None = None  # for kind api-feed: which API spider reads it
    url_verified: bool = False
    active: bool = True

    @property
    def config(self) -> dict:
        return {
            "watch": self.watch,
            "exclude": self.exclude,
            "anchors": self.anchors,
            "hints": self.hints,
            "allowed_hosts": self.allowed_hosts,
            "api": self.api,
        }

    def row(self) -> dict:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "url": self.url,
            "kind": self.kind,
            "title": self.title,
            "citation": self.citation,
            "publish": self.publish,
            "config": json.dumps(self.config, sort_keys=True),
            "url_verified": int(self.url_verified),
            "active": int(self.active),
        }

    @classmethod
    def from_row(cls, row: sqlite3.Row | dict) -> Source:
        config = json.loads(row["config"] or "{}")
        return cls(
            id=row["id"],
            jurisdiction=row["jurisdiction"],
            url=row["url"],
            kind=row["kind"],
            title=row["title"] or "",
            citation=row["citation"] or "",
            publish=row["publish"],
            url_verified=bool(row["url_verified"]),
            active=bool(row["active"]),
            **config,
        )


def registry_path() -> Path:
    """data/sources.yaml, or the file KRATOM_SOURCES names (to try a registry out, and in
    tests that crawl fixture pages instead of the real sites)."""
    import os

    override = os.environ.get("KRATOM_SOURCES")
    return Path(override) if override else data_dir() / "sources.yaml"


def read_registry(path: Path | None = None) -> list:
    """The registry's entries; a file that is not YAML is a KratomError naming the file."""
    from status.curated import load_yaml

    path = path or registry_path()
    if not path.exists():
        return []
    try:
        document = load_yaml(path) or {}
    except KratomError as exc:
        raise KratomError(f"{path.name}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise KratomError(f"{path.name}: must be a mapping with a list under `sources:`")
    return document["sources"]


def validate(entries: list, known_codes: Iterable[str]) -> tuple[list[Source], list[str]]:
    """Check every entry; return the sources and the problems (`<id>: what is wrong`)."""
    known, seen = set(known_codes), set()
    sources, problems = [], []
    for index, entry in enumerate(entries, start=1):
        given = entry.get("id") if isinstance(entry, dict) else None
        label = given[:80] if isinstance(given, str) and given else f"#{index}"
        found = _problems(entry, known)
        if isinstance(given, str) and given in seen:
            found.append("id is used twice; ids must be unique")
        problems.extend(f"sources.yaml, source {label}: {p}" for p in found)
        if not found:
            seen.add(entry["id"])
            sources.append(_source(entry))
    return sources, problems


def _problems(entry: object, known: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be a mapping (id, jurisdiction, url, kind, ...)"]
    problems = []
    missing = [k for k in ("id", "jurisdiction", "url", "kind") if not entry.get(k)]
    if missing:
        return [f"missing {', '.join(missing)}"]
    if unknown := set(entry) - FIELDS:
        problems.append(
            f"unknown fields {_show(sorted(unknown, key=str), 200)}; see docs/sources.md"
        )
    if not isinstance(entry["id"], str) or not SOURCE_ID.fullmatch(entry["id"]):
        problems.append("id must be a lower-case slug (letters, digits, '-'), e.g. us-al-20-2-23")
    if not isinstance(entry["jurisdiction"], str) or entry["jurisdiction"] not in known:
        problems.append(f"jurisdiction {_show(entry['jurisdiction'])} is not a known code")
    url = entry["url"]
    url_ok = isinstance(url, str) and re.fullmatch(r"https?://[^\s/]+\S*", url)
    if not url_ok or HIDDEN.search(url):
        problems.append(f"url {_show(url)} is not an http(s) URL")
    if entry["kind"] not in KINDS:
        problems.append(f"kind {_show(entry['kind'])} is not one of {', '.join(KINDS)}")
    if entry.get("publish", "review") not in PUBLISH:
        problems.append(f"publish must be review or trusted, not {_show(entry.get('publish'))}")
    if (entry["kind"] == "api-feed") != (entry.get("api") is not None):
        problems.append("an api-feed names its api (and only an api-feed does)")
    elif entry.get("api") is not None and entry["api"] not in APIS:
        problems.append(f"api {_show(entry['api'])} is not one of {', '.join(APIS)}")
    problems.extend(_type_problems(entry))
    problems.extend(_selector_problems(entry))
    problems.extend(_anchor_problems(entry.get("anchors") or {}))
    return problems


def _show(value: object, limit: int = 80) -> str:
    """repr(value) cut to `limit` characters: a problem names a bad value, not all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_problems(entry: dict) -> list[str]:
    """The optional fields' types: what `save` stores and the crawl reads must be so."""
    problems = []
    for key in ("title", "citation", "note"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            problems.append(f"{key} must be text")
    for key in ("exclude", "allowed_hosts"):
        value = entry.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            problems.append(f"{key} must be a list of strings")
    hints = entry.get("hints")
    if hints is not None:
        try:
            ok = isinstance(hints, dict) and all(isinstance(k, str) for k in hints)
            ok = ok and bool(json.dumps(hints, sort_keys=True))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append("hints must be a mapping of names to values: {assume_enacted: true}")
    for key in ("url_verified", "active"):
        if key in entry and not isinstance(entry[key], bool):
            problems.append(f"{key} must be true or false")
    return problems


def _selector_problems(entry: dict) -> list[str]:
    from parsel import Selector

    problems = []
    watch = entry.get("watch") or {}
    if not isinstance(watch, dict) or len(watch) > 1 or set(watch) - {"css", "xpath"}:
        return ["watch must be {css: SELECTOR} or {xpath: EXPRESSION} (or left out)"]
    empty = Selector(text="<html><body></body></html>")
    exclude = entry.get("exclude") if isinstance(entry.get("exclude"), list) else []
    checks = [("css", s) for s in exclude] + list(watch.items())
    for how, expression in checks:
        try:
            empty.css(expression) if how == "css" else empty.xpath(expression)
        except Exception as exc:  # parsel raises several types for a bad expression
            problems.append(f"{how} selector {_show(expression)} does not parse ({str(exc)[:200]})")
    return problems


def _anchor_problems(anchors: object) -> list[str]:
    if not isinstance(anchors, dict) or set(anchors) - ANCHOR_KEYS:
        return [f"anchors may only have {', '.join(sorted(ANCHOR_KEYS))}"]
    problems = []
    contains = anchors.get("contains", [])
    if not isinstance(contains, list) or not all(isinstance(c, str) for c in contains):
        problems.append("anchors.contains must be a list of strings expected on the page")
    if not isinstance(anchors.get("min_length", 0), int):
        problems.append("anchors.min_length must be an integer (characters)")
    if anchors.get("kratom_term", "required") not in ("required", "optional"):
        problems.append("anchors.kratom_term must be required or optional")
    return problems


def _source(entry: dict) -> Source:
    return Source(
        id=entry["id"],
        jurisdiction=entry["jurisdiction"],
        url=entry["url"],
        kind=entry["kind"],
        title=entry.get("title") or "",
        citation=entry.get("citation") or "",
        publish=entry.get("publish", "review"),
        watch=entry.get("watch") or {},
        exclude=list(entry.get("exclude") or []),
        anchors=entry.get("anchors") or {},
        hints=entry.get("hints") or {},
        allowed_hosts=list(entry.get("allowed_hosts") or []),
        api=entry.get("api"),
        url_verified=bool(entry.get("url_verified", False)),
        active=bool(entry.get("active", True)),
    )


def validate_or_raise(known_codes: Iterable[str], path: Path | None = None) -> list[Source]:
    sources, problems = validate(read_registry(path), known_codes)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:20])
        raise KratomError(
            f"the sources registry has {len(problems)} problem(s); nothing was "
            f"loaded (run `kratom sources validate`):\n{listed}"
        )
    return sources


def save(conn: sqlite3.Connection, sources: list[Source]) -> dict[str, int]:
    """Upsert the registry; a source no longer listed is deactivated, never deleted
    (its checks and snapshots stay)."""
    columns = list(Source("x", "x", "x", "x").row())
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    with store.transaction(conn):
        conn.executemany(
            f"INSERT INTO sources ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}",
            [tuple(s.row().values()) for s in sources],
        )
        listed = [s.id for s in sources]
        marks = ", ".join("?" * len(listed)) or "''"
        retired = conn.execute(
            f"UPDATE sources SET active = 0 WHERE active = 1 AND id NOT IN ({marks})", listed
        ).rowcount
    return {"sources": len(sources), "retired": retired}


def load(
    conn: sqlite3.Connection,
    ids: Iterable[str] = (),
    jurisdiction: str | None = None,
) -> list[Source]:
    """Active sources from the database, optionally only some ids or one jurisdiction."""
    sql, params = "SELECT * FROM sources WHERE active = 1", []
    if ids := list(ids):
        sql += f" AND id IN ({', '.join('?' * len(ids))})"
        params += ids
    if jurisdiction:
        sql += " AND jurisdiction = ?"
        params.append(jurisdiction)
    return [Source.from_row(row) for row in conn.execute(sql + " ORDER BY id", params)]
