"""Curated records: the hand-edited YAML files under data/records/, checked and loaded.

One file per jurisdiction, one entry per dated change (format: docs/curated-data.md).
`validate` names every problem by file and entry with the fix; `load` makes the
database's curated records equal to the files in one transaction: new entries are
inserted, edited ones updated (the old version kept in `record_audit`), removed ones
deleted and reported (also kept in the audit). Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from status import store
from status.dates import now_iso
from status.errors import KratomError
from status.queries import RECORD_COLUMNS
from status.resources import data_dir
from status.vocabulary import (
    CONDITIONS,
    CONFIDENCE_LEVELS,
    INSTRUMENTS,
    PRECISIONS,
    STATUSES,
    SUBSTANCES,
    derive_status,
)

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Characters that hide or reorder text in a citation or a URL: C0 and C1 controls (but tab
# and line ends), DEL, and the bidirectional embeddings, overrides and isolates ("Trojan
# Source"). Curated text is shown on the site as it is written.
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TEXT_FIELDS = ("citation", "summary", "evidence", "note", "disputed")
REQUIRED = (
    "id",
    "effective",
    "leaf",
    "seven_oh",
    "status",
    "instrument",
    "citation",
    "confidence",
    "summary",
)
OPTIONAL = (
    "effective_precision",
    "enacted",
    "expires",
    "substances",
    "conditions",
    "sources",
    "disputed",
    "note",
    "checked",
    "evidence",
)


@dataclass
class Problem:
    file: str
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, entry {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


@dataclass
class LoadReport:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def records_dir() -> Path:
    return data_dir() / "records"


def read_files(folder: Path | None = None) -> tuple[list[tuple[Path, object]], list[Problem]]:
    """Parse every YAML file; a file that is not YAML is a problem, not a crash."""
    folder = folder or records_dir()
    parsed, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            parsed.append((path, load_yaml(path)))
        except KratomError as exc:
            problems.append(Problem(path.name, None, str(exc)))
    return parsed, problems


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


# Data files arrive in pull requests, so reading one is bounded. A curated file is a few KB
# and the sources registry under 100 KB.
MAX_YAML_BYTES = 2_000_000
MAX_YAML_DEPTH = 32
_GUARDED_LOADER = None


def load_yaml(path: Path, max_bytes: int = MAX_YAML_BYTES) -> object:
    """`yaml.safe_load` of a data file, refusing with a one-line KratomError a file that
    cannot be read, is over `max_bytes`, is not UTF-8 or not YAML, uses anchors and aliases
    (`&a`/`*a`: a few lines of them expand to billions of values, "billion laughs", and
    merge keys copy them), nests deeper than MAX_YAML_DEPTH or holds an integer beyond 64
    bits. A date that does not exist (2025-02-30) stays text, for the validator to name.
    """
    import yaml

    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise KratomError(f"is {size:,} bytes, over the limit of {max_bytes:,}")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise KratomError(f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise KratomError(
            f"not valid YAML: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
        ) from None
    try:
        return yaml.load(text, Loader=_guarded_loader())  # a SafeLoader, guarded
    except yaml.YAMLError as exc:
        raise KratomError(f"not valid YAML: {_one_line(exc)}") from None


def _guarded_loader():
    global _GUARDED_LOADER
    if _GUARDED_LOADER is not None:
        return _GUARDED_LOADER
    import yaml
    from yaml.composer import ComposerError
    from yaml.constructor import ConstructorError

    class GuardedLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise ComposerError(
                    None,
                    None,
                    "YAML aliases (*name) are not allowed; write the value out",
                    self.peek_event().start_mark,
                )
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise ComposerError(
                        None,
                        None,
                        f"nested more than {MAX_YAML_DEPTH} levels deep",
                        self.peek_event().start_mark,
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_yaml_int(self, node):
            try:
                value = super().construct_yaml_int(node)
            except ValueError:  # more digits than Python converts
                value = None
            if value is None or not -(2**63) <= value < 2**63:
                raise ConstructorError(
                    None, None, "an integer larger than 64 bits", node.start_mark
                )
            return value

        def construct_yaml_timestamp(self, node):
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

    GuardedLoader.add_constructor("tag:yaml.org,2002:int", GuardedLoader.construct_yaml_int)
    GuardedLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", GuardedLoader.construct_yaml_timestamp
    )
    _GUARDED_LOADER = GuardedLoader
    return GuardedLoader


def validate(
    known_codes: Iterable[str], folder: Path | None = None
) -> tuple[list[dict], list[Problem]]:
    """Check every file; return the records it would load and the problems found."""
    known = set(known_codes)
    parsed, problems = read_files(folder)
    records = []
    for path, document in parsed:
        file_records, file_problems = _validate_file(path, document, known)
        records.extend(file_records)
        problems.extend(file_problems)
    return records, problems


def _validate_file(path: Path, doc: object, known: set[str]) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []

    def problem(entry, message):
        problems.append(Problem(path.name, entry, message))

    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        problem(None, "must be a mapping with `jurisdiction:` and a list of `entries:`")
        return [], problems
    code = doc.get("jurisdiction")
    if code != path.stem:
        problem(None, f"jurisdiction {_show(code)} must equal the file name ({path.stem!r})")
        return [], problems
    if code not in known:
        problem(
            None,
            f"jurisdiction {code!r} is not a known code (ISO 3166 or "
            "data/local_jurisdictions.csv); add it there or fix the code",
        )
        return [], problems
    if extra := set(doc) - {"jurisdiction", "entries"}:
        keys = _show(sorted(extra, key=str), 200)
        problem(None, f"unknown keys {keys}; only `jurisdiction` and `entries`")
    if not doc["entries"]:
        problem(None, "has no entries; add one or delete the file")
    records, seen_ids, previous = [], set(), None
    for index, entry in enumerate(doc["entries"], start=1):
        label = f"#{index}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            label = entry["id"]
        record = _validate_entry(entry, code, lambda m, label=label: problem(label, m))
        if record is None:
            continue
        if record["entry_id"] in seen_ids:
            problem(label, "id is used twice in this file; ids must be unique")
        seen_ids.add(record["entry_id"])
        if previous is not None:
            if record["effective_date"] == previous["effective_date"]:
                problem(
                    label,
                    f"has the same effective date as {previous['entry_id']}; "
                    "merge them or give each its own date",
                )
            elif record["effective_date"] < previous["effective_date"]:
                problem(
                    label,
                    f"effective {record['effective_date']} comes before "
                    f"{previous['entry_id']}'s; keep entries oldest first",
                )
        if record["effective_precision"] == "unknown" and previous is not None:
            problem(
                label,
                "effective_precision unknown is only for the first entry "
                "(a baseline whose start is not known)",
            )
        previous = record
        records.append(record)
    return records, problems


def _validate_entry(entry: object, code: str, problem) -> dict | None:
    if not isinstance(entry, dict):
        problem("must be a mapping of fields (id, effective, leaf, ...)")
        return None
    missing = [k for k in REQUIRED if entry.get(k) in (None, "")]
    if missing:
        problem(f"missing {', '.join(missing)}")
        return None
    if unknown := set(entry) - set(REQUIRED) - set(OPTIONAL):
        problem(
            f"unknown fields {_show(sorted(unknown, key=str), 200)}; "
            "see docs/curated-data.md for the format"
        )
    entry_id = str(entry["id"])
    if not ENTRY_ID.fullmatch(entry_id):
        problem(f"id {_show(entry_id)} must be a lower-case slug such as 2016-sb226")
    dates = {}
    for key in ("effective", "enacted", "expires", "checked"):
        value = entry.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError:
                problem(f"{key} {_show(value)} is not a date; write YYYY-MM-DD")
                continue
        dates[key] = value
    if "effective" not in dates:
        return None
    if "enacted" in dates and dates["enacted"] > dates["effective"]:
        problem(f"enacted {dates['enacted']} is after effective {dates['effective']}; swap them?")
    if "expires" in dates and dates["expires"] <= dates["effective"]:
        problem(f"expires {dates['expires']} is not after effective {dates['effective']}")
    precision = entry.get("effective_precision", "day")
    _one_of(problem, "effective_precision", precision, PRECISIONS)
    for key in ("leaf", "seven_oh", "status"):
        _one_of(problem, key, entry[key], STATUSES)
    expected = derive_status(entry["leaf"], entry["seven_oh"])
    if entry["status"] in STATUSES and expected != entry["status"]:
        problem(
            f"status {entry['status']!r} does not follow from leaf {_show(entry['leaf'])} "
            f"and seven_oh {_show(entry['seven_oh'])}: it should be {_show(expected)} "
            "(or correct leaf/seven_oh)"
        )
    _one_of(problem, "instrument", entry["instrument"], INSTRUMENTS)
    _one_of(problem, "confidence", entry["confidence"], CONFIDENCE_LEVELS)
    substances = entry.get("substances") or []
    if not isinstance(substances, list) or set(map(str, substances)) - set(SUBSTANCES):
        problem(f"substances must be a list drawn from {', '.join(SUBSTANCES)}")
        substances = []
    conditions = entry.get("conditions") or {}
    if not isinstance(conditions, dict):
        problem("conditions must be a mapping, e.g. {min_age: 21, labelling: true}")
        conditions = {}
    checked = {}  # only well-typed conditions are kept (and can be stored as JSON)
    for key, value in conditions.items():
        kind = CONDITIONS.get(key)
        if kind is None:
            problem(f"unknown condition {_show(key)}; use {', '.join(CONDITIONS)}")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problem(f"condition {key} must be a {kind.__name__}, not {_show(value)}")
        elif _hidden_problem(problem, f"condition {key}", value) is None:
            checked[key] = value
    conditions = checked
    for key in TEXT_FIELDS:
        value = entry.get(key)
        if isinstance(value, list | dict | set | bytes):
            problem(f"{key} must be text, not a {type(value).__name__}")
        _hidden_problem(problem, key, value)
    sources = entry.get("sources") or []
    if not isinstance(sources, list) or not all(
        isinstance(u, str) and re.fullmatch(r"https?://\S+", u) and not HIDDEN.search(u)
        for u in sources
    ):
        problem("sources must be a list of http(s) URLs")
        sources = []
    if not sources and entry["status"] != "unknown":
        problem("has no source URL; every status but unknown needs at least one under sources:")
    return {
        "entry_id": entry_id,
        "jurisdiction": code,
        "effective_date": dates["effective"].isoformat(),
        "effective_precision": precision,
        "enacted_date": _iso(dates.get("enacted")),
        "expires_date": _iso(dates.get("expires")),
        "status": entry["status"],
        "leaf_status": entry["leaf"],
        "seven_oh_status": entry["seven_oh"],
        "min_age": conditions.get("min_age"),
        "conditions": json.dumps(conditions, sort_keys=True, ensure_ascii=False),
        "substances": json.dumps(list(substances), ensure_ascii=False),
        "instrument": entry["instrument"],
        "citation": str(entry["citation"]).strip(),
        "source_url": sources[0] if sources else None,
        "source_urls": json.dumps(sources, ensure_ascii=False),
        "summary": str(entry["summary"]).strip(),
        "evidence": _text(entry.get("evidence")),
        "note": _text(entry.get("note")),
        "disputed": _text(entry.get("disputed")),
        "confidence": entry["confidence"],
        "method": "curated",
        "curated_key": f"{code}/{entry_id}",
        "checked_date": _iso(dates.get("checked")),
    }


def _one_of(problem, key: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        problem(f"{key} {_show(value)} is not one of {', '.join(allowed)}")


def _show(value: object, limit: int = 80) -> str:
    """repr(value) cut to `limit` characters: a problem names a bad value, not all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hidden_problem(problem, key: str, value: object) -> str | None:
    """Report a control or bidi-override character in a text value; return the message."""
    found = HIDDEN.search(value) if isinstance(value, str) else None
    if found is None:
        return None
    message = (
        f"{key} has a hidden control character U+{ord(found.group()):04X} at position "
        f"{found.start()}; delete it"
    )
    problem(message)
    return message


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _text(value: object) -> str | None:
    return str(value).strip() if value not in (None, "") else None


# What an edit of a curated entry can change: every record column but the bookkeeping.
COMPARED = (
    "jurisdiction",
    *(c for c in RECORD_COLUMNS if c not in ("id", "method", "recorded_at")),
)


def load(conn: sqlite3.Connection, records: list[dict]) -> LoadReport:
    """Make the curated records in the database equal `records`, in one transaction."""
    report = LoadReport()
    stamp = now_iso()
    existing = {
        row["curated_key"]: dict(row)
        for row in conn.execute("SELECT * FROM records WHERE method = 'curated'")
    }
    wanted = {r["curated_key"]: r for r in records}
    with store.transaction(conn):
        for key, record in wanted.items():
            row = {k: v for k, v in record.items() if k != "entry_id"}
            old = existing.get(key)
            if old is None:
                row["recorded_at"] = stamp
                cursor = conn.execute(
                    f"INSERT INTO records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                _audit(conn, cursor.lastrowid, row["jurisdiction"], "insert", stamp, None, row)
                report.inserted.append(key)
            elif any(old[c] != row[c] for c in COMPARED):
                row["recorded_at"] = stamp
                sets = ", ".join(f"{c} = ?" for c in row)
                conn.execute(f"UPDATE records SET {sets} WHERE id = ?", (*row.values(), old["id"]))
                _audit(conn, old["id"], row["jurisdiction"], "update", stamp, old, row)
                report.updated.append(key)
            else:
                report.unchanged += 1
        for key in sorted(set(existing) - set(wanted)):
            old = existing[key]
            _audit(
                conn,
                old["id"],
                old["jurisdiction"],
                "delete",
                stamp,
                old,
                None,
                reason="entry removed from the curated files",
            )
            conn.execute("UPDATE proposals SET record_id = NULL WHERE record_id = ?", (old["id"],))
            conn.execute("DELETE FROM records WHERE id = ?", (old["id"],))
            report.removed.append(key)
    return report


def _audit(conn, record_id, jurisdiction, action, stamp, old, new, reason=None) -> None:
    conn.execute(
        "INSERT INTO record_audit (record_id, jurisdiction, action, changed_at, old, new, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record_id,
            jurisdiction,
            action,
            stamp,
            json.dumps(old, ensure_ascii=False) if old else None,
            json.dumps(new, ensure_ascii=False) if new else None,
            reason,
        ),
    )


def validate_or_raise(known_codes: Iterable[str], folder: Path | None = None) -> list[dict]:
    records, problems = validate(known_codes, folder)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise KratomError(
            f"the curated data has {len(problems)} problem(s); nothing was loaded "
            f"(run `kratom data validate` for the full list):\n{shown}{more}"
        )
    return records
