"""Change feeds: Atom 1.0 (RFC 4287) and JSON Feed 1.1, from the change log.

A feed reader must never see an old change as new. So an entry's id is a tag URI
(RFC 4151) made of what identifies the change itself — jurisdiction, effective date, new
status — never of the build, the site's address or a database row number; and its
`updated` is when the record was recorded (the second clock), so a rebuild changes
nothing and a corrected record updates its entry in place. Feeds list the changes
recorded last first: a change learned today about 2016 is news today.

All text is untrusted (scraped evidence): it is XML-escaped, stripped of characters XML
cannot carry, and HTML content is escaped HTML (`type="html"`), never markup we trust.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from status import __version__

# Not a domain anyone owns, so no one else mints these ids; fixed, so ids never move.
TAG_PREFIX = "tag:kratom-status,2026:"
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EPOCH = "1970-01-01T00:00:00Z"
# Change titles hold an arrow ("legal → banned"); written as a character reference, an
# ASCII title keeps the whole feed an ASCII string, which Python joins and encodes by
# copying (a jurisdiction's feed is made fifty thousand times in a full build).
_ARROW_REF = "&#8594;"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Entry(NamedTuple):
    """One feed entry (a named tuple: a full build makes hundreds of thousands)."""

    id: str
    title: str
    link: str
    updated: str
    summary: str
    content_html: str
    categories: tuple[str, ...] = ()


@dataclass
class Feed:
    id: str
    title: str
    subtitle: str
    self_link: str
    page_link: str
    entries: list[Entry] = field(default_factory=list)
    json_link: str | None = None

    @property
    def updated(self) -> str:
        """The newest entry's recorded time; a fixed instant for a feed still empty."""
        return max((e.updated for e in self.entries), default=EPOCH)


def change_id(jurisdiction: str, effective_date: str, status: str, nth: int = 1) -> str:
    """The permanent id of a change ("US-AL became banned on 2016-05-10")."""
    suffix = f"/{nth}" if nth > 1 else ""
    return f"{TAG_PREFIX}change/{jurisdiction}/{effective_date}/{status}{suffix}"


def feed_id(kind: str, key: str = "") -> str:
    return f"{TAG_PREFIX}feed/{kind}" + (f"/{key}" if key else "")


def rfc3339(recorded: str | None) -> str:
    """Recorded times are stored as `YYYY-MM-DDTHH:MM:SSZ`; a bare date means midnight UTC."""
    if not recorded:
        return EPOCH
    if len(recorded) == 10:
        return recorded + "T00:00:00Z"
    return recorded if recorded.endswith("Z") or "+" in recorded[10:] else recorded + "Z"


def clean(text: str | None) -> str:
    """Text XML 1.0 can carry: control characters dropped (scraped pages contain them)."""
    if not text:
        return ""
    # Printable text holds none of them (they are all control or non-characters): most
    # values skip the regular expression.
    return text if text.isprintable() else _XML_ILLEGAL.sub("", text)


def atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0: every element RFC 4287 requires, with escaped text."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang="en">',
        f"<id>{_text(feed.id)}</id>",
        f'<title type="text">{_text(feed.title)}</title>',
        f'<subtitle type="text">{_text(feed.subtitle)}</subtitle>',
        f"<updated>{_text(feed.updated)}</updated>",
        "<author><name>kratom-status</name></author>",
        f'<link rel="self" type="application/atom+xml" href={_attr(feed.self_link)}/>',
        f'<link rel="alternate" type="text/html" href={_attr(feed.page_link)}/>',
    ]
    if feed.json_link:
        out.append(
            f'<link rel="alternate" type="application/feed+json" href={_attr(feed.json_link)}/>'
        )
    out.append(f"<generator version={_attr(__version__)}>kratom-status</generator>")
    quoted: dict[str, str] = {}  # categories repeat (statuses, codes): quoted once a feed
    for entry in feed.entries:
        categories = ""
        for category in entry.categories:
            if category not in quoted:
                quoted[category] = _attr(category)
            categories += f"<category term={quoted[category]}/>\n"
        title = _text(entry.title)
        if not title.isascii():  # a change's arrow (see _ARROW_REF)
            title = title.replace("→", _ARROW_REF)
        out.append(
            f"<entry>\n<id>{_text(entry.id)}</id>\n"
            f'<title type="text">{title}</title>\n'
            f"<updated>{_text(entry.updated)}</updated>\n"
            f'<link rel="alternate" type="text/html" href={_attr(entry.link)}/>\n'
            f"{categories}"
            f'<summary type="text">{_text(entry.summary)}</summary>\n'
            f'<content type="html">{_text(entry.content_html)}</content>\n</entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out).encode("utf-8")


def json_feed(feed: Feed, absolute: bool) -> bytes:
    """The feed as JSON Feed 1.1; page and feed URLs only when they are absolute."""
    document: dict = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "description": feed.subtitle,
        "language": "en",
        "authors": [{"name": "kratom-status"}],
    }
    if absolute:
        document["home_page_url"] = feed.page_link
        document["feed_url"] = feed.json_link or feed.self_link
    document["items"] = [
        {
            "id": e.id,
            "url": e.link,
            "title": clean(e.title),
            "summary": clean(e.summary),
            "content_html": clean(e.content_html),
            "date_modified": e.updated,
            "tags": list(e.categories),
        }
        for e in feed.entries
    ]
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _text(value: str) -> str:
    """`xml.sax.saxutils.escape(clean(value))`, inlined: feeds escape thousands of values."""
    if not value:
        return ""
    if not value.isprintable():
        value = _XML_ILLEGAL.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    return value


def _attr(value: str) -> str:
    """`xml.sax.saxutils.quoteattr(clean(value))`: the same quotes and character references."""
    data = _text(value)
    if "\n" in data or "\r" in data or "\t" in data:
        data = data.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))
