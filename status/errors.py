"""The one exception family a user may see: the CLI prints its message, never a traceback."""


class KratomError(Exception):
    """A problem the user can fix; the message says what is wrong and what would be right."""


class UnknownJurisdiction(KratomError):
    """A code or name that matches no jurisdiction (the message carries a suggestion)."""
