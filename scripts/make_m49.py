"""Regenerate data/m49.csv, the UN M49 region of every ISO 3166-1 country.

The UN Statistics Division publishes the M49 standard
(https://unstats.un.org/unsd/methodology/m49/); the country_converter package
(https://github.com/IndEcol/country_converter) ships it as a table, which is the
input here. Run by hand when M49 changes; the output is committed:

    pip download --no-deps country_converter && unzip -o country_converter-*.whl
    python scripts/make_m49.py country_converter/country_data.tsv > data/m49.csv

Only the facts (code -> region) are taken; no code of country_converter is used.
"""

import csv
import re
import sys

# M49 sub-regions that have intermediate regions under them.
SUB_REGION_OF_INTERMEDIATE = {
    "Caribbean": "Latin America and the Caribbean",
    "Central America": "Latin America and the Caribbean",
    "South America": "Latin America and the Caribbean",
    "Eastern Africa": "Sub-Saharan Africa",
    "Middle Africa": "Sub-Saharan Africa",
    "Southern Africa": "Sub-Saharan Africa",
    "Western Africa": "Sub-Saharan Africa",
}
HEADER = """\
# UN M49 region, sub-region and intermediate region of each ISO 3166-1 country.
# Source: UN Statistics Division, https://unstats.un.org/unsd/methodology/m49/ ,
# as tabulated by country_converter; regenerate with scripts/make_m49.py.
"""
REGION_NAMES = {"America": "Americas"}
# Some territories near the pole are "Antarctica" by continent but have an M49 sub-region.
REGION_OF_SUB_REGION = {
    "Latin America and the Caribbean": "Americas",
    "Australia and New Zealand": "Oceania",
}


def alpha2(cell: str) -> str:
    """The table writes some codes as a regex (`^GB$|^UK$`); the first code is ISO's."""
    return re.findall(r"[A-Z]{2}", cell)[0] if re.findall(r"[A-Z]{2}", cell) else ""


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    sys.stdout.write(HEADER)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["alpha2", "region", "sub_region", "intermediate_region"])
    for row in sorted(rows, key=lambda r: alpha2(r["ISO2"])):
        code, unregion, continent = alpha2(row["ISO2"]), row["UNregion"], row["continent"]
        if not code or unregion in ("", "Antarctica") or row["obsolete"]:
            continue
        sub_region = SUB_REGION_OF_INTERMEDIATE.get(unregion, unregion)
        intermediate = unregion if unregion in SUB_REGION_OF_INTERMEDIATE else ""
        region = REGION_NAMES.get(continent, continent)
        if region == "Antarctica":
            region = REGION_OF_SUB_REGION[sub_region]
        out.writerow([code, region, sub_region, intermediate])


if __name__ == "__main__":
    main(sys.argv[1])
