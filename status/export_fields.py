"""The columns of every export, in one list per kind of row, with their types and meanings.

One definition serves the CSV header, the JSON keys, the Frictionless Table Schema and the
data dictionary (a test checks that docs/data-dictionary.md names every field), so the
formats cannot drift apart. Types are Table Schema types; `list` is a list of strings:
a JSON array in JSON, `;`-joined text in CSV.
"""

from __future__ import annotations

from dataclasses import dataclass

from status.vocabulary import CONFIDENCE_LEVELS, INSTRUMENTS, METHODS, PRECISIONS, STATUSES

LIST_DELIMITER = ";"


@dataclass(frozen=True)
class Field:
    """One export column.

    `free_text` marks text that may come from a scraped page or a person (citations,
    summaries, evidence): the CSV writer neutralises spreadsheet formulas in it.
    """

    name: str
    type: str
    description: str
    enum: tuple[str, ...] | None = None
    free_text: bool = False

    def table_schema(self) -> dict:
        """This field as a Frictionless Table Schema field descriptor."""
        field = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "list":
            field["delimiter"] = LIST_DELIMITER
        if self.enum:
            field["constraints"] = {"enum": list(self.enum)}
        return field


def _status(name: str, what: str) -> Field:
    return Field(name, "string", what, enum=STATUSES)


def _text(name: str, what: str) -> Field:
    return Field(name, "string", what, free_text=True)


JURISDICTION_KINDS = (
    "country",
    "state",
    "district",
    "territory",
    "subdivision",
    "county",
    "city",
    "town",
    "village",
)

# What every row about a jurisdiction carries, so researchers can join on any code.
JURISDICTION = (
    Field("name", "string", "English short name of the jurisdiction"),
    Field("kind", "string", "what sort of jurisdiction it is", enum=JURISDICTION_KINDS),
    Field("parent", "string", "code of the containing jurisdiction (US for a state)"),
    Field("country", "string", "ISO 3166-1 alpha-2 code of the country it belongs to"),
    Field(
        "iso_code",
        "string",
        "ISO 3166-1 alpha-2 (countries) or ISO 3166-2 (subdivisions) code; "
        "empty for local jurisdictions, which have no ISO code",
    ),
    Field("iso_alpha3", "string", "ISO 3166-1 alpha-3 code (countries)"),
    Field("iso_numeric", "string", "ISO 3166-1 numeric code, 3 digits with leading zeros"),
    Field("fips", "string", "US FIPS code: 2 digits for a state, 5 for a county (where known)"),
    Field("state_fips", "string", "2-digit FIPS code of the US state (itself or its parent)"),
    Field("ocd_id", "string", "Open Civic Data division id"),
    Field("regions", "list", "region slugs it belongs to (as `--region` takes them)"),
)

# The typed columns of the conditions object (status.vocabulary.CONDITIONS minus min_age).
CONDITIONS = (
    Field("licensing", "boolean", "vendors need a licence or permit"),
    Field("labelling", "boolean", "labelling rules apply"),
    Field("registration", "boolean", "products must be registered"),
    _text("alkaloid_cap", "cap on alkaloid content, as the law states it"),
    Field("prescription_only", "boolean", "available on prescription only"),
    Field("possession_offence", "boolean", "simple possession is an offence"),
)

_LAW = (
    _status("leaf_status", "status of the leaf (plant, mitragynine)"),
    _status("seven_oh_status", "status of 7-hydroxymitragynine products"),
    Field("min_age", "integer", "minimum age to buy, where stated"),
    *CONDITIONS,
    Field("substances", "list", "what the law covers (leaf, mitragynine, 7-hydroxymitragynine...)"),
    Field("instrument", "string", "kind of legal instrument", enum=INSTRUMENTS),
)

_SOURCES = (
    _text("citation", "the law as a journalist would cite it"),
    _text("source_url", "the first source"),
    Field("source_urls", "list", "every source", free_text=True),
)

_PROVENANCE = (
    Field("confidence", "string", "verification level of the sources", enum=CONFIDENCE_LEVELS),
    Field(
        "method",
        "string",
        "how it was obtained: curated, detected (trusted source), reviewed (accepted proposal)",
        enum=METHODS,
    ),
)

STATUS = (
    Field("code", "string", "jurisdiction code: ISO 3166-1/3166-2 or a local code"),
    *JURISDICTION,
    Field("as_of", "date", "the day this status is for"),
    _status("status", "headline status on that day (derived from the leaf and 7-OH statuses)"),
    Field("since", "date", "effective date of the record in force; empty if no known start"),
    Field("since_precision", "string", "precision of `since`", enum=PRECISIONS),
    *_LAW,
    Field("enacted_date", "date", "when the law was signed or adopted"),
    Field("expires_date", "date", "when an emergency rule lapses"),
    *_SOURCES,
    _text("summary", "one quotable sentence"),
    _text("disputed", "the competing claim where good sources disagree"),
    *_PROVENANCE,
    Field("last_checked", "date", "when its sources were last checked"),
    Field("record_id", "integer", "id of the record in force (history.record_id)"),
    Field("recorded_at", "datetime", "when that record was written (the second clock)"),
    _status("upcoming_status", "status of the next record, already enacted, not yet in force"),
    Field("upcoming_date", "date", "effective date of that next record"),
)

HISTORY = (
    Field("record_id", "integer", "record id; the later id wins between records of one day"),
    Field("jurisdiction", "string", "jurisdiction code (jurisdictions.code)"),
    *JURISDICTION,
    Field("effective_date", "date", "when the law took effect (first clock)"),
    Field("effective_precision", "string", "precision of effective_date", enum=PRECISIONS),
    Field("enacted_date", "date", "when the law was signed or adopted"),
    Field("expires_date", "date", "when an emergency rule lapses"),
    _status("previous_status", "status of the jurisdiction's previous record (unknown if none)"),
    _status("status", "headline status from effective_date on"),
    Field("is_change", "boolean", "status differs from previous_status"),
    *_LAW,
    *_SOURCES,
    _text("summary", "one quotable sentence"),
    _text("evidence", "the sentences a spider's classifier relied on"),
    _text("note", "context"),
    _text("disputed", "the competing claim where good sources disagree"),
    *_PROVENANCE,
    Field("checked_date", "date", "when a person last checked the record's sources"),
    Field("recorded_at", "datetime", "when this version of the record was written (second clock)"),
)

SOURCES = (
    Field("id", "string", "source id (data/sources.yaml)"),
    Field("jurisdiction", "string", "jurisdiction code (jurisdictions.code)"),
    Field("name", "string", "English short name of the jurisdiction"),
    _text("url", "the watched official page"),
    Field("kind", "string", "kind of source (statute, regulation, agency page...)"),
    _text("title", "the page's title"),
    _text("citation", "what the page is, as a citation"),
    Field("publish", "string", "review: changes become proposals; trusted: published directly"),
    Field("active", "boolean", "still watched"),
)

CHECKS = (
    Field("id", "integer", "check id"),
    Field("source_id", "string", "the source fetched (sources.id)"),
    Field("jurisdiction", "string", "jurisdiction code of the source"),
    Field("name", "string", "English short name of the jurisdiction"),
    Field("checked_at", "datetime", "when the fetch happened"),
    Field("http_status", "integer", "HTTP status code (empty if no answer)"),
    _text("final_url", "the URL after redirects"),
    Field("content_hash", "string", "hash of the normalised watched text"),
    Field(
        "outcome",
        "string",
        "first, unchanged, changed, failed or suspicious (failed checks never change a status)",
        enum=("first", "unchanged", "changed", "failed", "suspicious"),
    ),
    _text("reason", "why a check failed or looked suspicious"),
)

JURISDICTIONS = (
    Field("code", "string", "jurisdiction code: ISO 3166-1/3166-2 or a local code"),
    *JURISDICTION,
)

FIELDS = {
    "status": STATUS,
    "history": HISTORY,
    "changes": HISTORY,
    "sources": SOURCES,
    "checks": CHECKS,
    "jurisdictions": JURISDICTIONS,
}


def names(fields: tuple[Field, ...]) -> list[str]:
    return [f.name for f in fields]
