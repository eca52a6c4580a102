import pycountry
import pytest

from status.errors import KratomError, UnknownJurisdiction
from status.lookup import resolve


def codes(conn, sql, *params):
    return {row[0] for row in conn.execute(sql, params)}


def test_every_iso_3166_1_country_is_a_jurisdiction(conn):
    countries = codes(conn, "SELECT code FROM jurisdictions WHERE kind = 'country'")
    assert countries == {c.alpha_2 for c in pycountry.countries}


def test_every_state_dc_and_inhabited_territory_is_present(conn):
    us = codes(conn, "SELECT code FROM jurisdictions WHERE parent = 'US'")
    states = {s.code for s in pycountry.subdivisions.get(country_code="US") if s.type == "State"}
    assert len(states) == 50
    assert states | {"US-DC", "US-PR", "US-GU", "US-VI", "US-AS", "US-MP"} <= us
    assert "US-UM" not in us  # uninhabited


def test_jurisdictions_carry_ocd_ids_and_fips(conn):
    rows = {r["code"]: r for r in conn.execute("SELECT * FROM jurisdictions")}
    assert rows["US-AL"]["ocd_id"] == "ocd-division/country:us/state:al"
    assert rows["US-AL"]["fips"] == "01"
    assert rows["US-DC"]["ocd_id"] == "ocd-division/country:us/district:dc"
    assert rows["US-PR"]["ocd_id"] == "ocd-division/country:us/territory:pr"
    assert rows["TH"]["ocd_id"] == "ocd-division/country:th"
    assert rows["TH"]["iso_alpha3"] == "THA"
    assert all(r["ocd_id"] for r in rows.values())


def test_countries_belong_to_m49_regions_and_states_to_census_regions(conn):
    def regions_of(code):
        return codes(conn, "SELECT region FROM jurisdiction_regions WHERE jurisdiction = ?", code)

    assert {"world", "asia", "south-eastern-asia"} <= regions_of("TH")
    assert {
        "world",
        "americas",
        "latin-america-and-the-caribbean",
        "central-america",
    } <= regions_of("MX")
    assert regions_of("US-AL") == {"us", "us-south", "us-east-south-central"}
    assert regions_of("US-DC") == {"us", "us-south", "us-south-atlantic"}
    assert regions_of("US-PR") == {"us"}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("US-AL", "US-AL"),
        ("us-al", "US-AL"),
        ("Alabama", "US-AL"),
        ("ALABAMA", "US-AL"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("USA", "US"),
        ("Washington DC", "US-DC"),
        ("Washington, D.C.", "US-DC"),
        ("TX", "US-TX"),
        ("AL", "AL"),  # a country code wins over a state's postal code: Albania
        ("Côte d'Ivoire", "CI"),
        ("cote d'ivoire", "CI"),
        ("Czechia", "CZ"),
    ],
)
def test_names_codes_and_aliases_resolve(conn, typed, code):
    assert resolve(conn, typed).codes == (code,)


def test_a_region_slug_resolves_to_the_region(conn):
    assert resolve(conn, "europe").region == "europe"
    assert resolve(conn, "us").region is None  # `US` is the country first
    assert resolve(conn, "us-south").region == "us-south"


def test_a_typo_gets_a_suggestion(conn):
    with pytest.raises(UnknownJurisdiction) as caught:
        resolve(conn, "Alabma")
    assert str(caught.value) == "unknown jurisdiction 'Alabma'; did you mean Alabama (US-AL)?"


def test_nonsense_gets_an_explanation_not_a_guess(conn):
    with pytest.raises(UnknownJurisdiction, match="give an ISO code"):
        resolve(conn, "qqqqzzzz")


def test_an_ambiguous_name_asks_for_the_code(conn):
    with pytest.raises(KratomError, match=r"Georgia \(GE\) or Georgia \(US-GA\)"):
        resolve(conn, "Georgia")


def test_other_countries_subdivisions_are_added_on_demand(conn):
    assert conn.execute("SELECT 1 FROM jurisdictions WHERE code = 'CA-ON'").fetchone() is None
    assert resolve(conn, "CA-ON").codes == ("CA-ON",)
    row = conn.execute("SELECT * FROM jurisdictions WHERE code = 'CA-ON'").fetchone()
    assert (row["name"], row["parent"]) == ("Ontario", "CA")
    assert row["ocd_id"] == "ocd-division/country:ca/province:on"
    assert "northern-america" in codes(
        conn, "SELECT region FROM jurisdiction_regions WHERE jurisdiction = 'CA-ON'"
    )


def test_an_iso_like_code_that_iso_lacks_is_unknown(conn):
    with pytest.raises(UnknownJurisdiction):
        resolve(conn, "CA-ZZ")


def versions(conn) -> tuple[dict[str, int], int]:
    per_jurisdiction = dict(conn.execute("SELECT jurisdiction, version FROM jurisdiction_versions"))
    table = conn.execute("SELECT version FROM table_versions WHERE name = 'jurisdictions'")
    return per_jurisdiction, table.fetchone()[0]


def test_saving_the_same_jurisdictions_again_moves_no_version(conn):
    from status.seed import save_jurisdictions
    from tests.conftest import _jurisdictions

    before = versions(conn)
    save_jurisdictions(conn, _jurisdictions())
    assert versions(conn) == before


def test_a_renamed_or_regrouped_jurisdiction_gets_a_new_version_and_so_does_the_table(conn):
    from dataclasses import replace

    from status.seed import save_jurisdictions
    from tests.conftest import _jurisdictions

    everything = _jurisdictions()
    kentucky = next(j for j in everything if j.code == "US-KY")
    before, table_before = versions(conn)
    save_jurisdictions(conn, [replace(kentucky, name="Commonwealth of Kentucky")])
    after, table_after = versions(conn)
    assert {c for c in after if after[c] != before.get(c)} == {"US-KY"}
    assert table_after != table_before
    save_jurisdictions(conn, [replace(kentucky, regions=kentucky.regions[:1])])
    moved, table_moved = versions(conn)
    assert {c for c in moved if moved[c] != after.get(c)} == {"US-KY"}
    assert table_moved != table_after
    conn.execute("UPDATE regions SET name = 'The South' WHERE slug = 'us-south'")
    assert versions(conn)[1] != table_moved  # a region's name is on every page of it
