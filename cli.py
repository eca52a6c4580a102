"""`kratom`: the command-line interface, a thin layer over the `status` package.

Each command parses its arguments, calls the library and prints. Imports happen inside
the commands so that `kratom status`, the command people run most, loads neither
Scrapy nor sqlite-utils.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from functools import wraps

import click

from status import __version__
from status.errors import KratomError

FORMATS = click.Choice(["text", "json", "csv"])
STATUS_COLUMNS = [
    "code",
    "name",
    "kind",
    "status",
    "since",
    "since_precision",
    "citation",
    "source_url",
    "last_checked",
    "leaf_status",
    "seven_oh_status",
    "min_age",
    "substances",
    "instrument",
    "expires",
    "confidence",
    "disputed",
    "method",
    "summary",
]
RECORD_COLUMNS = [
    "jurisdiction",
    "name",
    "effective_date",
    "effective_precision",
    "previous_status",
    "status",
    "leaf_status",
    "seven_oh_status",
    "min_age",
    "substances",
    "instrument",
    "enacted_date",
    "expires_date",
    "citation",
    "source_url",
    "summary",
    "confidence",
    "disputed",
    "method",
    "recorded_at",
]


def friendly_errors(command: Callable) -> Callable:
    """Turn a KratomError into `Error: message` on stderr and exit code 1."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KratomError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise click.ClickException(
                "the database stayed locked by another kratom process for 30 s; "
                "try again when it ends"
            ) from None

    return wrapper


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from status.dates import DateError, parse_date

        try:
            return parse_date(value, "--" + param.name.replace("_", "-") if param else "date")
        except DateError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateParam()
# Proposal ids are SQLite integers: a larger number is a usage error, not an OverflowError.
PROPOSAL_ID = click.IntRange(1, 2**63 - 1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kratom")
@click.option(
    "--db",
    "db_path",
    envvar="KRATOM_DB",
    default="kratom.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database (or set KRATOM_DB).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Track where kratom is banned, restricted or legal: since when, by which law."""
    ctx.obj = {"db": db_path}


def connect(ctx: click.Context):
    from status import store

    return store.connect(ctx.obj["db"])


def emit(text: str) -> None:
    click.echo(text, nl=False)


@cli.command()
@click.pass_context
@friendly_errors
def init(ctx: click.Context) -> None:
    """Create or migrate the database and load jurisdictions and curated records."""
    _initialise(ctx)


@cli.command()
@click.option("--no-crawl", is_flag=True, help="Skip crawling the watched sources.")
@click.option("--no-build", is_flag=True, help="Skip building the static site.")
@click.option(
    "-o", "--output", default="_site", show_default=True, type=click.Path(file_okay=False),
    help="Folder of the static site built at the end.",
)
@click.pass_context
@friendly_errors
def update(ctx: click.Context, no_crawl: bool, no_build: bool, output: str) -> None:
    """The main job: create/migrate the database, load the curated data, crawl the sources,
    build the site.

    Offline, the crawl records every source as failed (never as a change) and the job
    goes on with what is known: the site is published from it.
    """
    _initialise(ctx)
    if not no_crawl:
        _crawl(ctx, [], None)
    if not no_build:
        _build(ctx, output, None, False)


def _initialise(ctx: click.Context) -> None:
    from status.update import initialise

    report = initialise(ctx.obj["db"])
    if report.previous_version is None:
        click.echo(f"created {ctx.obj['db']} (schema version {report.version})")
    elif report.previous_version < report.version:
        click.echo(
            f"migrated {ctx.obj['db']} from schema version {report.previous_version} "
            f"to {report.version}"
        )
    loaded = report.curated
    click.echo(
        f"jurisdictions: {report.jurisdictions}; curated records: {len(loaded.inserted)} new, "
        f"{len(loaded.updated)} updated, {len(loaded.removed)} removed, "
        f"{loaded.unchanged} unchanged"
    )
    for key in loaded.updated:
        click.echo(f"  updated {key} (previous version kept in record_audit)")
    for key in loaded.removed:
        click.echo(f"  removed {key}: no longer in the curated files (kept in record_audit)")
    click.echo(
        f"sources: {report.sources['sources']} watched"
        + (f", {report.sources['retired']} retired" if report.sources["retired"] else "")
    )


@cli.command()
@click.option("--source", "ids", multiple=True, help="Only this source id (repeatable).")
@click.option("--jurisdiction", help="Only the sources of this jurisdiction (code or name).")
@click.pass_context
@friendly_errors
def crawl(ctx: click.Context, ids: tuple[str, ...], jurisdiction: str | None) -> None:
    """Fetch the watched official pages and record what changed.

    Every fetch is recorded as a check; a confirmed change of what a page says becomes a
    proposal to review (`kratom review list`), or a record for a trusted source.
    """
    code = None
    if jurisdiction:
        from status.lookup import resolve

        selection = resolve(connect(ctx), jurisdiction)
        if not selection.codes:
            raise KratomError(f"{jurisdiction!r} is a region; give one jurisdiction")
        code = selection.codes[0]
    _crawl(ctx, list(ids), code)


def _crawl(ctx: click.Context, ids: list[str], jurisdiction: str | None) -> None:
    from spiders.run import crawl as run_crawl
    from status import sources as registry

    conn = connect(ctx)
    known = {s.id for s in registry.load(conn)}
    if unknown := [i for i in ids if i not in known]:
        raise KratomError(f"unknown source {unknown[0]!r}; `kratom sources list` shows the ids")
    conn.close()

    def progress(result) -> None:
        outcome = getattr(result, "outcome", None) or ("ok" if result.ok else "failed")
        detail = f" ({result.reason})" if result.reason else ""
        click.echo(f"  {result.source_id}: {outcome}{detail}", err=True)

    summary, evidence = run_crawl(ctx.obj["db"], ids, jurisdiction, progress=progress)
    for note in evidence.notes:
        click.echo(note, err=True)
    click.echo(_crawl_summary(summary))
    if evidence.documents_new or evidence.bills_new or evidence.bills_changed:
        click.echo(f"  evidence: {evidence.documents_new} new document(s), {evidence.bills_new} "
                   f"new bill(s), {evidence.bills_changed} bill(s) changed stage or text")
    if evidence.proposals:
        click.echo(f"  {len(evidence.proposals)} bill(s) became law: proposals to review "
                   "(`kratom review list`)")


def _crawl_summary(summary) -> str:
    from status.detect import STALE_AFTER

    lines = [
        f"crawl: {summary.checked} checked: {summary.unchanged} unchanged, {summary.first} "
        f"first seen, {summary.changed} changed, {summary.failed} failed, "
        f"{summary.suspicious} suspicious"
    ]
    if summary.proposals:
        lines.append(
            f"  {len(summary.proposals)} proposed change(s) to review: `kratom review list`"
        )
    if summary.published:
        lines.append(f"  {len(summary.published)} change(s) published from trusted sources")
    unreachable = [p for p in summary.problems if "DNS lookup failed" in p[2]]
    if unreachable and len(unreachable) == summary.checked:
        lines.append(
            f"  could not reach any of the {summary.checked} sources (offline?); "
            "statuses stay as they were"
        )
    for source, last_good in summary.stale:
        lines.append(
            f"  stale: {source} has failed {STALE_AFTER} checks in a row "
            f"(last good check: {last_good or 'never'})"
        )
    for source in summary.recovered:
        lines.append(f"  recovered: {source} answers again")
    return "\n".join(lines)


@cli.command()
@click.argument("where", nargs=-1)
@click.option("--region", "regions", multiple=True, help="Region slug, e.g. us, europe.")
@click.option("--as-of", type=DATE, help="The status on this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def status(ctx, where: tuple[str, ...], regions: tuple[str, ...], as_of, fmt: str) -> None:
    """Current (or --as-of) status of jurisdictions: WHERE is a code, a name or a region.

    With no WHERE, every jurisdiction. Examples: `kratom status Alabama`,
    `kratom status --region us --as-of 2015-06-01 --format csv`.
    """
    from status.dates import today
    from status.lookup import resolve
    from status.queries import status_as_of

    conn = connect(ctx)
    selections = [resolve(conn, w) for w in where] + [_region(conn, r) for r in regions]
    _note_postal_codes(conn, where)
    rows = status_as_of(conn, as_of or today(), selections or None)
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, STATUS_COLUMNS))
    elif len(rows) == 1 and where and not regions and resolve(conn, where[0]).codes:
        from status.status_text import one_line

        emit(one_line(rows[0]))
    else:
        from status.status_text import status_table

        emit(status_table(rows))


def _note_postal_codes(conn, where: tuple[str, ...]) -> None:
    """`KY` is the Cayman Islands (ISO 3166-1), not Kentucky: say so on stderr."""
    for text in where:
        code = text.strip().upper()
        if len(code) != 2:
            continue
        names = dict(conn.execute("SELECT code, name FROM jurisdictions WHERE code IN (?, ?)",
                                  (code, f"US-{code}")))
        if len(names) == 2:
            click.echo(f"note: {code} is {names[code]} (ISO 3166-1); for {names['US-' + code]} "
                       f"use US-{code}", err=True)


def _region(conn, slug: str):
    from status.lookup import Selection, require_text

    require_text(slug)
    if conn.execute("SELECT 1 FROM regions WHERE slug = ?", (slug.lower(),)).fetchone():
        return Selection(region=slug.lower())
    slugs = [r[0] for r in conn.execute("SELECT slug FROM regions ORDER BY slug")]
    import difflib

    close = difflib.get_close_matches(slug.lower(), slugs, n=1)
    hint = f"did you mean {close[0]}?" if close else "see `kratom regions` for the list"
    raise KratomError(f"unknown region {slug!r}; {hint}")


def _json(rows) -> str:
    from status.output import to_json

    return to_json(rows)


@cli.command()
@click.argument("where")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def history(ctx, where: str, fmt: str) -> None:
    """One jurisdiction's dated timeline, oldest first (WHERE: a code or a name)."""
    from status.lookup import resolve
    from status.queries import history as query

    conn = connect(ctx)
    selection = resolve(conn, where)
    if not selection.codes:
        raise KratomError(f"{where!r} is a region; history needs one jurisdiction (e.g. US-AL)")
    code = selection.codes[0]
    name = conn.execute("SELECT name FROM jurisdictions WHERE code = ?", (code,)).fetchone()[0]
    rows = [{**r, "jurisdiction": code, "name": name} for r in query(conn, code)]
    _emit_records(rows, fmt, empty=f"no records for {name} ({code}) yet: its status is unknown\n")


@cli.command()
@click.option("--since", type=DATE, help="Only changes effective on or after this date.")
@click.option("--until", type=DATE, help="Only changes effective on or before this date.")
@click.option("--region", "regions", multiple=True, help="Region slug, e.g. us, europe.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def changes(ctx, since, until, regions: tuple[str, ...], fmt: str) -> None:
    """The change log, newest first: every dated change of status."""
    from status.queries import changes as query

    if since and until and since > until:
        raise KratomError(f"--since {since} is after --until {until}; swap them")
    conn = connect(ctx)
    rows = query(conn, since, until, [_region(conn, r) for r in regions] or None)
    _emit_records(rows, fmt, empty="no changes in that period\n")


def _emit_records(rows: list[dict], fmt: str, empty: str) -> None:
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, RECORD_COLUMNS))
    elif not rows:
        emit(empty)
    else:
        from status.output import display_date, table

        emit(
            table(
                [
                    [
                        display_date(r["effective_date"], r["effective_precision"]),
                        f"{r['name']} ({r['jurisdiction']})",
                        f"{r['previous_status']} -> {r['status']}"
                        if r["previous_status"] != r["status"]
                        else r["status"],
                        r["citation"],
                        r["confidence"],
                    ]
                    for r in rows
                ],
                ["effective", "jurisdiction", "status", "citation", "confidence"],
            )
        )


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def regions(ctx, fmt: str) -> None:
    """The region slugs that --region and feeds accept, with their sizes."""
    conn = connect(ctx)
    rows = [
        dict(r)
        for r in conn.execute(
            "SELECT r.slug, r.name, r.kind, r.parent, count(jr.jurisdiction) AS jurisdictions "
            "FROM regions r LEFT JOIN jurisdiction_regions jr ON jr.region = r.slug "
            "GROUP BY r.slug ORDER BY r.kind, r.slug"
        )
    ]
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, ["slug", "name", "kind", "parent", "jurisdictions"]))
    else:
        from status.output import table

        emit(table([list(r.values()) for r in rows], list(rows[0]) if rows else ["slug"]))


@cli.group()
def db() -> None:
    """Check or back up the database."""


@db.command("check")
@click.pass_context
@friendly_errors
def db_check(ctx) -> None:
    """SQLite integrity and foreign-key checks and the schema version; exit 1 on a problem."""
    from status import store

    conn = connect(ctx)
    problems = store.check(conn)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise KratomError(f"{ctx.obj['db']}: {len(problems)} problem(s) found")
    counts = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("jurisdictions", "records", "sources", "checks", "snapshots", "proposals")
    }
    summary = ", ".join(f"{n} {t}" for t, n in counts.items())
    click.echo(f"ok: integrity ok, schema version {store.schema_version(conn)}; {summary}")


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_context
@friendly_errors
def db_backup(ctx, path: str) -> None:
    """Copy the database to PATH with SQLite's online backup (safe while others write)."""
    from status import store

    target = store.backup(connect(ctx), path)
    click.echo(f"backed up {ctx.obj['db']} to {target}")


@cli.group()
def data() -> None:
    """Check the curated data files under data/records/."""


@data.command("validate")
@click.pass_context
@friendly_errors
def data_validate(ctx) -> None:
    """Check every curated file: schema, codes, dates, citations, sources, consistency."""
    from status.curated import records_dir, validate
    from status.jurisdictions import all_jurisdictions, subdivision

    known = {j.code for j in all_jurisdictions()}
    known |= {p.stem for p in records_dir().glob("*.yaml") if subdivision(p.stem)}
    records, problems = validate(known)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise KratomError(f"{len(problems)} problem(s) in {records_dir()}")
    files = len({r["jurisdiction"] for r in records})
    click.echo(f"ok: {len(records)} entries in {files} files")


@cli.command()
@click.argument("where", nargs=-1)
@click.option("--stage", "stages", multiple=True, type=click.Choice(
    ["introduced", "passed-one-chamber", "passed-both", "became-law", "vetoed", "failed"]),
    help="Only bills at this stage (repeatable).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def bills(ctx, where: tuple[str, ...], stages: tuple[str, ...], fmt: str) -> None:
    """Kratom bills tracked from Open States / LegiScan (WHERE: codes, names or regions).

    Bills are evidence of what may come, never a status by themselves.
    """
    from status.legislative import bills as query
    from status.lookup import resolve

    conn = connect(ctx)
    codes: list[str] = []
    for selection in (resolve(conn, w) for w in where):
        codes += selection.codes or [row[0] for row in conn.execute(
            "SELECT jurisdiction FROM jurisdiction_regions WHERE region = ?", (selection.region,))]
    rows = query(conn, codes if where else None, list(stages) or None)
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, ["jurisdiction", "identifier", "session", "title", "stage",
                           "last_action_date", "last_action", "url", "provider", "sponsors"]))
    elif not rows:
        emit("no kratom bills tracked" + (" there" if where else "") + " (Open States and "
             "LegiScan need OPENSTATES_API_KEY / LEGISCAN_API_KEY at crawl time)\n")
    else:
        from status.output import table

        emit(table([[f"{r['name']} ({r['jurisdiction']})", r["identifier"], r["session"],
                     r["stage"], r["last_action_date"], r["title"]] for r in rows],
                   ["jurisdiction", "bill", "session", "stage", "last action", "title"]))


@cli.group()
def sources() -> None:
    """The registry of watched official pages (data/sources.yaml)."""


@sources.command("validate")
@friendly_errors
def sources_validate() -> None:
    """Check the registry: schema, jurisdiction codes, URLs, selectors, anchors."""
    from status.jurisdictions import all_jurisdictions
    from status.sources import read_registry, registry_path, validate

    found, problems = validate(read_registry(), {j.code for j in all_jurisdictions()})
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise KratomError(f"{len(problems)} problem(s) in {registry_path()}")
    click.echo(f"ok: {len(found)} sources in {registry_path().name}")


@sources.command("list")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def sources_list(ctx, fmt: str) -> None:
    """Every watched source with its health: last check, last good check, failure streak."""
    from status.health import source_health

    rows = source_health(connect(ctx))
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, list(rows[0]) if rows else ["id"]))
    else:
        from status.output import table

        emit(
            table(
                [
                    [
                        r["id"],
                        r["jurisdiction"],
                        r["kind"],
                        r["publish"],
                        r["health"],
                        r["last_checked"],
                        r["last_good"],
                        r["last_reason"],
                    ]
                    for r in rows
                ],
                [
                    "id",
                    "jurisdiction",
                    "kind",
                    "publish",
                    "health",
                    "last checked",
                    "last good",
                    "last problem",
                ],
                max_width=40,
            )
        )


@cli.group()
def review() -> None:
    """Accept or reject the changes the spiders proposed."""


@review.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also the accepted and rejected ones.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_context
@friendly_errors
def review_list(ctx, show_all: bool, fmt: str) -> None:
    """The proposals waiting for a decision (or all of them)."""
    from status.review import list_proposals

    rows = list_proposals(connect(ctx), None if show_all else "pending")
    if fmt == "json":
        emit(_json(rows))
    elif fmt == "csv":
        from status.output import to_csv

        emit(to_csv(rows, list(rows[0]) if rows else ["id"]))
    elif not rows:
        emit("no proposals waiting for review\n")
    else:
        from status.output import table

        emit(
            table(
                [
                    [
                        r["id"],
                        f"{r['name']} ({r['jurisdiction']})",
                        r["status"],
                        r["source_id"],
                        r["proposed_at"],
                        r["state"],
                    ]
                    for r in rows
                ],
                ["id", "jurisdiction", "proposed", "source", "found", "state"],
            )
        )


@review.command("show")
@click.argument("proposal_id", type=PROPOSAL_ID)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
@friendly_errors
def review_show(ctx, proposal_id: int, fmt: str) -> None:
    """One proposal: what changed, the evidence sentences and the text diff."""
    from status.review import get

    proposal = get(connect(ctx), proposal_id)
    if fmt == "json":
        emit(_json(proposal))
        return
    lines = [
        f"proposal {proposal['id']} ({proposal['state']}): {proposal['name']} "
        f"({proposal['jurisdiction']}) -> {proposal['status']} "
        f"(leaf {proposal['leaf_status']}, 7-OH {proposal['seven_oh_status']}"
        + (f", min age {proposal['min_age']})" if proposal["min_age"] else ")"),
        f"source: {proposal['source_id']} {proposal['source_url'] or ''}",
        f"found: {proposal['proposed_at']}",
        "evidence:",
        *[f"  > {sentence}" for sentence in proposal["evidence"]],
        "diff:",
        proposal["diff"] or "  (none)",
    ]
    emit("\n".join(lines) + "\n")


def _reviewer(by: str | None) -> str:
    import getpass

    return by or getpass.getuser()


@review.command("accept")
@click.argument("proposal_id", type=PROPOSAL_ID)
@click.option("--note", help="Why (kept with the decision).")
@click.option("--effective", type=DATE, help="Effective date of the law (default: day found).")
@click.option("--by", help="Who decides (default: your user name).")
@click.pass_context
@friendly_errors
def review_accept(ctx, proposal_id: int, note, effective, by) -> None:
    """Accept a proposal: it becomes a record and changes `kratom status`."""
    from status.review import accept

    record_id = accept(connect(ctx), proposal_id, _reviewer(by), note, effective)
    click.echo(f"accepted proposal {proposal_id}: record {record_id}")


@review.command("reject")
@click.argument("proposal_id", type=PROPOSAL_ID)
@click.option("--note", required=True, help="Why (required; kept with the decision).")
@click.option("--by", help="Who decides (default: your user name).")
@click.pass_context
@friendly_errors
def review_reject(ctx, proposal_id: int, note: str, by) -> None:
    """Reject a proposal; it stays in the queue's history with the reason."""
    from status.review import reject

    reject(connect(ctx), proposal_id, _reviewer(by), note)
    click.echo(f"rejected proposal {proposal_id}")


@cli.command()
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@friendly_errors
def classify(target: str, fmt: str) -> None:
    """What the classifier reads in one page (a FILE or an http(s) URL).

    A URL is fetched the way the spider fetches, under the same failure rules: a failed
    or suspicious fetch exits 1 with the reason.
    """
    from status.reading import read_target

    finding = read_target(target)
    if fmt == "json":
        emit(_json(finding.as_json()))
        return
    emit(
        f"{finding.status} (leaf {finding.leaf_status}, 7-OH {finding.seven_oh_status}"
        + (f", min age {finding.min_age})" if finding.min_age else ")")
        + "\n"
        + "".join(f"  > {sentence}\n" for sentence in finding.evidence)
    )


@cli.command()
@click.argument("where", nargs=-1)
@click.option(
    "--what",
    default="status",
    help="status (default), history, changes, sources, checks or jurisdictions.",
)
@click.option(
    "--format",
    "fmt",
    default="csv",
    help="csv (default), json, ndjson, geojson or datapackage (a folder).",
)
@click.option("-o", "--output", default="-", help="File (folder for datapackage); - is stdout.")
@click.option("--region", "regions", multiple=True, help="Region slug, e.g. us, europe.")
@click.option("--since", type=DATE, help="Effective (checks: checked) on or after this date.")
@click.option("--until", type=DATE, help="Effective (checks: checked) on or before this date.")
@click.option("--as-of", type=DATE, help="Status on this date (--what status).")
@click.pass_context
@friendly_errors
def export(ctx, where, what, fmt, output, regions, since, until, as_of) -> None:
    """Researcher exports, streamed: WHERE is a code, a name, a region or a glob (US-*).

    Examples: `kratom export --what history --format ndjson -o history.ndjson`,
    `kratom export US-* --as-of 2019-01-01`, `kratom export --format datapackage -o data/`.
    Defaults: --what status --format csv, to stdout. Columns: docs/data-dictionary.md.
    """
    from status.export_cli import run_export

    conn = connect(ctx)
    selections = [_where(conn, w) for w in where] + [_region(conn, r) for r in regions]
    filters = {"selections": selections or None, "since": since, "until": until, "as_of": as_of}
    message = run_export(conn, what, fmt, output, filters)
    if message:
        click.echo(message, err=True)


def _where(conn, where: str):
    from status.export_select import expand

    return expand(conn, where)


@cli.command()
@click.option(
    "-o", "--output", default="_site", show_default=True, type=click.Path(file_okay=False),
    help="Folder to write the site to (swapped in whole at the end).",
)
@click.option("--base-url", help="Where the site will live, e.g. https://example.org/kratom/.")
@click.option("--full", is_flag=True, help="Render every page again, ignoring earlier builds.")
@click.pass_context
@friendly_errors
def build(ctx: click.Context, output: str, base_url: str | None, full: bool) -> None:
    """Publish the static site: maps, jurisdiction pages, change log, feeds, downloads.

    Rebuilds rewrite only the files whose content changed. Links inside the site are
    relative; --base-url adds absolute links to feeds, canonical links and a sitemap.
    """
    _build(ctx, output, base_url, full)


def _build(ctx: click.Context, output: str, base_url: str | None, full: bool) -> None:
    from status.publish import build as publish
    from status.publish import describe

    if base_url and not base_url.startswith(("http://", "https://")):
        raise KratomError(f"--base-url {base_url!r} must start with http:// or https://")
    click.echo(describe(publish(ctx.obj["db"], output, base_url=base_url, full=full)))


@cli.command()
@click.option(
    "-d", "--directory", default="_site", show_default=True,
    type=click.Path(file_okay=False), help="The built site.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@friendly_errors
def serve(directory: str, port: int) -> None:
    """Preview the built site at http://127.0.0.1:PORT/ (Ctrl-C stops)."""
    from status.site_serve import make_server

    server = make_server(directory, port, quiet=False)
    click.echo(f"serving {directory} at http://127.0.0.1:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli(prog_name="kratom"))


if __name__ == "__main__":
    main()
