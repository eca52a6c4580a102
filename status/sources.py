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
    import yaml

    path = path or registry_path()
    if not path.exists():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KratomError(f"{path.name}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise KratomError(f"{path.name}: must be a mapping with a list under `sources:`")
    return document["sources"]


def validate(entries: list, known_codes: Iterable[str]) -> tuple[list[Source], list[str]]:
    """Check every entry; return the sources and the problems (`<id>: what is wrong`)."""
    known, seen = set(known_codes), set()
    sources, problems = [], []
    for index, entry in enumerate(entries, start=1):
        label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        found = _problems(entry, known)
        if isinstance(entry, dict) and entry.get("id") in seen:
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
        problems.append(f"unknown fields {sorted(unknown)}; see docs/sources.md")
    if not SOURCE_ID.match(str(entry["id"])):
        problems.append("id must be a lower-case slug (letters, digits, '-'), e.g. us-al-20-2-23")
    if entry["jurisdiction"] not in known:
        problems.append(f"jurisdiction {entry['jurisdiction']!r} is not a known code")
    if not re.match(r"^https?://[^\s/]+\S*$", str(entry["url"])):
        problems.append(f"url {entry['url']!r} is not an http(s) URL")
    if entry["kind"] not in KINDS:
        problems.append(f"kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
    if entry.get("publish", "review") not in PUBLISH:
        problems.append(f"publish must be review or trusted, not {entry.get('publish')!r}")
    if (entry["kind"] == "api-feed") != (entry.get("api") is not None):
        problems.append("an api-feed names its api (and only an api-feed does)")
    elif entry.get("api") is not None and entry["api"] not in APIS:
        problems.append(f"api {entry['api']!r} is not one of {', '.join(APIS)}")
    problems.extend(_selector_problems(entry))
    problems.extend(_anchor_problems(entry.get("anchors") or {}))
    return problems


def _selector_problems(entry: dict) -> list[str]:
    from parsel import Selector

    problems = []
    watch = entry.get("watch") or {}
    if not isinstance(watch, dict) or len(watch) > 1 or set(watch) - {"css", "xpath"}:
        return ["watch must be {css: SELECTOR} or {xpath: EXPRESSION} (or left out)"]
    empty = Selector(text="<html><body></body></html>")
    checks = [("css", s) for s in entry.get("exclude") or []] + list(watch.items())
    for how, expression in checks:
        try:
            empty.css(expression) if how == "css" else empty.xpath(expression)
        except Exception as exc:  # parsel raises several types for a bad expression
            problems.append(f"{how} selector {expression!r} does not parse ({exc})")
    return problems


def _anchor_problems(anchors: object) -> list[str]:
    if not isinstance(anchors, dict) or set(anchors) - ANCHOR_KEYS:
        return [f"anchors may only have {', '.join(sorted(ANCHOR_KEYS))}"]
    problems = []
    if not isinstance(anchors.get("contains", []), list):
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
