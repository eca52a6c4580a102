import datetime as dt

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from status.lookup import Selection
from status.queries import changes, history, status_as_of
from status.vocabulary import STATUSES
from tests.conftest import add_record

D = dt.date.fromisoformat


def one(conn, code, day):
    return status_as_of(conn, D(day), [Selection(codes=(code,))])[0]


def test_status_as_of_follows_the_effective_date(conn):
    add_record(conn, "US-RI", "2017-01-01", "banned")
    add_record(conn, "US-RI", "2026-04-01", "restricted")
    assert one(conn, "US-RI", "2016-12-31")["status"] == "unknown"
    assert one(conn, "US-RI", "2020-06-01")["status"] == "banned"
    assert one(conn, "US-RI", "2026-04-01")["status"] == "restricted"
    assert one(conn, "US-RI", "2020-06-01")["since"] == "2017-01-01"


def test_a_future_record_is_upcoming_not_current(conn):
    add_record(conn, "US-KY", "2024-04-04", "restricted")
    add_record(conn, "US-KY", "2027-01-01", "banned")
    row = one(conn, "US-KY", "2026-11-24")
    assert row["status"] == "restricted"
    assert row["upcoming"]["status"] == "banned"
    assert row["upcoming"]["effective_date"] == "2027-01-01"


def test_region_filter_returns_only_that_region(conn):
    add_record(conn, "US-AL", "2016-05-10", "banned")
    rows = status_as_of(conn, D("2020-01-01"), [Selection(region="us-south")])
    assert {r["code"] for r in rows} >= {"US-AL", "US-TX", "US-DC"}
    assert all(not r["code"].startswith(("US-CA", "US-NY", "TH")) for r in rows)
    assert next(r for r in rows if r["code"] == "US-AL")["status"] == "banned"


def test_unknown_precision_baseline_has_no_since(conn):
    add_record(conn, "US-AK", "1970-01-01", "legal", effective_precision="unknown")
    row = one(conn, "US-AK", "2026-01-01")
    assert (row["status"], row["since"]) == ("legal", None)


def test_history_marks_which_records_changed_the_status(conn):
    add_record(conn, "TH", "1979-01-01", "banned")
    add_record(conn, "TH", "2021-08-24", "legal")
    add_record(conn, "TH", "2022-08-27", "restricted")
    add_record(conn, "TH", "2023-01-01", "restricted", note="same status, new detail")
    rows = history(conn, "TH")
    assert [r["status"] for r in rows] == ["banned", "legal", "restricted", "restricted"]
    assert [r["is_change"] for r in rows] == [True, True, True, False]


def test_changes_between_dates_newest_first_and_by_region(conn):
    add_record(conn, "US-LA", "2020-01-01", "restricted")
    add_record(conn, "US-LA", "2025-08-01", "banned")
    add_record(conn, "TH", "2021-08-24", "legal")
    add_record(conn, "US-AK", "1970-01-01", "legal", effective_precision="unknown")
    log = changes(conn, D("2021-01-01"), D("2025-12-31"))
    assert [(c["jurisdiction"], c["status"]) for c in log] == [("US-LA", "banned"), ("TH", "legal")]
    assert log[0]["previous_status"] == "restricted"
    in_us = changes(conn, selections=[Selection(region="us")])
    assert [(c["jurisdiction"], c["effective_date"]) for c in in_us] == [
        ("US-LA", "2025-08-01"),
        ("US-LA", "2020-01-01"),
    ]


CODES = ["US-AL", "US-TX", "TH", "GB"]
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
histories = st.lists(
    st.tuples(st.sampled_from(CODES), days, st.sampled_from(STATUSES)), max_size=30
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=histories, asked=st.lists(days, min_size=1, max_size=5))
def test_status_as_of_equals_replaying_records_in_effective_date_order(conn, records, asked):
    conn.execute("DELETE FROM records")
    for code, day, status in records:
        add_record(conn, code, day.isoformat(), status)
    for day in asked:
        expected = {}
        # Replay: records in effective-date order (ties: recorded order), stop after `day`.
        for code, _effective, status in sorted(
            (r for r in records if r[1] <= day), key=lambda r: r[1]
        ):
            expected[code] = status
        got = status_as_of(conn, day, [Selection(codes=tuple(CODES))])
        assert {r["code"]: r["status"] for r in got} == {
            c: expected.get(c, "unknown") for c in CODES
        }
