"""Crawl throughput: our pipeline next to a bare Scrapy spider, same pages, same run.

Serves N fixture statute pages (default 1,000) from a threaded HTTP server on 127.0.0.1,
then times:
- bare: a minimal Scrapy spider that fetches every page and does nothing with it;
- ours: `kratom crawl` over a registry of the same N pages, as configured for real
  crawls (the HTTP cache storing every page for conditional requests, watched-part
  extraction, failure rules, hashing, snapshots and checks written to SQLite in batches).
Both run in their own process with the same politeness settings relaxed for loopback.
Target: ours at 70% or more of the bare rate.

Run: python benchmarks/crawl.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status import sources as registry  # noqa: E402
from status import store  # noqa: E402
from status.seed import load_jurisdictions  # noqa: E402
from status.sources import Source  # noqa: E402
from tests.fixture_server import FixtureServer, Route  # noqa: E402

SETTINGS = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "ERROR",
}
PAGE = (ROOT / "tests" / "fixtures" / "pages" / "schedule_v2.html").read_bytes()

BARE = textwrap.dedent("""
    import json, sys, time
    import scrapy
    from scrapy.crawler import CrawlerProcess
    urls = json.load(open(sys.argv[1]))
    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)
        def parse(self, response):
            pass
    settings = json.loads(sys.argv[2])
    settings.update(TELNETCONSOLE_ENABLED=False, REMOTE_CONTROL_ENABLED=False,
                    ROBOTSTXT_OBEY=True, HTTPCACHE_ENABLED=False)
    start = time.perf_counter()
    process = CrawlerProcess(settings, install_root_handler=False)
    process.crawl(Bare)
    process.start()
    print(time.perf_counter() - start)
""")


def serve(server: FixtureServer, pages: int) -> list[str]:
    for n in range(pages):
        server.routes[f"/code/{n}"] = Route(PAGE.replace(b"481.1031", f"481.{n:04d}".encode()))
    return [server.url(f"/code/{n}") for n in range(pages)]


def bare(urls: list[str], folder: Path) -> float:
    (folder / "urls.json").write_text(json.dumps(urls))
    script = folder / "bare.py"
    script.write_text(BARE)
    out = subprocess.run([sys.executable, str(script), str(folder / "urls.json"),
                          json.dumps(SETTINGS)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def ours(urls: list[str], folder: Path) -> float:
    db = folder / "bench.db"
    conn = store.connect(db, create=True)
    load_jurisdictions(conn)
    registry.save(conn, [
        Source(id=f"page-{n}", jurisdiction="US-TX", url=url, kind="statute",
               watch={"css": "#statute"}, anchors={"kratom_term": "optional"})
        for n, url in enumerate(urls)
    ])
    conn.close()
    env = {**os.environ, "KRATOM_CRAWL_SETTINGS": json.dumps(SETTINGS)}
    code = ("import sys, time; from spiders.run import crawl\n"
            "start = time.perf_counter(); summary, _ = crawl(sys.argv[1])\n"
            "print(summary.checked, summary.first, time.perf_counter() - start)")
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True,
                         text=True, env=env, cwd=ROOT, check=True)
    checked, first, seconds = out.stdout.split()
    assert int(checked) == int(first) == len(urls), out.stdout
    return float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = FixtureServer()
    urls = serve(server, args.pages)
    bare_times, our_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            folder = Path(tmp) / f"run{run}"
            folder.mkdir()
            bare_times.append(bare(urls, folder))
            our_times.append(ours(urls, folder))
    server.close()
    bare_rate = args.pages / sorted(bare_times)[len(bare_times) // 2]
    our_rate = args.pages / sorted(our_times)[len(our_times) // 2]
    print(f"{args.pages} fixture pages on 127.0.0.1, median of {args.runs} runs (crawl time "
          "inside the process, start-up excluded)")
    print(f"  bare Scrapy spider : {bare_rate:7.1f} pages/s")
    print(f"  kratom crawl       : {our_rate:7.1f} pages/s  ({our_rate / bare_rate:.0%} of bare; "
          "target >= 70%)")


if __name__ == "__main__":
    main()
