"""Spiders for the legislative and regulatory APIs and feeds.

- FederalRegisterSpider: documents about kratom from DEA, FDA and HHS (no key), plus the
  public-inspection list (documents on file before publication: the earliest warning).
- UkLegislationSpider: legislation.gov.uk Atom feeds (new legislation; changes affecting
  the Psychoactive Substances Act 2016 and the Misuse of Drugs Act 1971), kept when an
  entry names a kratom term.
- OpenStatesSpider (OPENSTATES_API_KEY) and LegiScanSpider (LEGISCAN_API_KEY): state bills.
  Without a key each says so once and skips; a missing key never fails the crawl.

Change tokens first: publication dates, `updated_since` and LegiScan's `change_hash` keep a
routine crawl to a few requests. A 429 waits for Retry-After (capped) and tries again.
Each response becomes an ApiCheck; malformed JSON or XML is a failed check.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterable
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.items import ApiCheck, StateUpdate
from spiders.middlewares import describe
from status.bill_stages import stage_from_actions, stage_from_legiscan
from status.dates import now_iso
from status.fetch_rules import KRATOM_TERMS
from status.legislative import Bill, Document
from status.sources import Source

TERMS = ("kratom", "mitragynine", "7-hydroxymitragynine", "Mitragyna speciosa")
MAX_PAGES = 10
RETRY_AFTER_CAP = 120.0
API_ERRORS = list(range(400, 600))


class ApiSpider(scrapy.Spider):
    """Shared plumbing: JSON parsing, checks, 429 with Retry-After, failures."""

    provider = ""
    key_variable: str | None = None

    def __init__(self, source: Source, state: dict[str, str], tokens: dict, **kwargs):
        super().__init__(**kwargs)
        self.source, self.state, self.tokens = source, state, tokens
        self.base = source.url.rstrip("/")

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.key_variable) if self.key_variable else None

    def missing_key(self) -> bool:
        """spiders.run skips a keyed API without its key; this guards direct use."""
        return bool(self.key_variable and not self.api_key)

    def get(self, url: str, callback, **meta) -> scrapy.Request:
        headers = {"X-API-KEY": self.api_key} if self.provider == "openstates" else {}
        return scrapy.Request(url, callback=self.checked(callback), errback=self.failed,
                              headers=headers, meta={"handle_httpstatus_list": API_ERRORS,
                                                     "dont_cache": True, **meta},
                              dont_filter=True)

    def checked(self, callback):
        """Wrap a callback: HTTP errors, 429 and malformed bodies become failed checks."""

        async def handle(response: Response):
            if response.status == 429:
                retry = await self.after_retry_after(response)
                return [self.check(response, False, "rate limited (HTTP 429)"), *retry]
            if response.status >= 400:
                return [self.check(response, False, f"HTTP {response.status}")]
            try:
                results = list(callback(response))
            except (ValueError, KeyError, TypeError) as exc:
                reason = f"malformed response: {' '.join(str(exc).split())[:150]}"
                return [self.check(response, False, reason)]
            items = sum(1 for r in results if isinstance(r, (Document, Bill)))
            return [self.check(response, True, items=items), *results]

        return handle

    async def after_retry_after(self, response: Response) -> list[scrapy.Request]:
        tries = response.meta.get("tries_429", 0)
        if tries >= 2:
            return []
        header = (response.headers.get(b"Retry-After") or b"").decode().strip()
        await asyncio.sleep(min(float(header) if header.isdigit() else 5.0, RETRY_AFTER_CAP))
        request = response.request.replace(dont_filter=True)
        request.meta["tries_429"] = tries + 1
        return [request]

    def check(self, response: Response, ok: bool, reason: str | None = None, items: int = 0
              ) -> ApiCheck:
        return ApiCheck(self.source.id, now_iso(), ok, reason, response.status,
                        redact(response.url), items)

    def failed(self, failure: Failure) -> list[ApiCheck]:
        return [ApiCheck(self.source.id, now_iso(), False, describe(failure.value),
                         url=redact(failure.request.url))]


def redact(url: str) -> str:
    """API keys never reach the database."""
    return re.sub(r"(?i)(key|apikey|api_key)=[^&]+", r"\1=REDACTED", url)


def json_body(response: Response) -> dict:
    data = json.loads(response.text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


class FederalRegisterSpider(ApiSpider):
    name = "federal-register"
    provider = "federal-register"
    agencies = ("drug-enforcement-administration", "food-and-drug-administration",
                "health-and-human-services-department")
    fields = ("document_number", "title", "type", "abstract", "citation", "publication_date",
              "effective_on", "agencies", "html_url", "pdf_url")

    async def start(self):
        since = self.state.get("last_publication_date")
        for term in TERMS:
            params = [("conditions[term]", f'"{term}"'), ("order", "newest"), ("per_page", "100")]
            params += [("conditions[agencies][]", a) for a in self.agencies]
            params += [("fields[]", f) for f in self.fields]
            if since:
                params.append(("conditions[publication_date][gte]", since))
            yield self.get(f"{self.base}/documents.json?{urlencode(params)}", self.documents)
        yield self.get(f"{self.base}/public-inspection-documents/current.json", self.inspection)

    def documents(self, response: Response) -> Iterable:
        data = json_body(response)
        results = data["results"] if data.get("count") else data.get("results", [])
        latest = self.state.get("last_publication_date") or ""
        for doc in results:
            yield self.document(doc)
            latest = max(latest, doc.get("publication_date") or "")
        if latest:
            yield StateUpdate(self.provider, "last_publication_date", latest)
        pages = response.meta.get("page", 1)
        if data.get("next_page_url") and pages < MAX_PAGES:
            yield self.get(data["next_page_url"], self.documents, page=pages + 1)

    def inspection(self, response: Response) -> Iterable[Document]:
        for doc in json_body(response).get("results", []):
            text = " ".join(str(doc.get(k) or "") for k in ("title", "abstract", "toc_subject",
                                                             "toc_doc"))
            if KRATOM_TERMS.search(text):
                yield self.document(doc, kind="Public inspection")

    def document(self, doc: dict, kind: str | None = None) -> Document:
        agencies = doc.get("agencies") or []
        return Document(
            provider=self.provider, external_id=str(doc["document_number"]), jurisdiction="US",
            title=str(doc.get("title") or doc["document_number"]),
            kind=kind or doc.get("type"),
            agency="; ".join(a.get("name") or a.get("raw_name") or "" for a in agencies
                             if isinstance(a, dict)) or None,
            abstract=doc.get("abstract"), citation=doc.get("citation"),
            published_date=doc.get("publication_date") or doc.get("filed_at", "")[:10] or None,
            effective_date=doc.get("effective_on"),
            url=doc.get("html_url"), pdf_url=doc.get("pdf_url"),
        )


class UkLegislationSpider(ApiSpider):
    name = "uk-legislation"
    provider = "legislation-gov-uk"
    feeds = ("new/data.feed", "changes/affected/ukpga/2016/2/data.feed",
             "changes/affected/ukpga/1971/38/data.feed")

    async def start(self):
        for feed in self.feeds:
            yield self.get(f"{self.base}/{feed}", self.entries)

    def entries(self, response: Response) -> Iterable[Document]:
        from lxml import etree

        atom = {"a": "http://www.w3.org/2005/Atom"}
        try:
            root = etree.fromstring(response.body)
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"not an Atom feed ({exc})") from None
        if root.tag != "{http://www.w3.org/2005/Atom}feed":
            raise ValueError(f"not an Atom feed (root element {root.tag})")
        for entry in root.findall("a:entry", atom):
            title = entry.findtext("a:title", "", atom)
            summary = entry.findtext("a:summary", "", atom)
            if not KRATOM_TERMS.search(f"{title} {summary}"):
                continue
            link = entry.find("a:link[@rel='alternate']", atom) or entry.find("a:link", atom)
            yield Document(
                provider=self.provider, external_id=entry.findtext("a:id", "", atom),
                jurisdiction="GB", title=title, kind="legislation", abstract=summary or None,
                published_date=(entry.findtext("a:published", "", atom)
                                or entry.findtext("a:updated", "", atom))[:10] or None,
                url=link.get("href") if link is not None else None,
            )


def state_code(ocd_jurisdiction: str) -> str | None:
    """ocd-jurisdiction/country:us/state:tx/government -> US-TX (DC, PR too)."""
    match = re.search(r"country:us/(?:state|district|territory):([a-z]{2})", ocd_jurisdiction)
    return f"US-{match.group(1).upper()}" if match else None


class OpenStatesSpider(ApiSpider):
    name = "openstates"
    provider = "openstates"
    key_variable = "OPENSTATES_API_KEY"

    async def start(self):
        if self.missing_key():
            return
        yield self.get(self.search_url(1), self.bills, page=1)

    def search_url(self, page: int) -> str:
        params = [("q", " OR ".join(f'"{t}"' for t in TERMS)), ("sort", "updated_desc"),
                  ("per_page", "20"), ("page", str(page))]
        params += [("include", i) for i in ("actions", "sponsorships", "versions")]
        if since := self.state.get("updated_since"):
            params.append(("updated_since", since))
        return f"{self.base}/bills?{urlencode(params)}"

    def bills(self, response: Response) -> Iterable:
        data = json_body(response)
        newest = self.state.get("updated_since") or ""
        for raw in data["results"]:
            bill = self.bill(raw)
            if bill is not None:
                yield bill
            newest = max(newest, (raw.get("updated_at") or "")[:10])
        if newest:
            yield StateUpdate(self.provider, "updated_since", newest)
        page, last = response.meta.get("page", 1), data.get("pagination", {}).get("max_page", 1)
        if page < min(last, MAX_PAGES):
            yield self.get(self.search_url(page + 1), self.bills, page=page + 1)

    def bill(self, raw: dict) -> Bill | None:
        code = state_code((raw.get("jurisdiction") or {}).get("id", ""))
        if code is None:
            return None
        actions = [{"date": a.get("date", "")[:10], "description": a.get("description"),
                    "classification": a.get("classification") or [],
                    "organization": a.get("organization"), "order": a.get("order")}
                   for a in raw.get("actions") or []]
        versions = raw.get("versions") or []
        links = versions[-1].get("links") if versions else []
        return Bill(
            provider=self.provider, external_id=raw["id"], jurisdiction=code,
            identifier=raw["identifier"], session=raw.get("session"), title=raw.get("title"),
            sponsors=[s.get("name") for s in raw.get("sponsorships") or [] if s.get("name")],
            actions=[{k: a[k] for k in ("date", "description", "classification")}
                     for a in actions],
            stage=stage_from_actions(actions),
            last_action=raw.get("latest_action_description"),
            last_action_date=(raw.get("latest_action_date") or "")[:10] or None,
            url=raw.get("openstates_url"), text_url=links[0].get("url") if links else None,
            change_token=raw.get("updated_at"),
        )


class LegiScanSpider(ApiSpider):
    name = "legiscan"
    provider = "legiscan"
    key_variable = "LEGISCAN_API_KEY"

    def op(self, op: str, **params) -> str:
        return f"{self.base}/?{urlencode({'key': self.api_key, 'op': op, **params})}"

    async def start(self):
        if self.missing_key():
            return
        query = " OR ".join(TERMS[:3])
        yield self.get(self.op("getSearch", state="ALL", query=query, year=2), self.search)

    def search(self, response: Response) -> Iterable[scrapy.Request]:
        data = self.ok(response)
        for key, hit in data["searchresult"].items():
            if key == "summary":
                continue
            bill_id, digest = str(hit["bill_id"]), hit.get("change_hash")
            if self.tokens.get(bill_id) != digest:  # unchanged hash: no getBill request
                yield self.get(self.op("getBill", id=bill_id), self.bill)

    def bill(self, response: Response) -> Iterable[Bill]:
        raw = self.ok(response)["bill"]
        history = raw.get("history") or []
        texts = raw.get("texts") or []
        yield Bill(
            provider=self.provider, external_id=str(raw["bill_id"]),
            jurisdiction="US" if raw.get("state") == "US" else f"US-{raw['state']}",
            identifier=raw["bill_number"],
            session=(raw.get("session") or {}).get("session_name"), title=raw.get("title"),
            sponsors=[s.get("name") for s in raw.get("sponsors") or [] if s.get("name")],
            actions=[{"date": h.get("date"), "description": h.get("action"),
                      "classification": []} for h in history],
            stage=stage_from_legiscan(raw.get("status")),
            last_action=history[-1].get("action") if history else None,
            last_action_date=history[-1].get("date") if history else raw.get("status_date"),
            url=raw.get("state_link") or raw.get("url"),
            text_url=texts[-1].get("state_link") if texts else None,
            change_token=raw.get("change_hash"),
        )

    @staticmethod
    def ok(response: Response) -> dict:
        data = json_body(response)
        if data.get("status") != "OK":
            message = (data.get("alert") or {}).get("message", "status is not OK")
            raise ValueError(f"LegiScan error: {message}")
        return data


SPIDERS = {cls.provider: cls for cls in (FederalRegisterSpider, UkLegislationSpider,
                                         OpenStatesSpider, LegiScanSpider)}
