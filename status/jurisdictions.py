"""Every jurisdiction the tracker knows: where they come from and how they are stored.

- countries: every ISO 3166-1 entry of pycountry;
- US states, DC and the inhabited territories: ISO 3166-2 `US-*` from pycountry, with
  FIPS codes from the `us` package;
- local jurisdictions (counties, cities): data/local_jurisdictions.csv, under the code
  scheme `<parent ISO 3166-2>-<NAME-SLUG>` (docs/curated-data.md);
- any other ISO 3166-2 subdivision, on demand (`ensure_subdivision`).

Each carries its Open Civic Data division id and its region memberships.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from status.errors import KratomError
from status.names import normalise
from status.regions import US, WORLD, Region, census_regions, m49_regions
from status.resources import data_dir

# US-UM (minor outlying islands) has no permanent population; it is left out.
US_TERRITORIES = ("US-AS", "US-GU", "US-MP", "US-PR", "US-VI")
LOCAL_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}-[A-Z0-9]+(-[A-Z0-9]+)*$")
LOCAL_KINDS = ("county", "city", "town", "village")
# Names people use that pycountry does not list (normalised as `normalise` does).
EXTRA_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "united states of america": "US",
    "united states": "US",
    "america": "US",
    "us federal": "US",
    "federal": "US",
    "washington dc": "US-DC",
    "dc": "US-DC",
    "district of columbia": "US-DC",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "czechia": "CZ",
    "czech republic": "CZ",
    "vietnam": "VN",
    "laos": "LA",
    "iran": "IR",
    "syria": "SY",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "ivory coast": "CI",
    "holland": "NL",
    "us virgin islands": "US-VI",
}


@dataclass
class Jurisdiction:
    code: str
    name: str
    kind: str
    parent: str | None = None
    iso_alpha3: str | None = None
    iso_numeric: str | None = None
    fips: str | None = None
    ocd_id: str | None = None
    regions: list[Region] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)

    def row(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent,
            "iso_alpha3": self.iso_alpha3,
            "iso_numeric": self.iso_numeric,
            "fips": self.fips,
            "ocd_id": self.ocd_id,
        }


def countries() -> Iterator[Jurisdiction]:
    import pycountry

    regions = m49_regions()
    for country in pycountry.countries:
        code = country.alpha_2
        j = Jurisdiction(
            code=code,
            name=getattr(country, "common_name", None) or country.name,
            kind="country",
            iso_alpha3=country.alpha_3,
            iso_numeric=country.numeric,
            ocd_id=f"ocd-division/country:{code.lower()}",
            regions=[WORLD, *regions.get(code, [])],
        )
        for name in (country.name, getattr(country, "official_name", None), j.name):
            if name:
                j.aliases.add(normalise(name))
        yield j


def us_subdivisions() -> Iterator[Jurisdiction]:
    """The 50 states, DC and the inhabited territories, with FIPS codes and postal aliases."""
    import pycountry
    import us

    census = census_regions()
    country_codes = {c.alpha_2 for c in pycountry.countries}
    for sub in pycountry.subdivisions.get(country_code="US"):
        if sub.type == "Outlying area" and sub.code not in US_TERRITORIES:
            continue
        postal = sub.code.split("-")[1]
        kind = {"State": "state", "District": "district"}.get(sub.type, "territory")
        ocd_type = {"state": "state", "district": "district"}.get(kind, "territory")
        state = us.states.lookup(postal)
        j = Jurisdiction(
            code=sub.code,
            name=state.name if state else sub.name,
            kind=kind,
            parent="US",
            fips=state.fips if state else None,
            ocd_id=f"ocd-division/country:us/{ocd_type}:{postal.lower()}",
            regions=[US, *census.get(sub.code, [])],
            aliases={normalise(sub.name), normalise(state.name if state else sub.name)},
        )
        if postal not in country_codes:  # `TX` means Texas; `AL` stays Albania
            j.aliases.add(postal.lower())
        yield j


def subdivision(code: str) -> Jurisdiction | None:
    """Any ISO 3166-2 subdivision (`CA-ON`, `AU-NSW`), or None if ISO has no such code."""
    import pycountry

    sub = pycountry.subdivisions.get(code=code.upper())
    if sub is None:
        return None
    country, local = sub.code.split("-", 1)
    ocd_type = re.sub(r"[^a-z0-9]+", "_", sub.type.lower()).strip("_") or "subdivision"
    parent = sub.parent_code or country
    return Jurisdiction(
        code=sub.code,
        name=sub.name,
        kind="subdivision",
        parent=parent,
        ocd_id=f"ocd-division/country:{country.lower()}/{ocd_type}:{local.lower()}",
        aliases={normalise(sub.name)},
    )


def local_jurisdictions(known_codes: Iterable[str]) -> Iterator[Jurisdiction]:
    """Counties and cities from data/local_jurisdictions.csv, checked as they are read."""
    path = data_dir() / "local_jurisdictions.csv"
    if not path.exists():
        return
    known = set(known_codes)
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            where = f"{path.name} line {line}"
            code = (row.get("code") or "").strip()
            if not LOCAL_CODE.match(code):
                raise KratomError(
                    f"{where}: code {code!r} does not follow <PARENT>-<NAME-SLUG>, "
                    "e.g. US-MS-MONROE-COUNTY (upper-case letters, digits and '-')"
                )
            parent = (row.get("parent") or "").strip()
            if parent not in known or not code.startswith(parent + "-"):
                raise KratomError(
                    f"{where}: parent {parent!r} of {code} is not a known jurisdiction "
                    "whose code starts the local code (e.g. US-MS for US-MS-MONROE-COUNTY)"
                )
            kind = (row.get("kind") or "").strip()
            if kind not in LOCAL_KINDS:
                raise KratomError(f"{where}: kind {kind!r}; use one of {', '.join(LOCAL_KINDS)}")
            name = (row.get("name") or "").strip()
            if not name:
                raise KratomError(f"{where}: {code} has no name")
            known.add(code)
            yield Jurisdiction(
                code=code,
                name=name,
                kind=kind,
                parent=parent,
                fips=(row.get("fips") or "").strip() or None,
                ocd_id=(row.get("ocd_id") or "").strip() or None,
                aliases={normalise(name)},
            )


def all_jurisdictions() -> list[Jurisdiction]:
    """Countries, US subdivisions and local jurisdictions, parents before children."""
    result = [*countries(), *us_subdivisions()]
    by_code = {j.code: j for j in result}
    for local in local_jurisdictions(by_code):
        parent = by_code[local.parent]
        local.regions = list(parent.regions)
        local.aliases.add(normalise(f"{local.name} {parent.name}"))
        result.append(local)
    for alias, code in EXTRA_ALIASES.items():
        by_code[code].aliases.add(alias)
    return result
