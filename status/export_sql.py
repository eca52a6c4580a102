"""The SQL behind the exports: SQLite writes each row's text, Python only writes it out.

History can hold millions of rows, so each row leaves SQLite as one string, a CSV line or
a JSON object, and Python streams the strings to the file: no Python runs per row or per
cell. (Handing the csv module 42 cells a row cost more than the whole query.) So the SQL
writes CSV as the csv module does: cells joined by commas, NULL as an empty cell, CRLF
line ends, a cell in quotes (`"` doubled) when it holds a comma, a quote, CR or LF; and
`sqlite3 -list -newline ''` on `history_sql` prints the file minus its header. JSON
objects come from `json_object`, whose compact text and escapes are those of
`json.dumps(..., ensure_ascii=False, separators=(",", ":"))`. Lists are stored as JSON
arrays and booleans come out of `json_extract` as 1/0; `shaped` turns a column's
expression into its CSV cell or JSON value according to the field's type. Free-text CSV
cells get the formula guard of `status.output.safe_cell`, written in SQL from the same
FORMULA_STARTS (a test checks that both agree).

What keeps a row cheap (benchmarks/export.py measures it):

- a jurisdiction's eleven columns are shaped once, in `jx`, into one text (`jx.cells`)
  that each of its rows pastes in;
- history is read in `records_as_of` order, which is the export's order, so nothing is
  sorted (`CROSS JOIN` keeps `records` the outer loop), and the previous status is one
  lookup in that index: a window function would first copy every column of every row;
- the plain cells of a CSV line (codes, dates, statuses, numbers) are checked for
  quotes all at once, and free text cell by cell;
- an empty list or conditions object skips the JSON functions, and constants
  (`json('true')`, GLOB patterns) are computed once per statement, not once per row.

Status is the point-in-time rule of `queries.status_as_of` as one statement; a test
checks it against `export_rows.status_dicts`, that rule's rows typed in Python (GeoJSON).
"""

from __future__ import annotations

from status.export_fields import (
    CHECKS,
    CONDITIONS,
    HISTORY,
    JURISDICTION,
    JURISDICTIONS,
    SOURCES,
    STATUS,
    Field,
)
from status.jurisdictions import LOCAL_KINDS
from status.output import FORMULA_STARTS

_LOCAL = ", ".join(f"'{kind}'" for kind in LOCAL_KINDS)
# Text that starts with one of FORMULA_STARTS: a class, then `*` (`-` first, as a literal).
_FORMULA_FIRST = (
    "'[' || "
    + " || ".join(f"char({ord(c)})" for c in sorted(FORMULA_STARTS, key=lambda c: c != "-"))
    + " || ']*'"
)
# Four GLOBs, not one class (`'*[,"]*'`): SQLite finds the character after `*` with
# strcspn, but tries a class at every position, several times slower.
_CSV_QUOTED = ("'*,*'", "'*\"*'", "'*' || char(10) || '*'", "'*' || char(13) || '*'")


def _condition(name: str) -> str:
    """One key of a record's conditions; most have none, and '{}' skips the parse."""
    return f"CASE WHEN r.conditions != '{{}}' THEN json_extract(r.conditions, '$.{name}') END"


_CONDITIONS = {f.name: _condition(f.name) for f in CONDITIONS}

# How each column is computed, where it is not simply `r.<name>`.
_HISTORY_EXPRESSIONS = {
    "record_id": "r.id",
    "previous_status": "coalesce(p.status, 'unknown')",
    "is_change": "r.status != coalesce(p.status, 'unknown')",
    "min_age": f"coalesce(r.min_age, {_condition('min_age')})",
    **_CONDITIONS,
}


def _truthy(name: str) -> str:
    """A boolean condition as status_as_of types it, by Python's bool(): 1, 0 or NULL.

    (History reads JSON true and false only, as `CASE ... WHEN 1 ... WHEN 0`.)
    """
    value, path = f"json_extract(r.conditions, '$.{name}')", f"r.conditions, '$.{name}'"
    return f"""CASE WHEN r.conditions != '{{}}' THEN CASE json_type({path})
        WHEN 'text' THEN {value} != '' WHEN 'array' THEN json_array_length({path}) > 0
        WHEN 'object' THEN {value} != '{{}}' ELSE {value} != 0 END END"""


def _status_conditions(shape: str) -> dict[str, str]:
    """The conditions of the record in force, typed as status_as_of types them."""
    typed = {f.name: _truthy(f.name) for f in CONDITIONS if f.type == "boolean"}
    # The cap as it is: JSON true stays true (json_extract would give 1).
    true, false = ("json('true')", "json('false')") if shape == "json" else ("'true'", "'false'")
    cap = f"""CASE json_type(r.conditions, '$.alkaloid_cap')
        WHEN 'true' THEN {true} WHEN 'false' THEN {false} ELSE {_CONDITIONS["alkaloid_cap"]} END"""
    return typed | {"alkaloid_cap": cap}


_STATUS_EXPRESSIONS = {
    "code": "j.code",
    "as_of": ":day",
    "status": "coalesce(r.status, 'unknown')",
    "since": "CASE WHEN r.effective_precision = 'unknown' THEN NULL ELSE r.effective_date END",
    "since_precision": "r.effective_precision",
    "substances": "coalesce(r.substances, '[]')",
    "source_urls": "coalesce(r.source_urls, '[]')",
    # The later of the record's check and its sources' last good fetch (queries._LAST_CHECK).
    "last_checked": """nullif(max(coalesce(r.checked_date, ''), coalesce((
        SELECT substr(max(c.checked_at), 1, 10) FROM checks c
        JOIN sources s ON s.id = c.source_id
        WHERE s.jurisdiction = j.code AND c.outcome IN ('unchanged', 'changed', 'first')), '')),
        '')""",
    "record_id": "r.id",
    "upcoming_status": "n.status",
    "upcoming_date": "n.effective_date",
}


def jurisdiction_cte(shape: str | None = None, *more: str) -> str:
    """`jx`: every jurisdiction's join columns, computed once per export (not once per row).

    `regions` is a JSON array. With a `shape`, `jx.cells` holds the JURISDICTION columns
    shaped for it: the CSV cells joined by commas, or the JSON members
    (`"name":...,"regions":[...]`) without the braces; each of `more` shapes adds
    `jx.cells_<shape>` (one query writing two formats: `history_both_sql`).
    """
    cells = _jurisdiction_cells(shape) + " AS cells"
    cells += "".join(f", {_jurisdiction_cells(s)} AS cells_{s}" for s in more)
    # Two steps, each materialized, so that `cells` reads computed columns (SQLite would
    # otherwise paste the regions subquery into every place that `cells` names it).
    return f"""places AS MATERIALIZED (
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
),
jx AS MATERIALIZED (SELECT *, {cells} FROM places)"""


def _jurisdiction_cells(shape: str | None) -> str:
    if shape is None:
        return "NULL"
    if shape == "csv":
        return csv_cells(list(JURISDICTION), {f.name: f.name for f in JURISDICTION})
    pairs = ", ".join(f"'{f.name}', {shaped(f, f.name, shape)}" for f in JURISDICTION)
    return f"(SELECT substr(o, 2, length(o) - 2) FROM (SELECT json_object({pairs}) AS o))"


def shaped(field: Field, expression: str, shape: str) -> str:
    """The expression as a CSV cell (`shape` 'csv') or a JSON value ('json')."""
    if field.type == "list":
        return _list(field, expression, shape)
    if field.type == "boolean":
        if shape == "csv":
            return f"CASE ({expression}) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END"
        return f"CASE ({expression}) WHEN 1 THEN json('true') WHEN 0 THEN json('false') END"
    if shape == "json":
        return expression
    return csv_cell(expression, formula_safe=field.free_text)


def _list(field: Field, expression: str, shape: str) -> str:
    """A JSON array as compact JSON or as `;`-joined text; '[]' costs no JSON function.

    In CSV the joined text is one aggregate, however often csv_cell repeats it.
    """
    if shape == "json":
        return f"CASE {expression} WHEN '[]' THEN json_array() ELSE json({expression}) END"
    cell = csv_cell("group_concat(value, ';')", formula_safe=field.free_text)
    return (
        f"CASE {expression} WHEN '[]' THEN NULL "
        f"ELSE (SELECT {cell} FROM json_each({expression})) END"
    )


def csv_cell(value: str, *, formula_safe: bool = False) -> str:
    """The value as the csv module writes it: in quotes, `"` doubled, if it needs them.

    `formula_safe` adds the guard of `safe_cell`: `'` before text that a spreadsheet
    would run as a formula (inside the quotes, where the csv module puts it).
    """
    guard = f"CASE WHEN {value} GLOB {_FORMULA_FIRST} THEN '''' ELSE '' END || "
    guard = guard if formula_safe else ""
    quoted = f"""'"' || {guard}replace({value}, '"', '""') || '"'"""
    return (
        f"CASE WHEN {value} IS NULL THEN NULL "
        f"WHEN {_needs_quotes(value)} THEN {quoted} ELSE {guard}{value} END"
    )


def _needs_quotes(value: str) -> str:
    return "(" + " OR ".join(f"{value} GLOB {pattern}" for pattern in _CSV_QUOTED) + ")"


def row_text(
    fields: tuple[Field, ...], expressions: dict[str, str], shape: str, cells: str = "jx.cells"
) -> str:
    """Each row as one text: a CSV line (CRLF included) or a JSON object.

    Where `fields` hold the JURISDICTION columns, `cells` (`jx.cells`) stands in for them.
    """
    before, after, joined = _around_jurisdiction(fields)
    if shape == "csv":
        parts = [*before, *([cells] if joined else []), *after]
        return csv_cells(parts, expressions, end="char(13, 10)")
    members = ", ".join(f"'{f.name}', {shaped(f, expressions[f.name], shape)}" for f in after)
    if not joined:
        return f"json_object({members})"
    # {"code":"US-AL",<jx.cells>,"as_of":...}: json_quote encodes a value as json_object
    # does, and json_object writes the members after jx.cells (ltrim cuts its `{`).
    template = "{" + "".join(f'"{f.name}":%s,' for f in before) + "%s"
    values = [f"json_quote({shaped(f, expressions[f.name], shape)})" for f in before]
    values.append(cells)
    if after:
        template += ",%s"
        values.append(f"ltrim(json_object({members}), '{{')")
    else:
        template += "}"
    return f"printf('{template}', {', '.join(values)})"


def csv_cells(parts: list, expressions: dict[str, str], end: str = "") -> str:
    """CSV cells joined by commas, then `end` (SQL): a Field's cell from its expression,
    or a text (`jx.cells`) as it is.

    Plain cells (codes, dates, statuses, numbers) hold a comma or a quote only by
    mistake, so they are checked all at once, and cell by cell only if one does.
    """

    def joined(checked: bool) -> str:
        cells = [_csv_part(part, expressions, checked) for part in parts]
        template = "'" + ",".join("%s" for _ in cells) + "'" + (f" || {end}" if end else "")
        return f"printf({template},\n        " + ",\n        ".join(cells) + ")"

    plain = [expressions[p.name] for p in parts if isinstance(p, Field) and _plain(p)]
    if not plain:
        return joined(checked=True)
    # The plain cells as one text, computed once: a subquery without FROM is not inlined.
    together = f"printf('{'%s' * len(plain)}', {', '.join(plain)})"
    return (
        f"CASE WHEN (SELECT {_needs_quotes('v')} FROM (SELECT {together} AS v))\n"
        f"    THEN {joined(checked=True)}\n"
        f"    ELSE {joined(checked=False)} END"
    )


def _csv_part(part: Field | str, expressions: dict[str, str], checked: bool) -> str:
    if isinstance(part, str):
        return part
    if _plain(part) and not checked:
        return expressions[part.name]
    return shaped(part, expressions[part.name], "csv")


def _plain(field: Field) -> bool:
    """A scalar that is not free text: a code, a date, a status, a number."""
    return field.type not in ("list", "boolean") and not field.free_text


def _around_jurisdiction(fields: tuple[Field, ...]) -> tuple[tuple, tuple, bool]:
    """The fields before and after the JURISDICTION columns, and whether they are in."""
    size = len(JURISDICTION)
    for i in range(len(fields) - size + 1):
        if fields[i : i + size] == JURISDICTION:
            return fields[:i], fields[i + size :], True
    return (), fields, False


def history_sql(where: str, shape: str) -> str:
    """Every selected record in timeline order, with the status before it.

    The previous record is looked up among all the jurisdiction's records, so `where` may
    cut the timeline (--since, --until) without changing it. The ORDER BY is the order of
    the `records_as_of` index, so SQLite streams rows without sorting them.
    """
    expressions = {f.name: f"r.{f.name}" for f in HISTORY} | _HISTORY_EXPRESSIONS
    return f"""WITH {jurisdiction_cte(shape)}
SELECT {row_text(HISTORY, expressions, shape)}
{_HISTORY_FROM.format(where=where)}"""


def history_both_sql(where: str) -> str:
    """`history_sql` with each row as a CSV line and as a JSON object, as UTF-8 bytes: the
    site's two history downloads from one pass (reading, joining and ordering a million
    records is a third of writing each)."""
    expressions = {f.name: f"r.{f.name}" for f in HISTORY} | _HISTORY_EXPRESSIONS
    # As BLOBs: Python receives the UTF-8 bytes that go to the files (no str to make).
    return f"""WITH {jurisdiction_cte("csv", "json")}
SELECT CAST({row_text(HISTORY, expressions, "csv")} AS BLOB),
    CAST({row_text(HISTORY, expressions, "json", cells="jx.cells_json")} AS BLOB)
{_HISTORY_FROM.format(where=where)}"""


_HISTORY_FROM = """FROM records r CROSS JOIN jx ON jx.code = r.jurisdiction
LEFT JOIN records p ON p.id = (
    SELECT id FROM records
    WHERE jurisdiction = r.jurisdiction AND (effective_date, id) < (r.effective_date, r.id)
    ORDER BY effective_date DESC, id DESC LIMIT 1)
WHERE {where}
ORDER BY r.jurisdiction, r.effective_date, r.id"""


def status_sql(where: str, shape: str) -> str:
    """Every selected jurisdiction's status on the day `:day`, with the next change after it.

    The record in force is the rule of `queries.status_as_of`: the latest effective on or
    before the day, ties to the later recorded. Jurisdictions come in code order from
    their primary key, so nothing is sorted.
    """
    return f"""WITH {jurisdiction_cte(shape)}
SELECT {row_text(STATUS, _status_expressions(shape), shape)}
{_STATUS_FROM.format(where=where)}"""


def status_both_sql(where: str) -> str:
    """`status_sql` with each row as a CSV line and as a JSON object, as UTF-8 bytes: the
    site's status.csv and status.json from one pass."""
    csv = row_text(STATUS, _status_expressions("csv"), "csv")
    json = row_text(STATUS, _status_expressions("json"), "json", cells="jx.cells_json")
    return f"""WITH {jurisdiction_cte("csv", "json")}
SELECT CAST({csv} AS BLOB), CAST({json} AS BLOB)
{_STATUS_FROM.format(where=where)}"""


def _status_expressions(shape: str) -> dict[str, str]:
    expressions = {f.name: f"r.{f.name}" for f in STATUS} | _STATUS_EXPRESSIONS
    return expressions | _status_conditions(shape)


_STATUS_FROM = """FROM jurisdictions j CROSS JOIN jx ON jx.code = j.code
LEFT JOIN records r ON r.id = (
    SELECT id FROM records
    WHERE jurisdiction = j.code AND effective_date <= :day
    ORDER BY effective_date DESC, id DESC LIMIT 1)
LEFT JOIN records n ON n.id = (
    SELECT id FROM records
    WHERE jurisdiction = j.code AND effective_date > :day
    ORDER BY effective_date, id LIMIT 1)
WHERE {where}
ORDER BY j.code"""


def sources_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"s.{f.name}" for f in SOURCES} | {"name": "j.name"}
    return f"""SELECT {row_text(SOURCES, expressions, shape)}
FROM sources s JOIN jurisdictions j ON j.code = s.jurisdiction
WHERE {where}
ORDER BY s.id"""


def checks_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"c.{f.name}" for f in CHECKS} | {
        "jurisdiction": "s.jurisdiction",
        "name": "j.name",
    }
    return f"""SELECT {row_text(CHECKS, expressions, shape)}
FROM checks c JOIN sources s ON s.id = c.source_id JOIN jurisdictions j ON j.code = s.jurisdiction
WHERE {where}
ORDER BY c.checked_at, c.id"""


def jurisdictions_sql(where: str, shape: str) -> str:
    expressions = {f.name: f"jx.{f.name}" for f in JURISDICTIONS}
    return f"""WITH {jurisdiction_cte(shape)}
SELECT {row_text(JURISDICTIONS, expressions, shape)}
FROM jx WHERE {where}
ORDER BY jx.code"""


# The join columns alone, `regions` as a JSON array (export_rows: changes, GeoJSON).
JX = jurisdiction_cte()
