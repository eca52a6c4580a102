"""The Jinja2 environment of the site: autoescaping, filters, relative links.

Everything shown comes from the database and part of it from scraped pages, so every
template is autoescaped (HTML, SVG and XML alike) and links to sources go through `href`,
which lets only http(s) URLs become links (`javascript:` in a scraped URL stays text).
Links inside the site are relative (`{{ root }}` leads from each page back to the root), so it
works under any sub-path; absolute URLs (feeds, canonical links) exist only with a base URL.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2
import jinja2.compiler
from markupsafe import Markup, escape
from markupsafe import _escape_inner as _escape_str

from status import __version__
from status.resources import site_dir

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_MONTH_OF = {f"{i:02d}": name for i, name in enumerate(MONTHS, 1)}
_DAY_OF = {f"{i:02d}": str(i) for i in range(1, 32)}


def date_text(iso: str | None, precision: str | None = "day") -> str:
    """`10 May 2016`, `May 2016`, `2016`: as precise as the date is known."""
    if not iso or precision == "unknown":
        return "date not known"
    # Every page shows dozens of dates: month and day by lookup, not int() (same text).
    month, day = _MONTH_OF.get(iso[5:7]), _DAY_OF.get(iso[8:10])
    if month is None or day is None:
        return _parsed_date_text(iso, precision)
    if precision == "year":
        return iso[:4]
    if precision == "month":
        return f"{month} {iso[:4]}"
    return f"{day} {month} {iso[:4]}"


def _parsed_date_text(iso: str, precision: str | None) -> str:
    """`date_text` for what the lookups do not know (an odd date reads as it always did)."""
    year, month, day = iso[:4], int(iso[5:7]), int(iso[8:10])
    if precision == "year":
        return year
    if precision == "month":
        return f"{MONTHS[month - 1]} {year}"
    return f"{day} {MONTHS[month - 1]} {year}"


def escape_html(value: object) -> str:
    """`markupsafe.escape(value)` as a plain str (same characters, same entities), without
    building a Markup object: for HTML assembled in Python by the hot paths (timeline rows,
    feed entries). A value that is already markup (`__html__`) is kept as it is.
    """
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return str(value.__html__())
        value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("'", "&#39;")
        )
    return value


_LINKABLE = re.compile(r"https?://[^\s/?#\\@]+(?:[/?#][^\s]*)?", re.IGNORECASE)


def href(url: str | None) -> str | None:
    """The URL if it is safe to link (http or https with a host, no spaces), else None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    return url if _LINKABLE.fullmatch(url) else None


BADGE = (
    '<span class="badge s-{0}"><svg class="swatch s-{0}" width="14" height="14" '
    'viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect class="fill" '
    'width="14" height="14"/></svg><span class="word">{0}</span></span>'
)


def badges() -> dict[str, Markup]:
    """A status as a swatch (colour and pattern) and its word: made once, used everywhere.

    Statuses come from the closed vocabulary, never from scraped text.
    """
    return {s: Markup(BADGE.format(s)) for s in ("banned", "restricted", "legal", "unknown")}


def depth_prefix(path: str) -> str:
    """The relative way back to the site's root from the page at `path`."""
    return "../" * path.count("/") or "./"


def output_escape(value: object) -> str:
    """What an autoescaped `{{ value }}` writes: the text of `markupsafe.escape(value)`.

    Jinja2 calls `escape` for every expression a template outputs, and `escape` wraps
    its result in a new Markup (in Python) even when given Markup. Output is joined into
    one string at once, so the wrapper is not needed there: a plain str is escaped in C,
    markup is written as it is. A jurisdiction page outputs about eighty expressions.
    """
    if type(value) is str:
        return _escape_str(value)
    if type(value) is Markup:
        return value
    return escape(value)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles `{{ ... }}` to `environment.output_escape(...)` where Jinja2 would write
    `escape(...)` (an autoescaped output in a template whose autoescaping is fixed)."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return super()._output_child_pre(node, frame, finalize)
        self.write("environment.output_escape(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    output_escape = staticmethod(output_escape)


class Renderer:
    """Renders templates to bytes; knows the base URL for absolute links."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self.templates = site_dir() / "templates"
        self.env = _Environment(
            loader=jinja2.FileSystemLoader(self.templates),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "svg", "xml"), default_for_string=True, default=True
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters.update(date_text=date_text, href=href)
        self.env.globals.update(
            absolute=self.absolute,
            version=__version__,
            badges=badges(),
            pattern_defs=self._pattern_defs,
        )
        self._patterns: Markup | None = None

    def _pattern_defs(self) -> Markup:
        """The status patterns every page carries, rendered once (on first use, when the
        compiled templates are at hand), not per page: a page that imports the macros
        "with context" pays for the import on every render."""
        if self._patterns is None:
            self._patterns = self.env.get_template("_macros.html").module.pattern_defs()
        return self._patterns

    def absolute(self, path: str) -> str | None:
        return self.base_url + path if self.base_url else None

    def link(self, path: str, from_path: str) -> str:
        """A link for a feed: absolute with a base URL, else relative to the feed's file."""
        return self.absolute(path) or depth_prefix(from_path) + path

    def render(self, template: str, path: str, **context) -> bytes:
        """Render `template` as the page at `path` (which decides the relative prefix)."""
        context.setdefault("canonical", self.absolute(_page_url(path)))
        html = self.env.get_template(template).render(
            # Markup: only "../" steps, safe, and shown a score of times a page.
            root=Markup(depth_prefix(path)),
            page_path=path,
            **context,
        )
        return html.encode("utf-8")

    def fingerprint(self) -> str:
        """What every page depends on besides its data: templates, assets, code, base URL."""
        digest = hashlib.sha256(f"{__version__}|{self.base_url}".encode())
        package = Path(__file__).resolve().parent
        sources = [
            *sorted(self.templates.rglob("*")),
            *sorted((site_dir() / "static").rglob("*")),
            *sorted(package.glob("site_*.py")),
            package / "publish.py",
            package / "feeds.py",
            package / "maps.py",
            package / "status_text.py",
        ]
        for path in sources:
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


def _page_url(path: str) -> str:
    return path[: -len("index.html")] if path.endswith("index.html") else path
