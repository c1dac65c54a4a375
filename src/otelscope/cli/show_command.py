"""``otelscope show``: the local store's traces as a list, a tree or a page."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from otelscope.cli.summary import plural
from otelscope.cli.terminal import error, use_color, warn
from otelscope.store import (
    AmbiguousTraceId,
    SpanRecord,
    StoreNotFound,
    StoreProblem,
    TraceNotFound,
    TraceSummary,
    read_store,
    spans_of_trace,
    summarize_traces,
)
from otelscope.viewer.tree import format_duration, format_start, render_tree

_RED = "\x1b[31m"
_RESET = "\x1b[0m"


def show(store_dir: Path, trace_id: str | None, html: Path | None, limit: int) -> int:
    try:
        contents = read_store(store_dir)
    except StoreNotFound as missing:
        return error(str(missing))
    if contents.problems:
        warn_about_problems(contents.problems)
    if html is not None:
        return _write_page(contents.spans, trace_id, html)
    if trace_id is None:
        return _list(contents.spans, store_dir, limit)
    return _tree(contents.spans, trace_id)


def warn_about_problems(problems: Sequence[StoreProblem]) -> None:
    count = plural(len(problems), "unreadable line")
    warn(f"skipped {count} in the store (first: {problems[0]})")


def _list(spans: Sequence[SpanRecord], store_dir: Path, limit: int) -> int:
    summaries = summarize_traces(spans)
    if not summaries:
        print(f"no traces in {store_dir} yet")
        return 0
    color = use_color(sys.stdout)
    print(_row([heading for heading, _, _ in _COLUMNS]))
    for summary in summaries[:limit]:
        print(_row(_cells(summary), red_errors=color and summary.error_count > 0))
    if len(summaries) > limit:
        print(f"(the {limit} newest of {len(summaries)} traces; --limit N shows more)")
    return 0


# (heading, width, right-aligned); the root span's name comes last, unpadded.
_COLUMNS = (
    ("TRACE ID", 32, False),
    ("START", 27, False),
    ("DURATION", 9, True),
    ("SPANS", 5, True),
    ("TOKENS IN/OUT", 13, True),
    ("ERRORS", 6, True),
    ("ROOT", 0, False),
)
_ERRORS_COLUMN = 5


def _cells(summary: TraceSummary) -> list[str]:
    return [
        summary.trace_id,
        format_start(summary.start_unix_nano),
        format_duration(summary.duration_nano),
        str(summary.span_count),
        f"{summary.input_tokens}/{summary.output_tokens}",
        str(summary.error_count),
        summary.root_name,
    ]


def _row(cells: Sequence[str], *, red_errors: bool = False) -> str:
    padded = [
        cell.rjust(width) if right else cell.ljust(width)
        for cell, (_, width, right) in zip(cells, _COLUMNS, strict=True)
    ]
    # Painted after padding, so the escape codes do not shift the columns.
    if red_errors:
        padded[_ERRORS_COLUMN] = f"{_RED}{padded[_ERRORS_COLUMN]}{_RESET}"
    return "  ".join(padded).rstrip()


def _tree(spans: Sequence[SpanRecord], trace_id: str) -> int:
    try:
        members = spans_of_trace(spans, trace_id)
    except (TraceNotFound, AmbiguousTraceId) as problem:
        return error(f"{problem} (`otelscope show` lists the stored traces)")
    print(render_tree(members, color=use_color(sys.stdout)))
    return 0


def _write_page(spans: Sequence[SpanRecord], trace_id: str | None, path: Path) -> int:
    from otelscope.viewer.html import render_waterfall_html

    if trace_id is None:
        summaries = summarize_traces(spans)
        if not summaries:
            return error("the store holds no traces to write a page of")
        trace_id = summaries[0].trace_id
    try:
        members = spans_of_trace(spans, trace_id)
    except (TraceNotFound, AmbiguousTraceId) as problem:
        return error(f"{problem} (`otelscope show` lists the stored traces)")
    page = render_waterfall_html(members, title=f"otelscope trace {members[0].trace_id}")
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as failure:
        return error(f"cannot write {path}: {failure.strerror or failure}")
    print(f"wrote {path} (trace {members[0].trace_id}, {plural(len(members), 'span')})")
    return 0
