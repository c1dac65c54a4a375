"""``otelscope view``: the local store's traces as one self-contained HTML page.

The page (``viewer/store_page.py``) holds the newest ``--limit`` traces
(`DEFAULT_LIMIT`), or every one with ``--all``: enough for a day of work,
while a page of a full store's every trace would weigh tens of megabytes.
The newest are found in the store's index. When they are a good share of
the store (one in `WHOLE_STORE_SHARE` or more), every line is read once;
otherwise each is read from the lines that hold its spans (``read_trace``),
which decodes each such line whole, spans of other traces included: a store
exported in large batches makes that the slower way for many traces.
``--all`` reads every line once.

The page holds what the store holds, prompts included, so a new file is
created readable by its owner only, as the store's own files are.
"""

from __future__ import annotations

import os
from pathlib import Path

from otelscope.cli.show_command import price_table, warn_about_problems
from otelscope.cli.summary import plural
from otelscope.cli.terminal import error
from otelscope.store import SpanRecord, StoreNotFound, list_traces, read_store, read_trace

DEFAULT_LIMIT = 500
# At least one trace in this many wanted: the whole store is read at once (see _newest).
WHOLE_STORE_SHARE = 20
PAGE_NAME = "view.html"
TITLE = "otelscope traces"


def view(
    store_dir: Path, output: Path | None, limit: int | None, *, prices: Path | None = None
) -> int:
    """Writes the page of the newest ``limit`` traces (``None``: all) to
    ``output`` (default: ``view.html`` in the store)."""
    table = price_table(prices)
    if isinstance(table, int):
        return table
    try:
        traces, total = _all_traces(store_dir) if limit is None else _newest(store_dir, limit)
    except StoreNotFound as missing:
        return error(str(missing))
    if not traces:
        return error("the store holds no traces to write a page of")
    from otelscope.viewer.store_page import render_store_html

    source = str(store_dir.resolve())
    page = render_store_html(traces, title=TITLE, source=source, total=total, prices=table)
    path = output if output is not None else store_dir / PAGE_NAME
    try:
        _write_owner_only(path, page)
    except OSError as failure:
        return error(f"cannot write {path}: {failure.strerror or failure}")
    shown = plural(len(traces), "trace")
    if len(traces) < total:
        shown = f"the {len(traces)} newest of {total} traces; --all for every one"
    print(f"wrote {path} ({shown})")
    return 0


def _newest(store_dir: Path, limit: int) -> tuple[list[list[SpanRecord]], int]:
    listing = list_traces(store_dir, limit)
    warn_about_problems(listing.problems)
    wanted = [summary.trace_id for summary in listing.summaries]
    if limit * WHOLE_STORE_SHARE >= listing.total:
        # A good share of the store: reading every line once is the quicker way.
        by_trace = _by_trace(read_store(store_dir).spans)
        traces = [by_trace[trace_id] for trace_id in wanted if trace_id in by_trace]
    else:
        # A trace read alone decodes whole lines, spans of other traces included.
        traces = [read_trace(store_dir, trace_id).spans for trace_id in wanted]
    # A trace whose lines were rotated out since it was indexed has no spans.
    return [spans for spans in traces if spans], listing.total


def _all_traces(store_dir: Path) -> tuple[list[list[SpanRecord]], int]:
    contents = read_store(store_dir)
    warn_about_problems(contents.problems)
    by_trace = _by_trace(contents.spans)
    return list(by_trace.values()), len(by_trace)


def _by_trace(spans: list[SpanRecord]) -> dict[str, list[SpanRecord]]:
    by_trace: dict[str, list[SpanRecord]] = {}
    for span in spans:
        by_trace.setdefault(span.trace_id, []).append(span)
    return by_trace


def _write_owner_only(path: Path, text: str) -> None:
    """Writes ``text``; a new file gets mode 0o600, an existing one keeps its own."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as page:
        page.write(text)
