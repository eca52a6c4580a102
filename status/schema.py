"""The database schema, as numbered forward migrations.

The database is a public interface (Datasette, researchers' SQL), so tables are plain,
dates are ISO 8601 text and every column is described in docs/data-dictionary.md.
`PRAGMA user_version` is the number of migrations applied. A migration only ever adds
(tables, columns, indexes, views) or moves rows; it never drops data. Add a new step at
the end of MIGRATIONS; never edit a step that has shipped.
"""

_STATUS = "'banned', 'restricted', 'legal', 'unknown'"

V1 = f"""
CREATE TABLE regions (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES regions(slug)
);
CREATE TABLE jurisdictions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES jurisdictions(code),
    iso_alpha3 TEXT,
    iso_numeric TEXT,
    fips TEXT,
    ocd_id TEXT UNIQUE
);
CREATE INDEX jurisdictions_parent ON jurisdictions(parent);
CREATE TABLE jurisdiction_regions (
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    region TEXT NOT NULL REFERENCES regions(slug),
    PRIMARY KEY (region, jurisdiction)
) WITHOUT ROWID;
CREATE INDEX jurisdiction_regions_jurisdiction ON jurisdiction_regions(jurisdiction);
CREATE TABLE aliases (
    alias TEXT NOT NULL,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    PRIMARY KEY (alias, jurisdiction)
) WITHOUT ROWID;

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    effective_date TEXT NOT NULL,
    effective_precision TEXT NOT NULL DEFAULT 'day'
        CHECK (effective_precision IN ('day', 'month', 'year', 'unknown')),
    enacted_date TEXT,
    expires_date TEXT,
    status TEXT NOT NULL CHECK (status IN ({_STATUS})),
    leaf_status TEXT CHECK (leaf_status IN ({_STATUS})),
    seven_oh_status TEXT CHECK (seven_oh_status IN ({_STATUS})),
    min_age INTEGER,
    conditions TEXT NOT NULL DEFAULT '{{}}',
    substances TEXT NOT NULL DEFAULT '[]',
    instrument TEXT,
    citation TEXT,
    source_url TEXT,
    source_urls TEXT NOT NULL DEFAULT '[]',
    summary TEXT,
    evidence TEXT,
    note TEXT,
    disputed TEXT,
    confidence TEXT CHECK (confidence IN ('high', 'medium', 'low')),
    method TEXT NOT NULL CHECK (method IN ('curated', 'detected', 'reviewed')),
    curated_key TEXT UNIQUE,
    checked_date TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX records_as_of ON records(jurisdiction, effective_date, id, status);
CREATE INDEX records_effective_date ON records(effective_date);

CREATE TABLE record_audit (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL,
    jurisdiction TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    changed_at TEXT NOT NULL,
    old TEXT,
    new TEXT,
    reason TEXT
);
CREATE INDEX record_audit_record ON record_audit(record_id, changed_at);

CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT,
    citation TEXT,
    publish TEXT NOT NULL DEFAULT 'review' CHECK (publish IN ('review', 'trusted')),
    config TEXT NOT NULL DEFAULT '{{}}',
    url_verified INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sources_jurisdiction ON sources(jurisdiction);
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    checked_at TEXT NOT NULL,
    http_status INTEGER,
    final_url TEXT,
    content_hash TEXT,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('first', 'unchanged', 'changed', 'failed', 'suspicious')),
    reason TEXT,
    snapshot_id INTEGER REFERENCES snapshots(id)
);
CREATE INDEX checks_source_time ON checks(source_id, checked_at);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id),
    captured_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX snapshots_source_time ON snapshots(source_id, captured_at);
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    source_id TEXT REFERENCES sources(id),
    proposed_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({_STATUS})),
    leaf_status TEXT,
    seven_oh_status TEXT,
    min_age INTEGER,
    substances TEXT NOT NULL DEFAULT '[]',
    evidence TEXT,
    diff TEXT,
    snapshot_id INTEGER REFERENCES snapshots(id),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT,
    record_id INTEGER REFERENCES records(id)
);
CREATE INDEX proposals_state ON proposals(state, proposed_at);

CREATE VIEW current_status AS
SELECT
    j.code, j.name, j.kind,
    coalesce(r.status, 'unknown') AS status,
    CASE WHEN r.effective_precision = 'unknown' THEN NULL ELSE r.effective_date END AS since,
    r.effective_precision AS since_precision,
    r.leaf_status, r.seven_oh_status, r.min_age, r.instrument,
    r.citation, r.source_url, r.confidence, r.disputed, r.method,
    (SELECT max(d) FROM (
        SELECT r.checked_date AS d
        UNION ALL
        SELECT substr(c.checked_at, 1, 10) FROM checks c JOIN sources s ON s.id = c.source_id
        WHERE s.jurisdiction = j.code AND c.outcome IN ('unchanged', 'changed', 'first')
    )) AS last_checked,
    r.id AS record_id
FROM jurisdictions j
LEFT JOIN records r ON r.id = (
    SELECT r2.id FROM records r2
    WHERE r2.jurisdiction = j.code AND r2.effective_date <= date('now')
    ORDER BY r2.effective_date DESC, r2.id DESC LIMIT 1
);
"""

# V2: full-text search over records' citations and evidence (Datasette's search box,
# `?_search=`). Exactly what sqlite-utils' `enable_fts(FTS_COLUMNS, create_triggers=True)`
# creates (tests/test_datasette.py checks it), written out so that opening a database
# needs no sqlite-utils; the triggers keep the index in step with every write, and the
# 'rebuild' fills it for databases that already hold records.
FTS_COLUMNS = ("citation", "summary", "evidence", "note", "disputed")
_FTS = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
_NEW = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
_OLD = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
V2 = f"""
CREATE VIRTUAL TABLE "records_fts" USING FTS5 (
    {_FTS},
    content="records"
);
INSERT INTO "records_fts" ("records_fts") VALUES ('rebuild');
CREATE TRIGGER "records_ai" AFTER INSERT ON "records" BEGIN
  INSERT INTO "records_fts" (rowid, {_FTS}) VALUES (new.rowid, {_NEW});
END;
CREATE TRIGGER "records_ad" AFTER DELETE ON "records" BEGIN
  INSERT INTO "records_fts" ("records_fts", rowid, {_FTS}) VALUES('delete', old.rowid, {_OLD});
END;
CREATE TRIGGER "records_au" AFTER UPDATE ON "records" BEGIN
  INSERT INTO "records_fts" ("records_fts", rowid, {_FTS}) VALUES('delete', old.rowid, {_OLD});
  INSERT INTO "records_fts" (rowid, {_FTS}) VALUES (new.rowid, {_NEW});
END;
"""

# V3: legislative and regulatory evidence (issue: pending bills, federal notices, UK
# changes). Evidence never sets a status by itself: a bill that became law leads to a
# proposal (proposals.bill_id) for a person to review.
V3 = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    kind TEXT,
    agency TEXT,
    title TEXT NOT NULL,
    abstract TEXT,
    citation TEXT,
    published_date TEXT,
    effective_date TEXT,
    url TEXT,
    pdf_url TEXT,
    first_seen_at TEXT NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX documents_jurisdiction ON documents(jurisdiction, published_date);
CREATE TABLE bills (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    identifier TEXT NOT NULL,
    session TEXT,
    title TEXT,
    sponsors TEXT NOT NULL DEFAULT '[]',
    stage TEXT NOT NULL CHECK (stage IN ('introduced', 'passed-one-chamber', 'passed-both',
        'became-law', 'vetoed', 'failed')),
    last_action TEXT,
    last_action_date TEXT,
    url TEXT,
    text_url TEXT,
    change_token TEXT,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX bills_jurisdiction ON bills(jurisdiction, stage);
CREATE TABLE bill_actions (
    bill_id INTEGER NOT NULL REFERENCES bills(id),
    position INTEGER NOT NULL,
    date TEXT,
    description TEXT,
    classification TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (bill_id, position)
) WITHOUT ROWID;
CREATE TABLE bill_events (
    id INTEGER PRIMARY KEY,
    bill_id INTEGER NOT NULL REFERENCES bills(id),
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions(code),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    action_date TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX bill_events_jurisdiction ON bill_events(jurisdiction, recorded_at);
CREATE TABLE api_state (
    provider TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (provider, key)
) WITHOUT ROWID;
ALTER TABLE proposals ADD COLUMN bill_id INTEGER REFERENCES bills(id);
"""

# V4: what a rebuild of the site must look at. Every write that can change what a
# jurisdiction's pages show (its records, the checks of its sources, its bills) gives
# its row in jurisdiction_versions a new random version, so `kratom build` finds the
# jurisdictions to render again without reading a million records, and an edit made by
# hand in SQL is seen too. Random rather than counted: a database restored from a backup
# can never reach an old version number with other content.
_BUMP = (
    "INSERT INTO jurisdiction_versions (jurisdiction, version) VALUES ({code}, random()) "
    "ON CONFLICT (jurisdiction) DO UPDATE SET version = random();"
)
V4 = f"""
CREATE TABLE jurisdiction_versions (
    jurisdiction TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO jurisdiction_versions (jurisdiction, version)
    SELECT jurisdiction, random() FROM (
        SELECT jurisdiction FROM records
        UNION SELECT s.jurisdiction FROM checks c JOIN sources s ON s.id = c.source_id
        UNION SELECT jurisdiction FROM bills);
CREATE TRIGGER records_version_ai AFTER INSERT ON records BEGIN
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE TRIGGER records_version_au AFTER UPDATE ON records BEGIN
    {_BUMP.format(code="old.jurisdiction")}
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE TRIGGER records_version_ad AFTER DELETE ON records BEGIN
    {_BUMP.format(code="old.jurisdiction")}
END;
CREATE TRIGGER checks_version_ai AFTER INSERT ON checks BEGIN
    {_BUMP.format(code="(SELECT jurisdiction FROM sources WHERE id = new.source_id)")}
END;
CREATE TRIGGER bills_version_ai AFTER INSERT ON bills BEGIN
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE TRIGGER bills_version_au AFTER UPDATE ON bills BEGIN
    {_BUMP.format(code="old.jurisdiction")}
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE TRIGGER bill_events_version_ai AFTER INSERT ON bill_events BEGIN
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE INDEX records_recorded ON records(recorded_at);
"""

# V5: jurisdictions and regions take part in versions too. A jurisdiction's version also
# moves when its own row or its region memberships really change (the WHEN clauses: an
# upsert that rewrites the same values is not a change), and one version per table
# (table_versions) moves with any change to the jurisdictions, their regions or the
# regions, so `kratom build` can reuse the list of places it read last time.
_JURISDICTION_COLUMNS = (
    "code",
    "name",
    "kind",
    "parent",
    "iso_alpha3",
    "iso_numeric",
    "fips",
    "ocd_id",
)
_REGION_COLUMNS = ("slug", "name", "kind", "parent")
_BUMP_TABLE = (
    "INSERT INTO table_versions (name, version) VALUES ('jurisdictions', random()) "
    "ON CONFLICT (name) DO UPDATE SET version = random();"
)


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


V5 = f"""
CREATE TABLE table_versions (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO table_versions (name, version) VALUES ('jurisdictions', random());
CREATE TRIGGER jurisdictions_version_ai AFTER INSERT ON jurisdictions BEGIN
    {_BUMP_TABLE}
    {_BUMP.format(code="new.code")}
END;
CREATE TRIGGER jurisdictions_version_au AFTER UPDATE ON jurisdictions
WHEN {_changed(_JURISDICTION_COLUMNS)} BEGIN
    {_BUMP_TABLE}
    {_BUMP.format(code="old.code")}
    {_BUMP.format(code="new.code")}
END;
CREATE TRIGGER jurisdictions_version_ad AFTER DELETE ON jurisdictions BEGIN
    {_BUMP_TABLE}
END;
CREATE TRIGGER jurisdiction_regions_version_ai AFTER INSERT ON jurisdiction_regions BEGIN
    {_BUMP_TABLE}
    {_BUMP.format(code="new.jurisdiction")}
END;
CREATE TRIGGER jurisdiction_regions_version_ad AFTER DELETE ON jurisdiction_regions BEGIN
    {_BUMP_TABLE}
    {_BUMP.format(code="old.jurisdiction")}
END;
CREATE TRIGGER regions_version_ai AFTER INSERT ON regions BEGIN
    {_BUMP_TABLE}
END;
CREATE TRIGGER regions_version_au AFTER UPDATE ON regions WHEN {_changed(_REGION_COLUMNS)} BEGIN
    {_BUMP_TABLE}
END;
CREATE TRIGGER regions_version_ad AFTER DELETE ON regions BEGIN
    {_BUMP_TABLE}
END;
"""

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5]
SCHEMA_VERSION = len(MIGRATIONS)
