"""Regions that group jurisdictions for filtering and feeds, each with a URL-safe slug.

Countries belong to their UN M49 region, sub-region and intermediate region
(data/m49.csv); US states and DC to their Census region and division
(data/us_census_regions.csv). Two umbrella regions: `world` (every country) and `us`
(every US state, DC, territory and local jurisdiction).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from status.resources import data_dir


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    kind: str
    parent: str | None = None


WORLD = Region("world", "World (all countries)", "world")
US = Region("us", "United States (states, DC, territories, localities)", "country")


def slugify(name: str) -> str:
    """`South-eastern Asia` -> `south-eastern-asia`: lower case ASCII words joined by `-`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(line for line in f if not line.startswith("#"))


def m49_regions() -> dict[str, list[Region]]:
    """Country alpha-2 -> its M49 regions, broadest first."""
    result = {}
    for row in _rows(data_dir() / "m49.csv"):
        chain, parent = [], WORLD.slug
        for kind, name in (
            ("m49-region", row["region"]),
            ("m49-sub-region", row["sub_region"]),
            ("m49-intermediate-region", row["intermediate_region"]),
        ):
            if name:
                chain.append(Region(slugify(name), name, kind, parent))
                parent = chain[-1].slug
        result[row["alpha2"]] = chain
    return result


def census_regions() -> dict[str, list[Region]]:
    """US state code (`US-AL`) -> its Census region and division."""
    result = {}
    for row in _rows(data_dir() / "us_census_regions.csv"):
        region = Region("us-" + slugify(row["region"]), row["region"], "census-region", US.slug)
        division = Region(
            "us-" + slugify(row["division"]), row["division"], "census-division", region.slug
        )
        result[row["code"]] = [region, division]
    return result
