"""``otelscope show``: the local store's traces as a list, a tree or a page.

Everything is read through the store's index (``store/indexed.py``): the list
from the index alone, one trace from the lines that hold its spans.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from otelscope.cli.summary import plural
from otelscope.cli.terminal import error, use_color, warn
from otelscope.cost import PricesError, PriceTable, load_prices
from otelscope.store import NoTraces, StoreNotFound, StoreProblem, TraceSummary
from otelscope.store.indexed import TraceSpans, list_traces, read_trace
from otelscope.viewer.tree import format_duration, render_tree

_RED = "\x1b[31m"
_RESET = "\x1b[0m"
_NOT_FOUND_HINT = "(`otelscope show` lists the stored traces)"


def show(
    store_dir: Path,
    trace_id: str | None,
    html: Path | None,
    limit: int,
    *,
    content: bool = False,
    prices: Path | None = None,
) -> int:
    try:
        if html is not None:
            return _write_page(store_dir, trace_id, html, prices)
        if trace_id is None:
            return _list(store_dir, limit)
        return _tree(store_dir, trace_id, content=content, prices=prices)
    except StoreNotFound as missing:
        return error(str(missing))


def warn_about_problems(problems: Sequence[StoreProblem]) -> None:
    if not problems:
        return
    count = plural(len(problems), "unreadable line")
    warn(f"skipped {count} in the store (first: {problems[0]})")


def _list(store_dir: Path, limit: int) -> int:
    listing = list_traces(store_dir, limit)
    warn_about_problems(listing.problems)
    if not listing.total:
        print(f"no traces in {store_dir} yet")
        return 0
    color = use_color(sys.stdout)
    width = max(LIST_WIDTH, shutil.get_terminal_size((LIST_WIDTH, 24)).columns)
    print(_row([heading for heading, _, _, _ in _COLUMNS], "ROOT", width))
    for summary in listing.summaries:
        red_errors = color and summary.error_count > 0
        print(_row(_cells(summary), summary.root_name, width, red_errors=red_errors))
    if listing.total > limit:
        print(f"(the {limit} newest of {listing.total} traces; --limit N shows more)")
    return 0


# The list fits this many columns (more on a wider terminal: the root's name
# gets the rest). A trace id prefix of 12 hex digits is what `show` needs to
# find the trace, and its full id heads the tree.
LIST_WIDTH = 80
TRACE_ID_DIGITS = 12
# (heading, width, right-aligned, spaces before); the root span's name follows.
_COLUMNS = (
    ("TRACE", TRACE_ID_DIGITS, False, 0),
    ("START (UTC)", 14, False, 2),
    ("DURATION", 8, True, 2),
    ("SPANS", 5, True, 1),
    ("TOKENS I/O", 10, True, 1),
    ("ERR", 3, True, 1),
)
_ERRORS_COLUMN = 5
_ROOT_GAP = 2
# A root name is cut to this at least, even where long cells leave less room.
_MIN_ROOT_WIDTH = 12


def _cells(summary: TraceSummary) -> list[str]:
    return [
        summary.trace_id[:TRACE_ID_DIGITS],
        _start(summary.start_unix_nano),
        format_duration(summary.duration_nano),
        str(summary.span_count),
        f"{_compact(summary.input_tokens)}/{_compact(summary.output_tokens)}",
        str(summary.error_count),
    ]


def _row(cells: Sequence[str], root: str, width: int, *, red_errors: bool = False) -> str:
    padded = [
        " " * gap + (cell.rjust(size) if right else cell.ljust(size))
        for cell, (_, size, right, gap) in zip(cells, _COLUMNS, strict=True)
    ]
    used = sum(len(cell) for cell in padded) + _ROOT_GAP
    root = _cut(root, max(_MIN_ROOT_WIDTH, width - used))
    # Painted after padding, so the escape codes do not shift the columns.
    if red_errors:
        padded[_ERRORS_COLUMN] = f"{_RED}{padded[_ERRORS_COLUMN]}{_RESET}"
    return ("".join(padded) + " " * _ROOT_GAP + root).rstrip()


def _cut(text: str, width: int) -> str:
    """``text`` in ``width`` columns, its end replaced by an ellipsis if cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _start(unix_nano: int) -> str:
    """Month, day and time to the second: the year and milliseconds are in the tree."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix_nano / 1e9, tz=UTC).strftime("%m-%d %H:%M:%S")


def _compact(count: int) -> str:
    """A token count in at most six characters: 12345, 678k, 9.1M."""
    if count < 1_000_000:
        return str(count) if count < 100_000 else f"{count // 1000}k"
    if count < 1_000_000_000:
        return f"{count / 1e6:.1f}M"
    return f"{count / 1e9:.1f}G"


def _tree(
    store_dir: Path, trace_id: str, *, content: bool = False, prices: Path | None = None
) -> int:
    table = price_table(prices)
    if isinstance(table, int):
        return table
    found = _read(store_dir, trace_id)
    if isinstance(found, int):
        return found
    color = use_color(sys.stdout)
    print(render_tree(found.spans, color=color, content=content, prices=table))
    return 0


def price_table(path: Path | None) -> PriceTable | int:
    """The price table (with ``path`` or $OTELSCOPE_PRICES over it), or the
    failure status once the error is printed."""
    try:
        return load_prices(path)
    except PricesError as problem:
        return error(str(problem))


def _write_page(store_dir: Path, trace_id: str | None, path: Path, prices: Path | None) -> int:
    from otelscope.viewer.html import render_waterfall_html

    table = price_table(prices)
    if isinstance(table, int):
        return table
    found = _read(store_dir, trace_id)
    if isinstance(found, int):
        return found
    title = f"otelscope trace {found.trace_id}"
    page = render_waterfall_html(found.spans, title=title, prices=table)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as failure:
        return error(f"cannot write {path}: {failure.strerror or failure}")
    print(f"wrote {path} (trace {found.trace_id}, {plural(len(found.spans), 'span')})")
    return 0


def _read(store_dir: Path, trace_id: str | None) -> TraceSpans | int:
    """The trace's spans, or the failure status once the error is printed."""
    found = read_trace(store_dir, trace_id)
    warn_about_problems(found.problems)
    if isinstance(found.not_found, NoTraces):
        return error("the store holds no traces to write a page of")
    if found.not_found is not None:
        return error(f"{found.not_found} {_NOT_FOUND_HINT}")
    if not found.spans:
        # Indexed, yet its lines are gone (rotated out since): as good as unknown.
        return error(f"trace {found.trace_id} is no longer in the store {_NOT_FOUND_HINT}")
    return found
