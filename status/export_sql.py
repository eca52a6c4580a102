"""The SQL behind the large exports: each export column as an SQL expression.

History can hold millions of rows, so its CSV cells and JSON objects are built by SQLite
itself (`group_concat`, `json_object`): Python then only hands the cursor to the csv
module or streams strings, which keeps an export within a small factor of `sqlite3 -csv`
on the same query. Lists are stored as JSON arrays and booleans come out of
`json_extract` as 1/0; `shaped` turns a column's expression into its CSV or JSON form
according to the field's type. Free-text CSV cells get the formula guard of
`status.output.safe_cell`, written in SQL from the same FORMULA_STARTS (a test checks
that both agree), so no Python runs per cell.
"""

from __future__ import annotations

from status.export_fields import CHECKS, HISTORY, JURISDICTION, JURISDICTIONS, SOURCES, Field
from status.jurisdictions import LOCAL_KINDS
from status.output import FORMULA_STARTS

_LOCAL = ", ".join(f"'{kind}'" for kind in LOCAL_KINDS)

# Every jurisdiction's join columns, computed once per export (not once per row).
JX = f"""jx AS MATERIALIZED (
    SELECT j.code, j.name, j.kind, j.parent,
        substr(j.code, 1, 2) AS country,
        CASE WHEN j.kind IN ({_LOCAL}) THEN NULL ELSE j.code END AS iso_code,
        j.iso_alpha3, j.iso_numeric, j.fips,
        CASE WHEN j.code GLOB 'US-*' THEN
            CASE WHEN j.parent = 'US' THEN j.fips ELSE p.fips END END AS state_fips,
        j.ocd_id,
        (SELECT json_group_array(region) FROM (
            SELECT region FROM jurisdiction_regions WHERE jurisdiction = j.code
            ORDER BY region)) AS regions
    FROM jurisdictions j LEFT JOIN jurisdictions p ON p.code = j.parent
)"""

_FORMULA_FIRST = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)

_PREVIOUS = "coalesce(lag(r.status) OVER w, 'unknown')"
_CONDITION = "json_extract(r.conditions, '$.{}')"

# How each history column is computed, where it is not simply `r.<name>`.
_HISTORY_EXPRESSIONS = {
    "record_id": "r.id",
    **{f.name: f"jx.{f.name}" for f in JURISDICTION},
    "previous_status": _PREVIOUS,
    "is_change": f"r.status != {_PREVIOUS}",
    "min_age": f"coalesce(r.min_age, {_CONDITION.format('min_age')})",
    "licensing": _CONDITION.format("licensing"),
    "labelling": _CONDITION.format("labelling"),
    "registration": _CONDITION.format("registration"),
    "alkaloid_cap": _CONDITION.format("alkaloid_cap"),
    "prescription_only": _CONDITION.format("prescription_only"),
    "possession_offence": _CONDITION.format("possession_offence"),
}


def shaped(field: Field, expression: str, shape: str) -> str:
    """The expression as a CSV cell (`shape` 'csv') or a JSON value ('json')."""
    if shape == "csv" and field.free_text:
        return formula_safe(_typed(field, expression, shape))
    return _typed(field, expression, shape)


def formula_safe(cell: str) -> str:
    """`safe_cell` in SQL: prefix `'` to text that a spreadsheet would run as a formula."""
    return (
        f"CASE WHEN substr({cell}, 1, 1) IN ({_FORMULA_FIRST}) THEN '''' || {cell} ELSE {cell} END"
    )


def _typed(field: Field, expression: str, shape: str) -> str:
    if field.type == "list":
        if shape == "csv":
            return f"(SELECT group_concat(value, ';') FROM json_each({expression}))"
        return f"json({expression})"
    if field.type == "boolean":
        words = f"CASE ({expression}) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END"
        return words if shape == "csv" else f"json({words})"
    return expression


def select_list(fields: tuple[Field, ...], expressions: dict[str, str], shape: str) -> str:
    """The SELECT list for `fields`: one column per field (CSV) or one json_object (JSON)."""
    parts = [shaped(f, expressions[f.name], shape) for f in fields]
    if shape == "csv":
        return ",\n    ".join(parts)
    pairs = ", ".join(f"'{f.name}', {part}" for f, part in zip(fields, parts, strict=True))
    return f"json_object({pairs})"


def history_sql(where: str, shape: str, *, with_day: bool = False) -> str:
    """Every selected record in timeline order, with the status before it.

    `with_day` adds a first column, the effective date, so the caller can apply --since
    after the window function has seen the earlier records. The ORDER BY matches the
    window and the `records_as_of` index, so SQLite streams rows without sorting them.
    """
    expressions = {f.name: f"r.{f.name}" for f in HISTORY} | _HISTORY_EXPRESSIONS
    day = "r.effective_date AS day, " if with_day else ""
    return f"""WITH {JX}
SELECT {day}{select_list(HISTORY, expressions, shape)}
FROM records r JOIN jx ON jx.code = r.jurisdiction
WHERE {where}
WINDOW w AS (PARTITION BY r.jurisdiction ORDER BY r.effective_date, r.id)
ORDER BY r.jurisdiction, r.effective_date, r.id"""


def sources_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"s.{f.name}" for f in SOURCES} | {"name": "j.name"}
    return f"""SELECT {select_list(SOURCES, expressions, shape)}
FROM sources s JOIN jurisdictions j ON j.code = s.jurisdiction
WHERE {where}
ORDER BY s.id"""


def checks_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"c.{f.name}" for f in CHECKS} | {
        "jurisdiction": "s.jurisdiction",
        "name": "j.name",
    }
    return f"""SELECT {select_list(CHECKS, expressions, shape)}
FROM checks c JOIN sources s ON s.id = c.source_id JOIN jurisdictions j ON j.code = s.jurisdiction
WHERE {where}
ORDER BY c.checked_at, c.id"""


def jurisdictions_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"jx.{f.name}" for f in JURISDICTIONS}
    return f"""WITH {JX}
SELECT {select_list(JURISDICTIONS, expressions, shape)}
FROM jx WHERE {where}
ORDER BY jx.code"""
