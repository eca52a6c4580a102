"""The curated records: validation messages, idempotent loading, audit, and the shipped facts."""

import datetime as dt
import json
import shutil
import textwrap

import pytest

from status import curated, store
from status.errors import KratomError
from status.lookup import Selection
from status.queries import status_as_of
from status.update import initialise

KNOWN = {"US-AL", "US-LA", "TH"}
GOOD = """\
jurisdiction: US-LA
entries:
  - id: minors
    effective: 2020-01-01
    leaf: restricted
    seven_oh: restricted
    status: restricted
    instrument: statute
    conditions: {min_age: 18}
    citation: "La. R.S. 14:91.16"
    sources: [https://example.org/la-minors]
    confidence: medium
    summary: "Selling kratom to minors is an offence."
  - id: act-41
    effective: 2025-08-01
    enacted: 2025-06-04
    leaf: banned
    seven_oh: banned
    status: banned
    instrument: statute
    substances: [leaf, mitragynine, 7-hydroxymitragynine]
    citation: "Act 41 of 2025 (SB 154)"
    sources: [https://example.org/la-act-41]
    confidence: high
    summary: "Kratom is a Schedule I substance."
"""


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def problems_for(tmp_path, text, name="US-LA.yaml"):
    write(tmp_path / "records", name, text)
    return [str(p) for p in curated.validate(KNOWN, tmp_path / "records")[1]]


def test_a_good_file_validates(tmp_path):
    assert problems_for(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "status: banned\n    instrument: statute\n    substances",
                "status: legal\n    instrument: statute\n    substances",
            ),
            "US-LA.yaml, entry act-41: status 'legal' does not follow from leaf 'banned' and "
            "seven_oh 'banned': it should be 'banned'",
        ),
        (
            ("    sources: [https://example.org/la-act-41]\n", ""),
            "US-LA.yaml, entry act-41: has no source URL",
        ),
        (
            ("effective: 2025-08-01", "effective: 2019-08-01"),
            "US-LA.yaml, entry act-41: effective 2019-08-01 comes before minors's; keep entries "
            "oldest first",
        ),
        (
            ("effective: 2025-08-01", "effective: 2020-01-01"),
            "US-LA.yaml, entry act-41: has the same effective date as minors",
        ),
        (
            ("effective: 2025-08-01", "effective: August 2025"),
            "US-LA.yaml, entry act-41: effective 'August 2025' is not a date; write YYYY-MM-DD",
        ),
        (
            ('    citation: "Act 41 of 2025 (SB 154)"\n', ""),
            "US-LA.yaml, entry act-41: missing citation",
        ),
        (
            ("confidence: high", "confidence: certain"),
            "US-LA.yaml, entry act-41: confidence 'certain' is not one of high, medium, low",
        ),
        (
            ("conditions: {min_age: 18}", "conditions: {min_age: eighteen}"),
            "US-LA.yaml, entry minors: condition min_age must be a int",
        ),
        (
            ("enacted: 2025-06-04", "enacted: 2025-09-04"),
            "US-LA.yaml, entry act-41: enacted 2025-09-04 is after effective 2025-08-01",
        ),
        (("id: act-41", "id: minors"), "US-LA.yaml, entry minors: id is used twice"),
        (
            (
                '    summary: "Kratom is a Schedule I substance."\n',
                '    summary: "Kratom is a Schedule I substance."\n    colour: red\n',
            ),
            "US-LA.yaml, entry act-41: unknown fields ['colour']",
        ),
    ],
)
def test_each_problem_names_file_entry_and_fix(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    found = problems_for(tmp_path, GOOD.replace(old, new))
    assert any(p.startswith(message) for p in found), found


def test_file_name_must_match_the_jurisdiction_and_codes_must_exist(tmp_path):
    assert problems_for(tmp_path / "a", GOOD, name="US-AL.yaml") == [
        "US-AL.yaml: jurisdiction 'US-LA' must equal the file name ('US-AL')"
    ]
    wrong = GOOD.replace("jurisdiction: US-LA", "jurisdiction: XX-ZZ")
    assert "is not a known code" in problems_for(tmp_path / "b", wrong, name="XX-ZZ.yaml")[0]


def test_broken_yaml_is_a_problem_not_a_crash(tmp_path):
    found = problems_for(tmp_path, "jurisdiction: US-LA\nentries: [\n  - {id: x")
    assert found[0].startswith("US-LA.yaml: not valid YAML")


@pytest.fixture
def folder(tmp_path):
    write(tmp_path / "records", "US-LA.yaml", GOOD)
    return tmp_path / "records"


def test_loading_twice_adds_nothing(db_path, folder):
    first = initialise(db_path, folder).curated
    second = initialise(db_path, folder).curated
    assert (len(first.inserted), first.unchanged) == (2, 0)
    assert (second.inserted, second.updated, second.removed, second.unchanged) == ([], [], [], 2)
    conn = store.connect(db_path)
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 2


def test_an_edited_entry_updates_its_record_and_keeps_the_old_version(db_path, folder):
    initialise(db_path, folder)
    write(folder, "US-LA.yaml", GOOD.replace("Act 41 of 2025 (SB 154)", "Act 41 (2025)"))
    report = initialise(db_path, folder).curated
    assert report.updated == ["US-LA/act-41"]
    conn = store.connect(db_path)
    assert (
        conn.execute("SELECT citation FROM records WHERE curated_key = 'US-LA/act-41'").fetchone()[
            0
        ]
        == "Act 41 (2025)"
    )
    audit = conn.execute("SELECT old FROM record_audit WHERE action = 'update'").fetchone()[0]
    assert json.loads(audit)["citation"] == "Act 41 of 2025 (SB 154)"


def test_a_removed_entry_is_reported_and_audited(db_path, folder):
    initialise(db_path, folder)
    write(folder, "US-LA.yaml", GOOD.split("  - id: act-41")[0])
    report = initialise(db_path, folder).curated
    assert report.removed == ["US-LA/act-41"]
    conn = store.connect(db_path)
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM record_audit WHERE action = 'delete'").fetchone()[0]


def test_invalid_data_loads_nothing_and_keeps_what_was_there(db_path, folder):
    initialise(db_path, folder)
    write(folder, "US-LA.yaml", GOOD.replace("confidence: high", "confidence: sure"))
    with pytest.raises(KratomError, match="nothing was loaded"):
        initialise(db_path, folder)
    conn = store.connect(db_path)
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 2


# The shipped data ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    path = tmp_path_factory.mktemp("shipped") / "kratom.db"
    initialise(path)
    connection = store.connect(path)
    yield connection
    connection.close()


def status_on(conn, code, day):
    return status_as_of(conn, dt.date.fromisoformat(day), [Selection(codes=(code,))])[0]


def test_the_shipped_files_validate():
    from status.jurisdictions import all_jurisdictions

    records, problems = curated.validate({j.code for j in all_jurisdictions()})
    assert [str(p) for p in problems] == []
    assert len(records) > 150


def test_every_state_and_dc_has_a_cited_sourced_status(shipped):
    rows = status_as_of(shipped, dt.date(2026, 11, 24), [Selection(region="us")])
    states = [r for r in rows if r["kind"] in ("state", "district")]
    assert len(states) == 51
    for row in states:
        assert row["status"] != "unknown", row["code"]
        assert row["citation"] and row["source_url"].startswith("http"), row["code"]


def test_at_least_forty_countries_have_a_known_status(shipped):
    rows = status_as_of(shipped, dt.date(2026, 11, 24), [Selection(region="world")])
    known = [r for r in rows if r["status"] != "unknown"]
    assert len(known) >= 40
    assert all(r["citation"] and r["source_url"] for r in known)


@pytest.mark.parametrize(
    ("code", "day", "status"),
    [
        ("US-LA", "2025-07-31", "restricted"),
        ("US-LA", "2025-08-01", "banned"),
        ("US-CT", "2026-06-01", "banned"),
        ("US-RI", "2020-06-01", "banned"),
        ("US-RI", "2026-03-31", "banned"),
        ("US-RI", "2026-04-01", "restricted"),
        ("CZ", "2025-11-12", "restricted"),
        ("TH", "2021-08-23", "banned"),
        ("TH", "2021-08-24", "legal"),
        ("TH", "2022-08-27", "restricted"),
        ("US-AL", "2026-11-24", "banned"),
        ("US-MS-MONROE-COUNTY", "2026-11-24", "legal"),
        ("US-NH-FRANKLIN", "2026-11-24", "legal"),
        ("US", "2026-11-24", "legal"),
        ("GB", "2026-11-24", "banned"),
    ],
)
def test_known_history_is_reproduced(shipped, code, day, status):
    assert status_on(shipped, code, day)["status"] == status


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [("US-CT", "2025-12-31", "2026-06-01"), ("CZ", "2025-11-11", "2025-11-12")],
)
def test_a_change_takes_effect_on_its_date(shipped, code, before, after):
    assert status_on(shipped, code, before)["status"] != status_on(shipped, code, after)["status"]


def test_a_seven_oh_only_rule_is_restricted_with_the_leaf_legal(shipped):
    florida = status_on(shipped, "US-FL", "2026-01-15")
    assert florida["status"] == "restricted"
    assert florida["seven_oh_status"] == "banned"
    assert florida["leaf_status"] in ("legal", "restricted")


def test_the_federal_history_has_the_2016_dea_notice_and_withdrawal(shipped):
    from status.queries import history

    citations = " ".join(r["citation"] for r in history(shipped, "US"))
    assert "81 FR 59929" in citations and "81 FR 70652" in citations


def test_the_shipped_data_has_an_upcoming_change(shipped):
    rows = status_as_of(shipped, dt.date(2026, 11, 24))
    assert any(r["upcoming"] for r in rows)


def test_the_shipped_data_loads_from_a_copy_of_the_folder(tmp_path):
    copy = tmp_path / "records"
    shutil.copytree(curated.records_dir(), copy)
    report = initialise(tmp_path / "copy.db", copy).curated
    assert len(report.inserted) > 150
