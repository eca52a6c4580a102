"""Hostile input, fuzzed: a clear KratomError or a validation problem, never a traceback.

Each property runs a bounded number of random examples (a few hundred) in the normal
suite; the `slow` copies at the end run KRATOM_FUZZ_EXAMPLES each (200 unless set, so
that the whole file stays well under a minute in CI). For a long hunt:

    KRATOM_FUZZ_EXAMPLES=20000 python -m pytest -m slow tests/test_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli import cli
from status import curated, names, output, sources, store
from status.dates import DateError, parse_date
from status.errors import KratomError
from status.lookup import Selection, resolve
from status.vocabulary import (
    CONDITIONS,
    CONFIDENCE_LEVELS,
    INSTRUMENTS,
    PRECISIONS,
    STATUSES,
    SUBSTANCES,
    derive_status,
)
from tests.conftest import add_record

SLOW_EXAMPLES = int(os.environ.get("KRATOM_FUZZ_EXAMPLES") or 200)
MAX_MESSAGE = 1000  # a problem message names the bad value, it does not reprint it whole


def run(prop: Callable, strategy: st.SearchStrategy, examples: int, *explicit) -> None:
    """Check `prop` on `examples` random values of `strategy` (and the explicit ones first)."""
    test = given(strategy)(prop)
    for value in reversed(explicit):
        test = example(value)(test)
    settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(test)()


# ---------------------------------------------------------------------------- strategies

HOSTILE = [
    "\x00",
    "a\x00b",
    "\u202e",  # right-to-left override
    "\u2066evil\u2069",
    "\ufeff",
    "\u200b",
    "\x1b[31m",
    "\r\n",
    "\t",
    "'",
    '"',
    "\\",
    "%s%n",
    "' OR 1=1 --",
    "NULL",
    "İ",
    "ß",
    "ﬃ",
    "e\u0301",
    "𝕂𝕣𝕒𝕥𝕠𝕞",
    "🏳️‍🌈",
    "Côte d'Ivoire",
    "US-*",
    "--help",
    "-h",
    "../../etc/passwd",
    "a" * 5000,
    "9" * 5000,
    " " * 100,
]
SURROGATES = ["\udcff", "\udc80abc", "\ud800"]  # what a non-UTF-8 byte in argv becomes

hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(st.text(max_size=6), st.sampled_from(HOSTILE)), max_size=4).map("".join),
)
hostile_argv = st.one_of(
    hostile,
    st.sampled_from(SURROGATES),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),
    st.integers().map(str),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.dates(),
    st.datetimes(),
    hostile,
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(hostile, st.integers(), st.booleans(), st.none()), children,
                        max_size=4),
    ),
    max_leaves=12,
)
date_like = st.one_of(
    st.dates(),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["2025-02-30", "2025-13-01", "0000-01-01", "20250101", "2025W011",
                     "2025-1-1", "1 May 2025", "2025-05-01T10:00", "２０２５-０１-０１"]),
    values,
)

KNOWN = ("TH", "US-AL", "US-MS-MONROE-COUNTY")
slug = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
urls = st.one_of(
    st.builds("https://example.org/{}".format, hostile),
    st.sampled_from(["http://x", "https://example.org/law\n", "ftp://x", "https://"]),
)
FIELD_VALUES = {
    "id": st.one_of(slug, values),
    "effective": date_like,
    "enacted": date_like,
    "expires": date_like,
    "checked": date_like,
    "effective_precision": st.one_of(st.sampled_from(PRECISIONS), values),
    "leaf": st.one_of(st.sampled_from(STATUSES), values),
    "seven_oh": st.one_of(st.sampled_from(STATUSES), values),
    "status": st.one_of(st.sampled_from(STATUSES), values),
    "instrument": st.one_of(st.sampled_from(INSTRUMENTS), values),
    "confidence": st.one_of(st.sampled_from(CONFIDENCE_LEVELS), values),
    "citation": st.one_of(hostile, values),
    "summary": st.one_of(hostile, values),
    "evidence": st.one_of(hostile, values),
    "note": st.one_of(hostile, values),
    "disputed": st.one_of(hostile, values),
    "substances": st.one_of(st.lists(st.sampled_from(SUBSTANCES), max_size=3), values),
    "conditions": st.one_of(
        st.dictionaries(st.sampled_from(sorted(CONDITIONS)), values, max_size=3),
        st.fixed_dictionaries({}, optional={"min_age": st.integers(), "labelling": st.booleans(),
                                            "alkaloid_cap": hostile}),
        values,
    ),
    "sources": st.one_of(st.lists(urls, max_size=3), values),
}
entries = st.one_of(
    st.fixed_dictionaries(
        {k: FIELD_VALUES[k] for k in curated.REQUIRED},
        optional={**{k: FIELD_VALUES[k] for k in curated.OPTIONAL}, "surprise": values},
    ),
    values,
)
documents = st.one_of(
    st.fixed_dictionaries(
        {"jurisdiction": st.one_of(st.sampled_from(KNOWN), values),
         "entries": st.one_of(st.lists(entries, max_size=4), values)},
        optional={"extra": values},
    ),
    values,
)


def dump(document: object) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def billion_laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 30) -> str:
    """Merge keys (<<) through aliases (PyYAML flattens them in place: not a bomb, but
    refused with every other alias)."""
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for n in range(1, levels + 1):
        lines.append(f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}]}}")
    return "\n".join(lines) + "\n"


VALID_ENTRY = textwrap.dedent(
    """\
    jurisdiction: TH
    entries:
      - id: 2021-delisting
        effective: 2021-08-24
        leaf: legal
        seven_oh: unknown
        status: legal
        instrument: statute
        citation: Narcotics Act (No. 8) B.E. 2564
        confidence: high
        summary: Kratom removed from Category 5.
        sources: [https://example.org/th]
    """
)
RAW_YAML = [
    billion_laughs(),
    VALID_ENTRY.replace("leaf: legal", "leaf: &l legal").replace("status: legal", "status: *l"),
    merge_bomb(),
    "[" * 50_000 + "]" * 50_000,
    "- " * 5_000 + "x",
    "a: " + "{b: " * 5_000 + "c" + "}" * 5_000,
    VALID_ENTRY.replace("2021-08-24", "2021-02-30"),
    VALID_ENTRY.replace("2021-08-24", "0000-01-01"),
    VALID_ENTRY.replace("2021-08-24", "9" * 5000),
    VALID_ENTRY.replace("2021-08-24", "1" + ":00" * 3000),
    VALID_ENTRY + "    conditions: {1: 2, x: y}\n",
    VALID_ENTRY + "    conditions: {2020-01-01: y}\n",
    VALID_ENTRY + "    conditions: {min_age: !!binary aGk=}\n",
    VALID_ENTRY + "    1: one\n",
    VALID_ENTRY + f"    conditions: {{min_age: {2**64}}}\n",
    VALID_ENTRY.replace("2021-delisting", '"2021-delisting\\n"'),
    VALID_ENTRY.replace("Kratom removed", "Kratom \\0 removed").replace("summary: ", 'summary: "')
    .replace("Category 5.", 'Category 5."'),
    VALID_ENTRY.replace("Narcotics Act", "\u202eNarcotics Act"),
    VALID_ENTRY.replace("https://example.org/th", "https://example.org/\u202eht"),
    VALID_ENTRY + "---\njurisdiction: TH\n",
    VALID_ENTRY.replace("jurisdiction: TH", "jurisdiction: TH\n? [a, b]\n: c"),
    "!!python/object/apply:os.system ['echo pwned']",
    "jurisdiction: !!python/name:os.system\nentries: []\n",
    "&a [*a]",
    VALID_ENTRY.replace("citation: Narcotics", "citation:\n      - Narcotics"),
]
raw_yaml = st.one_of(
    st.sampled_from(RAW_YAML),
    documents.map(dump),
    st.text(max_size=200),
    st.tuples(st.sampled_from([VALID_ENTRY, *RAW_YAML[:3]]), st.integers(0, 400), hostile)
    .map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:]),
)
raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.just(VALID_ENTRY.encode()), st.integers(0, 400), st.binary(min_size=1,
                                                                             max_size=4))
    .map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:]),
    st.sampled_from([b"\xff\xfe" + VALID_ENTRY.encode("utf-16-le"), b"jurisdiction: \xc3\x28"]),
)
file_contents = st.one_of(raw_yaml, raw_bytes)


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)


# ---------------------------------------------------------------------- curated records

SQLITE_VALUE = (str, int, float, type(None))


def assert_short_problems(problems: list) -> None:
    for problem in problems:
        text = str(problem)
        assert "Traceback" not in text
        assert len(text) < MAX_MESSAGE, text[:300]


def assert_storable(record: dict) -> None:
    """What validate returns can be written by `curated.load` (SQLite types, 64-bit ints)."""
    for key, value in record.items():
        assert isinstance(value, SQLITE_VALUE), (key, value)
        if isinstance(value, int):
            assert -(2**63) <= value < 2**63, (key, value)
    sqlite3.connect(":memory:").execute(
        f"SELECT {', '.join('?' * len(record))}", tuple(record.values())
    )


def curated_property(folder: Path) -> Callable:
    def prop(case: tuple[str, str | bytes]) -> None:
        name, content = case
        for old in folder.iterdir():
            old.unlink()
        write(folder / f"{name}.yaml", content)
        records, problems = curated.validate(KNOWN, folder)
        assert all(isinstance(p, curated.Problem) for p in problems)
        assert_short_problems(problems)
        if not problems:  # what the loader would write: it refuses any file with a problem
            assert records and all(r["jurisdiction"] == name for r in records)
            for record in records:
                assert_storable(record)

    return prop


# Well-formed documents with any visible text (which must load), and the same with one
# field of one entry replaced by a random value (which reaches every check of an entry).
visible = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")).filter(
        lambda c: not curated.HIDDEN.match(c)
    ),
    min_size=1,
    max_size=30,
).filter(str.strip)


@st.composite
def valid_documents(draw) -> dict:
    days = sorted(draw(st.lists(st.dates(dt.date(1900, 1, 1)), min_size=1, max_size=3,
                                unique=True)))
    ids = draw(st.lists(slug, min_size=len(days), max_size=len(days), unique=True))
    entries = []
    for entry_id, day in zip(ids, days, strict=True):
        leaf, seven_oh = draw(st.sampled_from(STATUSES)), draw(st.sampled_from(STATUSES))
        entry = {
            "id": entry_id,
            "effective": day,
            "effective_precision": draw(st.sampled_from(["day", "month", "year"])),
            "leaf": leaf,
            "seven_oh": seven_oh,
            "status": derive_status(leaf, seven_oh),
            "instrument": draw(st.sampled_from(INSTRUMENTS)),
            "citation": draw(visible),
            "confidence": draw(st.sampled_from(CONFIDENCE_LEVELS)),
            "summary": draw(visible),
            "note": draw(st.none() | visible),
            "substances": draw(st.lists(st.sampled_from(SUBSTANCES), unique=True, max_size=3)),
            "conditions": draw(st.fixed_dictionaries({}, optional={
                "min_age": st.integers(0, 99), "labelling": st.booleans(),
                "alkaloid_cap": visible})),
            "sources": draw(st.lists(slug.map("https://example.org/{}".format), min_size=1,
                                     max_size=2)),
        }
        entries.append(entry)
    return {"jurisdiction": draw(st.sampled_from(KNOWN)), "entries": entries}


@st.composite
def mutated_documents(draw) -> tuple[str, str]:
    document = draw(valid_documents())
    entry = draw(st.sampled_from(document["entries"]))
    entry[draw(st.sampled_from(sorted(FIELD_VALUES)))] = draw(values)
    return document["jurisdiction"], dump(document)


curated_cases = st.one_of(
    st.tuples(
        st.one_of(st.sampled_from(KNOWN), slug.map(str.upper)),
        st.one_of(file_contents, documents.map(dump)),
    ),
    mutated_documents(),
    valid_documents().map(lambda d: (d["jurisdiction"], dump(d))),
)


def test_curated_validation_reports_problems_for_any_file_and_never_crashes(tmp_path):
    run(curated_property(tmp_path), curated_cases, 200,
        *((code, text) for code in ("TH",) for text in RAW_YAML))


def test_every_well_formed_curated_file_loads_and_reads_back_exactly(tmp_path, small_db):
    folder = tmp_path / "records"
    folder.mkdir()

    def prop(document: dict) -> None:
        for old in folder.iterdir():
            old.unlink()
        write(folder / f"{document['jurisdiction']}.yaml", dump(document))
        records, problems = curated.validate(KNOWN, folder)
        assert problems == []
        curated.load(small_db, records)
        stored = small_db.execute(
            "SELECT citation, summary, note, effective_date, status, conditions FROM records "
            "WHERE method = 'curated' ORDER BY effective_date"
        ).fetchall()
        assert [tuple(row) for row in stored] == [
            (
                e["citation"].strip(),
                e["summary"].strip(),
                e["note"].strip() if e["note"] else None,
                e["effective"].isoformat(),
                e["status"],
                json.dumps(e["conditions"], sort_keys=True, ensure_ascii=False),
            )
            for e in document["entries"]
        ]

    run(prop, valid_documents(), 100)


@pytest.mark.parametrize("text", RAW_YAML, ids=range(len(RAW_YAML)))
def test_curated_validation_names_the_file_of_each_hostile_document(tmp_path, text):
    write(tmp_path / "TH.yaml", text)
    _, problems = curated.validate(KNOWN, tmp_path)
    assert problems, "a hostile document must not load silently"
    assert all(p.file == "TH.yaml" for p in problems)
    assert_short_problems(problems)


def test_a_date_that_does_not_exist_is_named_with_its_entry(tmp_path):
    write(tmp_path / "TH.yaml", VALID_ENTRY.replace("2021-08-24", "2021-02-30"))
    _, problems = curated.validate(KNOWN, tmp_path)
    assert [str(p) for p in problems] == [
        "TH.yaml, entry 2021-delisting: effective '2021-02-30' is not a date; write YYYY-MM-DD"
    ]


# A complete entry whose leaf is a billion laughs: safe_load shares the aliased lists, but
# naming the bad leaf in a problem message expands 9**10 strings (23 GB before the guard).
# Only ever read in a child process with a memory limit.
ALIAS_BOMB_ENTRY = billion_laughs() + VALID_ENTRY.replace("leaf: legal", "leaf: *l9")


def test_yaml_aliases_are_refused_even_when_harmless(tmp_path):
    write(tmp_path / "TH.yaml", RAW_YAML[1])
    _, problems = curated.validate(KNOWN, tmp_path)
    assert len(problems) == 1 and "aliases (*name) are not allowed" in problems[0].message
    assert "line 7" in problems[0].message


def test_an_alias_bomb_takes_neither_time_nor_memory(tmp_path):
    """In a child process limited to 1 GB of memory and 60 s: the curated loader and the
    sources registry (whose validator puts the url in a message)."""
    write(tmp_path / "TH.yaml", ALIAS_BOMB_ENTRY)
    registry = billion_laughs() + "sources:\n  - {id: ab, jurisdiction: TH, url: *l9, kind: x}\n"
    write(tmp_path / "sources.yaml", registry)
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from pathlib import Path
        from status import curated, sources
        from status.errors import KratomError
        folder = Path({str(tmp_path)!r})
        _, problems = curated.validate({KNOWN!r}, folder)
        print(problems[0])
        try:
            print(sources.validate(sources.read_registry(folder / "sources.yaml"), ["TH"])[1])
        except KratomError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    curated_line, registry_line = done.stdout.splitlines()
    assert curated_line.startswith("TH.yaml: not valid YAML: YAML aliases")
    assert registry_line.startswith("sources.yaml: not valid YAML: YAML aliases")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    write(tmp_path / "TH.yaml", VALID_ENTRY + "# " + "x" * curated.MAX_YAML_BYTES + "\n")
    _, problems = curated.validate(KNOWN, tmp_path)
    assert len(problems) == 1 and "limit" in problems[0].message


def test_a_folder_named_like_a_file_is_a_problem(tmp_path):
    (tmp_path / "TH.yaml").mkdir()
    _, problems = curated.validate(KNOWN, tmp_path)
    assert len(problems) == 1 and "cannot be read" in problems[0].message


@pytest.mark.parametrize(
    "field, text, code",
    [
        ("citation", "Narcotics \u202eAct", "U+202E"),
        ("summary", "Kratom \x00 removed.", "U+0000"),
        ("note", "\x1b[31mred", "U+001B"),
        ("disputed", "A\u2066B\u2069", "U+2066"),
    ],
)
def test_hidden_control_characters_in_text_are_problems(tmp_path, field, text, code):
    document = yaml.safe_load(VALID_ENTRY)
    document["entries"][0][field] = text
    write(tmp_path / "TH.yaml", dump(document))
    _, problems = curated.validate(KNOWN, tmp_path)
    position = text.index(chr(int(code[2:], 16)))
    assert [p.message for p in problems] == [
        f"{field} has a hidden control character {code} at position {position}; delete it"
    ]


def test_a_byte_order_mark_is_fine(tmp_path):
    write(tmp_path / "TH.yaml", "\ufeff" + VALID_ENTRY)
    records, problems = curated.validate(KNOWN, tmp_path)
    assert problems == [] and len(records) == 1


def test_plain_unicode_text_is_kept_exactly(tmp_path):
    citation = "Côte d'Ivoire — Décret n° 2019-1 «kratom» 𝕂 ﬃ עברית"
    write(tmp_path / "TH.yaml", VALID_ENTRY.replace("Narcotics Act (No. 8) B.E. 2564", citation))
    records, problems = curated.validate(KNOWN, tmp_path)
    assert problems == []
    assert records[0]["citation"] == citation


def test_the_real_curated_files_pass_the_hardened_validator():
    from status.jurisdictions import all_jurisdictions, subdivision

    known = {j.code for j in all_jurisdictions()}
    known |= {p.stem for p in curated.records_dir().glob("*.yaml") if subdivision(p.stem)}
    records, problems = curated.validate(known)
    assert problems == []
    assert len(records) > 100


# -------------------------------------------------------------------- sources registry

source_entries = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.one_of(slug.filter(lambda s: len(s) > 1), values),
            "jurisdiction": st.one_of(st.sampled_from(KNOWN), values),
            "url": st.one_of(urls, values),
            "kind": st.one_of(st.sampled_from(sources.KINDS), values),
        },
        optional={
            "title": st.one_of(hostile, values),
            "citation": st.one_of(hostile, values),
            "publish": st.one_of(st.sampled_from(sources.PUBLISH), values),
            "watch": st.one_of(
                st.fixed_dictionaries({"css": hostile}), st.fixed_dictionaries({"xpath": hostile}),
                values,
            ),
            "exclude": st.one_of(st.lists(hostile, max_size=2), values),
            "anchors": st.one_of(
                st.fixed_dictionaries({}, optional={"contains": st.lists(hostile, max_size=2),
                                                    "min_length": st.integers(),
                                                    "kratom_term": hostile}),
                values,
            ),
            "hints": values,
            "allowed_hosts": st.one_of(st.lists(hostile, max_size=2), values),
            "url_verified": values,
            "active": values,
            "api": st.one_of(st.sampled_from(sources.APIS), values),
            "note": values,
        },
    ),
    values,
)
registries = st.one_of(
    st.fixed_dictionaries({"sources": st.lists(source_entries, max_size=4)}).map(dump),
    st.fixed_dictionaries({"sources": values}).map(dump),
    file_contents,
)


@pytest.fixture
def small_db(tmp_path: Path) -> sqlite3.Connection:
    """A migrated database holding only the jurisdictions the fuzzers name."""
    conn = store.connect(tmp_path / "small.db", create=True)
    with store.transaction(conn):
        for code in KNOWN:
            conn.execute("INSERT INTO jurisdictions (code, name, kind) VALUES (?, ?, 'state')",
                         (code, code))
    yield conn
    conn.close()


def sources_property(path: Path, conn: sqlite3.Connection) -> Callable:
    def prop(content: str | bytes) -> None:
        write(path, content)
        try:
            entries = sources.read_registry(path)
        except KratomError as exc:
            assert str(exc).startswith("sources.yaml: ") and len(str(exc)) < MAX_MESSAGE
            return
        found, problems = sources.validate(entries, KNOWN)
        assert all(isinstance(p, str) and len(p) < MAX_MESSAGE for p in problems), problems
        # Whatever passes validation is stored, and read back as it was written.
        sources.save(conn, found)
        assert [s.row() for s in sources.load(conn)] == sorted(
            (s.row() for s in found if s.active), key=lambda row: row["id"]
        )

    return prop


def test_the_sources_registry_loader_reports_problems_for_any_file_and_never_crashes(
    tmp_path, small_db
):
    run(sources_property(tmp_path / "sources.yaml", small_db), registries, 150, *RAW_YAML)


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"id": ["a"], "jurisdiction": "TH", "url": "https://x.org", "kind": "statute"}, "id"),
        ({"id": "ab", "jurisdiction": ["TH"], "url": "https://x.org", "kind": "statute"},
         "jurisdiction"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute",
          "exclude": 5}, "exclude"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute",
          "allowed_hosts": 5}, "allowed_hosts"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute",
          "title": ["a"]}, "title"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute",
          "hints": [1]}, "hints"),
        ({"id": "ab\n", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute"}, "id"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org\n", "kind": "statute"}, "url"),
        ({"id": 12, "jurisdiction": "TH", "url": "https://x.org", "kind": "statute"}, "id"),
        ({"id": "ab", "jurisdiction": "TH", "url": "https://x.org", "kind": "statute",
          1: "x", "z": 2}, "unknown fields"),
    ],
)
def test_a_source_entry_of_the_wrong_shape_is_a_problem_naming_the_field(entry, problem):
    found, problems = sources.validate([entry], KNOWN)
    assert found == []
    assert len(problems) == 1 and problem in problems[0], problems


def test_the_real_sources_registry_passes_the_hardened_validator():
    from status.jurisdictions import all_jurisdictions

    found, problems = sources.validate(
        sources.read_registry(sources.registry_path()), {j.code for j in all_jurisdictions()}
    )
    assert problems == []
    assert len(found) > 50


@pytest.mark.parametrize("text", [RAW_YAML[0], RAW_YAML[3], merge_bomb(), "sources: " + "9" * 5000])
def test_a_hostile_registry_file_is_a_kratom_error_naming_the_file(tmp_path, text):
    path = tmp_path / "sources.yaml"
    write(path, text)
    with pytest.raises(KratomError, match=r"^sources\.yaml: "):
        sources.read_registry(path)


# ------------------------------------------------------------------------------ dates

date_inputs = st.one_of(
    hostile_argv,
    st.dates().map(dt.date.isoformat),
    st.tuples(st.dates(), st.sampled_from(["", " ", "\n", "\t "])).map(
        lambda t: t[1] + t[0].isoformat() + t[1]
    ),
    st.dates(),
    st.datetimes(),
    st.integers(),
    st.none(),
    st.binary(max_size=12),
)


def date_property(value: object) -> None:
    try:
        parsed = parse_date(value, "--as-of")
    except DateError as exc:
        assert isinstance(exc, KratomError)
        message = str(exc)
        assert message.startswith("--as-of ") and "YYYY-MM-DD" in message
        assert "\n" not in message
        return
    assert type(parsed) is dt.date
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip(), re.ASCII):
        assert parsed.isoformat() == value.strip()


def test_parse_date_returns_a_date_or_a_clear_error(tmp_path):
    run(date_property, date_inputs, 500)


def test_parse_date_reads_back_every_iso_date():
    run(lambda d: assert_equal(parse_date(f" {d.isoformat()}\n"), d), st.dates(), 200)


def assert_equal(a: object, b: object) -> None:
    assert a == b


def test_a_bad_kratom_today_is_a_clear_error_not_a_traceback(run_cli, monkeypatch):
    monkeypatch.setenv("KRATOM_TODAY", "tomorrow")
    result = run_cli("status", "TH")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "KRATOM_TODAY 'tomorrow' is not a date" in result.output


# -------------------------------------------------------------------------------- CLI


@pytest.fixture
def run_cli(conn, db_path):
    """`kratom --db <a real database with a few records, a proposal and a bill> ...`."""
    add_record(conn, "US-AL", "2016-05-10", "banned", citation="Ala. Code § 20-2-23")
    add_record(conn, "TH", "2021-08-24", "legal", summary="Delisted \u202e")
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO proposals (jurisdiction, proposed_at, status, evidence) "
            "VALUES ('US-AL', '2026-01-01T00:00:00Z', 'banned', ?)",
            (json.dumps(["a sentence"]),),
        )
        conn.execute(
            "INSERT INTO bills (provider, external_id, jurisdiction, identifier, stage, "
            "first_seen_at, updated_at) VALUES ('openstates', 'x', 'US-AL', 'SB 1', "
            "'introduced', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(db_path), *args])

    return invoke


def assert_clean(result, *args) -> None:
    """Exit 0, 1 (a KratomError) or 2 (a usage error), and never a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    assert result.exit_code in (0, 1, 2), (args, result.exit_code)
    assert "Traceback" not in result.output
    if result.exit_code:
        assert "Error" in result.output, (args, result.output)


CLI_CASES = [
    lambda t: ("status", "--", t),
    lambda t: ("status", "--as-of", t),
    lambda t: ("status", "--region", t),
    lambda t: ("status", "--format", "json", "--", t),
    lambda t: ("history", "--", t),
    lambda t: ("changes", "--since", t),
    lambda t: ("changes", "--until", t, "--since", "2020-01-01"),
    lambda t: ("changes", "--region", t),
    lambda t: ("review", "show", "--", t),
    lambda t: ("review", "show", t),
    lambda t: ("bills", "--", t),
    lambda t: ("bills", t),
    lambda t: ("status", t),
]


def cli_property(run_cli) -> Callable:
    def prop(case: tuple[int, str]) -> None:
        which, text = case
        args = CLI_CASES[which](text)
        assert_clean(run_cli(*args), *args)

    return prop


# Hostile text, and answers that work (so that the paths after parsing run too).
cli_cases = st.tuples(
    st.integers(0, len(CLI_CASES) - 1),
    st.one_of(
        hostile_argv,
        st.sampled_from(["TH", "us-al", "Alabama", "us", "europe", "us-south", "CA-ON", "1",
                         "2020-01-01", "9999-12-31", "0001-01-01"]),
    ),
)


def test_cli_arguments_never_end_in_a_traceback(run_cli):
    explicit = [(n, t) for n in range(len(CLI_CASES)) for t in (*SURROGATES, "9" * 30, "\x00")]
    run(cli_property(run_cli), cli_cases, 300, *explicit)


@pytest.mark.parametrize("text", ["\udcff", "Ala\udcffbama", "\ud800"])
def test_a_non_utf8_argument_is_a_clear_error(run_cli, text):
    for args in (("status", text), ("history", text), ("status", "--region", text)):
        result = run_cli(*args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), args
        assert "UTF-8" in result.output, result.output


@pytest.mark.parametrize("number", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_a_proposal_number_beyond_sqlite_integers_is_a_usage_error(run_cli, number):
    for command in ("show", "accept", "reject"):
        args = ["review", command, "--", number] + (["--note", "x"] if command == "reject" else [])
        result = run_cli(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
        assert "PROPOSAL_ID" in result.output


def test_a_valid_answer_survives_the_fuzzed_database(run_cli):
    """The fuzzers above must not have been passing because nothing ever worked."""
    assert run_cli("status", "Alabama").output.startswith("Alabama (US-AL): banned")
    assert run_cli("review", "show", "1").exit_code == 0
    assert "SB 1" in run_cli("bills", "US-AL").output


# ------------------------------------------------------------------------------ lookup


def test_resolve_answers_a_selection_or_a_kratom_error(conn):
    def prop(text: str) -> None:
        try:
            selection = resolve(conn, text)
        except KratomError as exc:
            assert str(exc)
            return
        assert isinstance(selection, Selection)
        assert bool(selection.codes) != bool(selection.region)

    run(prop, hostile_argv, 300, *SURROGATES, "\x00", "US-\x00", "A-" + "\u0130" * 3)


def test_resolve_finds_every_code_whatever_its_case_and_padding(conn):
    codes = [row[0] for row in conn.execute("SELECT code FROM jurisdictions ORDER BY code")]

    def prop(case: tuple[str, bool, str]) -> None:
        code, lower, pad = case
        typed = pad + (code.lower() if lower else code) + pad
        assert resolve(conn, typed) == Selection(codes=(code,))

    run(prop, st.tuples(st.sampled_from(codes), st.booleans(), st.sampled_from(["", " ", "\t"])),
        200)


def test_normalise_is_ascii_and_idempotent():
    def prop(text: str) -> None:
        key = names.normalise(text)
        assert key.isascii() and key == key.lower() and key == key.strip()
        assert names.normalise(key) == key

    run(prop, hostile_argv, 300)


# ------------------------------------------------------------------------------ output


def test_csv_output_reads_back_with_formulas_neutralised():
    import csv
    import io

    def prop(cells: list[str]) -> None:
        columns = [f"c{n}" for n in range(len(cells))]
        text = output.to_csv([dict(zip(columns, cells, strict=True))], columns)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == columns
        expected = ["'" + c if c.startswith(output.FORMULA_STARTS) else c for c in cells]
        # Line breaks inside a cell are written as LF (a bare CR would split the row).
        assert rows[1] == [c.replace("\r\n", "\n").replace("\r", "\n") for c in expected]

    run(prop, st.lists(hostile, min_size=1, max_size=5), 200)


def test_text_tables_keep_every_row_on_one_line():
    def prop(cells: list[str]) -> None:
        text = output.table([cells], [f"h{n}" for n in range(len(cells))], max_width=20)
        assert len(text.splitlines()) == 3

    run(prop, st.lists(hostile, min_size=1, max_size=4), 200)


# ------------------------------------------------------------------ long runs (slow)


@pytest.mark.slow
def test_long_fuzz_curated(tmp_path):
    run(curated_property(tmp_path), curated_cases, SLOW_EXAMPLES)


@pytest.mark.slow
def test_long_fuzz_sources(tmp_path, small_db):
    run(sources_property(tmp_path / "sources.yaml", small_db), registries, SLOW_EXAMPLES)


@pytest.mark.slow
def test_long_fuzz_dates():
    run(date_property, date_inputs, SLOW_EXAMPLES)


@pytest.mark.slow
def test_long_fuzz_cli(run_cli):
    run(cli_property(run_cli), cli_cases, SLOW_EXAMPLES)
