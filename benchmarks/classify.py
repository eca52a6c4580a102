"""Classifier speed: the fixture pages and one-megabyte adversarial inputs.

Prints per-page time for the tests' fixture pages, and the time for each 1 MB hostile
line (a regex that backtracks badly would show here first), next to the floor of
splitting the same text into lines in the same run. Target: any 1 MB input under 2 s.

Run: python benchmarks/classify.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status.classifier import classify, classify_html  # noqa: E402

MEGABYTE = 1_000_000
HOSTILE = {
    "words": "kratom " * (MEGABYTE // 7),
    "statute": "(a) kratom shall not sell to persons under 21 years of age " * (MEGABYTE // 56),
    "semicolons": "kratom; " * (MEGABYTE // 8),
    "enumerators": "(1) " * (MEGABYTE // 4) + "kratom",
    "bidi-nul": "\u202ekratom\x00 " * (MEGABYTE // 9),
}


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    folder = ROOT / "tests" / "fixtures" / "classifier"
    pages = sorted(folder.glob("*"))
    per_page = [timed(classify_html if p.suffix == ".html" else classify, p.read_text())
                for p in pages]
    print(f"fixture pages: {len(pages)}, median {statistics.median(per_page) * 1000:.1f} ms, "
          f"max {max(per_page) * 1000:.1f} ms")
    for name, text in HOSTILE.items():
        floor = timed(str.splitlines, text)
        took = timed(classify, text)
        print(f"1 MB {name:12}: {took:6.2f} s  (floor: splitlines {floor * 1000:.1f} ms; "
              "target < 2 s)")


if __name__ == "__main__":
    main()
