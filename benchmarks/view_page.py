"""The store page (`otelscope view`) on a store of 5,000 traces: its size and open time.

Builds (once, cached under .venv/bench-view) a store of 5,000 agent calls written
through the real `LocalStoreSpanExporter` in the SDK's batches of 512 spans: the
calls of `make bench-store` (an agent call, two ReAct rounds, their chat and
tool spans, some message content, four calls per conversation). Then writes the
page with the default limit and with --all, each `otelscope view` a subprocess,
and opens each in headless Chromium (tests/viewer/browser.py): the time to
first render is when the page's script has drawn the list and the newest
trace's waterfall (DOMContentLoaded: the script runs at the end of the body),
and the first text search is timed too (it parses every trace's block).

Run from the repository root with the environment that has Chromium's driver:
    .venv/as2/bin/python -m benchmarks.view_page
Timings depend on the machine; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.store import BATCH, _spans
from otelscope.store import LocalStoreSpanExporter

CACHE = Path(".venv/bench-view")
TRACES = 5000
SPANS_PER_CALL = 7
VERSION = "1"  # bump when the generated calls change
OPENS = 3

# Run in the page once it is drawn: how long loading and drawing took.
TIMINGS = """
var navigation = performance.getEntriesByType('navigation')[0];
var paint = performance.getEntriesByName('first-contentful-paint')[0];
return {render: navigation.domContentLoadedEventStart,
        paint: paint ? paint.startTime : null,
        rows: document.querySelectorAll('#list .trace-row').length};
"""
SEARCH = """
var box = document.getElementById('search');
var started = performance.now();
box.value = 'umbrella';
box.dispatchEvent(new Event('input'));
var first = performance.now() - started;
started = performance.now();
box.value = 'forecaster-7';
box.dispatchEvent(new Event('input'));
return {first: first, again: performance.now() - started,
        rows: document.querySelectorAll('#list .trace-row').length};
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the store is kept")
    parser.add_argument("--rebuild", action="store_true", help="write the store again")
    options = parser.parse_args()
    store = options.cache / "store"
    if options.rebuild or not (options.cache / f"complete-{VERSION}").exists():
        _build(options.cache, store)
    print(f"store: {TRACES} traces, {TRACES * SPANS_PER_CALL} spans, {_size(store)}")
    columns = f"{'write s':>8} {'size MB':>8} {'render ms':>10} {'paint ms':>9}  search ms"
    print(f"{'page':<26} {columns}")
    for label, arguments in (("default (--limit 500)", []), ("--all (5,000 traces)", ["--all"])):
        page = options.cache / ("all.html" if arguments else "default.html")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "otelscope.cli", "view", "--store", str(store), "-o", str(page),
             *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        written = time.perf_counter() - started
        opens = [_open(page) for _ in range(OPENS)]
        render = min(timing["render"] for timing, _ in opens)
        paint = min(timing["paint"] or 0 for timing, _ in opens)
        search = min(found["first"] for _, found in opens)
        again = min(found["again"] for _, found in opens)
        print(
            f"{label:<26} {written:8.2f} {page.stat().st_size / 2**20:8.1f} {render:10.0f} "
            f"{paint:9.0f}  {search:.0f} (first), {again:.0f} (next)"
        )


def _build(cache: Path, store: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    exporter = LocalStoreSpanExporter(store)
    # Calls start eight at a time, so the first TRACES x 7 spans are TRACES whole calls.
    spans = itertools.islice(_spans(), TRACES * SPANS_PER_CALL)
    while batch := list(itertools.islice(spans, BATCH)):
        exporter.export(batch)
    exporter.shutdown()
    (cache / f"complete-{VERSION}").touch()
    print(f"built the store in {time.perf_counter() - started:.0f} s")


def _open(page: Path) -> tuple[dict[str, float], dict[str, float]]:
    """A fresh browser per opening, so nothing is cached between them."""
    from tests.viewer.browser import chromium, open_waterfall

    with chromium(1400, 1000) as driver:
        open_waterfall(driver, page)
        timing = driver.execute_script(TIMINGS)
        found = driver.execute_script(SEARCH)
    return timing, found


def _size(store: Path) -> str:
    data = sum(path.stat().st_size for path in store.glob("traces*.jsonl"))
    return f"{data / 2**20:.0f} MiB of lines"


if __name__ == "__main__":
    main()
