"""A real HTTP server on 127.0.0.1 for crawl tests, whose pages a test can rewrite.

Each path maps to a Route: status, headers, body, and an optional misbehaviour
(hang, reset the connection, truncate the body, alternate the content, ...). It answers
conditional requests with 304 when the ETag matches, like a well-behaved official site.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"}
    )
    # hang | slow | reset | truncate | alternate | 429-once | huge | gzip-bomb | redirect-loop
    behaviour: str | None = None
    delay: float = 0.0
    etag: bool = True
    served: int = 0


class FixtureServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.full_log: list[str] = []  # paths with their query strings
        self.robots = b"User-agent: *\nDisallow: /private/\n"
        handler = type("Handler", (_Handler,), {"fixture": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def route_for(self, full_path: str) -> Route | None:
        """A route keyed `/path?a=1` matches a request to /path whose query has a=1 (among
        others); else the route keyed by the bare path."""
        path, _, query = full_path.partition("?")
        asked = set(parse_qsl(query))
        for key, route in self.routes.items():
            key_path, _, key_query = key.partition("?")
            if key_query and key_path == path and set(parse_qsl(key_query)) <= asked:
                return route
        return self.routes.get(path)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for logged, headers in self.log if logged == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # resets and hang-ups are the point of some routes


class _Handler(BaseHTTPRequestHandler):
    fixture: FixtureServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the route closed the socket itself
            super().finish()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.fixture.log.append((path, {k.lower(): v for k, v in self.headers.items()}))
        self.fixture.full_log.append(self.path)
        if path == "/robots.txt":
            return self._send(200, {"Content-Type": "text/plain"}, self.fixture.robots)
        route = self.fixture.route_for(self.path)
        if route is None:
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        route.served += 1
        if route.behaviour == "hang":
            time.sleep(route.delay or 30)
            return None
        if route.behaviour == "429-once" and route.served == 1:
            return self._send(429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow")
        if route.behaviour in ("huge", "gzip-bomb", "redirect-loop"):
            return self._hostile(route.behaviour, path)
        if route.behaviour == "slow":
            time.sleep(route.delay)
        if route.behaviour == "reset":  # linger 0 + close sends a TCP RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(self.connection.detach())
            self.close_connection = True
            return None
        body = route.body
        if route.behaviour == "alternate":
            body = body.replace(b"</div>", f"<p>Revision {route.served}</p></div>".encode(), 1)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if route.etag and route.status == 200 and self.headers.get("If-None-Match") == etag:
            return self._send(304, {"ETag": etag}, b"")
        headers = dict(route.headers)
        if route.etag and route.status == 200:
            headers["ETag"] = etag
        if route.behaviour == "truncate":
            headers["Content-Length"] = str(len(body) * 2)
            self._head(route.status, headers)
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return None
        return self._send(route.status, headers, body)

    def _hostile(self, behaviour: str, path: str) -> None:
        if behaviour == "redirect-loop":
            return self._send(302, {"Location": path}, b"")
        if behaviour == "gzip-bomb":  # ~50 KB on the wire, 50 MB once inflated
            body = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
            return self._send(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                              body)
        size = 50 * 1024 * 1024  # a 50 MB page, streamed
        self._head(200, {"Content-Type": "text/html", "Content-Length": str(size)})
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        with contextlib.suppress(OSError):  # the client hangs up at its size limit
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        return None

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        headers = {**headers, "Content-Length": str(len(body))}
        self._head(status, headers)
        if body:
            self.wfile.write(body)
