"""Parsing dates from people and files, with errors that say what would be right."""

import datetime as dt

from status.errors import KratomError


class DateError(KratomError, ValueError):
    """A date that is not ISO 8601; the message names the value and the expected form.

    A KratomError, so that the CLI shows it as a message (a bad KRATOM_TODAY too)."""


def parse_date(value: str | dt.date, what: str = "date") -> dt.date:
    """Parse `YYYY-MM-DD` (a `datetime.date` passes through); anything else is a DateError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DateError(
            f"{what} {value!r} is not a date; use YYYY-MM-DD, e.g. 2025-08-01"
        ) from None


def today() -> dt.date:
    """Today in UTC: the tracker's clock, overridable in tests through KRATOM_TODAY."""
    import os

    override = os.environ.get("KRATOM_TODAY")
    if override:
        return parse_date(override, "KRATOM_TODAY")
    return dt.datetime.now(dt.UTC).date()


def now_iso() -> str:
    """The current UTC time as ISO 8601 with seconds, the form of every recorded time."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
