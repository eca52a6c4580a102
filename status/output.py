"""Rendering query results for people (aligned text) and programs (JSON, CSV).

CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
the start) are prefixed with `'`: scraped text is untrusted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise a CSV cell that would start a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def flat(value: object) -> object:
    """Lists become `;`-joined text and mappings JSON, so a row fits one CSV line."""
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
    return value


def to_csv(rows: Iterable[dict], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_line_breaks(safe_cell(flat(row.get(c)))) for c in columns])
    return buffer.getvalue()


def _line_breaks(value: object) -> object:
    """CR and CRLF inside a cell become LF: the csv module quotes only the characters of
    the line terminator ("\n"), and a reader would split the row at a bare CR."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def to_json(rows: object) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def table(rows: Sequence[Sequence[object]], headers: Sequence[str], max_width: int = 48) -> str:
    """An aligned plain-text table; long cells are cut with an ellipsis."""
    cells = [[_cut(_text(c), max_width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _text(value: object) -> str:
    if value is None:
        return "-"
    return " ".join(str(value).split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def display_date(date: str | None, precision: str | None) -> str:
    """A date as precise as it is known: 2014, 2020-03, 2025-08-01, or '?'."""
    if not date or precision == "unknown":
        return "?"
    return {"year": date[:4], "month": date[:7]}.get(precision or "day", date)
