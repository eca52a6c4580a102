"""`kratom serve`: preview the built site on 127.0.0.1 with the right content types.

A plain static server, as the host will be: feeds go out as `application/atom+xml` and
`application/feed+json`, the maps as `image/svg+xml`. It binds the loopback address only
and serves the folder by name on every request, so a rebuild (which swaps the folder)
shows up at the next reload.
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from typing import ClassVar

from status.errors import KratomError

TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".ndjson": "application/x-ndjson; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".db": "application/vnd.sqlite3",
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
JSON_FEEDS = ("feeds/changes.json",)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with feed-aware content types; quiet unless asked."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **TYPES,
    }
    quiet = True

    def guess_type(self, path: str | Path) -> str:
        if str(path).replace("\\", "/").endswith(JSON_FEEDS):
            return "application/feed+json; charset=utf-8"
        return super().guess_type(path)

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(folder: str | Path, port: int = 8000, quiet: bool = True):
    """A threading HTTP server for `folder` on 127.0.0.1 (port 0 picks a free one)."""
    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise KratomError(f"no site in {folder}; run `kratom build -o {folder}` first")
    handler_class = type("Handler", (SiteHandler,), {"quiet": quiet})
    handler = functools.partial(handler_class, directory=str(folder.resolve()))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise KratomError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try another --port"
        ) from None
