"""`kratom`: the command-line interface, a thin layer over the `status` package.

Each command parses its arguments, calls the library and prints. Imports happen inside
the commands so that `kratom status`, the command people run most, loads neither
Scrapy nor sqlite-utils.
"""

from __future__ import annotations

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
@click.pass_context
@friendly_errors
def update(ctx: click.Context) -> None:
    """The main job: create/migrate the database and load the curated data.

    Crawling the watched sources and building the site join this job as they are built.
    """
    _initialise(ctx)


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


def _region(conn, slug: str):
    from status.lookup import Selection

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


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli(prog_name="kratom"))


if __name__ == "__main__":
    main()
