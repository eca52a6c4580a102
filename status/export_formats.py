"""Writing shaped rows to a stream: CSV, a JSON array, NDJSON, a GeoJSON FeatureCollection.

Every writer takes an iterator and writes as it goes, so a million rows never sit in
memory; JSON is a streamed array (`[`, objects joined by `,`, `]`), valid at any size.
CSV follows sqlite-utils' `--csv`: RFC 4180 quoting, a header, empty cells for NULL. The
rows arrive shaped and formula-safe (export_rows, export_sql), so writers only write.
"""

from __future__ import annotations

import csv
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from status.export_fields import Field


def write_csv(out: TextIO, fields: tuple[Field, ...], rows: Iterable[tuple]) -> int:
    """A header and one line per row (rows already formula-safe).

    The big exports call it for the header only: SQLite writes their lines itself, quoted
    as the csv module would (see export_sql), so the header and the lines always agree.
    """
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields])
    counter = itertools.count()
    writer.writerows(_counted(rows, counter))
    return next(counter)


def write_json(out: TextIO, objects: Iterable[str]) -> int:
    """A JSON array, one object per line, streamed."""
    remaining = iter(objects)
    first = next(remaining, None)
    if first is None:
        out.write("[]\n")
        return 0
    out.write("[\n" + first)
    counter = itertools.count(1)
    out.writelines(map(",\n{}".format, _counted(remaining, counter)))
    out.write("\n]\n")
    return next(counter)


def write_ndjson(out: TextIO, objects: Iterable[str]) -> int:
    """Newline-delimited JSON (JSON Lines): one object per line."""
    counter = itertools.count()
    out.writelines(map("{}\n".format, _counted(objects, counter)))
    return next(counter)


def _counted(items: Iterable, counter: itertools.count) -> Iterator:
    """`items` unchanged, counted by `counter` without a Python loop.

    zip stops at the end of `items` before drawing from `counter`, so afterwards
    next(counter) is the number of items (plus the counter's start).
    """
    return map(operator.itemgetter(0), zip(items, counter, strict=False))


def write_geojson(
    out: TextIO,
    rows: Iterable[dict],
    fields: tuple[Field, ...],
    geometry: Callable[[str], dict | None],
) -> int:
    """An RFC 7946 FeatureCollection: one feature per jurisdiction, its status as properties.

    `geometry(code)` gives a feature's geometry, or None where there is none (yet).
    """
    names = [f.name for f in fields]
    features = (
        json.dumps(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": geometry(row["code"]),
                "properties": {n: row.get(n) for n in names},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in rows
    )
    out.write('{"type":"FeatureCollection","features":')
    count = write_json(out, features)
    out.write("}\n")
    return count
