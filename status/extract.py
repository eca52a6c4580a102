"""From a fetched page to the watched text: the part a source watches, as normalised text.

Shared by the spider and `kratom classify`, so a page reads the same wherever it comes
from. HTML: the watched part (CSS or XPath), minus the excluded parts and everything
that is never law (scripts, styles, navigation, forms). PDF: pypdf's text. Then
normalisation: whitespace collapsed, hyphenation at line ends joined, and boilerplate
that changes on every visit (timestamps, "page generated" lines) dropped, so a page
whose law did not change hashes the same.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import unicodedata

NEVER_LAW = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "form",
    "iframe",
    "button",
    "select",
)
BLOCKS = (
    "p",
    "div",
    "li",
    "tr",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "dd",
    "dt",
    "blockquote",
    "pre",
)
# Lines that differ on every fetch without any change in the law.
BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(page )?(last )?(updated|modified|generated|printed|retrieved|accessed)\b.{0,60}$",
        r"^(current )?(date|time)\s*:.{0,40}$",
        r"^©.{0,80}$|^copyright\b.{0,80}$",
        r"^(session|request|visitor) (id|number)\b.{0,60}$",
    )
]


class WatchedPartMissing(ValueError):
    """The source's CSS/XPath matched nothing: a layout change, not news."""


def page_text(
    body: bytes,
    content_type: str = "",
    watch: dict | None = None,
    exclude: list[str] | None = None,
    encoding: str | None = None,
) -> str:
    """The normalised watched text of an HTML or PDF page."""
    if is_pdf(body, content_type):
        return normalise(pdf_text(body))
    return normalise(html_text(decode(body, content_type, encoding), watch or {}, exclude or []))


def is_pdf(body: bytes, content_type: str = "") -> bool:
    return body[:5] == b"%PDF-" or "application/pdf" in content_type.lower()


def decode(body: bytes, content_type: str = "", encoding: str | None = None) -> str:
    """Bytes to text: the declared charset, else UTF-8, else Windows-1252 (never fails)."""
    declared = encoding or _charset(content_type) or _meta_charset(body)
    for candidate in (declared, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return body.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _meta_charset(body: bytes) -> str | None:
    match = re.search(rb"<meta[^>]{0,200}charset=[\"']?([\w-]{1,40})", body[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None


def html_text(html: str, watch: dict, exclude: list[str]) -> str:
    """The text of the watched part, one line per block element."""
    from parsel import Selector

    html = html.replace("\x00", "")
    if not html.strip():
        return ""
    selector = Selector(text=html)
    parts = (
        selector.css(watch["css"])
        if "css" in watch
        else (selector.xpath(watch["xpath"]) if "xpath" in watch else selector.xpath("//body"))
    )
    if not parts:
        if watch:
            raise WatchedPartMissing(f"watched part {watch} not found on the page")
        parts = [selector]
    lines = []
    for part in parts:
        root = part.root
        if isinstance(root, str):  # an XPath that selected text
            lines.append(root)
            continue
        root = copy.deepcopy(root)  # the page's own tree stays untouched
        for bad in root.xpath("|".join(f"//{tag}" for tag in NEVER_LAW)):
            bad.drop_tree()
        for css in exclude:
            for element in root.cssselect(css):
                element.drop_tree()
        for element in root.iter(*BLOCKS):
            element.tail = "\n" + (element.tail or "")
        lines.append(root.text_content())
    return "\n".join(lines)


def pdf_text(body: bytes) -> str:
    """Text of every page of a PDF (statutes are often published as PDFs)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the PDF could not be read ({exc})") from None


def normalise(text: str) -> str:
    """Whitespace and boilerplate out, so the same law always gives the same text."""
    text = unicodedata.normalize("NFC", text.replace("\x00", "").replace("\u00ad", ""))
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    lines = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and not any(pattern.match(line) for pattern in BOILERPLATE):
            lines.append(line)
    return "\n".join(lines)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
