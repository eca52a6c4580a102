"""One writer job at a time per database: a crawl (or build) takes an exclusive lock file.

SQLite's WAL lets readers go on while one process writes; two crawls at once would
only wait on each other and double the requests, so the second refuses at once with
a message saying who holds the lock. The lock is an OS file lock (flock): it is
released when the process ends, even by SIGKILL, so a killed crawl never blocks the next.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from status.errors import KratomError


@contextmanager
def exclusive(db_path: str | os.PathLike, job: str) -> Iterator[None]:
    """Hold `<db>.<job>.lock` for the block, or raise KratomError if another holds it."""
    path = Path(db_path).resolve()
    lock_path = path.with_name(f"{path.name}.{job}.lock")
    handle = open(lock_path, "a+")  # noqa: SIM115 (held open for the lock's lifetime)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise KratomError(
            f"another {job} is running on {path.name} ({holder}); try again when it ends"
        ) from None
    handle.seek(0)
    handle.truncate()
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    handle.write(f"pid {os.getpid()}, started {started}")
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
